"""Who may call what: the same rules as the web pages (procurement.tenancy, orders.access), not new ones."""

from rest_framework.permissions import BasePermission

from orders.access import member_is_finance
from procurement.models import ApiToken
from procurement.tenancy import member_for_user


class IsMember(BasePermission):
    """An API token of an active member (the token's business scopes everything)."""

    def has_permission(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return False
        view.member = member_for_user(request.user)
        return view.member is not None


class IsFinance(IsMember):
    """The finance pages' rule (orders.access.FINANCE_ROLES in any group, or a business admin)."""

    message = "Your role does not allow this: it needs finance."

    def has_permission(self, request, view):
        return super().has_permission(request, view) and member_is_finance(view.member)
