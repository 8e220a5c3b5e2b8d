"""Notifications end to end: the emails of every hooked event (subject, PO number, link, text and HTML),
preferences, approval kinds never off, rollback sends nothing, a failing mail server is retried and
never fails the order, the bell and opening a notification, isolation, the month-close reminder."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from orders.approvals.services import order_approve
from orders.documents.services import invoice_issue
from orders.finance.reconciliation import month_close
from orders.fulfilment.services import order_mark_delivered, shipment_create
from orders.models import Order
from procurement.models import Notification, NotificationEmail, NotificationPreference
from procurement.notifications.models import Channel, Kind
from procurement.notifications.services import notify
from procurement.notifications.tasks import MAX_RETRIES, notification_email_send
from tests.factories import PASSWORD, MemberFactory
from tests.support.flaky_mail import FlakyBackend
from tests.support.orders import fill_cart, make_budget, make_member, place, place_pending

pytestmark = pytest.mark.django_db

SITE = "https://procure.example"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def approver(group):
    return make_member(group, "approver", "approver@example.com")


@pytest.fixture
def pending(buyer, group):
    order = place_pending(buyer, group)
    assert order.status == Order.Status.PENDING_APPROVAL
    return order


@pytest.fixture
def order(buyer, group):
    budget = make_budget(group, amount="1000.00")
    fill_cart(buyer, ("10.00", 4))
    return place(buyer, group, budget).order


def _order_link(order):
    return SITE + reverse("orders:order_detail", kwargs={"po_number": order.po_number})


def _assert_email(mail, *, to, subject, po_number, link, text):
    """Both parts say what happened, show the PO number and link to the page where the person acts."""
    assert mail.to == [to] and mail.subject == subject
    assert text in mail.body and f"PO number: {po_number}" in mail.body and link in mail.body
    (html, mime), = mail.alternatives
    assert mime == "text/html" and f'href="{link}"' in html and po_number in html and text.split(" ")[0] in html


def _ship(order, tracking="1Z999"):
    line = order.lines.get()
    return shipment_create(order=order, carrier="UPS", tracking_number=tracking, ship_date=timezone.localdate(),
                           quantities={line.pk: line.quantity}, acting_user=None)


# --- The emails of every hooked event -------------------------------------------------------------


def test_approved_from_the_approvals_page_mails_the_buyer(client, approver, pending, buyer, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(approver.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("orders:approvals"), {"po_number": pending.po_number, "decision": "approve"})
    (mail,) = mailoutbox
    _assert_email(mail, to=buyer.email, subject=f"Your order {pending.po_number} was approved", po_number=pending.po_number,
                  link=_order_link(pending), text="was approved by")
    assert Notification.objects.get(recipient=buyer).kind == Kind.ORDER_APPROVED


def test_rejected_mails_the_buyer_with_the_reason(client, approver, pending, buyer, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(approver.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("orders:approvals"), {"po_number": pending.po_number, "decision": "reject", "reason": "Not this quarter"})
    (mail,) = mailoutbox
    _assert_email(mail, to=buyer.email, subject=f"Your order {pending.po_number} was rejected", po_number=pending.po_number,
                  link=_order_link(pending), text="Reason: Not this quarter")
    assert "Not this quarter" in mail.alternatives[0][0]


def test_shipping_mails_shipped_and_invoiced(order, buyer, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        shipment = _ship(order)
    shipped, invoiced = sorted(mailoutbox, key=lambda m: "Invoice" in m.subject)
    _assert_email(shipped, to=buyer.email, subject=f"Your order {order.po_number} was shipped", po_number=order.po_number,
                  link=_order_link(order), text="with UPS, tracking number 1Z999")
    number = shipment.invoice.number
    _assert_email(invoiced, to=buyer.email, subject=f"Invoice {number} was issued for your order {order.po_number}",
                  po_number=order.po_number, link=_order_link(order), text=f"Invoice {number} of $40.00")


def test_invoice_issue_again_mails_nothing_more(order, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        shipment = _ship(order)
        invoice_issue(shipment=shipment, acting_user=None)  # the existing invoice: no second email
    assert len(mailoutbox) == 2


def test_delivered_mails_the_buyer(order, buyer, mailoutbox, django_capture_on_commit_callbacks):
    _ship(order)
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_delivered(order=order, acting_user=None)
    (mail,) = mailoutbox
    _assert_email(mail, to=buyer.email, subject=f"Your order {order.po_number} was delivered", po_number=order.po_number,
                  link=_order_link(order), text="was delivered")


def test_low_funds_mails_each_group_admin_and_business_admin(group, buyer, admin_member, mailoutbox, django_capture_on_commit_callbacks):
    make_member(group, "group_admin", "ga@example.com")
    budget = make_budget(group, amount="100.00", low_funds_alert=Decimal("30.00"))
    fill_cart(buyer, ("80.00", 1))
    with django_capture_on_commit_callbacks(execute=True):
        place(buyer, group, budget)
    assert sorted(m.to[0] for m in mailoutbox) == ["admin@example.com", "ga@example.com"]
    link = SITE + reverse("budgets:budget_detail", kwargs={"group_id": group.pk, "budget_id": budget.pk})
    _assert_email(mailoutbox[0], to=mailoutbox[0].to[0], subject=f"Low funds on {budget.name} ({budget.po_number})",
                  po_number=budget.po_number, link=link, text="has $20.00 remaining of $100.00")


def _invoice_last_month(order):
    first_of_month = timezone.localdate().replace(day=1)
    line = order.lines.get()
    shipment = shipment_create(order=order, carrier="UPS", tracking_number="1Z5", ship_date=first_of_month,
                               quantities={line.pk: line.quantity}, acting_user=None)
    from orders.models import Invoice

    Invoice.objects.filter(pk=shipment.invoice.pk).update(issued_on=first_of_month - datetime.timedelta(days=3))
    return first_of_month


def test_month_closable_tells_finance_once(order, group, admin_member, mailoutbox, django_capture_on_commit_callbacks):
    make_member(group, "finance", "fin@example.com")
    today = _invoice_last_month(order)
    mailoutbox.clear()
    last = today - datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("month_close_reminders_send", "--today", today.isoformat(), stdout=open("/dev/null", "w"))
    (mail,) = mailoutbox  # finance only (admins are the fallback where no one holds the finance role)
    link = f"{SITE}{reverse('orders:reconciliation')}?month={last:%Y-%m}"
    assert mail.to == ["fin@example.com"] and mail.subject == f"{last:%B %Y} can be closed"
    assert link in mail.body and f'href="{link}"' in mail.alternatives[0][0]
    with django_capture_on_commit_callbacks(execute=True):
        call_command("month_close_reminders_send", "--today", today.isoformat(), stdout=open("/dev/null", "w"))
    assert len(mailoutbox) == 1  # once per month


def test_a_closed_month_is_not_announced(order, admin_member, mailoutbox, django_capture_on_commit_callbacks):
    from orders.finance.reminders import month_close_reminders_send

    today = _invoice_last_month(order)
    last = today - datetime.timedelta(days=1)
    month_close(business=order.business, year=last.year, month=last.month, member=admin_member, acting_user=None)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert month_close_reminders_send(today=today) == 0
    assert mailoutbox == []


# --- Preferences ------------------------------------------------------------------------------------


def test_preferences_are_honoured_in_app_only_and_off(client, approver, pending, buyer, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(buyer.user)
    data = {kind: Channel.EMAIL for kind in Kind.values} | {Kind.ORDER_APPROVED: Channel.IN_APP, Kind.ORDER_SHIPPED: Channel.OFF}
    assert client.post(reverse("procurement:notification_settings"), data).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        order_approve(order=pending, approver=approver, acting_user=approver.user)
        _ship(pending)
    # approved: in-app only; shipped: off; invoiced: email (the default).
    assert [m.subject for m in mailoutbox] == [f"Invoice {pending.invoices.get().number} was issued for your order {pending.po_number}"]
    assert sorted(Notification.objects.filter(recipient=buyer).values_list("kind", flat=True)) == ["order_approved", "order_invoiced"]


def test_approval_kinds_cannot_be_turned_off(client, buyer):
    client.force_login(buyer.user)
    page = client.get(reverse("procurement:notification_settings")).content.decode()
    assert "Cannot be turned off" in page
    data = {kind: Channel.EMAIL for kind in Kind.values} | {Kind.APPROVAL_REQUESTED: Channel.OFF}
    response = client.post(reverse("procurement:notification_settings"), data)
    assert response.status_code == 200 and not NotificationPreference.objects.exists()  # the form refuses it
    from procurement.errors import InvalidInput
    from procurement.notifications.services import notification_preferences_update

    with pytest.raises(InvalidInput, match="cannot be turned off"):
        notification_preferences_update(member=buyer, channels={Kind.APPROVAL_REMINDER: Channel.OFF}, acting_user=None)
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database refuses it
        NotificationPreference.objects.create(business=buyer.business, member=buyer, kind=Kind.APPROVAL_ESCALATED, channel=Channel.OFF)


def test_a_stored_off_for_an_approval_kind_still_reaches_the_bell(approver, mailoutbox, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(business=approver.business, member=approver, kind=Kind.APPROVAL_REQUESTED, channel=Channel.IN_APP)
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify(business=approver.business, kind=Kind.APPROVAL_REQUESTED, recipients=[approver], subject="PO-9 waits",
                      template="approval_requested", context={"po_number": "PO-9"}, url="/account/approvals/")
    assert len(rows) == 1 and mailoutbox == []


# --- Delivery: after commit, retried, never failing the order ----------------------------------------


@pytest.fixture
def celery_retries():
    """Eager tasks retry in-process only when their errors do not propagate (as in `make run`); the test
    settings propagate them, so these tests turn that off to run the real retry path."""
    from procurement.celery import app

    before = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = before


def test_a_rolled_back_change_sends_nothing(approver, pending, mailoutbox, django_capture_on_commit_callbacks):
    # Checkout already told the approvers (approval workflows); only what the approval writes counts.
    Notification.objects.all().delete()
    NotificationEmail.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            order_approve(order=pending, approver=approver, acting_user=approver.user)
            raise RuntimeError("the request failed later")
    assert mailoutbox == [] and not Notification.objects.exists() and not NotificationEmail.objects.exists()
    pending.refresh_from_db()
    assert pending.status == Order.Status.PENDING_APPROVAL


def test_a_failing_mail_server_is_retried_then_delivers(celery_retries, settings, client, approver, pending, mailoutbox, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.support.flaky_mail.FlakyBackend"
    FlakyBackend.failures, FlakyBackend.attempts = 2, 0
    client.force_login(approver.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("orders:approvals"), {"po_number": pending.po_number, "decision": "approve"})
    assert response.status_code == 302
    assert FlakyBackend.attempts == 3 and len(mailoutbox) == 1
    email = NotificationEmail.objects.get(to=pending.buyer.user.email)  # checkout's email to the approver aside
    assert email.sent_at and email.attempts == 3 and "451" in email.last_error
    assert notification_email_send.retry_backoff and notification_email_send.max_retries == MAX_RETRIES


def test_a_mail_server_that_keeps_failing_never_fails_the_order(celery_retries, settings, client, approver, pending, mailoutbox, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.support.flaky_mail.FlakyBackend"
    FlakyBackend.failures, FlakyBackend.attempts = 1000, 0
    client.force_login(approver.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("orders:approvals"), {"po_number": pending.po_number, "decision": "approve"})
    assert response.status_code == 302 and mailoutbox == []
    pending.refresh_from_db()
    assert pending.status == Order.Status.PLACED  # approved, whatever the mail server did
    email = NotificationEmail.objects.get(to=pending.buyer.user.email)  # checkout's email to the approver aside
    assert email.sent_at is None and email.failed_at and email.attempts == MAX_RETRIES + 1
    assert FlakyBackend.attempts == MAX_RETRIES + 1
    assert Notification.objects.get(recipient=pending.buyer).read_at is None  # the bell still has it


def test_the_send_task_is_idempotent(order, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _ship(order)
    sent = len(mailoutbox)
    for email in NotificationEmail.objects.all():
        assert notification_email_send.delay(email.pk).get() == "skipped"  # a re-delivered task
    assert len(mailoutbox) == sent


# --- The bell, the list, opening one ----------------------------------------------------------------


def _notifications(member, n=2):
    for i in range(n):
        Notification.objects.create(business=member.business, recipient=member, kind=Kind.ORDER_SHIPPED,
                                    title=f"Your order PO-{i} was shipped", url=f"/account/orders/PO-{i}/", po_number=f"PO-{i}")
    return list(Notification.objects.filter(recipient=member).order_by("id"))


def test_bell_shows_the_unread_count_and_opening_marks_read(client, buyer):
    first, _ = _notifications(buyer)
    client.force_login(buyer.user)
    page = client.get(reverse("procurement:account")).content.decode()
    assert 'aria-label="Notifications: 2 unread"' in page
    response = client.post(reverse("procurement:notification_open", args=[first.pk]))
    assert response.status_code == 302 and response["Location"] == "/account/orders/PO-0/"
    first.refresh_from_db()
    assert first.read_at is not None
    assert 'aria-label="Notifications: 1 unread"' in client.get(reverse("procurement:account")).content.decode()
    client.post(reverse("procurement:notifications_read_all"))
    assert 'aria-label="Notifications: 0 unread"' in client.get(reverse("procurement:account")).content.decode()


def test_the_bell_caps_its_count(client, buyer):
    _notifications(buyer, 101)
    client.force_login(buyer.user)
    assert 'aria-label="Notifications: 99+ unread"' in client.get(reverse("procurement:account")).content.decode()


def test_opening_never_acts_by_get(client, buyer):
    first, _ = _notifications(buyer)
    client.force_login(buyer.user)
    for url in (reverse("procurement:notification_open", args=[first.pk]), reverse("procurement:notifications_read_all")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("procurement:notifications")
    first.refresh_from_db()
    assert first.read_at is None


def test_another_member_cannot_open_or_mark(client, buyer, group, other_member):
    first, _ = _notifications(buyer)
    colleague = MemberFactory(business=group.business)
    for intruder in (colleague, other_member):
        client.force_login(intruder.user)
        assert client.post(reverse("procurement:notification_open", args=[first.pk])).status_code == 404
        client.post(reverse("procurement:notifications_read_all"))
        assert "PO-0" not in client.get(reverse("procurement:notifications")).content.decode()
    first.refresh_from_db()
    assert first.read_at is None


def test_list_page_paginates_with_flat_queries_and_has_an_empty_state(client, buyer, django_assert_max_num_queries):
    client.force_login(buyer.user)
    assert "No notifications yet" in client.get(reverse("procurement:notifications")).content.decode()
    _notifications(buyer, 30)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("procurement:notifications")).content.decode()
    assert page.count("data-notification=") == 25 and "Page 1 of 2" in page
    assert client.get(reverse("procurement:notifications"), {"page": 2}).content.decode().count("data-notification=") == 5


def test_an_email_link_signs_in_first_then_lands_on_the_page(client, approver, pending, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order_approve(order=pending, approver=approver, acting_user=approver.user)
    path = reverse("orders:order_detail", kwargs={"po_number": pending.po_number})
    assert SITE + path in mailoutbox[0].body
    response = client.get(path)  # not signed in: the login page, coming back here
    assert response.status_code == 302 and response["Location"] == f"{reverse('procurement:login')}?next={path}"
    login = client.post(response["Location"], {"username": pending.buyer.email, "password": PASSWORD})
    assert login.status_code == 302 and login["Location"] == path
    assert pending.po_number in client.get(path).content.decode()


def test_settings_page_is_linked_from_the_account(client, buyer):
    client.force_login(buyer.user)
    assert reverse("procurement:notification_settings") in client.get(reverse("procurement:account")).content.decode()


def test_seed_demo_fills_the_demo_bells_once():
    from io import StringIO

    call_command("seed_demo", "--orders", "6", stdout=StringIO())
    shipped = Notification.objects.filter(kind=Kind.ORDER_SHIPPED)
    assert shipped.exists() and all(n.recipient.business.name == "Acme Corporation" for n in shipped)
    before = Notification.objects.count()
    call_command("seed_demo", "--orders", "6", stdout=StringIO())
    assert Notification.objects.count() == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_task_delivered_twice_at_once_sends_one_email(mailoutbox):
    """acks_late re-delivery: two workers run the same send at once; the row lock lets one send."""
    from tests.factories import BusinessFactory
    from tests.support.threads import run_at_once

    business = BusinessFactory()
    member = MemberFactory(business=business, user__email="twice@example.com")
    notify(business=business, kind=Kind.ORDER_DELIVERED, recipients=[member], subject="Your order PO-7 was delivered",
           template="order_delivered", context={"po_number": "PO-7"}, url="/account/orders/PO-7/")  # autocommit: sent now
    email = NotificationEmail.objects.get()
    assert email.sent_at and len(mailoutbox) == 1
    NotificationEmail.objects.filter(pk=email.pk).update(sent_at=None)  # as if the first worker died before acking
    mailoutbox.clear()
    results, errors = run_at_once(lambda i: notification_email_send.run(email.pk), 4)
    assert not errors and sorted(results) == ["sent", "skipped", "skipped", "skipped"]
    assert len(mailoutbox) == 1
