"""Citus readiness: every tenant table can be distributed by `business_id` (README "Scaling").

Citus's rule for a distributed table: it carries the distribution column, and every unique constraint on
it includes that column. This test walks every concrete model of our apps generically (auto-created
many-to-many tables and django-simple-history tables included), so a table another branch adds later is
checked too: it either carries `business` and keeps its unique rules per business, or it is named below
with the reason. Reference (global) tables may not point at distributed ones (Citus refuses such
foreign keys), which is checked as well.
"""

from django.apps import apps
from django.db.models import F, UniqueConstraint

OUR_APPS = ("procurement", "budgets", "orders")
DISTRIBUTION_COLUMN = "business_id"

#: Global tables: Citus reference tables (copied to every node), or, for the tenant table itself, distributed by `id`.
GLOBAL_TABLES = {
    "procurement.User": "a login is looked up by e-mail before its business is known; reference table",
    "procurement.User_groups": "Django auth's user-to-permission-group link (global staff permissions); reference table",
    "procurement.User_user_permissions": "Django auth's user-to-permission link (global staff permissions); reference table",
    "orders.Category": "the operator's catalog, the same for every business; reference table",
    "orders.Product": "the operator's catalog, the same for every business; reference table",
}
#: The tenant table itself: distributed by its own id (which is every other table's business_id).
TENANT_ROOTS = {"procurement.Business": "id", "procurement.HistoricalBusiness": "id"}

#: Unique rules on tenant tables that do not include business_id, each with the reason and the change at sharding time.
UNIQUE_ALLOWED = {
    ("procurement.Member", "user"): (
        "one login belongs to exactly one member of one business (a global rule). Under Citus: unique "
        "(business_id, user_id) on members, and the global rule kept by registration on the User reference table."
    ),
    ("procurement.ApiToken", "prefix"): (
        "token prefixes are globally unique: a request names its token before its business is known. Under "
        "Citus: a small reference table token_prefix -> business_id routes the look-up."
    ),
    ("procurement.ApiToken", "key_hash"): (
        "sha256 of the secret, globally unique by construction (authentication looks it up without a business). "
        "Under Citus: kept in the same routing reference table as the prefix."
    ),
    ("budgets.LedgerEntry", "counterpart"): (
        "one-to-one between two entries of the same business (a transfer's two halves). Under Citus: a "
        "foreign key + unique (business_id, counterpart_id)."
    ),
    ("budgets.AllocationRule", "budget"): (
        "one-to-one to a budget of the same business. Under Citus: unique (business_id, budget_id)."
    ),
    ("procurement.NotificationEmail", "notification"): (
        "one-to-one to a notification of the same business (its email). Under Citus: unique (business_id, notification_id)."
    ),
    ("orders.Invoice", "shipment"): (
        "one-to-one to a shipment of the same business. Under Citus: unique (business_id, shipment_id)."
    ),
    ("orders.Receipt", "shipment"): (
        "one-to-one to a shipment of the same business. Under Citus: unique (business_id, shipment_id)."
    ),
    ("orders.ReceiptLine", "shipment_line"): (
        "one-to-one to a shipment line of the same business. Under Citus: unique (business_id, shipment_line_id)."
    ),
    ("orders.CreditNote", "return_request"): (
        "one-to-one to a return of the same business. Under Citus: unique (business_id, return_request_id)."
    ),
}


def _label(model) -> str:
    return f"{model._meta.app_label}.{model._meta.object_name}"


def _our_tables():
    for app in OUR_APPS:
        for model in apps.get_app_config(app).get_models(include_auto_created=True):
            if model._meta.managed and not model._meta.proxy:
                yield model


def _columns(model) -> set[str]:
    return {f.column for f in model._meta.concrete_fields}


def _column_of(model, name: str) -> str:
    return model._meta.get_field(name).column


