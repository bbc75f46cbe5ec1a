"""A shop's QR for the report page: the shop's place and name, and refs={"shop": id}."""
from __future__ import annotations

from civicloop.shops.models import Shop


def shop_by_token(token: str) -> Shop | None:
    token = (token or "").strip()
    if not token or len(token) > 16:
        return None
    return Shop.objects.filter(qr_token=token, active=True).first()


def prefill(token: str) -> dict | None:
    shop = shop_by_token(token)
    if shop is None:
        return None
    return {"kind": "shop", "token": shop.qr_token, "lon": shop.lon, "lat": shop.lat, "code": shop.licence_no,
            "title": f"{shop.get_kind_display().split()[0]} · {shop.name}", "category": "",
            "address": shop.address or shop.name}
