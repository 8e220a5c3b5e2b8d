import pytest
from django.db import connection

from tests.factories import BusinessFactory, GroupFactory, GroupMembershipFactory, MemberFactory

from tests.factories import PASSWORD  # noqa: F401  (re-exported for fixtures)


def pytest_collection_modifyitems(config, items):
    # Threaded row-lock tests need PostgreSQL; on SQLite they are skipped with the reason.
    for item in items:
        if "postgres" in item.keywords and connection.vendor != "postgresql":
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL row locks (run with DATABASE_URL=postgres://...)"))


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: API rate-limit buckets and cached memberships are keyed by
    row ids, which SQLite hands out again after a test's rollback."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def business(db):
    return BusinessFactory()


@pytest.fixture
def admin_member(business):
    return MemberFactory(business=business, is_business_admin=True, user__email="admin@example.com")


@pytest.fixture
def group(business):
    return GroupFactory(business=business)


@pytest.fixture
def buyer(group):
    member = MemberFactory(business=group.business, user__email="buyer@example.com")
    GroupMembershipFactory(group=group, member=member, role="buyer")
    return member


@pytest.fixture
def other_business(db):
    """A second tenant, to prove isolation."""
    return BusinessFactory(name="Other Corp")


@pytest.fixture
def other_member(other_business):
    return MemberFactory(business=other_business, is_business_admin=True, user__email="intruder@other.example")


def login(client, member):
    client.force_login(member.user)
    return client


from tests.support.browser import _playwright_browser, page  # noqa: E402,F401  (browser fixtures)
