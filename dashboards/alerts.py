"""Sustain alerts as the dashboards show them: open alerts (not cleared), newest first.

Raised in measures.sustain when a chart is recomputed; read here by the team page and
the AHSN portfolio page. Callers have already checked that the user may see the team or
the AHSN (governance.access).
"""

from django.db.models import Q

from measures.models import SustainAlert


def _open():
    return SustainAlert.objects.filter(cleared_at__isnull=True).select_related(
        "series__measure", "team__organisation", "team__collaborative"
    )


def alerts_for_team(team) -> list[SustainAlert]:
    """The team's open alerts, newest first."""
    return list(_open().filter(team=team).order_by("-raised_at", "-id"))


def alerts_for_ahsn(ahsn) -> list[SustainAlert]:
    """Open alerts of the teams in the collaboratives the AHSN leads or partners in."""
    return list(
        _open()
        .filter(Q(team__collaborative__lead_ahsn=ahsn) | Q(team__collaborative__partner_ahsns=ahsn))
        .distinct()
        .order_by("team__collaborative__name", "-raised_at", "-id")
    )
