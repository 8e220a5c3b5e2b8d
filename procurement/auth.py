"""Login helpers: emails are case-insensitive, so login throttling counts them that way too."""


def axes_username(request, credentials) -> str:
    """The email django-axes counts failures for, lower-cased ("Ann@X" and "ann@x" share one lock)."""
    source = credentials if credentials else getattr(request, "POST", {})
    return (source.get("username") or "").strip().lower()
