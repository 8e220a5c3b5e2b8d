"""Personal API tokens: a member creates, lists and revokes their own; only a hash is stored.

A token is `pk_<prefix>_<secret>`; the database keeps the prefix (to tell tokens apart on the page) and
sha256(token). The full token is shown once, when it is created.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from procurement.errors import ApplicationError
from procurement.models import ApiToken, Member

TOKEN_PREFIX = "pk_"  # nosec B105  # the public marker every token starts with, not a secret
MAX_DAYS = 366


class ApiTokenError(ApplicationError):
    """Bad token input; `str()` is fit for the user. Nothing was saved."""


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, member: Member, name: str, expires_in_days: int) -> tuple[ApiToken, str]:
    """The new token and its full text (shown once, never stored)."""
    name = (name or "").strip()
    if not name:
        raise ApiTokenError("Give the token a name.")
    if not 1 <= int(expires_in_days) <= MAX_DAYS:
        raise ApiTokenError(f"A token expires after 1 to {MAX_DAYS} days.")
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        business_id=member.business_id, member=member, name=name[:100], prefix=prefix, key_hash=token_hash(raw),
        expires_at=timezone.now() + datetime.timedelta(days=int(expires_in_days)),
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, member: Member, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(pk=token_id, member=member).first()
    if token is None:
        raise ApiTokenError("No such token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The live token for this text (not revoked, not expired, its member active), or None."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("member__business", "member__user")
        .filter(key_hash=token_hash(raw), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.member.is_active or not token.member.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def api_tokens_of(*, member: Member):
    return ApiToken.objects.filter(member=member)
