from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("collaboratives.urls")),
    path("", include("governance.urls")),
    path("", include("measures.urls")),
    path("", include("dashboards.urls")),
    path("", include("reports.urls")),
]

# A lost database connection answers 503 "try again", not a 500 (collab/errors.py).
handler500 = "collab.errors.server_error"
