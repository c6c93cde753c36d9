"""Property-based fuzz of every native API operation from its OpenAPI schema (schemathesis), bounded so it
runs in `make test`: no request may get a 500, and every response must match the schema the API
publishes. Runs in-process (WSGI) as the admin, inside the test's database transaction."""

import json
import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

# Bounded for `make test`; a longer hunt: DNAPORTAL_FUZZ_EXAMPLES=500 pytest tests/api/test_fuzz_schema.py
EXAMPLES_PER_OPERATION = int(os.environ.get("DNAPORTAL_FUZZ_EXAMPLES", "15"))


def _published_schema() -> dict:
    """The schema /api/v1/schema/ serves, made directly (collecting tests must not touch the database)."""
    from drf_spectacular.generators import SchemaGenerator

    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))


schema = schemathesis.openapi.from_dict(_published_schema())
schema.app = get_wsgi_application()


@pytest.fixture
def token(api, user, make_library):
    make_library()  # something for list and detail operations to find
    return Token.objects.get(user=user).key


@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same requests every run: a failure here is reproducible
)
def test_no_request_gets_a_500_and_every_answer_matches_the_schema(case, token):
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
