"""Login helpers: emails are case-insensitive, so login throttling counts them that way too; and the
authentication backend that reads the signed-in user with their membership in one query."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Aggregate, CharField, OuterRef, Subquery, TextField, Value
from django.db.models.functions import Cast, Concat

from .models import GroupMembership
from .tenancy import member_preload


def axes_username(request, credentials) -> str:
    """The email django-axes counts failures for, lower-cased ("Ann@X" and "ann@x" share one lock)."""
    source = credentials if credentials else getattr(request, "POST", {})
    return (source.get("username") or "").strip().lower()


class _ListOf(Aggregate):
    """Comma-separated values of a group (GROUP_CONCAT on SQLite, STRING_AGG on PostgreSQL)."""

    function = "GROUP_CONCAT"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="STRING_AGG", template="%(function)s(%(expressions)s, ',')", **extra)


def _roles_of_member() -> Subquery:
    """`"<group id>:<role>,..."` of the outer user's member (NULL without roles)."""
    return Subquery(
        GroupMembership.objects.filter(member_id=OuterRef("member__pk")).order_by().values("member_id")
        .annotate(roles=_ListOf(Concat(Cast("group_id", CharField()), Value(":"), "role", output_field=CharField())))
        .values("roles")
    )


def _roles_parse(text: str | None) -> dict[int, set[str]]:
    roles: dict[int, set[str]] = {}
    for pair in filter(None, (text or "").split(",")):
        group_id, role = pair.split(":", 1)
        roles.setdefault(int(group_id), set()).add(role)
    return roles


class MemberBackend(ModelBackend):
    """Django's ModelBackend whose `get_user` (every signed-in request) also reads the user's membership,
    its business and its group roles, in the same query: `procurement.tenancy.member_for_user` and
    `member_group_roles` then need none of their own. Django still verifies the session's auth hash
    against the user row read here, so a password change signs the other sessions out as before."""

    def get_user(self, user_id):
        user = (
            get_user_model()._default_manager.select_related("member__business")
            .annotate(member_roles=_roles_of_member()).filter(pk=user_id).first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        member = getattr(user, "member", None)  # the reverse one-to-one: None without a membership
        member_preload(user, member if member is not None and member.is_active else None, roles=_roles_parse(user.member_roles))
        return user
