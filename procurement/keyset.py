"""Keyset pagination for newest-first lists ordered by (a timestamp, id), both descending.

A page is reached by a cursor (the position of its first or last row) instead of an offset: page 400
costs what page 1 costs (an index range scan from the cursor, no OFFSET, no COUNT), and rows added
meanwhile shift nothing. Template: partials/keyset_pagination.html.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


@dataclass
class KeysetPage:
    """One page of a newest-first list and the cursors to its neighbours."""

    object_list: list
    next_cursor: str = ""  # "older" rows start after this one
    prev_cursor: str = ""  # "newer" rows end before this one

    @property
    def has_next(self) -> bool:
        return bool(self.next_cursor)

    @property
    def has_previous(self) -> bool:
        return bool(self.prev_cursor)

    def __len__(self):
        return len(self.object_list)

    def __iter__(self):
        return iter(self.object_list)


def cursor_of(when: datetime.datetime, pk: int) -> str:
    """`<when in microseconds since 1970 UTC>.<id>`: a row's position in newest-first order."""
    delta = when - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}.{pk}"


def cursor_parse(cursor: str) -> tuple[datetime.datetime, int] | None:
    """(when, id) of a cursor, or None if it is not one."""
    try:
        micros, pk = (int(part) for part in (cursor or "").split(".", 1))
        when = _EPOCH + datetime.timedelta(microseconds=micros)
    except (ValueError, OverflowError):
        return None
    if pk <= 0 or pk >= 2**63:
        return None
    return when, pk


def keyset_page(qs: QuerySet, *, field: str, after: str = "", before: str = "", size: int = 25,
                row=None, position=None) -> KeysetPage:
    """A page of `qs` in (-`field`, -id) order: the rows older than `after`, or newer than `before`
    (an unreadable cursor gives the first page). Wants an index on (..., `field`, id).

    `row`, if given, turns each fetched row into the page's object; `position(obj)` gives the (when, id)
    of a page object (default: its `field` attribute and `pk`)."""
    older, newer = cursor_parse(after), cursor_parse(before)
    row = row or (lambda r: r)
    position = position or (lambda obj: (getattr(obj, field), obj.pk))

    def cursor(obj) -> str:
        return cursor_of(*position(obj))

    if newer is not None:
        when, pk = newer
        rows = list(
            qs.filter(**{f"{field}__gte": when}).filter(Q(**{f"{field}__gt": when}) | Q(id__gt=pk))
            .order_by(field, "id")[:size + 1]
        )
        more_newer = len(rows) > size
        rows = [row(r) for r in rows[:size][::-1]]
        return KeysetPage(rows, next_cursor=cursor(rows[-1]) if rows else "",
                          prev_cursor=cursor(rows[0]) if rows and more_newer else "")
    if older is not None:
        when, pk = older
        qs = qs.filter(**{f"{field}__lte": when}).filter(Q(**{f"{field}__lt": when}) | Q(id__lt=pk))
    rows = list(qs.order_by(f"-{field}", "-id")[:size + 1])
    more_older = len(rows) > size
    rows = [row(r) for r in rows[:size]]
    return KeysetPage(rows, next_cursor=cursor(rows[-1]) if rows and more_older else "",
                      prev_cursor=cursor(rows[0]) if rows and older is not None else "")
