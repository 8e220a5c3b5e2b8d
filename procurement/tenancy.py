"""Tenant scoping and role checks, in one place for every view.

Every business-data view inherits `MemberRequiredMixin` (or a subclass): it resolves the signed-in
member's business once, and `self.scoped(Model)` is the only way views reach tenant rows. An object id
of another business therefore gives 404, never its data.
"""

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import GroupMembership, Member

Role = GroupMembership.Role


def _member_cache_key(user_id) -> str:
    return f"member-of-user:{user_id}"


_UNSET = object()


def member_preload(user, member: Member | None, *, roles: dict[int, set[str]] | None = None) -> None:
    """Attach the user's active membership (or None) and its group roles, read with the user
    (procurement.auth.MemberBackend, the API token's member): member_for_user then reads nothing."""
    if member is not None:
        member.user = user
        if roles is not None:
            member._group_roles = roles
    user._cached_member = member


def member_for_user(user) -> Member | None:
    """The user's active membership (with its business), once per request. The session's user arrives
    with it (procurement.auth.MemberBackend: one query for user, member, business and roles). Any other
    user: across requests from the shared cache when MEMBERSHIP_CACHE_SECONDS is set (Redis in
    production), invalidated on every save of the member, its user, its business or its group roles
    (`member_cache_forget`)."""
    if not user.is_authenticated:
        return None
    member = getattr(user, "_cached_member", _UNSET)
    if member is _UNSET:
        seconds = settings.MEMBERSHIP_CACHE_SECONDS
        member = cache.get(_member_cache_key(user.pk)) if seconds else None
        if member is None:
            member = Member.objects.select_related("business").filter(user=user, is_active=True).order_by().first()
            if seconds and member is not None:
                cache.set(_member_cache_key(user.pk), member, seconds)  # without the user (no password hash)
        if member is not None:
            member.user = user  # the request's own user object: no query, never stale
        user._cached_member = member
    return member


def member_cache_forget(*, user_ids) -> None:
    """Drop the cached memberships of these users (their member, business or roles changed)."""
    if settings.MEMBERSHIP_CACHE_SECONDS:
        cache.delete_many([_member_cache_key(pk) for pk in user_ids])


def member_group_roles(member: Member) -> dict[int, set[str]]:
    """{group_id: {role, ...}} for the member; cached on the member for the request."""
    cached = getattr(member, "_group_roles", None)
    if cached is None:
        cached = {}
        for group_id, role in GroupMembership.objects.filter(member=member).values_list("group_id", "role"):
            cached.setdefault(group_id, set()).add(role)
        member._group_roles = cached
    return cached


def member_has_role(member: Member, *roles: str, group=None) -> bool:
    """Business admins hold every role; otherwise the member needs one of `roles` (in `group`, if given)."""
    if member.is_business_admin:
        return True
    group_roles = member_group_roles(member)
    if group is not None:
        group_id = getattr(group, "pk", group)
        return bool(group_roles.get(group_id, set()) & set(roles))
    return any(set(roles) & held for held in group_roles.values())


def member_group_ids(member: Member, *roles: str) -> set[int]:
    """Groups in which the member holds any of `roles` (all roles when none given)."""
    return {
        gid for gid, held in member_group_roles(member).items() if not roles or (held & set(roles))
    }


class MemberRequiredMixin(LoginRequiredMixin):
    """Signed in and an active member of a business; sets self.member and self.business."""

    #: Roles of which the member must hold at least one (in any group); business admins pass.
    required_roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.member = member_for_user(request.user)
        if self.member is None:
            raise PermissionDenied("You are not a member of a business.")
        self.business = self.member.business
        self.check_role()
        return super().dispatch(request, *args, **kwargs)

    def check_role(self):
        if self.required_roles and not member_has_role(self.member, *self.required_roles):
            raise PermissionDenied("Your role does not allow this page.")

    def scoped(self, model_or_queryset):
        """The business's rows of a model (or queryset): the only door to tenant data in views."""
        if isinstance(model_or_queryset, QuerySet):
            qs = model_or_queryset
        else:
            qs = model_or_queryset._default_manager.all()
        return qs.filter(business=self.business)

    def get_scoped_or_404(self, model_or_queryset, **lookup):
        return get_object_or_404(self.scoped(model_or_queryset), **lookup)

    def get_queryset(self):
        # For generic views: scope whatever the view would have listed.
        return self.scoped(super().get_queryset())


class BusinessAdminRequiredMixin(MemberRequiredMixin):
    def check_role(self):
        if not self.member.is_business_admin:
            raise PermissionDenied("Only business admins can open Business Settings.")
