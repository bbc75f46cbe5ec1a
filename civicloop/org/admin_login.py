"""The admin site's sign-in, throttled like the console's (org.services): one lockout for both doors."""
from __future__ import annotations

from functools import wraps

from django.http import HttpResponse

from civicloop.core.net import client_ip
from civicloop.org import services as org


def throttled(login_view):
    @wraps(login_view)
    def view(request, extra_context=None):
        if request.method != "POST":
            return login_view(request, extra_context)
        username, ip = request.POST.get("username", "").strip(), client_ip(request)
        locked = org.lockout(username, ip)
        if locked:
            return HttpResponse(f"登录失败次数过多，请{locked.minutes}分钟后再试 / too many failed sign-ins; "
                                f"try again in {locked.minutes} minutes", status=429,
                                content_type="text/plain; charset=utf-8")
        response = login_view(request, extra_context)
        org.record_login(username, ip, succeeded=request.user.is_authenticated)
        return response
    return view
