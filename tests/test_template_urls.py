"""Every template compiles, and every URL name it spells out exists in the URLconf.

A mistyped `{% url 'orders:nope' %}` raises only when the template renders; this guard finds it in CI
even in a rarely rendered template (an admin page, an error branch, a document). It also checks the URL
names handed to the settings breadcrumb (`mid_url_name="..."`) and the areas named in
`{% if "orders" in nav_areas %}`.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import get_template
from django.urls import get_resolver

TEMPLATE_DIRS = [Path(d) for engine in settings.TEMPLATES for d in engine["DIRS"]]
TEMPLATES = sorted(
    (str(path.relative_to(root)), path) for root in TEMPLATE_DIRS for path in root.rglob("*.html")
)
URL_TAG = re.compile(r"""\{%\s*url\s+(['"])([^'"]+)\1""")
URL_NAME_ARG = re.compile(r"""\b\w*url_name=(['"])([^'"]+)\1""")
AREA_CHECK = re.compile(r"""(['"])(\w+)\1\s+in\s+nav_areas\b""")


def url_name_exists(view_name: str) -> bool:
    """Whether `reverse(view_name, ...)` can find the name with some arguments (arguments are ignored)."""
    *namespaces, name = view_name.split(":")
    resolver = get_resolver()
    for namespace in namespaces:
        # An application namespace stands for its default instance, as reverse() resolves it.
        instances = resolver.app_dict.get(namespace, [])
        namespace = namespace if namespace in instances or not instances else instances[0]
        if namespace not in resolver.namespace_dict:
            return False
        resolver = resolver.namespace_dict[namespace][1]
    return name in resolver.reverse_dict


def test_templates_are_found():
    names = {name for name, _ in TEMPLATES}
    assert {"base.html", "partials/nav.html", "procurement/account.html", "admin/orders/support.html"} <= names


@pytest.mark.parametrize(("name", "path"), TEMPLATES, ids=[name for name, _ in TEMPLATES])
def test_template_compiles_and_its_url_names_exist(name, path):
    get_template(name)  # a syntax error or an unknown tag fails here
    source = path.read_text(encoding="utf-8")
    used = {m.group(2) for m in URL_TAG.finditer(source)} | {m.group(2) for m in URL_NAME_ARG.finditer(source)}
    missing = sorted(view_name for view_name in used if not url_name_exists(view_name))
    assert not missing, f"{name} names URLs that do not exist: {missing}"
    areas = {m.group(2) for m in AREA_CHECK.finditer(source)}
    unknown = sorted(areas - set(get_resolver().namespace_dict))
    assert not unknown, f"{name} checks for areas that are not mounted: {unknown}"


def test_no_template_hides_a_link_behind_url_as():
    """`{% url ... as x %}` never raises, so a mistyped name would silently hide the link."""
    offenders = [name for name, path in TEMPLATES if re.search(r"\{%\s*url\s[^%]*\sas\s+\w+\s*%\}", path.read_text())]
    assert offenders == []


@pytest.mark.parametrize(
    ("view_name", "exists"),
    [
        ("orders:catalog", True),
        ("orders:order_detail", True),
        ("procurement:group_detail", True),
        ("budgets:budget_list", True),
        ("admin:orders_payment_support", True),
        ("admin:index", True),
        ("orders:catalgo", False),
        ("procurement:catalog", False),
        ("nope:catalog", False),
        ("catalog", False),
    ],
)
def test_the_guard_tells_a_mistyped_name(view_name, exists):
    assert url_name_exists(view_name) is exists
