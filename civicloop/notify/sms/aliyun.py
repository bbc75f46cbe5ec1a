"""阿里云短信 Alibaba Cloud SMS: `SendSms` (API version 2017-05-25) with the RPC signature, version 1.0.

The algorithm ("签名机制", RPC style, HMAC-SHA1):
1. every parameter except Signature, sorted by name; names and values percent-encoded per RFC 3986
   (only A-Z a-z 0-9 - _ . ~ stay; space is %20, not +) and joined as name=value with &;
2. StringToSign = HTTPMethod & percentEncode("/") & percentEncode(that canonical query string);
3. Signature = Base64(HMAC-SHA1(key = AccessKeySecret + "&", StringToSign)).
Aliyun's SDK sends SendSms as a POST with every parameter in the query string; so do we.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import datetime, timezone
from urllib.parse import quote

from django.conf import settings

from civicloop.notify.backends import Undeliverable
from civicloop.notify.sms import SignedRequest, SmsError, provider_template_id, refuse_outside_production, transmit

ENDPOINT = "dysmsapi.aliyuncs.com"
REGION = "cn-hangzhou"
API_VERSION = "2017-05-25"
# Errors about this message itself: sending it again cannot succeed. Everything else (throttling,
# a wrong key being fixed, the provider's outage) is retried with back-off.
PERMANENT = {
    "isv.MOBILE_NUMBER_ILLEGAL", "isv.MOBILE_COUNT_OVER_LIMIT", "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.INVALID_PARAMETERS", "isv.INVALID_JSON_PARAM", "isv.PARAM_LENGTH_LIMIT", "isv.PARAM_NOT_SUPPORT_URL",
    "isv.BLACK_KEY_CONTROL_LIMIT", "isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL",
}


def percent_encode(value: str) -> str:
    return quote(str(value), safe="-_.~")


def canonical_query(params: dict[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()) if k != "Signature")


def string_to_sign(method: str, params: dict[str, str]) -> str:
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"


def signature(method: str, params: dict[str, str], access_key_secret: str) -> str:
    digest = hmac.new(f"{access_key_secret}&".encode(), string_to_sign(method, params).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def build_send_request(*, access_key_id: str, access_key_secret: str, phone: str, sign_name: str,
                       template_code: str, params: dict, timestamp: datetime, nonce: str,
                       region: str = REGION, endpoint: str = ENDPOINT, method: str = "POST") -> SignedRequest:
    """The signed SendSms request; pure (the caller supplies the time and the nonce)."""
    query = {
        "AccessKeyId": access_key_id,
        "Action": "SendSms",
        "Format": "JSON",
        "PhoneNumbers": phone,
        "RegionId": region,
        "SignName": sign_name,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": nonce,
        "SignatureVersion": "1.0",
        "TemplateCode": template_code,
        "TemplateParam": json.dumps({k: str(v) for k, v in params.items()}, ensure_ascii=False, separators=(",", ":")),
        "Timestamp": timestamp.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": API_VERSION,
    }
    signed = f"Signature={percent_encode(signature(method, query, access_key_secret))}&{canonical_query(query)}"
    return SignedRequest(method=method, url=f"https://{endpoint}/?{signed}", headers={"Accept": "application/json"},
                         body=b"")


def parse_response(status: int, body: bytes) -> str:
    """The BizId of an accepted message, or the error to raise."""
    try:
        answer = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SmsError(f"aliyun: HTTP {status}, not JSON: {body[:200]!r}") from None
    code = answer.get("Code", "")
    if status == 200 and code == "OK":
        return answer.get("BizId", "")
    message = f"aliyun {code or status}: {answer.get('Message', '')} (RequestId {answer.get('RequestId', '-')})"
    raise (Undeliverable if code in PERMANENT else SmsError)(message)


class Backend:
    keeps_text = False

    def send(self, phone: str, template: str, params: dict, text: str) -> str:
        refuse_outside_production()
        request = build_send_request(
            access_key_id=settings.SMS_ACCESS_KEY_ID, access_key_secret=settings.SMS_ACCESS_KEY_SECRET,
            phone=phone, sign_name=settings.SMS_SIGN_NAME, template_code=provider_template_id(template),
            params=params, timestamp=datetime.now(timezone.utc), nonce=uuid.uuid4().hex,
            region=settings.SMS_REGION or REGION, endpoint=settings.SMS_ENDPOINT or ENDPOINT,
        )
        return parse_response(*transmit(request))

