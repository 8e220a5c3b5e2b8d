"""Approval workflows: every level combination, segregation of duties, delegation, reminders and
escalation (frozen time), reservation and release through the ledger, moving the budget, emails."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from budgets.ledger import InsufficientFunds
from budgets.models import Budget, LedgerEntry
from orders.approvals.services import (
    ApprovalError,
    approval_reminders_send,
    order_approve,
    order_budget_move,
    order_decide,
    order_reject,
)
from orders.checkout.services import CheckoutError
from orders.fulfilment.services import order_cancel
from orders.models import Approval, ApprovalDelegation, CartItem, OrderApprovalStep, Order, SpendingLimit
from orders.models.approval import Condition, Deciders, Mode
from orders.policies.services import approval_delays_update, approval_level_add
from procurement.models import GroupMembership
from tests.factories import CategoryFactory, GroupMembershipFactory, MemberFactory, ProductFactory
from tests.support.orders import fill_cart, make_budget, place

pytestmark = pytest.mark.django_db
Role = GroupMembership.Role


def member_with(group, role, email):
    member = MemberFactory(business=group.business, user__email=email)
    GroupMembershipFactory(group=group, member=member, role=role)
    return member


@pytest.fixture
def people(group, admin_member):
    """Two of each kind of decider, so that "all of them" means two approvals."""
    return {
        Deciders.GROUP_APPROVERS: [member_with(group, Role.APPROVER, f"approver{i}@example.com") for i in (1, 2)],
        Deciders.GROUP_FINANCE: [member_with(group, Role.FINANCE, f"finance{i}@example.com") for i in (1, 2)],
        Deciders.NAMED: [MemberFactory(business=group.business, user__email=f"named{i}@example.com") for i in (1, 2)],
        Deciders.BUSINESS_ADMINS: [admin_member, MemberFactory(business=group.business, is_business_admin=True,
                                                               user__email="admin2@example.com")],
    }


def add_level(group, admin, condition, deciders=Deciders.GROUP_APPROVERS, mode=Mode.ANY, *, on_group=False, **kwargs):
    return approval_level_add(business=group.business, group=group if on_group else None, condition=condition,
                              deciders=deciders, mode=mode, acting_member=admin, acting_user=admin.user, **kwargs)


def cart_of(member, price, category=None):
    product = ProductFactory(unit_price=Decimal(price), **({"category": category} if category else {}))
    CartItem.objects.create(business=member.business, member=member, product=product, quantity=1)
    return product


def trigger(condition, *, group, buyer, admin):
    """Set up `condition` so that a 150.00 order meets it; returns (budget, category of the cart)."""
    category = CategoryFactory()
    extra = {}
    if condition == Condition.AMOUNT:
        extra = {"amount": Decimal("100.00")}
    elif condition == Condition.CATEGORY:
        extra = {"category": category}
    elif condition == Condition.PERSONAL_LIMIT:
        SpendingLimit.objects.create(business=group.business, member=buyer, per_order=Decimal("100.00"))
    if condition == Condition.OVER_BUDGET:
        budget = make_budget(group, amount="1000.00", policy=Budget.Policy.APPROVAL, allocate={buyer: "50.00"})
    else:
        budget = make_budget(group, amount="1000.00")
    return budget, category, extra


@pytest.mark.parametrize("mode", [Mode.ANY, Mode.ALL])
@pytest.mark.parametrize("deciders", [d for d, _ in Deciders.choices])
@pytest.mark.parametrize("condition", [c for c, _ in Condition.choices])
def test_every_level_combination(condition, deciders, mode, group, buyer, admin_member, people):
    budget, category, extra = trigger(condition, group=group, buyer=buyer, admin=admin_member)
    named = people[Deciders.NAMED] if deciders == Deciders.NAMED else []
    add_level(group, admin_member, condition, deciders, mode, named=named, **extra)
    cart_of(buyer, "150.00", category)
    order = place(buyer, group, budget).order
    assert order.status == Order.Status.PENDING_APPROVAL
    step = order.approval_steps.get()
    assert (step.deciders, step.mode, step.status) == (deciders, mode, OrderApprovalStep.Status.PENDING)
    assert LedgerEntry.objects.get(order=order).amount == Decimal("150.00")  # reserved at checkout
    first, second = people[deciders]
    order_approve(order=order, approver=first, acting_user=first.user)
    order.refresh_from_db()
    if mode == Mode.ALL:
        assert order.status == Order.Status.PENDING_APPROVAL
        with pytest.raises(ApprovalError, match="already approved"):
            order_approve(order=order, approver=first, acting_user=first.user)
        order_approve(order=order, approver=second, acting_user=second.user)
        order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert LedgerEntry.objects.filter(order=order).count() == 1  # approving charged nothing more


@pytest.mark.parametrize("condition", [c for c, _ in Condition.choices])
def test_a_level_that_does_not_apply_leaves_the_order_placed(condition, group, buyer, admin_member):
    budget, category, extra = trigger(condition, group=group, buyer=buyer, admin=admin_member)
    SpendingLimit.objects.filter(member=buyer).update(per_order=Decimal("500.00"))
    if "amount" in extra:
        extra["amount"] = Decimal("1000.00")
    add_level(group, admin_member, condition, **extra)
    cart_of(buyer, "40.00")  # another category, under every amount, within the allocation
    order = place(buyer, group, budget).order
    assert order.status == Order.Status.PLACED and not order.approval_steps.exists()


def test_two_levels_in_order_and_a_rejection_ends_the_order(group, buyer, admin_member, people, django_capture_on_commit_callbacks):
    add_level(group, admin_member, Condition.AMOUNT, amount=Decimal("1000.00"))
    add_level(group, admin_member, Condition.AMOUNT, Deciders.GROUP_FINANCE, amount=Decimal("5000.00"))
    budget = make_budget(group, amount="20000.00")
    cart_of(buyer, "3000.00")
    small = place(buyer, group, budget).order
    assert small.approval_steps.count() == 1
    cart_of(buyer, "6000.00")
    big = place(buyer, group, budget).order
    steps = list(big.approval_steps.order_by("position"))
    assert [(s.deciders, s.status) for s in steps] == [
        (Deciders.GROUP_APPROVERS, "pending"), (Deciders.GROUP_FINANCE, "waiting")]
    approver, finance = people[Deciders.GROUP_APPROVERS][0], people[Deciders.GROUP_FINANCE][0]
    with pytest.raises(ApprovalError, match="do not decide level 1"):
        order_approve(order=big, approver=finance, acting_user=finance.user)  # not finance's turn yet
    order_approve(order=big, approver=approver, acting_user=approver.user)
    big.refresh_from_db()
    assert big.status == Order.Status.PENDING_APPROVAL
    assert list(big.approval_steps.order_by("position").values_list("status", flat=True)) == ["approved", "pending"]
    with django_capture_on_commit_callbacks(execute=True):
        order_reject(order=big, approver=finance, reason="Not this quarter", acting_user=finance.user)
    big.refresh_from_db()
    assert big.status == Order.Status.REJECTED and big.rejection_reason == "Not this quarter"
    budget.refresh_from_db()
    assert budget.spent == Decimal("3000.00")  # the 6000 reservation went back
    rejected = [m for m in mail.outbox if m.to == ["buyer@example.com"] and "rejected" in m.subject]
    assert rejected and "Not this quarter" in rejected[0].body


def test_group_override_replaces_the_business_rule(group, buyer, admin_member, people):
    add_level(group, admin_member, Condition.AMOUNT, amount=Decimal("10.00"))
    add_level(group, admin_member, Condition.AMOUNT, Deciders.GROUP_FINANCE, amount=Decimal("100.00"), on_group=True)
    budget = make_budget(group)
    cart_of(buyer, "50.00")
    assert place(buyer, group, budget).order.status == Order.Status.PLACED  # the group's 100 applies, not 10
    cart_of(buyer, "150.00")
    order = place(buyer, group, budget).order
    assert order.approval_steps.get().deciders == Deciders.GROUP_FINANCE


def test_group_threshold_stays_an_implicit_first_level(group, buyer, admin_member, people):
    group.approval_threshold = Decimal("100.00")
    group.save()
    add_level(group, admin_member, Condition.CATEGORY, Deciders.GROUP_FINANCE, category=CategoryFactory())
    cart_of(buyer, "150.00")
    order = place(buyer, group, make_budget(group)).order
    step = order.approval_steps.get()
    assert step.deciders == Deciders.GROUP_APPROVERS and "threshold" in step.why


# --- Segregation of duties --------------------------------------------------------------------------


def test_nobody_approves_their_own_order_even_as_a_decider(group, admin_member, people):
    approver = people[Deciders.GROUP_APPROVERS][0]
    GroupMembershipFactory(group=group, member=approver, role=Role.BUYER)
    add_level(group, admin_member, Condition.AMOUNT, amount=Decimal("10.00"))
    cart_of(approver, "50.00")
    order = place(approver, group, make_budget(group)).order
    with pytest.raises(ApprovalError, match="You placed order"):
        order_approve(order=order, approver=approver, acting_user=approver.user)
    other = people[Deciders.GROUP_APPROVERS][1]
    assert order_approve(order=order, approver=other, acting_user=other.user).status == Order.Status.PLACED


def test_a_level_only_the_buyer_holds_goes_to_the_business_admins(group, buyer, admin_member, django_capture_on_commit_callbacks):
    add_level(group, admin_member, Condition.AMOUNT, Deciders.NAMED, amount=Decimal("10.00"), named=[buyer])
    cart_of(buyer, "50.00")
    with django_capture_on_commit_callbacks(execute=True):
        order = place(buyer, group, make_budget(group)).order
    assert [m.to for m in mail.outbox] == [["admin@example.com"]]
    assert order_approve(order=order, approver=admin_member, acting_user=admin_member.user).status == Order.Status.PLACED


def test_checkout_refuses_when_only_the_buyer_could_decide(group, admin_member):
    GroupMembershipFactory(group=group, member=admin_member, role=Role.BUYER)  # the only admin buys
    add_level(group, admin_member, Condition.AMOUNT, Deciders.BUSINESS_ADMINS, amount=Decimal("10.00"))
    cart_of(admin_member, "50.00")
    with pytest.raises(CheckoutError, match="no one but you could approve"):
        place(admin_member, group, make_budget(group))
    assert not Order.objects.exists() and not LedgerEntry.objects.exists()


# --- Delegation -------------------------------------------------------------------------------------


def test_delegate_decides_on_behalf_of_the_approver_within_the_dates(client, group, buyer, admin_member, people):
    approver = people[Deciders.GROUP_APPROVERS][0]
    GroupMembership.objects.filter(member=people[Deciders.GROUP_APPROVERS][1]).delete()
    delegate = MemberFactory(business=group.business, user__email="delegate@example.com")
    today = timezone.localdate()
    add_level(group, admin_member, Condition.AMOUNT, amount=Decimal("10.00"))
    cart_of(buyer, "50.00")
    order = place(buyer, group, make_budget(group)).order
    with pytest.raises(ApprovalError):
        order_approve(order=order, approver=delegate, acting_user=delegate.user)
    ApprovalDelegation.objects.create(business=group.business, approver=approver, delegate=delegate,
                                      start_date=today + datetime.timedelta(days=1), end_date=today + datetime.timedelta(days=5))
    with pytest.raises(ApprovalError):  # not yet
        order_approve(order=order, approver=delegate, acting_user=delegate.user)
    ApprovalDelegation.objects.create(business=group.business, approver=approver, delegate=delegate,
                                      start_date=today, end_date=today)
    client.force_login(delegate.user)
    page = client.get(reverse("orders:order_detail", args=[order.po_number])).content.decode()
    assert "on behalf of" in page and "Approve" in page
    assert order.po_number in client.get(reverse("orders:approvals")).content.decode()
    client.post(reverse("orders:order_decide", args=[order.po_number]), {"decision": "approve"})
    decision = Approval.objects.get(order=order)
    assert decision.approver == delegate and decision.on_behalf_of == approver
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert f"on behalf of {approver.name}" in client.get(reverse("orders:order_detail", args=[order.po_number])).content.decode()


def test_the_buyer_never_decides_as_a_delegate(group, buyer, admin_member, people):
    approver = people[Deciders.GROUP_APPROVERS][0]
    today = timezone.localdate()
    ApprovalDelegation.objects.create(business=group.business, approver=approver, delegate=buyer, start_date=today, end_date=today)
    add_level(group, admin_member, Condition.AMOUNT, amount=Decimal("10.00"))
    cart_of(buyer, "50.00")
    order = place(buyer, group, make_budget(group)).order
    with pytest.raises(ApprovalError):
        order_approve(order=order, approver=buyer, acting_user=buyer.user)


# --- Reminders and escalation (frozen time) ----------------------------------------------------------


def test_reminder_after_n_days_and_escalation_after_m(group, buyer, admin_member, people, django_capture_on_commit_callbacks):
    approval_delays_update(business=group.business, reminder_days=2, escalation_days=4, acting_member=admin_member,
                           acting_user=admin_member.user)
    add_level(group, admin_member, Condition.AMOUNT, amount=Decimal("10.00"))
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        cart_of(buyer, "50.00")
        order = place(buyer, group, make_budget(group)).order
    mail.outbox.clear()
    with time_machine.travel(start + datetime.timedelta(days=1), tick=False):
        assert approval_reminders_send() == (0, 0)
    with time_machine.travel(start + datetime.timedelta(days=2, minutes=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert approval_reminders_send() == (1, 0)
        assert approval_reminders_send() == (0, 0)  # once only
    reminders = sorted(m.to[0] for m in mail.outbox)
    assert reminders == ["approver1@example.com", "approver2@example.com"]
    assert all(m.subject.startswith("Reminder:") and order.po_number in m.subject for m in mail.outbox)
    mail.outbox.clear()
    with time_machine.travel(start + datetime.timedelta(days=4, minutes=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("approval_reminders_send", stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert approval_reminders_send() == (0, 0)
    assert sorted(m.to[0] for m in mail.outbox) == ["admin2@example.com", "admin@example.com"]
    assert "Escalated" in mail.outbox[0].subject
    step = order.approval_steps.get()
    assert step.escalated_at is not None and step.reminded_at is not None


def test_beat_schedule_runs_the_reminders_task(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["approval-reminders"]
    assert entry["task"] == "orders.approvals.tasks.approval_reminders_task"
    from orders.approvals.tasks import approval_reminders_task

    assert approval_reminders_task.delay().get() == {"reminded": 0, "escalated": 0}


# --- Reservation, release, moving the budget ----------------------------------------------------------


def test_cancelling_a_pending_order_releases_its_reservation(group, buyer, admin_member, people):
    add_level(group, admin_member, Condition.AMOUNT, amount=Decimal("10.00"))
    budget = make_budget(group, amount="100.00")
    cart_of(buyer, "80.00")
    order = place(buyer, group, budget).order
    budget.refresh_from_db()
    assert budget.spent == Decimal("80.00")
    cart_of(buyer, "30.00")
    with pytest.raises(InsufficientFunds):
        place(buyer, group, budget)  # the reservation holds
    CartItem.objects.all().delete()
    order_cancel(order=order, acting_user=buyer.user)
    budget.refresh_from_db()
    assert budget.spent == 0
    assert LedgerEntry.objects.filter(order=order, kind="release").get().amount == Decimal("80.00")
    assert order.approval_steps.get().status == OrderApprovalStep.Status.CLOSED
    approver = people[Deciders.GROUP_APPROVERS][0]
    with pytest.raises(ApprovalError, match="cancelled"):
        order_approve(order=order, approver=approver, acting_user=approver.user)


def test_approver_moves_the_order_to_another_budget(client, group, buyer, admin_member, people):
    add_level(group, admin_member, Condition.AMOUNT, amount=Decimal("10.00"))
    first = make_budget(group, amount="100.00", name="First")
    second = make_budget(group, amount="500.00", name="Second")
    small = make_budget(group, amount="20.00", name="Small")
    cart_of(buyer, "80.00")
    order = place(buyer, group, first).order
    approver = people[Deciders.GROUP_APPROVERS][0]
    with pytest.raises(ApprovalError, match="cannot move"):
        order_budget_move(order=order, budget=small, member=approver, acting_user=approver.user)
    first.refresh_from_db()
    assert first.spent == Decimal("80.00")  # the failed move changed nothing
    with pytest.raises(ApprovalError):
        order_budget_move(order=order, budget=second, member=buyer, acting_user=buyer.user)
    client.force_login(approver.user)
    client.post(reverse("orders:order_move_budget", args=[order.po_number]), {"budget": second.pk})
    order.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert order.budget == second and order.blanket_po_number == second.po_number
    assert (first.spent, second.spent) == (Decimal("0.00"), Decimal("80.00"))
    order_approve(order=order, approver=approver, acting_user=approver.user)
    second.refresh_from_db()
    assert second.spent == Decimal("80.00")


# --- Emails and the order page ----------------------------------------------------------------------


def test_emails_name_the_po_and_link_to_the_order_page_which_decides_by_post(client, group, buyer, admin_member, people,
                                                                             django_capture_on_commit_callbacks):
    add_level(group, admin_member, Condition.AMOUNT, amount=Decimal("10.00"))
    cart_of(buyer, "50.00")
    with django_capture_on_commit_callbacks(execute=True):
        order = place(buyer, group, make_budget(group)).order
    waiting = sorted(mail.outbox, key=lambda m: m.to[0])
    assert [m.to[0] for m in waiting] == ["approver1@example.com", "approver2@example.com"]
    message = waiting[0]
    url = reverse("orders:order_detail", args=[order.po_number])
    assert order.po_number in message.subject and order.po_number in message.body and url in message.body
    html = message.alternatives[0][0]
    assert f'href="http://localhost:8000{url}"' in html or url in html
    approver = people[Deciders.GROUP_APPROVERS][0]
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]  # sign in first
    client.force_login(approver.user)
    page = client.get(url).content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_APPROVAL  # opening the link decides nothing
    assert reverse("orders:order_decide", args=[order.po_number]) in page and "Next:" in page
    assert client.get(reverse("orders:order_decide", args=[order.po_number])).status_code == 302
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("orders:order_decide", args=[order.po_number]), {"decision": "approve"})
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert [m.to for m in mail.outbox] == [["buyer@example.com"]] and "approved" in mail.outbox[0].subject
    client.force_login(buyer.user)
    page = client.get(url).content.decode()
    assert "Approved (level 1)" in page


def test_rejecting_on_the_order_page_needs_a_reason(client, group, buyer, admin_member, people):
    add_level(group, admin_member, Condition.AMOUNT, amount=Decimal("10.00"))
    cart_of(buyer, "50.00")
    order = place(buyer, group, make_budget(group)).order
    approver = people[Deciders.GROUP_APPROVERS][0]
    client.force_login(approver.user)
    response = client.post(reverse("orders:order_decide", args=[order.po_number]), {"decision": "reject", "reason": " "}, follow=True)
    assert "Give a reason" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_APPROVAL
    order_decide(order=order, member=approver, approve=False, reason="No", acting_user=approver.user)
    order.refresh_from_db()
    assert order.status == Order.Status.REJECTED


def test_all_of_level_counts_a_delegates_approval_for_the_approver(group, buyer, admin_member, people):
    first, second = people[Deciders.GROUP_APPROVERS]
    delegate = MemberFactory(business=group.business)
    today = timezone.localdate()
    ApprovalDelegation.objects.create(business=group.business, approver=second, delegate=delegate, start_date=today, end_date=today)
    add_level(group, admin_member, Condition.AMOUNT, mode=Mode.ALL, amount=Decimal("10.00"))
    cart_of(buyer, "50.00")
    order = place(buyer, group, make_budget(group)).order
    order_approve(order=order, approver=first, acting_user=first.user)
    order_approve(order=order, approver=delegate, acting_user=delegate.user)  # for `second`
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    with pytest.raises(ApprovalError):
        order_approve(order=order, approver=second, acting_user=second.user)
