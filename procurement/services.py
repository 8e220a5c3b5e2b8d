"""Writes of the business core: registration, company details, members, groups, addresses.

Every function takes keyword arguments only, runs in one transaction, and raises
`django.core.exceptions.ValidationError` with a message fit for the user when the input breaks a
rule; views show that message on the form and nothing is saved. `acting_user` is recorded as the
author of the history entries (the request middleware does the same inside requests).
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .fields import fields_check
from .history import history_save, history_user_set, model_update
from .identifiers import endpoint_clean, vat_id_clean
from .signals import group_membership_changed
from .models import Address, Business, Group, GroupMembership, Member, User

Role = GroupMembership.Role

BUSINESS_FIELDS = (
    "name", "address_line1", "address_line2", "city", "region", "postal_code", "country", "currency", "locale",
    "vat_id", "legal_id", "endpoint_id", "endpoint_scheme",
)
GROUP_FIELDS = ("name", "cost_center", "location", "shipping_address", "parent", "approval_threshold")
ADDRESS_FIELDS = ("label", "recipient", "line1", "line2", "city", "region", "postal_code", "country", "is_active")


def _email_taken(email: str) -> bool:
    return User.objects.filter(email__iexact=email.strip()).exists()


def _user_insert(user: User, *, message: str) -> None:
    """Insert the user; a concurrent sign-up with the same email loses cleanly (unique constraint)."""
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise ValidationError({"email": message}) from error


def set_password_link(*, user: User, base_url: str) -> str:
    """An absolute set-your-password link (Django's password reset token) for `user`.

    The token is bound to the user's current password hash and last login, so it works once: setting a
    password (or logging in) makes it invalid; it also expires after PASSWORD_RESET_TIMEOUT.
    """
    path = reverse(
        "procurement:password_reset_confirm",
        kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)},
    )
    return base_url.rstrip("/") + path


def reset_link_days() -> int:
    """How many days a set-your-password / reset link stays valid (PASSWORD_RESET_TIMEOUT, rounded up)."""
    return max(1, -(-settings.PASSWORD_RESET_TIMEOUT // 86400))


@transaction.atomic
def business_register(
    *,
    company_name: str,
    address_line1: str,
    city: str,
    postal_code: str,
    first_name: str,
    last_name: str,
    email: str,
    password: str,
    address_line2: str = "",
    region: str = "",
    country: str = "United States",
    currency: str = "USD",
) -> Member:
    """A new business with its first member, its business admin (the person who registered)."""
    company_name = company_name.strip()
    email = email.strip().lower()
    if not company_name:
        raise ValidationError({"company_name": "Enter your company name."})
    if _email_taken(email):
        raise ValidationError({"email": "An account with this email address already exists. Log in instead."})
    user = User(email=email, first_name=first_name.strip(), last_name=last_name.strip())
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise ValidationError({"password1": error.messages}) from error
    business = Business.objects.create(
        name=company_name, address_line1=address_line1.strip(), address_line2=address_line2.strip(),
        city=city.strip(), region=region.strip(), postal_code=postal_code.strip(), country=country.strip(),
        currency=currency,
    )
    user.set_password(password)
    _user_insert(user, message="An account with this email address already exists. Log in instead.")
    member = Member(business=business, user=user, is_business_admin=True)
    history_save(member, acting_user=user)
    return member


@transaction.atomic
def business_update(*, business: Business, acting_user, **fields) -> Business:
    """Company details (name, address, currency)."""
    fields_check(fields, BUSINESS_FIELDS, service="business_update")
    if not (fields.get("name", business.name) or "").strip():
        raise ValidationError({"name": "Enter your company name."})
    if "vat_id" in fields:
        fields["vat_id"] = vat_id_clean(fields["vat_id"], country=fields.get("country", business.country))
    if "endpoint_id" in fields or "endpoint_scheme" in fields:
        fields["endpoint_scheme"], fields["endpoint_id"] = endpoint_clean(
            scheme=fields.get("endpoint_scheme", business.endpoint_scheme),
            endpoint_id=fields.get("endpoint_id", business.endpoint_id),
        )
    model_update(instance=business, fields=fields, acting_user=acting_user)
    return business


@transaction.atomic
def member_add(
    *, business: Business, first_name: str, last_name: str, email: str, is_business_admin: bool = False,
    base_url: str, acting_user,
) -> Member:
    """A new member without a password; they are mailed a set-your-password link (no password in clear).

    `base_url` is the site's address (scheme and host) the link in the welcome email starts with.
    """
    email = email.strip().lower()
    if _email_taken(email):
        raise ValidationError({"email": "Someone with this email address already has an account."})
    user = User(email=email, first_name=first_name.strip(), last_name=last_name.strip())
    user.set_unusable_password()
    _user_insert(user, message="Someone with this email address already has an account.")
    member = Member(business=business, user=user, is_business_admin=is_business_admin)
    history_save(member, acting_user=acting_user)
    inviter = getattr(acting_user, "get_full_name", lambda: "")() or "Your business admin"
    link = set_password_link(user=user, base_url=base_url)
    days = reset_link_days()

    def _mail():
        send_mail(
            subject=f"Your account at {business.name}",
            message=(
                f"{inviter} added you to {business.name}.\n\n"
                f"Set your password here, then log in with your email address {email}:\n\n{link}\n\n"
                f"The link works once and for {days} day{'s' if days != 1 else ''}. After that, use "
                "\"Forgot your password?\" on the login page to get a new one.\n"
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[email],
        )

    transaction.on_commit(_mail)
    return member


def _lock_admins(business: Business) -> list[Member]:
    """The business's active admins, locked in a fixed order (by id), so that two admins demoting
    each other at the same moment queue up instead of both passing the "one admin left" check."""
    return list(
        Member.objects.select_for_update(of=("self",))
        .filter(business=business, is_business_admin=True, is_active=True)
        .order_by("pk")
    )


@transaction.atomic
def member_update(
    *, member: Member, acting_user, first_name: str | None = None, last_name: str | None = None,
    is_business_admin: bool | None = None, is_active: bool | None = None,
) -> Member:
    """Name, business-admin flag and active state. Members are deactivated, never deleted.

    A member cannot deactivate themself, and the business always keeps at least one active admin.
    Deactivation also disables the login (a user belongs to exactly one business).
    """
    acting_member = getattr(acting_user, "member", None) if acting_user is not None else None
    if is_active is False and acting_member is not None and acting_member.pk == member.pk:
        raise ValidationError({"is_active": "You cannot deactivate yourself."})
    # Lock order: the admins first (when an admin may be lost), then the member's own row.
    admins = _lock_admins(member.business) if (is_active is False or is_business_admin is False) else None
    member = Member.objects.select_for_update(of=("self",)).select_related("user", "business").get(pk=member.pk)
    deactivating = is_active is False and member.is_active
    was_active = member.is_active
    losing_admin = member.is_business_admin and member.is_active and (deactivating or is_business_admin is False)
    if losing_admin and [m.pk for m in admins] == [member.pk]:
        field = "is_active" if deactivating else "is_business_admin"
        raise ValidationError({field: "A business needs at least one active business admin."})
    user = member.user
    if first_name is not None:
        user.first_name = first_name.strip()
    if last_name is not None:
        user.last_name = last_name.strip()
    if is_business_admin is not None:
        member.is_business_admin = is_business_admin
    if is_active is not None:
        member.is_active = is_active
        user.is_active = is_active
    user.save()
    history_save(member, acting_user=acting_user)
    if deactivating or (is_active and not was_active):
        for group_id in GroupMembership.objects.filter(member=member).values_list("group_id", flat=True).distinct():
            group_membership_changed.send(sender=Member, group_id=group_id, member_id=member.pk, acting_user=acting_user)
    return member


def _check_group_fields(*, business: Business, group: Group | None, fields: dict) -> None:
    errors = {}
    name = (fields.get("name", group.name if group else "") or "").strip()
    if not name:
        errors["name"] = "Enter a group name."
    elif Group.objects.filter(business=business, name__iexact=name).exclude(pk=getattr(group, "pk", None)).exists():
        errors["name"] = "Your business already has a group with this name."
    address = fields.get("shipping_address")
    if address is not None and address.business_id != business.pk:
        errors["shipping_address"] = "Choose one of your business's addresses."
    parent = fields.get("parent")
    if parent is not None:
        if parent.business_id != business.pk:
            errors["parent"] = "Choose one of your business's groups."
        elif group is not None:
            # No cycles: the parent may not be the group itself or one of its descendants.
            node, seen = parent, set()
            while node is not None and node.pk not in seen:
                if node.pk == group.pk:
                    errors["parent"] = "A group cannot sit under itself or one of its subgroups."
                    break
                seen.add(node.pk)
                node = node.parent
    threshold = fields.get("approval_threshold")
    if threshold is not None and Decimal(threshold) < 0:
        errors["approval_threshold"] = "The approval threshold cannot be negative."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def group_create(*, business: Business, acting_user, **fields) -> Group:
    fields_check(fields, GROUP_FIELDS, service="group_create")
    _check_group_fields(business=business, group=None, fields=fields)
    fields["name"] = fields["name"].strip()
    group = Group(business=business, **fields)
    try:
        with transaction.atomic():
            history_save(group, acting_user=acting_user)
    except IntegrityError as error:  # a concurrent create with the same name won the race
        raise ValidationError({"name": "Your business already has a group with this name."}) from error
    return group


@transaction.atomic
def group_update(*, group: Group, acting_user, **fields) -> Group:
    fields_check(fields, GROUP_FIELDS, service="group_update")
    _check_group_fields(business=group.business, group=group, fields=fields)
    if "name" in fields:
        fields["name"] = fields["name"].strip()
    try:
        with transaction.atomic():
            model_update(instance=group, fields=fields, acting_user=acting_user)
    except IntegrityError as error:
        raise ValidationError({"name": "Your business already has a group with this name."}) from error
    return group


@transaction.atomic
def group_member_add(*, group: Group, member: Member, roles: list[str], acting_user) -> list[GroupMembership]:
    """Give `member` one or more roles in `group`; roles already held are kept, not duplicated."""
    if member.business_id != group.business_id:
        raise ValidationError({"member": "Choose a member of your business."})
    if not member.is_active:
        raise ValidationError({"member": "This member is deactivated; reactivate them first."})
    valid = set(Role.values)
    roles = [r for r in dict.fromkeys(roles)]
    if not roles or not set(roles) <= valid:
        raise ValidationError({"roles": "Choose at least one role."})
    held = set(GroupMembership.objects.filter(group=group, member=member).values_list("role", flat=True))
    created = []
    for role in roles:
        if role in held:
            continue
        membership = GroupMembership(business=group.business, group=group, member=member, role=role)
        try:
            with transaction.atomic():
                history_save(membership, acting_user=acting_user)
        except IntegrityError:
            continue  # added at the same moment by someone else: the role is held, as asked
        created.append(membership)
    if not created:
        raise ValidationError({"roles": f"{member.name} already holds these roles in {group.name}."})
    group_membership_changed.send(sender=GroupMembership, group_id=group.pk, member_id=member.pk, acting_user=acting_user)
    return created


@transaction.atomic
def group_membership_remove(*, membership: GroupMembership, acting_user) -> None:
    """Take one role in one group away from a member (the history keeps the record)."""
    history_user_set(membership, acting_user)
    group_id, member_id = membership.group_id, membership.member_id
    membership.delete()
    group_membership_changed.send(sender=GroupMembership, group_id=group_id, member_id=member_id, acting_user=acting_user)


@transaction.atomic
def address_create(*, business: Business, acting_user, **fields) -> Address:
    fields_check(fields, ADDRESS_FIELDS, service="address_create")
    address = Address(business=business, **fields)
    history_save(address, acting_user=acting_user)
    return address


@transaction.atomic
def address_update(*, address: Address, acting_user, **fields) -> Address:
    """Edit or deactivate (is_active=False) a shipping address; addresses are never deleted."""
    model_update(
        instance=address, fields=fields, allowed=ADDRESS_FIELDS, service="address_update", acting_user=acting_user,
    )
    return address
