"""Home, my team and the collaborative: the pages and their lazily loaded partials."""

from django.urls import path

from dashboards import collaborative_views, home_views, team_views

urlpatterns = [
    path("", home_views.home, name="home"),
    path("teams/<int:pk>/dashboard/", team_views.team_dashboard, name="dashboard_team"),
    path(
        "teams/<int:pk>/dashboard/measures/<int:series_pk>/",
        team_views.team_panel,
        name="dashboard_team_panel",
    ),
    path(
        "collaboratives/<int:pk>/dashboard/",
        collaborative_views.collaborative_dashboard,
        name="dashboard_collaborative",
    ),
    path(
        "collaboratives/<int:pk>/dashboard/funnel/",
        collaborative_views.collaborative_funnel,
        name="dashboard_collaborative_funnel",
    ),
    path(
        "collaboratives/<int:pk>/dashboard/aggregate/",
        collaborative_views.collaborative_aggregate,
        name="dashboard_collaborative_aggregate",
    ),
    path(
        "collaboratives/<int:pk>/dashboard/multiples/",
        collaborative_views.collaborative_multiples,
        name="dashboard_collaborative_multiples",
    ),
    path(
        "collaboratives/<int:pk>/dashboard/teams/<int:team_pk>/notes/",
        collaborative_views.variation_note,
        name="dashboard_variation_note",
    ),
]
