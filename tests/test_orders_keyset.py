"""Your Orders pages by keyset: every order once, newest first, deep pages as cheap as the first."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from orders.tracking.selectors import order_cursor
from tests.factories import OrderFactory
from tests.support.orders import make_buyer

pytestmark = pytest.mark.django_db

CURSOR = re.compile(r'(after|before)=([0-9]+\.[0-9]+)')


def _make(group, buyer, n):
    base = timezone.now()
    orders = [OrderFactory(group=group, buyer=buyer) for _ in range(n)]
    # Some share a timestamp to the microsecond, so that the id breaks the tie.
    for i, order in enumerate(orders):
        Order.objects.filter(pk=order.pk).update(placed_at=base - datetime.timedelta(minutes=i // 3))
    return list(Order.objects.filter(business=group.business).order_by("-placed_at", "-id").values_list("po_number", flat=True))


def _page(client, query=""):
    html = client.get(reverse("orders:order_list") + query).content.decode()
    numbers = re.findall(r'class="font-monospace" href="/account/orders/([^/]+)/"', html)
    links = dict((kind, value) for kind, value in CURSOR.findall(html))
    return numbers, links, html


def test_pages_walk_every_order_once_newest_first_and_back(client, group, admin_member):
    expected = _make(group, make_buyer(group), 60)
    client.force_login(admin_member.user)
    seen, pages, query = [], [], ""
    while True:
        numbers, links, _ = _page(client, query)
        pages.append((query, numbers))
        seen += numbers
        if "after" not in links:
            break
        query = f"?after={links['after']}"
    assert seen == expected and len(pages) == 3
    # Previous from the last page gives the middle page again.
    _, links, _ = _page(client, pages[2][0])
    numbers, _, html = _page(client, f"?before={links['before']}")
    assert numbers == pages[1][1]
    assert "First page" in html


def test_a_deep_page_runs_the_queries_of_the_first(client, group, admin_member):
    expected = _make(group, make_buyer(group), 80)
    client.force_login(admin_member.user)
    deep = Order.objects.get(po_number=expected[59])

    def count(query):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("orders:order_list") + query).status_code == 200
        return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]

    first, sqls = count("")
    assert count(f"?after={order_cursor(deep)}")[0] == first
    assert not any("OFFSET" in sql or "COUNT(" in sql for sql in sqls)
    numbers, _, _ = _page(client, f"?after={order_cursor(deep)}")
    assert numbers == expected[60:80]


@pytest.mark.parametrize("cursor", ["junk", "1.2.3", "-5.-1", "99999999999999999999999.1", "1." + "9" * 30, ""])
def test_a_bad_cursor_gives_the_first_page(client, group, admin_member, cursor):
    expected = _make(group, make_buyer(group), 5)
    client.force_login(admin_member.user)
    for key in ("after", "before"):
        response = client.get(reverse("orders:order_list"), {key: cursor})
        assert response.status_code == 200
        numbers, _, _ = _page(client, f"?{key}={cursor}")
        assert numbers == expected


def test_filters_stay_on_the_page_links(client, group, admin_member):
    _make(group, make_buyer(group), 30)
    client.force_login(admin_member.user)
    _, _, html = _page(client, "?status=placed")
    if "after=" in html:
        assert "status=placed&amp;after=" in html
