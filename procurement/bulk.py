"""Set-based writes for large batches (seeding, statement imports): COPY on PostgreSQL, history by SELECT.

`bulk_insert` gives the rows their ids (reserved from the identity sequence on PostgreSQL, then one
`COPY`; `bulk_create` elsewhere). `history_insert_from` writes one django-simple-history "+" row per
row a query selects, in one INSERT ... SELECT, with the acting user: the same history `history_save`
would write for a new row, without building a model instance per row.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

BATCH = 5_000


def bulk_insert(model, objs: list) -> list:
    """Insert model instances fast and give them their primary keys.

    PostgreSQL: the ids are reserved from the table's identity sequence (so that later rows can point
    at these), then the rows go in with one `COPY` (psycopg 3's cursor.copy). Other databases:
    bulk_create. Field defaults and auto_now_add are applied as by save(); no signals, no history rows
    (as bulk_create).
    """
    if not objs:
        return objs
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(objs, batch_size=BATCH)
    meta = model._meta
    fields = [f for f in meta.concrete_fields]
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    table = connection.ops.quote_name(meta.db_table)
    with connection.cursor() as cursor, connection.wrap_database_errors:  # psycopg errors as Django's (IntegrityError)
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [meta.db_table, meta.pk.column, len(objs)])
        ids = [row[0] for row in cursor.fetchall()]
        for obj, pk in zip(objs, ids):
            setattr(obj, meta.pk.attname, pk)
            for f in stamped:
                f.pre_save(obj, True)
            obj._state.adding = False
        attnames = [f.attname for f in fields]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([getattr(obj, a) for a in attnames])
    return objs


def history_insert_from(model, queryset, *, acting_user) -> int:
    """One "+" history row (django-simple-history) per row of `queryset`, in one INSERT ... SELECT."""
    history = model.history.model
    q = connection.ops.quote_name
    tracked = [f.column for f in history._meta.concrete_fields if not f.column.startswith("history_")]
    select_sql, params = queryset.values_list("pk", flat=True).query.sql_with_params()
    user_id = acting_user.pk if getattr(acting_user, "is_authenticated", False) else None
    sql = (
        f"INSERT INTO {q(history._meta.db_table)} ({', '.join(q(c) for c in tracked)}, {q('history_date')}, "  # nosec B608  # names from model meta, values as parameters
        f"{q('history_change_reason')}, {q('history_type')}, {q('history_user_id')}) "
        f"SELECT {', '.join(q(c) for c in tracked)}, %s, NULL, '+', %s FROM {q(model._meta.db_table)} "
        f"WHERE {q(model._meta.pk.column)} IN ({select_sql})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.now(), user_id, *params])
        return cursor.rowcount
