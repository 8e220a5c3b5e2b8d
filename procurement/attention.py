"""What waits for the person who opens Your Account for Business.

`procurement` is the bottom layer: it knows nothing of budgets or orders. Each app that has something
to say ships an ``attention`` module (``budgets/attention.py``, ``orders/attention.py``) whose
functions are registered with :func:`provider`; :func:`attention_items` finds those modules through the
app registry, so adding an app's items never touches this package.

A provider takes the member and returns the items for them (an empty list when their roles do not
allow the area). Each provider runs a fixed number of queries whatever the data size (aggregates, no
rows fetched), so the account page stays flat as the business grows.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.urls import NoReverseMatch

#: Module name each app may ship (``<app>/attention.py``).
MODULE = "attention"


@dataclass(frozen=True)
class AttentionItem:
    key: str  # stable id, e.g. "approvals"
    text: str  # what waits, e.g. "3 orders waiting for your approval"
    url: str  # the filtered list where it is dealt with
    count: int = 0
    tone: str = "primary"  # "primary", "warning" or "danger": a badge colour, never the only signal
    order: int = 100  # position on the page (lower first)


Provider = Callable[..., list[AttentionItem]]
_providers: dict[str, tuple[int, Provider]] = {}
_discovered = False


def provider(key: str, *, order: int = 100):
    """Register ``fn(*, member) -> list[AttentionItem]`` under ``key`` (re-registering replaces it)."""

    def register(fn: Provider) -> Provider:
        _providers[key] = (order, fn)
        return fn

    return register


def discover() -> None:
    """Import every installed app's ``attention`` module once (they register themselves)."""
    global _discovered
    if _discovered:
        return
    for config in apps.get_app_configs():
        if not hasattr(config.module, "__path__"):
            continue  # a plain module, not a package: it cannot hold attention.py
        name = f"{config.name}.{MODULE}"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
    _discovered = True


def providers() -> list[tuple[str, Provider]]:
    discover()
    return [(key, fn) for key, (order, fn) in sorted(_providers.items(), key=lambda kv: (kv[1][0], kv[0]))]


def attention_items(*, member) -> list[AttentionItem]:
    """Every item waiting for `member`, in page order; only what their roles allow."""
    items: list[AttentionItem] = []
    for _key, fn in providers():
        try:
            items.extend(fn(member=member))
        except NoReverseMatch:
            continue  # the area's pages are not mounted in this URLconf (a partial deployment or a test)
    return sorted(items, key=lambda item: (item.order, item.key))
