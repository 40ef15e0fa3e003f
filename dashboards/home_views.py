"""The home page: what each of the user's roles comes for (dashboards.home), their
dashboards, then the collaboratives the user may see.

It lives in dashboards, above collaboratives, because it puts together what several apps
show (the "start here" list from dashboards.start, the collaboratives list): the lower app
never imports the pages of the one above it.
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from collaboratives.models import Collaborative, Team
from dashboards.home import home_for
from dashboards.start import start_here
from governance import access


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The collaboratives the user may see, in phase order, with their active teams."""
    collaboratives = (
        Collaborative.objects.visible_to(request.user)
        .select_related("lead_ahsn", "topic")
        .annotate(active_teams=Count("teams", filter=Q(teams__status=Team.Status.ACTIVE)))
        .annotate(
            phase_order=Case(
                *[When(phase=phase, then=Value(i)) for i, phase in enumerate(Collaborative.Phase)],
                output_field=IntegerField(),
            )
        )
        .order_by("phase_order", "name")
    )
    return render(
        request,
        "dashboards/home.html",
        {
            "collaboratives": collaboratives,
            "can_create": access.ahsns_for_new_collaboratives(request.user).exists(),
            "can_invite": access.may_invite(request.user),
            # What each role comes for, then its dashboards, without clicking around.
            "home": home_for(request.user, timezone.localdate()),
            "start_here": start_here(request.user),
        },
    )
