"""Guard for services that take model fields as keyword arguments."""

from collections.abc import Iterable


def fields_check(fields: dict, allowed: Iterable[str], *, service: str) -> None:
    """A programming error, not user input: a caller passed a field the service does not write."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"{service} cannot set {sorted(unknown)}")
