import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from procurement.numbering.patterns import (
    pattern_parse, pattern_render, pattern_validate, regex_validate, token_sanitize, typed_po_validate,
)
from procurement.numbering.services import po_number_next, po_number_preview
from procurement.models import Counter
from tests.factories import BudgetFactory, BusinessFactory, GroupFactory

DAY = datetime.date(2026, 3, 7)


@pytest.mark.parametrize("pattern,expected", [
    ("PO-{year}-{seq:06}", "PO-2026-000042"),
    ("{seq}", "42"),
    ("{seq:3}", "042"),
    ("{year}{month}-{seq:04}", "202603-0042"),
    ("{cost_center}-{seq}", "CC-7-42"),
    ("{location}.{seq}", "NEW-YORK.42"),
    ("{group}_{seq:05}", "FINANCE-OPS_00042"),
    ("{category}-{seq}", "IT-42"),
    ("{location}-{category}-{month}-{seq:06}", "NEW-YORK-IT-03-000042"),
])
def test_render_every_token(pattern, expected):
    group = GroupFactory.build(name="Finance & Ops", cost_center="cc 7", location="New York!")
    assert pattern_validate(pattern) == pattern
    assert pattern_render(pattern, seq=42, group=group, category_code="it", on=DAY) == expected


@pytest.mark.parametrize("pattern,message", [
    ("PO-{year}", "must contain {seq}"),
    ("PO-{seq}-{colour}", "Unknown token {colour}"),
    ("PO {seq}", "may only contain"),
    ("PO/{seq}", "may only contain"),
    ("PO-{seq", "brace"),
    ("PO-}{seq}", "brace"),
    ("{year:4}-{seq}", "Only {seq} takes a width"),
    ("{seq:x}", "width must be a number"),
    ("{seq:99}", "width must be a number"),
    ("", "Enter a pattern"),
    ("A" * 60 + "{seq}", "the limit is 64"),
])
def test_bad_patterns_are_refused_with_a_clear_message(pattern, message):
    with pytest.raises(ValidationError) as exc:
        pattern_validate(pattern)
    assert message in " ".join(exc.value.messages)


def test_parse_splits_literals_and_tokens():
    parts = pattern_parse("PO-{year}-{seq:06}")
    assert [(p.text, p.token, p.width) for p in parts] == [("PO-", None, 0), ("", "year", 0), ("-", None, 0), ("", "seq", 6)]


def test_sanitize_tokens():
    assert token_sanitize("  Sales  West / 2 ") == "SALES-WEST-2"
    assert token_sanitize("Ünïcode café") == "NCODE-CAF"  # non-ASCII letters are dropped
    assert token_sanitize("R&D / Lab") == "RD-LAB"
    assert token_sanitize("x" * 40) == "X" * 20


def test_regex_and_typed_numbers(db):
    assert regex_validate("^[0-9]{6}$") == "^[0-9]{6}$"
    with pytest.raises(ValidationError, match="cannot be used"):
        regex_validate("([0-9]")
    business = BusinessFactory(po_regex=r"[0-9]{6}")
    assert typed_po_validate(business=business, po_number=" 123456 ") == "123456"
    with pytest.raises(ValidationError, match="does not follow"):
        typed_po_validate(business=business, po_number="12345")
    with pytest.raises(ValidationError, match="may only contain"):
        typed_po_validate(business=business, po_number="12 3456")


@pytest.mark.django_db
def test_next_numbers_are_consecutive_and_group_pattern_wins():
    business = BusinessFactory(po_pattern="PO-{seq:04}")
    plain = GroupFactory(business=business)
    own = GroupFactory(business=business, po_pattern="{cost_center}-{seq}", cost_center="Lab 1")
    assert po_number_preview(business=business) == "PO-0001"
    with transaction.atomic():
        numbers = [po_number_next(business=business, group=plain) for _ in range(3)]
        numbers.append(po_number_next(business=business, group=own))
    assert numbers == ["PO-0001", "PO-0002", "PO-0003", "LAB-1-4"]
    assert Counter.objects.get(business=business, kind="po").last_value == 4


@pytest.mark.django_db
def test_release_numbers_against_a_blanket_po():
    business = BusinessFactory()
    group = GroupFactory(business=business)
    budget = BudgetFactory(group=group, po_number="BPO 2026/7")
    assert po_number_preview(business=business, group=group, budget=budget) == "BPO-20267-1"
    with transaction.atomic():
        assert po_number_next(business=business, group=group, budget=budget) == "BPO-20267-1"
        assert po_number_next(business=business, group=group, budget=budget) == "BPO-20267-2"
    budget.refresh_from_db()
    assert budget.release_count == 2


def test_long_token_combinations_fit_the_limit():
    group = GroupFactory.build(name="G" * 50, cost_center="C" * 50, location="L" * 50)
    number = pattern_render("{cost_center}{location}{group}-{seq}", seq=1, group=group)
    assert number == "C" * 20 + "L" * 20 + "G" * 20 + "-1"
    with pytest.raises(ValidationError, match="the limit is 64"):
        pattern_validate("{cost_center}{location}{group}-{seq:06}")


@pytest.mark.django_db(transaction=True)
def test_next_number_refuses_outside_a_transaction():
    business = BusinessFactory()
    with pytest.raises(RuntimeError):
        po_number_next(business=business, group=None)
