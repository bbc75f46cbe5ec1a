"""A shop's QR for the report page: the shop's place and name, and refs={"shop": id}."""
from __future__ import annotations

from civicloop.core.errors import InvalidInput
from civicloop.shops.models import Shop


def shop_by_token(token: str) -> Shop | None:
    token = (token or "").strip()
    if not token or len(token) > 16:
        return None
    return Shop.objects.filter(qr_token=token, active=True).first()


def prefill(token: str) -> dict | None:
    """For the report page (ShopsConfig.qr_labels), in the shape of facilities.scan.prefill."""
    shop = shop_by_token(token)
    if shop is None:
        return None
    return {"kind": "shop", "token": shop.qr_token, "lon": shop.lon, "lat": shop.lat, "code": shop.licence_no,
            "title": f"{shop.get_kind_display().split()[0]} · {shop.name}", "category": "",
            "address": shop.address or shop.name}


def refs(token: str) -> dict:
    """The report's refs from the token its form carried; a token that names nothing is refused."""
    found = shop_by_token(token)
    if found is None:
        raise InvalidInput.field("shop", "二维码无效或已停用 / this QR code is not valid")
    return {"shop": found.pk}
