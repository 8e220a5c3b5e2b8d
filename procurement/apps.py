from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "Businesses, members and groups"

    def ready(self):
        from procurement.jobs import tasks  # noqa: F401  # registers the jobs' Celery tasks
