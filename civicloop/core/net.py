"""The caller's address, for per-address limits: behind a load balancer REMOTE_ADDR is the balancer's.

X-Forwarded-For is believed only when the direct peer is one of CIVICLOOP_TRUSTED_PROXIES, and
then only the entries our proxies appended (read from the right): a client can put anything at the
left of that header.
"""
from __future__ import annotations

from django.conf import settings


def client_ip(request) -> str:
    peer = request.META.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXIES
    if not trusted or peer not in trusted:
        return peer
    hops = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop[:45]
    return peer
