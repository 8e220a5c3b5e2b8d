"""Writes that record who made them on the django-simple-history entry.

Every service that changes a tracked model goes through `model_update` (or `history_save` for a new
row), so the acting user lands on the history entry the same way everywhere. Outside a request
(seeding, commands) `acting_user` may be None: the entry then records no user.
"""

from collections.abc import Iterable

from django.db import models

from .fields import fields_check


def history_user_set(instance: models.Model, acting_user) -> None:
    """Record `acting_user` on the next history entry of `instance` (signed-in users only)."""
    if acting_user is not None and getattr(acting_user, "is_authenticated", False):
        instance._history_user = acting_user


def history_save(instance: models.Model, *, acting_user, **save_kwargs) -> models.Model:
    """`instance.save(**save_kwargs)` with `acting_user` recorded on the history entry."""
    history_user_set(instance, acting_user)
    instance.save(**save_kwargs)
    return instance


def model_update(
    *, instance: models.Model, fields: dict, acting_user, allowed: Iterable[str] | None = None,
    service: str | None = None, update_fields: bool = False, save: bool = True,
) -> models.Model:
    """Set `fields` on `instance` and save it, recording `acting_user` on the history entry.

    `allowed` (with the `service` name for the message) guards against a caller passing a field the
    service does not write (a TypeError: a programming error, not user input). `update_fields=True`
    saves only the given fields. `save=False` only sets the fields and the acting user, for a service
    that derives more values from the new ones before saving itself.
    """
    if allowed is not None:
        fields_check(fields, allowed, service=service or f"{type(instance).__name__.lower()}_update")
    for name, value in fields.items():
        setattr(instance, name, value)
    history_user_set(instance, acting_user)
    if save:
        instance.save(update_fields=list(fields) if update_fields else None)
    return instance
