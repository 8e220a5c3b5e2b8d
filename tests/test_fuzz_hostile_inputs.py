"""Property-based fuzzing of every page, driven from the URLconf (as the isolation walk is), so new
views are covered without a line here.

For each URL: GET with hostile values in every query parameter its forms name (plus the usual filter
names), and POST hostile values for every field of every form on the page. Hostile: huge, negative,
zero and 3-decimal amounts, NaN/Infinity/sNaN, unicode, 10 kB strings, HTML and SQL fragments,
out-of-range and reversed dates, ids of 2^63 and more. The only allowed outcomes are a page (with a
form error or a message), a redirect or a clean 4xx: never a 500 (the test client re-raises it), and
a refused request saves nothing. Runtime stays bounded: FUZZ_EXAMPLES examples per URL and method.
"""

from __future__ import annotations

import os
import zlib
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

import tests.test_isolation_walk  # noqa: F401  (imports every kwarg builder)
from procurement.models import GroupMembership
from tests.factories import BusinessFactory, GroupMembershipFactory, MemberFactory
from tests.support.isolation import BUILDERS, ORDER

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
#: Each (URL, database) has its own fixed seed: a run repeats itself exactly, and the two CI passes (SQLite,
#: PostgreSQL; .ci/run gives each FUZZ_EXAMPLES=8) try different values, so CI covers as many as before.

#: Never fuzzed: logging out ends the session the walk runs in; the reset link is a credential.
SKIP = {"procurement:logout", "procurement:password_reset_confirm"}
#: Query parameters every page gets, besides those its forms name.
COMMON_PARAMS = [
    "page", "q", "month", "start", "end", "date_from", "date_to", "amount_min", "amount_max", "group", "buyer",
    "budget", "category", "status", "format", "quantity", "issued_from", "issued_to", "ship_from", "ship_to",
    "paid", "po_number", "next", "ipage", "ppage", "amount", "invoice_number",
]

HOSTILE = [
    "", " ", "0", "-1", "-0.01", "0.00", "1.005", "0.001", "12.345", "1e999", "-1e-999", "NaN", "nan", "sNaN",
    "Infinity", "-Infinity", "1000000000000000.00", "999999999999.995", "99999999999999999999999",
    str(2**63), str(2**64 + 1), str(-(2**63) - 1), "9999-12-31", "0001-01-01", "2026-02-30", "2026-13-01",
    "31/12/2026", "2026-03", "9999-99", "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>",
    "' OR 1=1 --", "1; DROP TABLE orders_order; --", "%", "_", "\\", "../../etc/passwd", "=HYPERLINK(\"x\")",
    "𝕏🙂漢字", "PO\x00-1", "ﬁ", "é" * 300, "A" * 10_000, "1" * 10_000, "true", "on", "approve", "reject", "confirm",
    "save", "add_all", "distribute", "close", "reopen", "xlsx", "csv", "spend",
]
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.integers().map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.dates().map(lambda d: d.isoformat()),
)


class _Fields(HTMLParser):
    """Names of the fields of every form on a page, split by the form's method."""

    def __init__(self):
        super().__init__()
        self.get, self.post, self._method = set(), set(), None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._method = (attrs.get("method") or "get").lower()
        elif tag in ("input", "select", "textarea", "button") and attrs.get("name") and self._method:
            if attrs["name"] != "csrfmiddlewaretoken":
                (self.post if self._method == "post" else self.get).add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._method = None


def _walk(patterns, prefix="", namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # staff-only Django admin
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), prefix + str(entry.pattern)


def _urls():
    seen = {}
    for name, route in _walk(get_resolver().url_patterns):
        if name not in SKIP:
            seen[name] = [part.split(">")[0].split(":")[-1] for part in route.split("<")[1:]]
    return sorted(seen.items())


URLS = _urls()


def _fingerprint():
    """Row count of every business table, in one query (it runs twice per example)."""
    skip = {"sessions", "axes", "admin"}
    tables = sorted({m._meta.db_table for m in apps.get_models() if m._meta.app_label not in skip and m._meta.managed})
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone()))


def _world():
    business = BusinessFactory(name="Fuzz Co")
    admin = MemberFactory(business=business, is_business_admin=True)
    world = SimpleNamespace(business=business, admin=admin)
    BUILDERS["group_id"](world)
    for role in (GroupMembership.Role.BUYER, GroupMembership.Role.APPROVER, GroupMembership.Role.FINANCE):
        GroupMembershipFactory(group=world.group, member=admin, role=role)
    return world


def test_the_fuzz_walk_covers_the_urlconf():
    assert len(URLS) > 40
    names = dict(URLS)
    assert "orders:orders_report" in names and "budgets:allocations" in names


@pytest.mark.django_db
@pytest.mark.parametrize("url_name,kwarg_names", URLS, ids=[u[0] for u in URLS])
def test_hostile_values_never_give_a_500_nor_save_part(client, url_name, kwarg_names):
    world = _world()
    kwargs = {name: BUILDERS[name](world) for name in sorted(kwarg_names, key=ORDER.index)}
    try:
        url = reverse(url_name, kwargs=kwargs)
    except NoReverseMatch:  # pragma: no cover - a builder for a new kwarg is missing
        pytest.fail(f"{url_name}: no way to build {kwarg_names}")
    client.force_login(world.admin.user)
    fields = _Fields()
    page = client.get(url)
    if page.status_code == 200 and "html" in page.get("Content-Type", ""):
        fields.feed(page.content.decode(errors="replace"))
    get_names = sorted(fields.get | set(COMMON_PARAMS))
    post_names = sorted(fields.post) or ["amount", "quantity", "po_number", "name", "group", "member"]

    @seed(zlib.crc32(f"{url_name}:{connection.vendor}".encode()))
    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(query=st.fixed_dictionaries({}, optional={n: VALUES for n in get_names}),
           form=st.fixed_dictionaries({n: VALUES for n in post_names}))
    def fuzz(query, form):
        client.force_login(world.admin.user)
        response = client.get(url, query)
        assert response.status_code < 500, f"GET {url} {query!r}"
        before = _fingerprint()
        response = client.post(url, form)
        assert response.status_code < 500, f"POST {url} {form!r}"
        if response.status_code >= 400:
            assert _fingerprint() == before, f"POST {url} {form!r}: refused ({response.status_code}) yet saved"
        elif response.status_code == 200 and _has_errors(response):
            assert _fingerprint() == before, f"POST {url} {form!r}: a form error, yet saved"

    fuzz()


def _has_errors(response) -> bool:
    context = getattr(response, "context", None)
    if not context:
        return False
    for key in ("form", "formset"):
        try:
            form = context[key]
        except KeyError:
            continue
        if hasattr(form, "errors") and form.is_bound and (form.errors if key == "form" else not form.is_valid()):
            return True
    return False
