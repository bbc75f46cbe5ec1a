"""A bounded schemathesis run against the JSON API (/api/, its own OpenAPI at /api/openapi.json):
whatever the generated input, the answer is never a server error (issue 9).

Every operation is called with generated paths, queries and bodies, as the city-wide operator (a
real token: the calls reach the views, not only the sign-in check) and once more without a token.
Bounded (a fixed number of examples per operation, derandomized) so CI runs the same calls each time.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings

from civicloop.org.models import ApiToken, User
from civicloop.wsgi import application

EXAMPLES = 12


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
    from schemathesis.checks import not_a_server_error

    _, token = ApiToken.issue(User.objects.get(username="operator"), name="fuzz")
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    seen: dict[str, set[int]] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 50  # the walk found the API (cases, citizens, evaluation, geo, auth)
    for operation in operations:
        @hsettings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                   suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            for headers in ({"Authorization": f"Bearer {token}"}, {}):
                response = case.call(headers=headers)
                seen.setdefault(f"{case.method} {operation.path}", set()).add(response.status_code)
                case.validate_response(response, checks=[not_a_server_error])
                assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:300]}"

        run()
    print("status codes per operation:", {op: sorted(codes) for op, codes in sorted(seen.items())})
    assert len(seen) == len(operations)
