"""Builders for the URL-kwarg walk in test_isolation_walk.py.

Every URL kwarg (``group_id``, ``budget_id``, ``po_number``, ...) needs a builder here: a function
that takes the `world` (a SimpleNamespace with ``business`` and ``admin``, the owner business's admin
member, plus whatever earlier builders stored) and returns the kwarg's value for an object of that
business. Builders may store what they built on the world (``world.group = ...``) so that later kwargs
of the same URL (``budget_id`` of that group) are consistent. A URL whose kwarg has no builder fails
the walk, so a new view cannot slip by untested.

Each app registers its kwargs in ``tests/support/isolation/<app>.py``; the walk imports them all.
"""

from collections.abc import Callable

BUILDERS: dict[str, Callable] = {}
#: Order in which kwargs are built when a URL has several (parents first).
ORDER: list[str] = []

#: URLs whose kwargs are not tenant object ids, with the reason and where they are tested instead.
EXEMPT: dict[str, str] = {
    "procurement:password_reset_confirm": (
        "uidb64 + token is a signed credential for one user, not a business object; anonymous use is the "
        "point (tests/test_passwords.py: forged and used links change nothing)"
    ),
}


def builder(name: str):
    def register(fn):
        BUILDERS[name] = fn
        ORDER.append(name)
        return fn

    return register
