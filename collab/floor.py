"""The benchmark's floor: an empty signed-in page (issue 18).

`base.html` rendered with nothing in it, through the same middleware and context
processors as every page, so that `bench/load_dashboards.py` can say what a dashboard
costs above the least any signed-in page costs. It shows nothing of any collaborative:
no figures, no team names. Routed only when `settings.BENCH_FLOOR` is on (every profile
but production), and classified in the permission and disclosure matrices like any page.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@login_required
@require_GET
def floor(request: HttpRequest) -> HttpResponse:
    return render(request, "base.html")
