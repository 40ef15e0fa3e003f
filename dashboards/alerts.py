"""Sustain alerts as the dashboards show them: open alerts (not cleared), newest first.

Raised in dashboards.sustain when a chart is recomputed; read here by the team page and
the AHSN portfolio page. Callers have already checked that the user may see the team or
the AHSN (governance.access).
"""

from collaboratives.scopes import of_ahsns_q
from dashboards.models import SustainAlert
from governance import access
from measures.models import Series


def _open(user=None, related=("series__measure", "team__organisation", "team__collaborative")):
    """Open alerts (on series `user` may see, if given), with the `related` rows joined."""
    alerts = SustainAlert.objects.filter(cleared_at__isnull=True)
    if related:  # (select_related() with no field would join every relation)
        alerts = alerts.select_related(*related)
    if user is not None:
        # a team's own (custom) measures stay private to those who may open the team
        alerts = alerts.filter(series__in=access.visible(Series.objects.all(), user))
    return alerts


def alerts_for_team(team, user=None, *, among=None) -> list[SustainAlert]:
    """The team's open alerts, newest first: those on series `user` may see, if given, or
    on the series `among`, those the page already read as the user may see them (the team
    page: no second reading of the access rules)."""
    if among is None:
        return list(_open(user).filter(team=team).order_by("-raised_at", "-id"))
    # The team page shows each alert's measure, message and date: the series (with their
    # measures) are those it read, so nothing is joined.
    series = {s.pk: s for s in among}
    alerts = list(
        _open(related=())
        .filter(team=team, series_id__in=list(series))
        .order_by("-raised_at", "-id")
    )
    for alert in alerts:
        alert.series = series[alert.series_id]
    return alerts


def alerts_for_ahsn(ahsn, user=None) -> list[SustainAlert]:
    """Open alerts of the teams in the collaboratives the AHSN leads or partners in (those
    on series `user` may see, if given). Where none is open in those collaboratives, one
    short query says so: building and planning the query through the access rules costs
    about 6 ms (the portfolio's largest part, and the director's home's), and most days
    most networks have no alert open."""
    in_ahsn = of_ahsns_q([ahsn], "team__collaborative__")
    if user is not None and not _open(related=()).filter(in_ahsn).exists():
        return []
    return list(
        _open(user)
        .filter(in_ahsn)
        .distinct()
        .order_by("team__collaborative__name", "-raised_at", "-id")
    )
