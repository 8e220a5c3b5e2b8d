"""Log in with email and password; throttled by django-axes (five failures lock the email)."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db


def _login(client, email, password):
    return client.post(reverse("procurement:login"), {"username": email, "password": password})


def test_login_with_email_and_password_lands_in_the_account(client):
    member = MemberFactory(user__email="ann@example.com")
    response = _login(client, "Ann@Example.com", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("procurement:account")
    assert client.session["_auth_user_id"] == str(member.user.pk)


def test_wrong_password_is_refused(client):
    MemberFactory(user__email="ann@example.com")
    response = _login(client, "ann@example.com", "not-the-password")
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "correct email" in response.content.decode().lower()


def test_sixth_attempt_is_locked_out_even_with_the_right_password(client):
    MemberFactory(user__email="ann@example.com")
    for _ in range(5):
        _login(client, "ann@example.com", "guess-guess-guess")
    locked = _login(client, "ann@example.com", PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed log-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_ends_the_session(client):
    member = MemberFactory()
    client.force_login(member.user)
    response = client.post(reverse("procurement:logout"))
    assert response.status_code == 302
    assert client.get(reverse("procurement:account")).status_code == 302


def test_changing_the_case_of_the_email_does_not_dodge_the_lockout(client):
    MemberFactory(user__email="ann@example.com")
    for variant in ["ann@example.com", "ANN@example.com", "Ann@Example.com", "aNN@example.COM", "ann@EXAMPLE.com"]:
        _login(client, variant, "guess-guess-guess")
    assert _login(client, "Ann@example.com", PASSWORD).status_code == 429
