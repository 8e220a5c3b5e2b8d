"""One base class for errors a user can cause, and the one way views show them.

Services raise an `ApplicationError` subclass (BudgetError, CheckoutError, PaymentError, ...) whose
`str()` is a message fit for the user. Views catch `ApplicationError` (or the subclass they expect)
and hand it to `error_to_form` or `error_to_message`; nothing is saved, the page shows the message.
Django's `ValidationError` stays the error of form and model validation (fields, clean()).
"""

from django.contrib import messages


class ApplicationError(Exception):
    """The request cannot go through; `message` (= `str()`) says why, in words for the user."""

    @property
    def message(self) -> str:
        return str(self)


class InvalidInput(ApplicationError, ValueError):
    """The user's input is not usable (also a ValueError, as the services raised before)."""


def error_to_form(form, error: Exception, field: str | None = None) -> None:
    """Show `error` on `form` (a non-field error unless `field` is given)."""
    form.add_error(field, str(error))


def error_to_message(request, error: Exception) -> None:
    """Show `error` as an error message on the next page."""
    messages.error(request, str(error))
