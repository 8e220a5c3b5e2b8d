"""factory-boy factories, one module per app; everything is re-exported here."""

from tests.factories.budgets import *  # noqa: F401,F403
from tests.factories.orders import *  # noqa: F401,F403
from tests.factories.procurement import *  # noqa: F401,F403
