"""Tenant-supplied "typed PO numbers must match" patterns run in linear time (RE2), never backtrack."""

import time

import pytest
from django.core.exceptions import ValidationError

from procurement.numbering.forms import POSettingsForm
from procurement.numbering.patterns import regex_validate, typed_po_validate
from tests.factories import BusinessFactory

CATASTROPHIC = ["(a+)+", "(a|aa)+", "(.*a){20}", "^(a+)+$", "(a*)*b"]


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_catastrophic_patterns_finish_fast_with_correct_results(pattern):
    business = BusinessFactory(po_regex=regex_validate(pattern))
    hostile = "a" * 60 + "b"  # Python's re needs 2^60 steps for (a+)+ on this; the test would never end
    started = time.perf_counter()
    for _ in range(20):
        if pattern == "(a*)*b":
            assert typed_po_validate(business=business, po_number=hostile) == hostile
            with pytest.raises(ValidationError, match="does not follow"):
                typed_po_validate(business=business, po_number="a" * 60 + "c")
        else:
            with pytest.raises(ValidationError, match="does not follow"):
                typed_po_validate(business=business, po_number=hostile)
            assert typed_po_validate(business=business, po_number="a" * 60) == "a" * 60
    assert time.perf_counter() - started < 2.0  # generous: RE2 takes microseconds


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?=PO)PO-\d+", r"(?!X)\d+", r"(?<=P)O\d+", "a{1001}", "([0-9]"])
def test_patterns_re2_cannot_run_are_refused_with_a_clear_message(pattern):
    with pytest.raises(ValidationError, match="cannot be used"):
        regex_validate(pattern)
    form = POSettingsForm(data={"po_mode": "typed", "po_pattern": "PO-{seq}", "po_regex": pattern})
    assert not form.is_valid()
    assert "cannot be used" in form.errors["po_regex"][0]


@pytest.mark.django_db
def test_a_stored_pattern_re2_refuses_blocks_typed_numbers_with_a_message_not_a_500():
    business = BusinessFactory(po_regex=r"(\d)\1")  # saved before the RE2 check existed
    with pytest.raises(ValidationError, match="cannot be used"):
        typed_po_validate(business=business, po_number="11")


def test_ordinary_patterns_still_work():
    assert regex_validate(r"^PO-\d{6}$") == r"^PO-\d{6}$"
    assert regex_validate(r"(?i)^po-[0-9]+$")
