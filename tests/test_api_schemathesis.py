"""schemathesis runs every operation of the OpenAPI schema against the WSGI app with a real token:
no 5xx, responses match the schema (status codes, content types, headers, bodies). A few examples per
operation keep it to about a minute.

Two of its checks are left out on purpose: `positive_data_acceptance` (a schema-valid request must
succeed) and `negative_data_rejection` (a schema-invalid one must fail). Business rules refuse
schema-valid input by design (an unknown SKU, an empty cart, a closed month, a statement that is not a
CSV: 400 problem details), and the list filters ignore what they cannot use, as the web pages do.
"""

import datetime

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
import schemathesis
from hypothesis import HealthCheck, settings

from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from orders.api.throttling import TokenRateThrottle
from procurement.wsgi import application
from tests.factories import GroupMembershipFactory, MemberFactory, ProductFactory
from tests.support.api import token_for
from tests.support.finance import make_invoice
from tests.support.orders import make_budget


@pytest.fixture
def keep_test_connection():
    """schemathesis calls the WSGI app itself, so Django closes the connection after each request (as
    in production); the test's transaction must outlive them, as with Django's test client."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_auth(db, business, group, monkeypatch, keep_test_connection):
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "100000/minute"})
    admin = MemberFactory(business=business, is_business_admin=True)
    GroupMembershipFactory(group=group, member=admin, role="buyer")
    make_budget(group, amount="100000.00")
    ProductFactory(sku="SKU-1")
    make_invoice(group=group, buyer=admin, total="50.00", issued_on=datetime.date(2026, 3, 1))
    return f"Bearer {token_for(admin)}"


# The schema view needs no database: loading it at collection is fine.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


@schema.parametrize()
@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_schema(case, api_auth):
    case.call_and_validate(
        headers={"Authorization": api_auth, "Idempotency-Key": "schemathesis"},
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
    )
