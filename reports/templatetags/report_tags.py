import datetime as dt

from django import template
from django.utils.dateformat import format as date_format

from measures.numbers import percent_text
from measures.templatetags.number_tags import figure

register = template.Library()
# A figure as the PDF and every page write it (measures.numbers.number_text), one filter.
register.filter("figure", figure)


@register.filter
def isodate(value, fmt="j F Y"):
    """An ISO date (or date-time) string from the report's document, formatted like |date."""
    if not value:
        return ""
    try:
        return date_format(dt.date.fromisoformat(str(value)[:10]), fmt)
    except ValueError:
        return value


@register.filter
def percent(share):
    """A share as a whole percentage, as the PDF writes it (measures.numbers.percent_text)."""
    return percent_text(share)


@register.filter
def verdict_words(status) -> str:
    from dashboards.claims import STATUS_WORDS, status_of

    return STATUS_WORDS[status_of(status)]


@register.simple_tag
def may_review_any(user) -> bool:
    """Whether `user` may build some AHSN's contract review (for a link to it)."""
    from governance import access

    p = access.principal(user)
    return p.superuser or bool(p.director_ahsns)


@register.simple_tag
def may_review_ahsn(user, ahsn) -> bool:
    """Whether `user` may build this AHSN's contract review (for a link to it)."""
    from governance import access

    return access.may_review(user, ahsn.pk)
