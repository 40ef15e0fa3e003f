from django.urls import path

from measures import api, entry_views, export_views, import_views, token_views, views

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
    # Data entry (issue 7)
    path("teams/<int:pk>/data/", entry_views.team_grid, name="team_grid"),
    path("series/<int:pk>/data/", entry_views.series_grid, name="series_grid"),
    path("series/<int:pk>/events/", entry_views.event_save, name="event_save"),
    path(
        "series/<int:pk>/events/<str:period>/remove/",
        entry_views.event_delete,
        name="event_delete",
    ),
    path("series/<int:pk>/data/<str:period>/", entry_views.cell_save, name="cell_save"),
    path(
        "series/<int:pk>/data/<str:period>/history/",
        entry_views.cell_history,
        name="cell_history",
    ),
    path("series/<int:pk>/export.<str:fmt>", export_views.series_export, name="series_export"),
    path("teams/<int:pk>/export.<str:fmt>", export_views.team_export, name="team_export"),
    path(
        "collaboratives/<int:pk>/export.<str:fmt>",
        export_views.collaborative_export,
        name="collaborative_export",
    ),
    path("collaboratives/<int:pk>/import/", import_views.import_upload, name="import_upload"),
    path(
        "collaboratives/<int:pk>/import/template.<str:fmt>",
        import_views.import_template,
        name="import_template",
    ),
    path(
        "collaboratives/<int:pk>/completeness/",
        export_views.completeness,
        name="completeness",
    ),
    path("imports/<int:pk>/", import_views.import_batch, name="import_batch"),
    path("imports/<int:pk>/confirm/", import_views.import_batch_confirm, name="import_confirm"),
    path("imports/<int:pk>/answer/", import_views.import_batch_answer, name="import_answer"),
    # The API for trusts' own systems, and a team's tokens for it
    path("teams/<int:pk>/api-tokens/", token_views.api_tokens, name="api_tokens"),
    path(
        "teams/<int:pk>/api-tokens/<int:token_pk>/revoke/",
        token_views.api_token_revoke,
        name="api_token_revoke",
    ),
    path("api/v1/openapi.json", api.openapi, name="api_openapi"),
    path("api/v1/series/", api.series_list, name="api_series"),
    path("api/v1/series/<int:pk>/points/", api.series_points, name="api_points"),
    path("api/v1/series/<int:pk>/chart/", api.series_chart, name="api_chart"),
]
