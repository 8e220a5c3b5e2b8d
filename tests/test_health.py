"""/health/ (procurement:health): for load balancers and the benchmark's floor."""

from django.contrib.sessions.models import Session
from django.test import override_settings
from django.urls import reverse


def test_health_answers_anonymously_with_one_query(client, business, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(reverse("procurement:health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_health_writes_no_session_and_sets_no_cookie(client, db, admin_member):
    client.force_login(admin_member.user)
    sessions = Session.objects.count()
    response = client.get(reverse("procurement:health"))
    assert response.status_code == 200
    assert not response.cookies
    assert Session.objects.count() == sessions


@override_settings(SECURE_SSL_REDIRECT=True)
def test_health_is_exempt_from_the_https_redirect(client, db):
    """Load balancers probe over plain HTTP; every other page still redirects to HTTPS."""
    assert client.get(reverse("procurement:health")).status_code == 200
    assert client.get(reverse("procurement:home")).status_code == 301

