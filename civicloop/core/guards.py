"""The one guard for staff pages outside the case workbench: signed in, then an app's own check."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


def staff_page(check: Callable, *, refused: str):
    """Sign-in first (redirect), then `check(user)`; a 403 with the app's `refused` template if it fails."""
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                return render(request, refused, status=403)
            return view(request, *args, **kwargs)
        return wrapped
    return decorate
