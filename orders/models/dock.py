"""The per-business key that signs the dock's verify links (QR codes on packing slips and labels).

Rotating it (a new secret, the version + 1) makes every link printed before invalid at once.
"""

import secrets

from django.db import models
from simple_history.models import HistoricalRecords

from procurement.models import Business


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class DockSigningKey(models.Model):
    business = models.OneToOneField(Business, on_delete=models.PROTECT, related_name="dock_signing_key")
    version = models.PositiveIntegerField(default=1)
    secret = models.CharField(max_length=64, default=new_secret)
    rotated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        verbose_name = "dock signing key"

    def __str__(self):
        return f"{self.business} v{self.version}"
