"""The AHSN portfolio, the national view and the collaborative's teams table."""

from django.urls import path

from dashboards import portfolio_views

urlpatterns = [
    path("ahsns/<int:pk>/portfolio/", portfolio_views.portfolio, name="dashboard_portfolio"),
    path("national/", portfolio_views.national, name="dashboard_national"),
    path(
        "collaboratives/<int:pk>/dashboard/teams/",
        portfolio_views.collaborative_teams,
        name="dashboard_collaborative_teams",
    ),
]
