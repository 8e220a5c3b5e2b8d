"""Orders admin. The lead merges each helper's admin modules here."""

from . import admin_support  # noqa: F401  (Payment admin with the support search and order story)
