"""Django admin for staff: every core model registered, searchable, with history; email login."""

import pytest
from django.contrib import admin
from django.urls import reverse

from procurement.models import (
    Address, Business, Counter, Group, GroupMembership, Member, Notification, NotificationEmail, NotificationPreference, User,
)
from tests.factories import GroupMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

MODELS = [User, Business, Member, Group, GroupMembership, Address, Counter, Notification, NotificationEmail, NotificationPreference]


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(email="staff@example.com", is_staff=True, is_superuser=True))
    return client


def test_every_core_model_is_registered():
    assert all(admin.site.is_registered(model) for model in MODELS)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_and_search_open(staff_client, model):
    GroupMembershipFactory(member__user__email="findme@example.com")
    url = reverse(f"admin:procurement_{model._meta.model_name}_changelist")
    assert staff_client.get(url).status_code == 200
    assert staff_client.get(url, {"q": "findme"}).status_code == 200


def test_member_search_by_email_and_business_search_by_name(staff_client):
    membership = GroupMembershipFactory(member__user__email="findme@example.com", group__business__name="Findable Co")
    members = staff_client.get(reverse("admin:procurement_member_changelist"), {"q": "findme@"})
    assert list(members.context["cl"].result_list) == [membership.member]
    businesses = staff_client.get(reverse("admin:procurement_business_changelist"), {"q": "Findable"})
    assert list(businesses.context["cl"].result_list) == [membership.business]
    history = staff_client.get(reverse("admin:procurement_group_history", args=[membership.group.pk]))
    assert history.status_code == 200


def test_staff_adds_a_user_by_email(staff_client):
    response = staff_client.post(reverse("admin:procurement_user_add"), {
        "email": "New.Person@example.com", "usable_password": "true",
        "password1": "volcano-lair-2026", "password2": "volcano-lair-2026",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert User.objects.filter(email="new.person@example.com").exists()


def test_counters_are_read_only(staff_client):
    assert staff_client.get(reverse("admin:procurement_counter_add")).status_code == 403
