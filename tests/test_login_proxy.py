"""Login throttling behind a proxy: the client address comes from X-Forwarded-For only when configured
(AXES_IPWARE_PROXY_COUNT), and then from the position the proxy wrote, not from what the client sent."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"  # the load balancer: every request arrives from it


def _client(forwarded_for: str | None, remote_addr: str = PROXY) -> Client:
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return Client(**extra)


def _login(client, password):
    return client.post(reverse("procurement:login"), {"username": "ann@example.com", "password": password})


def _lock(client):
    statuses = [_login(client, "guess-guess-guess").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks
    assert _login(client, PASSWORD).status_code == 429


@pytest.fixture
def behind_proxy(settings):
    """One load balancer that appends the client's address to X-Forwarded-For."""
    settings.AXES_IPWARE_PROXY_COUNT = 0
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]


def test_behind_the_proxy_two_clients_are_locked_separately(behind_proxy):
    MemberFactory(user__email="ann@example.com")
    _lock(_client("8.8.8.8"))
    # Another client behind the same proxy is not locked out with the first.
    assert _login(_client("9.9.9.9"), PASSWORD).status_code == 302
    # The locked client stays locked, also when it prepends an address of its own choosing: the proxy
    # appended its real address last, and that is the one counted.
    assert _login(_client("1.2.3.4, 8.8.8.8"), PASSWORD).status_code == 429
    assert _login(_client("8.8.8.8"), PASSWORD).status_code == 429


def test_without_the_proxy_setting_x_forwarded_for_is_ignored():
    MemberFactory(user__email="ann@example.com")
    _lock(_client("8.8.8.8"))
    # Changing X-Forwarded-For does not get round the lock: the address is REMOTE_ADDR.
    for spoofed in ("9.9.9.9", "1.2.3.4, 9.9.9.9", None):
        assert _login(_client(spoofed), PASSWORD).status_code == 429
    # A different peer address is a different client.
    assert _login(_client("8.8.8.8", remote_addr="192.0.2.44"), PASSWORD).status_code == 302


def test_reading_a_proxy_header_without_a_proxy_count_is_refused(monkeypatch):
    import importlib

    import procurement.settings as project_settings

    monkeypatch.setenv("AXES_IPWARE_META_PRECEDENCE_ORDER", "HTTP_X_FORWARDED_FOR,REMOTE_ADDR")
    monkeypatch.delenv("AXES_IPWARE_PROXY_COUNT", raising=False)
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="AXES_IPWARE_PROXY_COUNT"):
        importlib.reload(project_settings)
    monkeypatch.delenv("AXES_IPWARE_META_PRECEDENCE_ORDER")
    importlib.reload(project_settings)
