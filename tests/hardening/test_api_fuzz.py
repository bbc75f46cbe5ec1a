"""A bounded schemathesis run against the JSON API (/api/, its own OpenAPI at /api/openapi.json):
whatever the generated input, the answer is never a server error.

Every operation is called with generated paths, queries and bodies, as the city-wide operator (a
real token: the calls reach the views, not only the sign-in check) and once more without a token.
Bounded (a fixed number of examples per operation, derandomized) so CI runs the same calls each time.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given
from hypothesis.errors import Unsatisfiable
from hypothesis import settings as hsettings

from civicloop.org import keys
from civicloop.org.models import User
from civicloop.wsgi import application

EXAMPLES = {"positive": 12, "negative": 6}  # per operation: inputs that fit the schema, and inputs that do not
MALFORMED_BODIES = [  # what a broken client or an attacker sends instead of a body
    ("application/json", b"{not json"),
    ("application/json", b'{"description": "\\ud800"}'),
    ("multipart/form-data", b"--x\r\nno boundary given"),
    ("multipart/form-data; boundary=B", b'--B\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n\x89PNG'),
    ("text/xml", b"<case/>"),
]


@pytest.fixture
def keep_connection():
    """As Django's test client does: the WSGI handler must not close the test's database connection
    (and its open transaction) at the end of each request."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def test_schemathesis_finds_no_server_error_in_the_api(db, keep_connection):
    import schemathesis
    from schemathesis.generation import GenerationMode

    _, token = keys.issue(keys.STAFF, User.objects.get(username="operator"), label="fuzz")
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    seen: dict[str, set[int]] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 50  # the walk found the API (cases, citizens, evaluation, geo, auth)
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, token, seen)
    print("status codes per operation:", {op: sorted(codes) for op, codes in sorted(seen.items())})
    assert len(seen) == len(operations)


def _fuzz(operation, mode, token: str, seen: dict[str, set[int]]) -> None:
    @hsettings(max_examples=EXAMPLES[mode.value], deadline=None, derandomize=True, database=None,
               suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        from schemathesis.checks import not_a_server_error

        for headers in ({"Authorization": f"Bearer {token}"}, {}):
            response = case.call(headers=headers)
            seen.setdefault(f"{case.method} {operation.path}", set()).add(response.status_code)
            case.validate_response(response, checks=[not_a_server_error])
            assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:300]}"

    try:
        run()
    except Unsatisfiable:
        if mode.value == "positive":
            raise  # only an operation that takes nothing has no input that breaks its schema


def test_malformed_bodies_get_the_error_shape_on_every_api_operation(db):
    """Bodies no schema describes — unreadable JSON, text that is not text, multipart without a
    boundary or cut short, a content type the API does not read — are 4xx with code and message."""
    import schemathesis
    from django.test import Client

    _, token = keys.issue(keys.STAFF, User.objects.get(username="operator"), label="fuzz")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", raise_request_exception=False)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    failures, tried = [], 0
    for operation in (result.ok() for result in schema.get_all_operations()):
        if operation.method.upper() not in ("POST", "PUT", "PATCH"):
            continue
        path = "/api" + operation.path.replace("{reference}", "532503-20260101-000001").replace("{", "").replace("}", "")
        for content_type, body in MALFORMED_BODIES:
            tried += 1
            response = client.generic(operation.method.upper(), path, body, content_type=content_type)
            if not 400 <= response.status_code < 500:
                failures.append(f"{operation.method.upper()} {path} {content_type}: {response.status_code}")
            elif not (response.json().get("code") and response.json().get("message")):
                failures.append(f"{operation.method.upper()} {path} {content_type}: {response.content[:120]!r}")
    assert tried > 50
    assert not failures, "\n".join(failures)
