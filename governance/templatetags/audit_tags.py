"""`{% load audit_tags %}{% if collaborative|may_audit:user %}`: whether to show the audit
trail link, asked of the access module (the page itself asks again)."""

from django import template

from governance import access

register = template.Library()


@register.filter
def may_audit(collaborative, user) -> bool:
    return access.can(user, access.AUDIT, collaborative)


@register.filter
def may_audit_ahsn(ahsn, user) -> bool:
    """`{% if ahsn|may_audit_ahsn:user %}`: whether to link an AHSN's whole audit trail."""
    from django.http import Http404

    try:
        access.ahsn_for_audit(user, ahsn.pk)
    except Http404:
        return False
    return True
