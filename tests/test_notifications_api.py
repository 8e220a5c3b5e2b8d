"""notify(): in-app rows in the caller's transaction, emails after commit, preferences honoured."""

import pytest
from django.db import transaction

from procurement.models import Notification, NotificationPreference
from procurement.notifications.models import Channel, Kind
from procurement.notifications.services import notify
from tests.factories import MemberFactory


def _notify(business, members, kind=Kind.ORDER_DELIVERED, url="/account/orders/PO-1/"):
    class Order:  # the templates read a few attributes only
        po_number = "PO-1"
        total = 10

    return notify(
        business=business, kind=kind, recipients=members, subject="Your order PO-1 was delivered",
        template="order_delivered", context={"order": Order()}, url=url,
    )


@pytest.mark.django_db
def test_notify_writes_the_row_and_mails_after_commit(business, buyer, mailoutbox, django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://procure.example"
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = _notify(business, [buyer, buyer])
        assert mailoutbox == []  # not before the commit
    assert row.recipient == buyer and row.po_number == "PO-1" and row.read_at is None
    (mail,) = mailoutbox
    assert mail.to == [buyer.email] and mail.subject == "Your order PO-1 was delivered"
    assert "PO number: PO-1" in mail.body and "https://procure.example/account/orders/PO-1/" in mail.body
    html, mime = mail.alternatives[0]
    assert mime == "text/html" and 'href="https://procure.example/account/orders/PO-1/"' in html
    assert Notification.objects.get().emailed_at is not None


@pytest.mark.django_db
def test_rolled_back_change_notifies_nobody(business, buyer, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            _notify(business, [buyer])
            raise RuntimeError
    assert mailoutbox == [] and not Notification.objects.exists()


@pytest.mark.django_db
def test_preferences_in_app_only_and_off(business, buyer, mailoutbox, django_capture_on_commit_callbacks):
    other = MemberFactory(business=business)
    NotificationPreference.objects.create(business=business, member=buyer, kind=Kind.ORDER_DELIVERED, channel=Channel.IN_APP)
    NotificationPreference.objects.create(business=business, member=other, kind=Kind.ORDER_DELIVERED, channel=Channel.OFF)
    with django_capture_on_commit_callbacks(execute=True):
        rows = _notify(business, [buyer, other])
    assert [r.recipient for r in rows] == [buyer] and mailoutbox == []


@pytest.mark.django_db
def test_other_business_members_are_skipped(business, buyer, other_member, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rows = _notify(business, [other_member])
    assert rows == [] and mailoutbox == []


@pytest.mark.django_db
def test_a_subject_is_one_line(business, buyer, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(business=business, kind=Kind.BUDGET_LOW, recipients=[buyer], subject="Low funds on\nBcc: x@evil.example",
               template="budget_low", context={"po_number": "BPO-1"}, url="/budgets/")
    assert mailoutbox[0].subject == "Low funds on Bcc: x@evil.example" and mailoutbox[0].bcc == []
