"""The SMS providers' signed requests, checked against the providers' published worked examples and
against the algorithm recomputed here step by step. Nothing is sent: only the pure builders run."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timezone
from urllib.parse import parse_qsl, quote, urlsplit

import pytest

from civicloop.notify.backends import Undeliverable
from civicloop.notify.sms import SmsError, aliyun, tencent

# ------------------------------------------------------------------------------ Alibaba Cloud

# The worked example of Alibaba Cloud SMS's "HTTP 协议及签名" page (AccessKeyId testId, secret testSecret).
ALIYUN_DOC_PARAMS = {
    "AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123", "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用", "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466", "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}', "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}
ALIYUN_DOC_STRING_TO_SIGN = (
    "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123%26PhoneNumbers%3D15300000001"
    "%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF%25E9%2587%258C%25E4%25BA%2591%25E7%259F%25AD%25E4%25BF"
    "%25A1%25E6%25B5%258B%25E8%25AF%2595%25E4%25B8%2593%25E7%2594%25A8%26SignatureMethod%3DHMAC-SHA1"
    "%26SignatureNonce%3D45e25e9b-0a6f-4070-8c85-2956eda1b466%26SignatureVersion%3D1.0%26TemplateCode%3DSMS_71390007"
    "%26TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D%26Timestamp%3D2017-07-12T02%253A42%253A19Z"
    "%26Version%3D2017-05-25"
)


def test_aliyun_signature_reproduces_the_published_sendsms_example():
    assert aliyun.string_to_sign("GET", ALIYUN_DOC_PARAMS) == ALIYUN_DOC_STRING_TO_SIGN
    assert aliyun.signature("GET", ALIYUN_DOC_PARAMS, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_aliyun_signature_reproduces_the_published_rpc_example():
    """The RPC signature page's own example (ECS DescribeRegions, secret testsecret)."""
    params = {"AccessKeyId": "testid", "Action": "DescribeRegions", "Format": "XML", "SignatureMethod": "HMAC-SHA1",
              "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", "SignatureVersion": "1.0",
              "Timestamp": "2016-02-23T12:46:24Z", "Version": "2014-05-26"}
    assert aliyun.signature("GET", params, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


@pytest.mark.parametrize("raw, encoded", [
    ("a b", "a%20b"), ("*", "%2A"), ("~-_.", "~-_."), ("/=&+", "%2F%3D%26%2B"), ("城", "%E5%9F%8E"), (":", "%3A"),
])
def test_aliyun_percent_encoding_follows_rfc3986_not_form_encoding(raw, encoded):
    assert aliyun.percent_encode(raw) == encoded


def _aliyun_expected_signature(method: str, params: dict, secret: str) -> str:
    """The documented steps, written out again independently of the module."""
    def enc(value):
        return quote(value, safe="").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")

    pairs = sorted((enc(k), enc(v)) for k, v in params.items())
    canonical = "&".join(f"{k}={v}" for k, v in pairs)
    to_sign = method + "&" + enc("/") + "&" + enc(canonical)
    return base64.b64encode(hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


def test_aliyun_sendsms_request_has_the_recorded_shape_and_a_correct_signature():
    request = aliyun.build_send_request(
        access_key_id="LTAI5tExampleKeyId", access_key_secret="ExampleSecret/+=", phone="13800138000",
        sign_name="蒙自市城市管理", template_code="SMS_123456789", params={"code": "042917", "minutes": 5},
        timestamp=datetime(2026, 11, 22, 8, 30, 5, tzinfo=timezone.utc), nonce="c0ffee00-1234-4abc-8def-000000000001",
    )
    assert request.method == "POST" and request.body == b""
    parts = urlsplit(request.url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "dysmsapi.aliyuncs.com", "/")
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    signature = query.pop("Signature")
    assert query == {
        "AccessKeyId": "LTAI5tExampleKeyId", "Action": "SendSms", "Format": "JSON", "PhoneNumbers": "13800138000",
        "RegionId": "cn-hangzhou", "SignName": "蒙自市城市管理", "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "c0ffee00-1234-4abc-8def-000000000001", "SignatureVersion": "1.0",
        "TemplateCode": "SMS_123456789", "TemplateParam": '{"code":"042917","minutes":"5"}',
        "Timestamp": "2026-11-22T08:30:05Z", "Version": "2017-05-25",
    }
    assert signature == _aliyun_expected_signature("POST", query, "ExampleSecret/+=")
    # The query is RFC 3986-encoded on the wire too: spaces never travel as '+'.
    assert "+" not in parts.query.split("&", 1)[1]
    assert "ExampleSecret" not in request.url + json.dumps(request.headers)


def test_aliyun_timestamp_is_sent_in_utc():
    from zoneinfo import ZoneInfo

    local = datetime(2026, 11, 22, 16, 30, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
    request = aliyun.build_send_request(access_key_id="k", access_key_secret="s", phone="13800138000", sign_name="x",
                                        template_code="SMS_1", params={}, timestamp=local, nonce="n")
    assert dict(parse_qsl(urlsplit(request.url).query))["Timestamp"] == "2026-11-22T08:30:05Z"


def test_aliyun_answers_are_read_as_recorded():
    ok = b'{"Message":"OK","RequestId":"F655A8D5-B967-440B-8683-DAD6FF8DE990","Code":"OK","BizId":"900619746936498440^0"}'
    assert aliyun.parse_response(200, ok) == "900619746936498440^0"
    bad_number = b'{"Message":"invalid mobile number","RequestId":"1","Code":"isv.MOBILE_NUMBER_ILLEGAL"}'
    with pytest.raises(Undeliverable, match="MOBILE_NUMBER_ILLEGAL"):
        aliyun.parse_response(200, bad_number)
    throttled = b'{"Message":"\xe8\xa7\xa6\xe5\x8f\x91\xe5\x88\x86\xe9\x92\x9f\xe7\xba\xa7\xe6\xb5\x81\xe6\x8e\xa7","RequestId":"2","Code":"isv.BUSINESS_LIMIT_CONTROL"}'
    with pytest.raises(SmsError, match="BUSINESS_LIMIT_CONTROL"):
        aliyun.parse_response(200, throttled)
    with pytest.raises(SmsError, match="SignatureDoesNotMatch"):
        aliyun.parse_response(400, b'{"RequestId":"3","Code":"SignatureDoesNotMatch","Message":"Specified signature is not matched"}')
    with pytest.raises(SmsError, match="not JSON"):
        aliyun.parse_response(502, b"<html>Bad Gateway</html>")


# ------------------------------------------------------------------------------ Tencent Cloud

# The worked example of Tencent Cloud's "签名方法 v3" page (CVM DescribeInstances at 1551113065). The page
# has been revised: the earlier revision signs content-type;host with SecretKey Gu5t9xGARNpq86cd98joQYCN3EXAMPLE,
# the current one also signs x-tc-action, with a SecretKey of 32 asterisks. Both are reproduced.
TC_DOC_PAYLOAD = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
TC_DOC = {"service": "cvm", "host": "cvm.tencentcloudapi.com", "action": "DescribeInstances", "version": "2017-03-12",
          "region": "ap-guangzhou", "body": TC_DOC_PAYLOAD, "timestamp": 1551113065}


def test_tc3_reproduces_the_published_example_step_by_step():
    headers = {"Content-Type": "application/json; charset=utf-8", "Host": "cvm.tencentcloudapi.com"}
    canonical = tencent.canonical_request(method="POST", headers=headers, signed_headers=("content-type", "host"),
                                          body=TC_DOC_PAYLOAD)
    assert hashlib.sha256(TC_DOC_PAYLOAD).hexdigest() == "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    assert canonical == ("POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\n"
                         "content-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064")
    to_sign = tencent.string_to_sign(1551113065, "cvm", canonical)
    assert to_sign == ("TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
                       "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031")
    assert tencent.signature("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", 1551113065, "cvm", to_sign) == \
        "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"


def test_tc3_builds_the_published_authorization_header():
    request = tencent.build_request(secret_id="AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
                                    secret_key="Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
                                    signed_headers=("content-type", "host"), **TC_DOC)
    assert request.headers == {
        "Authorization": "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, "
                         "SignedHeaders=content-type;host, "
                         "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168",
        "Content-Type": "application/json; charset=utf-8", "Host": "cvm.tencentcloudapi.com",
        "X-TC-Action": "DescribeInstances", "X-TC-Timestamp": "1551113065", "X-TC-Version": "2017-03-12",
        "X-TC-Region": "ap-guangzhou",
    }
    assert (request.method, request.url, request.body) == ("POST", "https://cvm.tencentcloudapi.com/", TC_DOC_PAYLOAD)


def test_tc3_reproduces_the_current_published_example_with_the_action_signed():
    secret = "*" * 32
    # The page publishes the first derived key too, so the key chain is checked, not only its end.
    secret_date = hmac.new(f"TC3{secret}".encode(), b"2019-02-25", hashlib.sha256).hexdigest()
    assert secret_date == "da98fb70dcf6b112dc21038d1eeeb3a95c74b4dcb12c1131f864f6066bd02be0"
    request = tencent.build_request(secret_id="AKID" + "*" * 32, secret_key=secret, **TC_DOC)
    assert request.headers["Authorization"] == (
        "TC3-HMAC-SHA256 Credential=AKID********************************/2019-02-25/cvm/tc3_request, "
        "SignedHeaders=content-type;host;x-tc-action, "
        "Signature=10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f")


def test_tc3_dates_the_scope_in_utc_even_just_after_midnight_in_china():
    # 2019-02-26 00:44:25 in Beijing is still 2019-02-25 in UTC (the doc's own warning).
    assert tencent.credential_scope(1551113065, "sms") == "2019-02-25/sms/tc3_request"


def _tc3_expected_authorization(secret_id, secret_key, timestamp, headers, body):
    """The documented steps, written out again independently of the module."""
    date = datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")
    canonical_headers = (f"content-type:{headers['Content-Type']}\nhost:{headers['Host']}\n"
                         f"x-tc-action:{headers['X-TC-Action'].lower()}\n")
    canonical = "\n".join(["POST", "/", "", canonical_headers, "content-type;host;x-tc-action",
                           hashlib.sha256(body).hexdigest()])
    scope = f"{date}/sms/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()])

    def sign(key, msg):
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = sign(sign(sign(("TC3" + secret_key).encode(), date), "sms"), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host;x-tc-action, Signature={signature}"


def test_tencent_sendsms_request_has_the_recorded_shape_and_a_correct_signature():
    request = tencent.build_send_request(
        secret_id="AKIDExampleSecretId", secret_key="ExampleSecretKey", app_id="1400787878", sign_name="蒙自市城市管理",
        template_id="1234567", phone="13800138000", params=["042917", "5"], timestamp=1795336205,
    )
    assert (request.method, request.url) == ("POST", "https://sms.tencentcloudapi.com/")
    assert json.loads(request.body) == {
        "PhoneNumberSet": ["+8613800138000"], "SmsSdkAppId": "1400787878", "SignName": "蒙自市城市管理",
        "TemplateId": "1234567", "TemplateParamSet": ["042917", "5"],
    }
    assert request.body.isascii()
    authorization = request.headers.pop("Authorization")
    assert request.headers == {
        "Content-Type": "application/json; charset=utf-8", "Host": "sms.tencentcloudapi.com", "X-TC-Action": "SendSms",
        "X-TC-Timestamp": "1795336205", "X-TC-Version": "2021-01-11", "X-TC-Region": "ap-guangzhou",
    }
    expected = _tc3_expected_authorization("AKIDExampleSecretId", "ExampleSecretKey", 1795336205,
                                           {**request.headers}, request.body)
    assert authorization == expected
    assert "ExampleSecretKey" not in authorization


def test_tencent_answers_are_read_as_recorded():
    ok = json.dumps({"Response": {"SendStatusSet": [{
        "SerialNo": "5000:1045710669157053657849499619", "PhoneNumber": "+8613800138000", "Fee": 1,
        "SessionContext": "", "Code": "Ok", "Message": "send success", "IsoCode": "CN"}],
        "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279"}}).encode()
    assert tencent.parse_response(200, ok) == "5000:1045710669157053657849499619"

    def per_number(code):
        return json.dumps({"Response": {"SendStatusSet": [{"SerialNo": "", "PhoneNumber": "+8613800138000", "Fee": 0,
                                                            "Code": code, "Message": "refused"}], "RequestId": "r"}}).encode()

    with pytest.raises(Undeliverable, match="IncorrectPhoneNumber"):
        tencent.parse_response(200, per_number("InvalidParameterValue.IncorrectPhoneNumber"))
    with pytest.raises(SmsError, match="PhoneNumberThirtySecondLimit"):
        tencent.parse_response(200, per_number("LimitExceeded.PhoneNumberThirtySecondLimit"))
    error = json.dumps({"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "signature mismatch"},
                                     "RequestId": "r"}}).encode()
    with pytest.raises(SmsError, match="AuthFailure.SignatureFailure"):
        tencent.parse_response(200, error)
    with pytest.raises(SmsError, match="unexpected"):
        tencent.parse_response(504, b"gateway timeout")
