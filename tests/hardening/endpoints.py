"""Every URL the site serves, with its path parameters filled by real objects (the access test walks these)."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass

from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern


@dataclass(frozen=True)
class Endpoint:
    name: str  # namespaced URL name ("console:case"), or the route for an unnamed one
    path: str  # a concrete path with real objects in it
    params: frozenset[str]  # the path parameters it took


def walk(resolver=None, prefix: str = "", namespace: str = ""):
    """(namespaced name, route prefix text, pattern) for every URLPattern, depth first."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from walk(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield (namespace + pattern.name if pattern.name else ""), prefix + str(pattern.pattern), pattern


def parameters(pattern: URLPattern) -> list[str]:
    if isinstance(pattern.pattern, RoutePattern):
        return list(pattern.pattern.converters)
    return list(pattern.pattern.regex.groupindex)


def endpoints(values: dict[str, str], overrides: dict[str, dict[str, str]] | None = None) -> list[Endpoint]:
    """Concrete paths for every named URL pattern (Ninja lists one pattern per operation: deduplicated)."""
    overrides = overrides or {}
    found: dict[str, Endpoint] = {}
    for name, route, pattern in walk():
        names = parameters(pattern)
        if not name:
            if names:
                continue
            path = "/" + route
        else:
            kwargs = {p: overrides.get(name, {}).get(p, values.get(p, "1")) for p in names}
            try:
                path = reverse(name, kwargs=kwargs)
            except NoReverseMatch:
                continue  # a regex that our value does not fit: reported by test_every_pattern_is_reachable
        found.setdefault(path, Endpoint(name or "/" + route, path, frozenset(names)))
    return sorted(found.values(), key=lambda e: e.path)


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


LOGIN_PAGES = re.compile(r"^(/console/login/|/m/login/|/admin/login/)")


def path_values(case, photo) -> dict[str, str]:
    """Path parameters filled with a real case and its photo (everything else gets "1")."""
    return {"reference": case.reference, "attachment_id": str(photo.pk), "name": "intake", "action": "file",
            "fmt": "json", "object_id": str(case.pk), "app_label": "cases"}


def site_endpoints(case, photo) -> list[Endpoint]:
    return endpoints(path_values(case, photo))
