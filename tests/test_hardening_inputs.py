"""Remaining 500s: empty allocation rows, dates at the end of the calendar, NaN amounts, ids of 2^63 and more."""

from decimal import Decimal

import pytest
from django.urls import reverse

from budgets.models import Allocation
from procurement.inputs import DATE_MAX, ID_MAX, InputError, date_parse, id_parse
from tests.factories import AllocationFactory, BudgetFactory, GroupMembershipFactory, MemberFactory
from tests.support.finance import finance_member

HUGE_IDS = [str(2**63), str(2**64 + 5), "9" * 30, "-1", "0", "1e5", "١٢"]  # the last: Arabic-Indic digits


def test_id_parse_bounds():
    assert id_parse(str(ID_MAX)) == ID_MAX
    assert id_parse("") is None
    for raw in HUGE_IDS:
        with pytest.raises(InputError):
            id_parse(raw)


def test_date_parse_bounds():
    assert date_parse(DATE_MAX.isoformat()) == DATE_MAX
    for raw in ("9999-12-31", "0001-01-01", "2026-02-30", "x"):
        with pytest.raises(InputError):
            date_parse(raw)


@pytest.mark.django_db
def test_allocations_post_with_an_empty_row_saves_the_others(client, admin_member, group):
    budget = BudgetFactory(group=group, amount=Decimal("100.00"))
    member = MemberFactory(business=group.business)
    GroupMembershipFactory(group=group, member=member)
    client.force_login(admin_member.user)
    url = reverse("budgets:allocations", args=[group.pk, budget.pk])
    data = {
        "alloc-TOTAL_FORMS": "2", "alloc-INITIAL_FORMS": "0", "alloc-MIN_NUM_FORMS": "0", "alloc-MAX_NUM_FORMS": "1000",
        "alloc-0-member_id": str(member.pk), "alloc-0-amount": "10.00",
        "alloc-1-member_id": "", "alloc-1-amount": "",  # was: KeyError 'member_id'
        "action": "save",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert {a.member_id: a.amount for a in Allocation.objects.filter(budget=budget)} == {member.pk: Decimal("10.00")}
    only_empty = {**data, "alloc-TOTAL_FORMS": "1", "alloc-0-member_id": "", "alloc-0-amount": ""}
    assert client.post(url, only_empty).status_code == 302


@pytest.mark.django_db
def test_allocations_post_with_a_huge_member_id_is_a_row_error(client, admin_member, group):
    budget = BudgetFactory(group=group, amount=Decimal("100.00"))
    AllocationFactory(budget=budget, member=admin_member, amount=Decimal("5.00"))
    client.force_login(admin_member.user)
    url = reverse("budgets:allocations", args=[group.pk, budget.pk])
    response = client.post(url, {
        "alloc-TOTAL_FORMS": "1", "alloc-INITIAL_FORMS": "0", "alloc-MIN_NUM_FORMS": "0", "alloc-MAX_NUM_FORMS": "1000",
        "alloc-0-member_id": str(2**63), "alloc-0-amount": "1.00", "action": "save",
    })
    assert response.status_code == 200
    assert Allocation.objects.get(budget=budget).amount == Decimal("5.00")


@pytest.mark.django_db
@pytest.mark.parametrize("name,params", [
    ("orders:analytics", {"start": "9999-12-31"}),
    ("orders:analytics", {"end": "9999-12-31"}),
    ("orders:analytics", {"start": "0001-01-01", "end": "9999-12-31"}),
    ("orders:orders_report", {"date_to": "9999-12-31"}),
    ("orders:orders_report", {"date_from": "0001-01-01"}),
    ("orders:orders_report", {"ship_to": "9999-12-31"}),
    ("orders:orders_report", {"amount_min": "NaN"}),
    ("orders:orders_report", {"amount_max": "sNaN"}),
    ("orders:orders_report", {"amount_min": "Infinity"}),
    ("orders:orders_report", {"quantity": str(2**63)}),
    *[("orders:orders_report", {key: value}) for key in ("group", "buyer", "budget", "category") for value in HUGE_IDS],
    ("orders:payments", {"date_from": "9999-12-31", "date_to": "0001-01-01"}),
    ("orders:invoice_list", {"issued_to": "9999-12-31", "group": str(2**63)}),
    ("orders:order_list", {"date_to": "9999-12-31", "group": str(2**63)}),
    ("orders:catalog", {"category": str(2**63)}),
])
def test_hostile_filters_are_messages_not_500s(client, admin_member, group, name, params):
    client.force_login(admin_member.user)
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    if name == "orders:orders_report":
        export = client.get(reverse("orders:orders_report_export"), params)
        assert export.status_code == 302  # back to the report, with the message


@pytest.mark.django_db
def test_huge_ids_in_forms_are_form_errors(client, admin_member, group):
    finance_member(group)
    client.force_login(admin_member.user)
    for url, data in [
        (reverse("orders:catalog"), {"product": str(2**63), "quantity": "1"}),
        (reverse("orders:cart"), {"item": str(2**63), "quantity": "1"}),
        (reverse("orders:checkout"), {"group": str(2**63), "address": str(2**63), "checkout_token": "x"}),
        (reverse("procurement:po_settings"), {"group": str(2**63), "po_pattern": "X-{seq}", "group_pattern": "1"}),
    ]:
        assert client.post(url, data).status_code in (200, 302, 400, 403, 404), url


@pytest.mark.django_db
def test_nul_characters_are_a_400_not_a_database_error(client, admin_member):
    client.force_login(admin_member.user)
    assert client.get(reverse("orders:orders_report"), {"po_number": "PO\x001"}).status_code == 400
    assert client.get(reverse("orders:find"), {"q": "a\x00b"}).status_code == 400
    assert client.post(reverse("orders:payment_create"), {"reference": "x\x00"}).status_code == 400
    assert client.get(reverse("orders:orders_report"), {"po_number": "PO-1"}).status_code == 200