def _expression_columns(model, expression) -> set[str]:
    if isinstance(expression, F):
        return {_column_of(model, expression.name)}
    out = set()
    for source in getattr(expression, "get_source_expressions", lambda: [])():
        if source is not None:
            out |= _expression_columns(model, source)
    return out


def _unique_rules(model):
    """(name, columns) for every unique field, unique_together and UniqueConstraint (the primary key aside)."""
    for field in model._meta.concrete_fields:
        if field.unique and not field.primary_key:
            yield field.name, {field.column}
    for names in model._meta.unique_together:
        yield ",".join(names), {_column_of(model, n) for n in names}
    for constraint in model._meta.constraints:
        if isinstance(constraint, UniqueConstraint):
            columns = {_column_of(model, n) for n in constraint.fields}
            for expression in constraint.expressions:
                columns |= _expression_columns(model, F(expression) if isinstance(expression, str) else expression)
            yield constraint.name, columns


def _tenant_tables():
    return [m for m in _our_tables() if _label(m) not in GLOBAL_TABLES]


def _distribution_column(model) -> str:
    return TENANT_ROOTS.get(_label(model), DISTRIBUTION_COLUMN)


def test_the_walk_sees_many_to_many_and_history_tables():
    labels = {_label(m) for m in _our_tables()}
    assert {"procurement.User_groups", "orders.HistoricalOrder", "orders.DailySpend"} <= labels


def test_every_tenant_table_carries_business_id():
    missing = [f"{_label(m)} ({m._meta.db_table})" for m in _tenant_tables() if _distribution_column(m) not in _columns(m)]
    assert not missing, (
        "These tables hold a business's data but have no business_id; add a `business` foreign key "
        f"(denormalised if need be) or list them in GLOBAL_TABLES with the reason: {missing}"
    )


def test_every_unique_rule_on_a_tenant_table_includes_business_id():
    wrong = []
    for model in _tenant_tables():
        column = _distribution_column(model)
        for name, columns in _unique_rules(model):
            if column not in columns and (_label(model), name) not in UNIQUE_ALLOWED:
                wrong.append(f"{_label(model)}: {name} {sorted(columns)}")
    assert not wrong, (
        "Citus needs the distribution column in every unique constraint of a distributed table; add "
        f"`business` to these or list them in UNIQUE_ALLOWED with the reason: {wrong}"
    )


def test_no_reference_table_points_at_a_tenant_table():
    """Citus refuses foreign keys from reference tables to distributed tables."""
    tenant = {_label(m) for m in _tenant_tables()}
    wrong = []
    for model in _our_tables():
        if _label(model) not in GLOBAL_TABLES:
            continue
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is not None and _label(field.related_model) in tenant:
                wrong.append(f"{_label(model)}.{field.name} -> {_label(field.related_model)}")
    assert not wrong, wrong


def test_the_lists_name_only_what_exists():
    """A stale entry would hide a future table of the same name: every listed table and rule exists."""
    labels = {_label(m): m for m in _our_tables()}
    assert set(GLOBAL_TABLES) <= set(labels) and set(TENANT_ROOTS) <= set(labels)
    for label, name in UNIQUE_ALLOWED:
        assert label in labels, label
        names = {n for n, _ in _unique_rules(labels[label])}
        assert name in names, (label, name)
        assert DISTRIBUTION_COLUMN not in dict(_unique_rules(labels[label]))[name], (label, name, "already includes business")


def test_tenant_foreign_keys_between_tenant_tables_can_be_co_located():
    """Every foreign key from a tenant table to another tenant table joins two tables that both carry
    business_id, so under Citus it becomes (business_id, x_id) -> (business_id, id) on co-located shards."""
    tenant = {_label(m): m for m in _tenant_tables()}
    for model in tenant.values():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is not None:
                target = _label(field.related_model)
                if target in tenant:
                    assert _distribution_column(field.related_model) in _columns(field.related_model), (_label(model), field.name)
