from functools import lru_cache

from django.urls import get_resolver

from .notifications.selectors import Bell
from .tenancy import member_for_user, member_has_role, Role


def url_areas(request) -> frozenset[str]:
    """The URL namespaces mounted in this request's URLconf ("procurement", "budgets", "orders", ...).

    The core's templates link into other areas only where the area is mounted, with an explicit
    `{% if "orders" in nav_areas %}`; inside it they use plain `{% url %}`, so a mistyped URL name fails.
    """
    return _areas(get_resolver(getattr(request, "urlconf", None)))


@lru_cache(maxsize=8)
def _areas(resolver) -> frozenset[str]:
    return frozenset(resolver.namespace_dict)  # once per URLconf (get_resolver keeps one resolver each)


def membership(request):
    member = member_for_user(getattr(request, "user", None)) if hasattr(request, "user") else None
    if member is None:
        return {"current_member": None, "current_business": None, "nav_areas": url_areas(request)}
    return {
        "current_member": member,
        "current_business": member.business,
        "nav_areas": url_areas(request),
        "nav_is_admin": member.is_business_admin,
        "nav_is_approver": member_has_role(member, Role.APPROVER),
        "nav_is_finance": member_has_role(member, Role.FINANCE),
        "nav_bell": Bell(member),  # the unread count: one query, only if the page shows the nav
    }
