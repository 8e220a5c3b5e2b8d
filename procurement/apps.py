from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "Businesses, members and groups"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from procurement import models
        from procurement.jobs import tasks  # noqa: F401  # registers the jobs' Celery tasks
        from procurement.tenancy import member_cache_forget

        # The cached membership (MEMBERSHIP_CACHE_SECONDS) is dropped on any change it depends on.
        def forget(sender, instance, **kwargs):
            if sender is models.Business:
                user_ids = list(models.Member.objects.filter(business=instance).values_list("user_id", flat=True))
            elif sender is models.GroupMembership:
                user_ids = list(models.Member.objects.filter(pk=instance.member_id).values_list("user_id", flat=True))
            elif sender is models.Member:
                user_ids = [instance.user_id]
            else:
                user_ids = [instance.pk]
            member_cache_forget(user_ids=user_ids)

        for model in (models.Business, models.Member, models.GroupMembership, models.User):
            post_save.connect(forget, sender=model, dispatch_uid=f"member-cache-{model.__name__}")
            post_delete.connect(forget, sender=model, dispatch_uid=f"member-cache-del-{model.__name__}")
