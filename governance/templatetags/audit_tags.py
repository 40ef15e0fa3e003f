"""`{% load audit_tags %}{% if collaborative|may_audit:user %}`: whether to show the audit
trail link, asked of the access module (the page itself asks again)."""

from django import template

from governance import access

register = template.Library()


@register.filter
def may_audit(collaborative, user) -> bool:
    return access.can(user, access.AUDIT, collaborative)
