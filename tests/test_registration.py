"""Create a business account: good input lands in Your Account for Business; each bad input is refused
with a clear message, keeps what was typed, and saves nothing."""

import pytest
from django.urls import reverse

from procurement.models import Business, Member, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "company_name": "Globex Industries",
    "address_line1": "742 Evergreen Terrace",
    "address_line2": "",
    "city": "Springfield",
    "region": "OR",
    "postal_code": "97403",
    "country": "United States",
    "first_name": "Hank",
    "last_name": "Scorpio",
    "email": "Hank@Globex.example",
    "password1": "volcano-lair-2026",
    "password2": "volcano-lair-2026",
}


def _counts():
    return Business.objects.count(), User.objects.count(), Member.objects.count()


def test_home_page_offers_create_a_business_account(client):
    response = client.get(reverse("procurement:home"))
    assert response.status_code == 200
    assert f'href="{reverse("procurement:register")}"' in response.content.decode()
    assert "Create a business account" in response.content.decode()


def test_registration_creates_business_admin_and_logs_in(client):
    response = client.post(reverse("procurement:register"), GOOD)
    assert response.status_code == 302 and response["Location"] == reverse("procurement:account")

    member = Member.objects.select_related("business", "user").get()
    assert member.is_business_admin and member.is_active
    assert member.business.name == "Globex Industries"
    assert member.business.address_lines == ["742 Evergreen Terrace", "Springfield, OR 97403", "United States"]
    assert member.user.email == "hank@globex.example"  # stored lower-case
    assert member.user.get_full_name() == "Hank Scorpio"
    assert member.user.check_password("volcano-lair-2026")
    # The history records the new business admin.
    assert member.history.count() == 1

    account = client.get(reverse("procurement:account"))
    assert account.status_code == 200
    body = account.content.decode()
    assert "Your Account for Business" in body and "Globex Industries" in body
    assert f'href="{reverse("procurement:business_settings")}"' in body


def _post_bad(client, **changes):
    data = {**GOOD, **changes}
    before = _counts()
    response = client.post(reverse("procurement:register"), data)
    assert response.status_code == 200, "a bad registration re-renders the form"
    assert _counts() == before, "a bad registration saved something"
    assert "_auth_user_id" not in client.session
    return response


def test_duplicate_email_is_refused_case_insensitively(client):
    UserFactory(email="hank@globex.example")
    response = _post_bad(client, email="HANK@globex.EXAMPLE")
    form = response.context["form"]
    assert "already exists" in form.errors["email"][0]
    body = response.content.decode()
    assert 'value="Globex Industries"' in body and 'value="742 Evergreen Terrace"' in body


@pytest.mark.parametrize(
    "password,message",
    [
        ("short1", "too short"),
        ("password123", "too common"),
        ("4829175036", "entirely numeric"),
        ("hankscorpio", "too similar"),
    ],
)
def test_weak_password_is_refused_with_the_validators_message(client, password, message):
    response = _post_bad(client, password1=password, password2=password)
    errors = " ".join(response.context["form"].errors["password1"])
    assert message in errors
    assert 'value="Hank"' in response.content.decode()


def test_mismatched_passwords_are_refused(client):
    response = _post_bad(client, password2="volcano-lair-2027")
    assert "do not match" in response.context["form"].errors["password2"][0]


@pytest.mark.parametrize("company_name", ["", "   "])
def test_missing_company_name_is_refused(client, company_name):
    response = _post_bad(client, company_name=company_name)
    assert response.context["form"].errors["company_name"]
    body = response.content.decode()
    assert 'value="hank@globex.example"' in body.lower() and 'value="742 Evergreen Terrace"' in body


@pytest.mark.parametrize("field", ["address_line1", "city", "postal_code", "first_name", "last_name", "email"])
def test_other_required_fields_are_required(client, field):
    response = _post_bad(client, **{field: ""})
    assert field in response.context["form"].errors


def test_signed_in_member_is_sent_from_register_to_their_account(client, admin_member):
    client.force_login(admin_member.user)
    response = client.get(reverse("procurement:register"))
    assert response.status_code == 302 and response["Location"] == reverse("procurement:account")


def test_service_refuses_duplicate_email_even_without_the_form():
    from django.core.exceptions import ValidationError

    from procurement.services import business_register

    UserFactory(email="taken@example.com")
    before = _counts()
    with pytest.raises(ValidationError) as error:
        business_register(
            company_name="Dup Co", address_line1="1 A St", city="X", postal_code="1", first_name="A", last_name="B",
            email="Taken@Example.com", password="volcano-lair-2026",
        )
    assert "email" in error.value.error_dict
    assert _counts() == before
