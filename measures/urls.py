from django.urls import path

from measures import views

app_name = "measures"

urlpatterns = [
    path("series/<int:pk>/chart/", views.series_chart, name="series_chart"),
    path("series/<int:pk>/chart/phases/", views.phase_add, name="phase_add"),
    path(
        "series/<int:pk>/chart/phases/<int:phase_pk>/remove/",
        views.phase_remove,
        name="phase_remove",
    ),
    path("series/<int:pk>/chart/marks/", views.mark_add, name="mark_add"),
    path(
        "series/<int:pk>/chart/marks/<int:mark_pk>/remove/", views.mark_remove, name="mark_remove"
    ),
    path("series/<int:pk>/chart/annotations/", views.annotation_add, name="annotation_add"),
    path("series/<int:pk>/chart/settings/", views.settings_set, name="settings_set"),
]
