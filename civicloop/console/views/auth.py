"""Staff sign-in with a session; throttled per account and per address (org.services)."""
from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate, login, logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civicloop.core.net import client_ip
from civicloop.org import services as org


class LoginForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)
    password = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput, max_length=128)


def _client_ip(request) -> str:
    return client_ip(request)


def login_view(request):
    if request.user.is_authenticated:
        return redirect("console:home")
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        status = _sign_in(request, form)
        if status == 302:
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
                target = ""
            return redirect(target or "console:home")
    elif request.method == "POST":
        status = 422
    return render(request, "console/login.html", {"form": form}, status=status)


def _sign_in(request, form: LoginForm) -> int:
    username, ip = form.cleaned_data["username"].strip(), _client_ip(request)
    locked = org.lockout(username, ip)
    if locked:
        form.add_error(None, _("Too many failed sign-ins. Try again in %(minutes)d minutes.") % {"minutes": locked.minutes})
        return 429
    user = authenticate(request, username=username, password=form.cleaned_data["password"])
    org.record_login(username, ip, succeeded=user is not None)
    if user is None or not user.role:
        form.add_error(None, _("Wrong username or password."))
        return 422
    login(request, user)
    return 302


@require_POST
def logout_view(request):
    logout(request)
    return redirect("console:login")
