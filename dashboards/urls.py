"""Dashboards: the pages each role opens first, and their lazily loaded partials.

Home, my team and the collaborative (team_views, collaborative_views); then the AHSN
portfolio, the national view and the collaborative's teams table (portfolio_views).
"""

from django.urls import path

from dashboards import collaborative_views, home_views, portfolio_views, team_views

urlpatterns = [
    # Home, my team and the collaborative.
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
    # The AHSN portfolio, the national view and the collaborative's teams table.
    path("ahsns/<int:pk>/portfolio/", portfolio_views.portfolio, name="dashboard_portfolio"),
    path("national/", portfolio_views.national, name="dashboard_national"),
    path(
        "collaboratives/<int:pk>/dashboard/teams/",
        portfolio_views.collaborative_teams,
        name="dashboard_collaborative_teams",
    ),
]
