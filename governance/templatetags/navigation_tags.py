"""`{% load navigation_tags %}{% site_navigation as items %}`: the header's items for the
viewer, from governance.navigation (the one place that decides them)."""

from django import template

from governance.navigation import navigation_for

register = template.Library()


@register.simple_tag(takes_context=True)
def site_navigation(context):
    """The items for the request's user, following the page's `collaborative` or `team`."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    match = getattr(request, "resolver_match", None)
    return navigation_for(
        user,
        path=request.path,
        view_name=match.view_name if match else None,
        collaborative=context.get("collaborative"),
        team=context.get("team"),
    )
