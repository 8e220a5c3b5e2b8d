from .tenancy import member_for_user, member_has_role, Role


def membership(request):
    member = member_for_user(getattr(request, "user", None)) if hasattr(request, "user") else None
    if member is None:
        return {"current_member": None, "current_business": None}
    return {
        "current_member": member,
        "current_business": member.business,
        "nav_is_admin": member.is_business_admin,
        "nav_is_approver": member_has_role(member, Role.APPROVER),
        "nav_is_finance": member_has_role(member, Role.FINANCE),
    }
