"""Bulk download and upload: every change and every error by row, all or nothing, and re-upload changes nothing."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from budgets.bulk import bulk_apply, bulk_csv, bulk_plan, bulk_read, bulk_xlsx
from budgets.ledger import budget_charge
from budgets.models import Allocation, Budget
from tests.factories import AllocationFactory, BudgetFactory, GroupFactory, GroupMembershipFactory, MemberFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def setup(business, admin_member):
    eng = GroupFactory(business=business, name="Engineering")
    ann = MemberFactory(business=business, user__email="ann@example.com")
    bob = MemberFactory(business=business, user__email="bob@example.com")
    for m in (ann, bob):
        GroupMembershipFactory(group=eng, member=m, role="buyer")
    budget = BudgetFactory(group=eng, name="Eng 2026", po_number="BPO-ENG-1", amount=D("1000.00"), allow_unallocated_spend=True)
    AllocationFactory(budget=budget, member=ann, amount=D("300.00"))
    budget_charge(budget=budget, member=ann, amount=D("120.00"), acting_user=None)
    return eng, budget, ann, bob


def _rows(text):
    return bulk_read(name="b.csv", content=text.encode())


def _edit(csv_text, changes):
    rows = list(csv.reader(io.StringIO(csv_text)))
    header = rows[0]
    for (r, col), value in changes.items():
        rows[r][header.index(col)] = value
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def test_download_csv_and_xlsx_round_trip_to_no_change(setup, business):
    text = bulk_csv(business=business)
    assert text.splitlines()[0] == "group,blanket_po,name,period_start,period_end,amount,policy,allocations"
    assert "Engineering,BPO-ENG-1,Eng 2026," in text and "ann@example.com=300.00" in text
    assert bulk_plan(business=business, rows=_rows(text)).changed == []
    xlsx_rows = bulk_read(name="b.xlsx", content=bulk_xlsx(business=business))
    plan = bulk_plan(business=business, rows=xlsx_rows)
    assert plan.valid and plan.changed == []


def test_a_preview_lists_changes_then_confirm_saves_and_the_same_file_again_changes_nothing(client, setup, business, admin_member):
    eng, budget, ann, bob = setup
    text = _edit(bulk_csv(business=business), {(1, "amount"): "1500.00",
                                                   (1, "allocations"): "ann@example.com=300.00; bob@example.com=250.00"})
    text += "Engineering,BPO-ENG-NEW,Eng extra,2026-01-01,2026-12-31,200.00,warn,bob@example.com=50.00\n"
    client.force_login(admin_member.user)
    url = reverse("budgets:bulk_upload")
    page = client.post(url, {"file": SimpleUploadedFile("b.csv", text.encode())}).content.decode()
    assert "amount: 1000.00 → 1500.00" in page and "allocation bob@example.com: new, 250.00" in page
    assert "New Blanket PO BPO-ENG-NEW in Engineering" in page
    assert Budget.objects.count() == 1  # a preview saves nothing
    response = client.post(url, {"confirm": "1"}, follow=True)
    assert "Saved: 2 budget row(s) changed" in response.content.decode()
    budget.refresh_from_db()
    assert budget.amount == D("1500.00")
    assert Allocation.objects.get(budget=budget, member=bob).amount == D("250.00")
    new = Budget.objects.get(po_number="BPO-ENG-NEW")
    assert (new.policy, new.amount, new.allocations.get().amount) == ("warn", D("200.00"), D("50.00"))
    assert budget.history.first().history_user == admin_member.user
    history_rows = Budget.history.count() + Allocation.history.count()

    page = client.post(url, {"file": SimpleUploadedFile("b.csv", text.encode())}).content.decode()
    assert "nothing to change" in page
    assert client.post(url, {"confirm": "1"}, follow=True).status_code == 200
    assert Budget.history.count() + Allocation.history.count() == history_rows


def test_errors_by_row_and_nothing_saved(setup, business):
    eng, budget, ann, bob = setup
    good = bulk_csv(business=business)
    text = _edit(good, {(1, "amount"): "1200.00"})
    text += "\n".join([
        "Nowhere,BPO-X1,X,2026-01-01,2026-12-31,100.00,block,",
        "Engineering,BPO-X2,X,2026-13-01,2026-12-31,abc,sometimes,",
        "Engineering,BPO-X3,X,2026-01-01,2025-12-31,100.00,block,zed@example.com=5",
        "Engineering,BPO-ENG-1,dup,2026-01-01,2026-12-31,100.00,block,",
        "Engineering,BPO-X4,X,2026-01-01,2026-12-31,100.00,block,ann@example.com=150.00;bob@example.com=x",
    ]) + "\n"
    plan = bulk_plan(business=business, rows=_rows(text))
    errors = plan.errors
    rows_with_errors = sorted({row for row, _ in errors})
    assert rows_with_errors == [3, 4, 5, 6, 7]
    messages = " | ".join(f"{r}:{e}" for r, e in errors)
    assert "3:group: there is no group 'Nowhere'" in messages
    assert "4:period_start" in messages and "4:amount" in messages and "4:policy" in messages
    assert "5:period_end: the end cannot be before the start" in messages and "zed@example.com" in messages
    assert "6:blanket_po: BPO-ENG-1 is also on row 2" in messages
    assert "7:allocations (bob@example.com)" in messages
    with pytest.raises(Exception):
        bulk_apply(business=business, rows=_rows(text), acting_user=None)
    budget.refresh_from_db()
    assert budget.amount == D("1000.00") and Budget.objects.count() == 1


def test_rules_of_the_services_apply_by_row(setup, business):
    eng, budget, ann, bob = setup
    text = _edit(bulk_csv(business=business), {(1, "amount"): "100.00", (1, "allocations"): "ann@example.com=100.00"})
    messages = [e for _, e in bulk_plan(business=business, rows=_rows(text)).errors]
    assert any("120.00 is already spent" in m for m in messages)
    text = _edit(bulk_csv(business=business), {(1, "allocations"): "ann@example.com=50.00"})
    messages = [e for _, e in bulk_plan(business=business, rows=_rows(text)).errors]
    assert messages == ["allocations: ann@example.com already spent 120.00; the allocation cannot be less."]


def test_lowering_the_amount_together_with_the_allocations(setup, business):
    eng, budget, ann, bob = setup
    text = _edit(bulk_csv(business=business), {(1, "amount"): "250.00", (1, "allocations"): "ann@example.com=200.00"})
    bulk_apply(business=business, rows=_rows(text), acting_user=None)
    budget.refresh_from_db()
    assert budget.amount == D("250.00") and budget.allocations.get().amount == D("200.00")


def test_bad_files_and_roles(client, setup, business, admin_member):
    client.force_login(admin_member.user)
    url = reverse("budgets:bulk_upload")
    page = client.post(url, {"file": SimpleUploadedFile("b.csv", b"a,b\n1,2\n")}).content.decode()
    assert "missing: group" in page
    page = client.post(url, {"file": SimpleUploadedFile("b.xlsx", b"not a workbook")}).content.decode()
    assert "not a readable XLSX" in page
    response = client.get(reverse("budgets:bulk_download") + "?format=xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    buyer = setup[2]
    client.force_login(buyer.user)
    assert client.get(reverse("budgets:bulk_download")).status_code == 403
    assert client.post(url, {"file": SimpleUploadedFile("b.csv", b"x")}).status_code == 403
