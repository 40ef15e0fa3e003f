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
