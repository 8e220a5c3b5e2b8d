from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.views.generic import TemplateView

from .forms import LoginForm
from .tenancy import MemberRequiredMixin, member_for_user


class HomeView(TemplateView):
    template_name = "procurement/home.html"

    def get(self, request, *args, **kwargs):
        if member_for_user(request.user) is not None:
            return redirect("procurement:account")
        return super().get(request, *args, **kwargs)


class LoginView(auth_views.LoginView):
    template_name = "procurement/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class AccountView(MemberRequiredMixin, TemplateView):
    """Your Account for Business: the signed-in home."""

    template_name = "procurement/account.html"
