from django.apps import AppConfig


class BudgetsConfig(AppConfig):
    name = "budgets"
    verbose_name = "Budgets (Blanket PO)"

    def ready(self):
        from procurement.signals import group_membership_changed

        from .automatic import on_group_membership_changed

        group_membership_changed.connect(on_group_membership_changed, dispatch_uid="budgets.automatic")
