"""`{% load money %}{{ amount|money:current_business }}`: money and dates for the reader (Babel).

The argument is the business whose currency and locale apply (``current_business`` on pages,
``business`` in documents). Wrap amounts in a cell with class ``money`` to right-align them with
tabular figures.
"""

from django import template

from procurement import formatting

register = template.Library()


@register.filter
def money(amount, business=None):
    return formatting.format_money(amount, business)


@register.filter
def amount(value, business=None):
    """An amount with the locale's separators and no currency symbol (inside tables with a currency header)."""
    return formatting.format_number(value, business)


@register.filter
def day(value, business=None):
    return formatting.format_day(value, business)


@register.filter
def moment(value, business=None):
    return formatting.format_moment(value, business)


@register.filter
def month_year(value, business=None):
    return formatting.format_month(value, business)
