from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from collab.floor import floor

urlpatterns = [
    path("admin/", admin.site.urls),
    # Django's default log-in address, which people and tools guess: send them to ours.
    path(
        "accounts/login/",
        RedirectView.as_view(pattern_name="login", permanent=False, query_string=True),
        name="accounts_login",
    ),
    path("", include("collaboratives.urls")),
    path("", include("governance.urls")),
    path("", include("measures.urls")),
    path("", include("dashboards.urls")),
    path("", include("reports.urls")),
]

# The benchmark's empty signed-in page (bench/load_dashboards.py's `floor`): not in production.
if settings.BENCH_FLOOR:
    urlpatterns.append(path("bench/floor/", floor, name="bench_floor"))

# A lost database connection answers 503 "try again", not a 500 (collab/errors.py).
handler500 = "collab.errors.server_error"
