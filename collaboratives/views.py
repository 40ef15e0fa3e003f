from django.contrib.auth.decorators import login_required
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from collaboratives.models import Collaborative, Team


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
    return render(request, "collaboratives/home.html", {"collaboratives": collaboratives})
