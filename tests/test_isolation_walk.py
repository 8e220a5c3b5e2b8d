"""Walks the whole URLconf: every view that takes an object id, requested by another business's
admin and by an anonymous visitor, by GET and POST, gives 404 (or the login page) and changes nothing.
"""

import importlib
import pkgutil
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests.support.isolation
from tests.factories import BusinessFactory, MemberFactory
from tests.support.isolation import BUILDERS, EXEMPT, ORDER

for info in pkgutil.iter_modules(tests.support.isolation.__path__):
    importlib.import_module(f"tests.support.isolation.{info.name}")


def _walk(patterns, prefix="", namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if ns == "admin":
                continue  # staff-only, covered by Django's own permission checks
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns if entry.namespace else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            full_name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield full_name, prefix + str(entry.pattern)


def _urls_with_kwargs():
    seen = {}
    for name, route in _walk(get_resolver().url_patterns):
        kwargs = [part.split(">")[0].split(":")[-1] for part in route.split("<")[1:]]
        if kwargs and name not in EXEMPT:
            seen[name] = kwargs
    return sorted(seen.items())


URLS = _urls_with_kwargs()


def _fingerprint():
    """Row count of every table: a request that changes nothing leaves it as it was."""
    skip = {"sessions", "axes", "admin"}  # logging in writes a session; that is not business data
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label not in skip
    }


def test_walk_covers_views():
    assert URLS, "the walk found no URL with an object id"


@pytest.mark.django_db
@pytest.mark.parametrize("url_name,kwarg_names", URLS, ids=[u[0] for u in URLS])
def test_other_business_and_anonymous_get_404_or_login(client, url_name, kwarg_names):
    missing = [k for k in kwarg_names if k not in BUILDERS]
    assert not missing, f"{url_name}: no builder for {missing} in tests/support/isolation/*.py"
    owner = BusinessFactory(name="Owner Inc")
    world = SimpleNamespace(business=owner, admin=MemberFactory(business=owner, is_business_admin=True))
    kwargs = {}
    for name in sorted(kwarg_names, key=ORDER.index):
        kwargs[name] = BUILDERS[name](world)
    url = reverse(url_name, kwargs=kwargs)

    # The owner's admin reaches the object: the walk is requesting something real.
    client.force_login(world.admin.user)
    owner_status = client.get(url).status_code
    assert owner_status not in (404, 500), f"{url_name}: the owner gets {owner_status}; fix its builder"
    client.logout()

    intruder = MemberFactory(business=BusinessFactory(name="Intruder LLC"), is_business_admin=True)
    before = _fingerprint()
    client.force_login(intruder.user)
    assert client.get(url).status_code == 404, f"{url_name} GET leaks to another business"
    assert client.post(url, {}).status_code == 404, f"{url_name} POST leaks to another business"
    client.logout()
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302 and "/login/" in response["Location"], f"{url_name} is open to anonymous visitors"
    assert _fingerprint() == before, f"{url_name}: a refused request changed data"
