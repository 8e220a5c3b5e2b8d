"""Password change and password reset (Django's views, our templates): both end the member's other sessions."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db

NEW = "lemon-tree-2026"


def _signed_in(member) -> Client:
    """A separate browser: logs in through the login form, like a person on another device."""
    other = Client()
    response = other.post(reverse("procurement:login"), {"username": member.user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert other.get(reverse("procurement:account")).status_code == 200
    return other


def _is_logged_out(client: Client) -> bool:
    response = client.get(reverse("procurement:account"))
    return response.status_code == 302 and reverse("procurement:login") in response["Location"]


def _reset_link() -> str:
    return re.search(r"https?://testserver(/password-reset/\S+/\S+/)", mail.outbox[-1].body).group(1)


def test_login_page_and_user_menu_link_to_the_password_pages(client):
    login_page = client.get(reverse("procurement:login")).content.decode()
    assert f'href="{reverse("procurement:password_reset")}"' in login_page and "Forgot your password?" in login_page
    member = MemberFactory()
    client.force_login(member.user)
    account = client.get(reverse("procurement:account")).content.decode()
    assert f'href="{reverse("procurement:password_change")}"' in account and "Change password" in account


def test_change_password_keeps_this_session_and_ends_the_others(client):
    member = MemberFactory()
    this = _signed_in(member)
    other = _signed_in(member)
    response = this.post(
        reverse("procurement:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302 and response["Location"] == reverse("procurement:password_change_done")
    member.user.refresh_from_db()
    assert member.user.check_password(NEW)
    assert this.get(reverse("procurement:account")).status_code == 200
    assert _is_logged_out(other)
    # The old password no longer logs in; the new one does.
    assert client.post(reverse("procurement:login"), {"username": member.user.email, "password": PASSWORD}).status_code == 200
    assert client.post(reverse("procurement:login"), {"username": member.user.email, "password": NEW}).status_code == 302


@pytest.mark.parametrize(
    "data,field",
    [
        ({"old_password": "wrong-old-password", "new_password1": NEW, "new_password2": NEW}, "old_password"),
        ({"old_password": PASSWORD, "new_password1": "12345678901", "new_password2": "12345678901"}, "new_password2"),
        ({"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW + "x"}, "new_password2"),
    ],
)
def test_bad_password_change_is_refused_and_changes_nothing(data, field):
    member = MemberFactory()
    this, other = _signed_in(member), _signed_in(member)
    response = this.post(reverse("procurement:password_change"), data)
    assert response.status_code == 200 and response.context["form"].errors[field]
    member.user.refresh_from_db()
    assert member.user.check_password(PASSWORD)
    assert not _is_logged_out(other)


def test_change_password_needs_a_login(client):
    response = client.get(reverse("procurement:password_change"))
    assert response.status_code == 302 and reverse("procurement:login") in response["Location"]


def test_reset_by_email_sets_a_new_password_and_ends_every_session(client):
    member = MemberFactory(user__email="ann@example.com")
    other = _signed_in(member)
    response = client.post(reverse("procurement:password_reset"), {"email": "Ann@Example.com"})
    assert response.status_code == 302 and response["Location"] == reverse("procurement:password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ann@example.com"]

    form = client.get(_reset_link(), follow=True)
    assert form.context["validlink"]
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"] == reverse("procurement:password_reset_complete")
    member.user.refresh_from_db()
    assert member.user.check_password(NEW)
    assert _is_logged_out(other)
    assert "_auth_user_id" not in client.session  # reset logs no one in
    # The link works once.
    assert not client.get(_reset_link(), follow=True).context["validlink"]


def test_reset_for_an_unknown_or_deactivated_address_sends_nothing_and_says_the_same(client):
    MemberFactory(user__email="gone@example.com", user__is_active=False, is_active=False)
    for email in ("nobody@example.com", "gone@example.com"):
        response = client.post(reverse("procurement:password_reset"), {"email": email})
        assert response.status_code == 302 and response["Location"] == reverse("procurement:password_reset_done")
    assert mail.outbox == []


def test_a_forged_or_tampered_reset_link_changes_nothing(client):
    member = MemberFactory()
    client.post(reverse("procurement:password_reset"), {"email": member.user.email})
    tampered = _reset_link()[:-3] + "zz/"
    page = client.get(tampered, follow=True)
    assert page.status_code == 200 and not page.context["validlink"]
    assert "does not work any more" in page.content.decode()
    client.post(tampered, {"new_password1": NEW, "new_password2": NEW})
    member.user.refresh_from_db()
    assert member.user.check_password(PASSWORD)


def test_a_member_who_never_set_a_password_can_still_ask_for_a_link(client):
    member = MemberFactory()
    member.user.set_unusable_password()
    member.user.save()
    client.post(reverse("procurement:password_reset"), {"email": member.user.email})
    assert len(mail.outbox) == 1
    form = client.get(_reset_link(), follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    member.user.refresh_from_db()
    assert member.user.check_password(NEW)
