"""腾讯云短信 Tencent Cloud SMS: `SendSms` (API version 2021-01-11) signed with TC3-HMAC-SHA256 (signature v3).

The algorithm:
1. CanonicalRequest = method \\n "/" \\n query ("" for POST) \\n CanonicalHeaders \\n SignedHeaders \\n
   hex(SHA256(body)), where CanonicalHeaders are "name:value\\n" lines, names and values lowercased,
   sorted by name, and SignedHeaders their names joined with ";";
2. StringToSign = "TC3-HMAC-SHA256" \\n timestamp \\n CredentialScope \\n hex(SHA256(CanonicalRequest)),
   CredentialScope = UTC date of the timestamp / service / "tc3_request";
3. the key is derived: HMAC-SHA256("TC3" + SecretKey, date) → (service) → ("tc3_request"), and
   Signature = hex(HMAC-SHA256(key, StringToSign));
4. Authorization = "TC3-HMAC-SHA256 Credential=SecretId/CredentialScope, SignedHeaders=…, Signature=…".
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime, timezone

from django.conf import settings

from civicloop.notify.backends import Undeliverable
from civicloop.notify.sms import SignedRequest, SmsError, provider_template_id, refuse_outside_production, transmit
from civicloop.notify.sms import template as sms_template

ENDPOINT = "sms.tencentcloudapi.com"
SERVICE = "sms"
REGION = "ap-guangzhou"
API_VERSION = "2021-01-11"
ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"
# Errors about this message itself: sending it again cannot succeed; others are retried.
PERMANENT = {
    "InvalidParameterValue.IncorrectPhoneNumber", "InvalidParameterValue.TemplateParameterFormatError",
    "InvalidParameterValue.TemplateParameterLengthLimit", "InvalidParameterValue.ContentLengthLimit",
    "FailedOperation.PhoneNumberInBlacklist", "FailedOperation.TemplateIncorrectOrUnapproved",
    "FailedOperation.SignatureIncorrectOrUnapproved", "FailedOperation.ContainSensitiveWord",
    "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
}


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def canonical_request(*, method: str, headers: dict[str, str], signed_headers: tuple[str, ...], body: bytes,
                      query: str = "") -> str:
    lowered = {name.lower(): value.strip().lower() for name, value in headers.items()}
    names = sorted(signed_headers)
    canonical_headers = "".join(f"{name}:{lowered[name]}\n" for name in names)
    return "\n".join([method, "/", query, canonical_headers, ";".join(names), _sha256_hex(body)])


def credential_scope(timestamp: int, service: str) -> str:
    date = datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")  # UTC, not local: the doc's warning
    return f"{date}/{service}/tc3_request"


def string_to_sign(timestamp: int, service: str, canonical: str) -> str:
    return "\n".join([ALGORITHM, str(timestamp), credential_scope(timestamp, service),
                      _sha256_hex(canonical.encode("utf-8"))])


def signature(secret_key: str, timestamp: int, service: str, to_sign: str) -> str:
    date = credential_scope(timestamp, service).split("/")[0]
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode("utf-8"), date), service), "tc3_request")
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def build_request(*, secret_id: str, secret_key: str, service: str, host: str, action: str, version: str,
                  region: str, body: bytes, timestamp: int,
                  signed_headers: tuple[str, ...] = ("content-type", "host", "x-tc-action")) -> SignedRequest:
    """Any API 3.0 POST with a JSON body, signed; pure (the caller supplies the time)."""
    headers = {"Content-Type": CONTENT_TYPE, "Host": host, "X-TC-Action": action,
               "X-TC-Timestamp": str(timestamp), "X-TC-Version": version, "X-TC-Region": region}
    canonical = canonical_request(method="POST", headers=headers, signed_headers=signed_headers, body=body)
    sign = signature(secret_key, timestamp, service, string_to_sign(timestamp, service, canonical))
    headers["Authorization"] = (f"{ALGORITHM} Credential={secret_id}/{credential_scope(timestamp, service)}, "
                                f"SignedHeaders={';'.join(sorted(signed_headers))}, Signature={sign}")
    return SignedRequest(method="POST", url=f"https://{host}/", headers=headers, body=body)


def send_sms_body(*, app_id: str, sign_name: str, template_id: str, phone: str, params: list[str]) -> bytes:
    payload = {"PhoneNumberSet": [f"+86{phone}"], "SmsSdkAppId": app_id, "SignName": sign_name,
               "TemplateId": template_id, "TemplateParamSet": [str(p) for p in params]}
    return json.dumps(payload, separators=(",", ":")).encode("ascii")


def build_send_request(*, secret_id: str, secret_key: str, app_id: str, sign_name: str, template_id: str,
                       phone: str, params: list[str], timestamp: int, region: str = REGION,
                       endpoint: str = ENDPOINT) -> SignedRequest:
    """The signed SendSms request for one mainland number; Tencent's parameters are positional."""
    body = send_sms_body(app_id=app_id, sign_name=sign_name, template_id=template_id, phone=phone, params=params)
    return build_request(secret_id=secret_id, secret_key=secret_key, service=SERVICE, host=endpoint,
                         action="SendSms", version=API_VERSION, region=region, body=body, timestamp=timestamp)


def parse_response(status: int, body: bytes) -> str:
    """The SerialNo of an accepted message, or the error to raise (API errors come with HTTP 200)."""
    try:
        answer = json.loads(body.decode("utf-8"))["Response"]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise SmsError(f"tencent: HTTP {status}, unexpected answer: {body[:200]!r}") from None
    request_id = answer.get("RequestId", "-")
    error = answer.get("Error")
    if error:
        _raise(error.get("Code", ""), error.get("Message", ""), request_id)
    statuses = answer.get("SendStatusSet") or [{}]
    one = statuses[0]
    if one.get("Code") != "Ok":
        _raise(one.get("Code", "") or f"HTTP {status}", one.get("Message", ""), request_id)
    return one.get("SerialNo", "")


def _raise(code: str, message: str, request_id: str):
    raise (Undeliverable if code in PERMANENT else SmsError)(f"tencent {code}: {message} (RequestId {request_id})")


class Backend:
    keeps_text = False

    def send(self, phone: str, template: str, params: dict, text: str) -> str:
        refuse_outside_production()
        ordered = [params[name] for name in sms_template(template).params]
        request = build_send_request(
            secret_id=settings.SMS_ACCESS_KEY_ID, secret_key=settings.SMS_ACCESS_KEY_SECRET, app_id=settings.SMS_APP_ID,
            sign_name=settings.SMS_SIGN_NAME, template_id=provider_template_id(template), phone=phone,
            params=ordered, timestamp=int(time.time()), region=settings.SMS_REGION or REGION,
            endpoint=settings.SMS_ENDPOINT or ENDPOINT,
        )
        return parse_response(*transmit(request))
