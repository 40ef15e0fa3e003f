"""`{% load number_tags %}{{ value|figure }}`: a figure as every page, chart hover, email and
rendering of the contract review writes it (`measures.numbers.number_text`: rounded half up
to two decimals, trailing zeros dropped, thousands separated; "–" for no value), so that a
chart's table, its hover and the report read the same number the same way."""

from django import template

from measures.numbers import number_text

register = template.Library()


@register.filter
def figure(value, places=2):
    """`value` written by `measures.numbers.number_text` (`places` decimals at most); ""
    for what is not a number, such as a variable the context does not hold (Django's
    `floatformat` does the same)."""
    if value is not None:
        try:
            float(value)
        except (TypeError, ValueError):
            return ""
    return number_text(value, int(places))
