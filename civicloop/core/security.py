"""Security headers for every response: a content security policy and a few browser switches.

The pages load scripts only from our own origin (no inline `<script>`, no `on*=` attributes:
data reaches scripts through `data-` attributes and `json_script`), so an injected `<script>` in a
description or an address does nothing even if an escape were ever missed. Inline styles stay
allowed: Leaflet and ECharts set them, and a style cannot run code.
"""
from __future__ import annotations

from django.conf import settings

from civicloop.core import extensions


def content_security_policy() -> str:
    images = " ".join(["'self'", "data:", "blob:", *extensions.image_sources(), *settings.CSP_EXTRA_IMG_SRC])
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": images,
        "font-src": "'self' data:",
        "connect-src": "'self'",
        "worker-src": "'self'",
        "manifest-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "frame-ancestors": "'none'",
        "form-action": "'self'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


# Citizens take photos and share their position in the browser; nothing else is needed.
PERMISSIONS_POLICY = "camera=(self), geolocation=(self), microphone=(), payment=(), usb=(), interest-cohort=()"


class SecurityHeadersMiddleware:
    """Adds the CSP and Permissions-Policy; Django's SecurityMiddleware adds nosniff, referrer policy,
    COOP and (in production, when set) HSTS; XFrameOptionsMiddleware adds X-Frame-Options: DENY."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = content_security_policy()
        self.header = "Content-Security-Policy-Report-Only" if settings.CSP_REPORT_ONLY else "Content-Security-Policy"

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault(self.header, self.policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
