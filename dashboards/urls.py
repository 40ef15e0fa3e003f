"""Dashboards: the pages each role opens first.

Two modules own their routes: ``urls_pages`` (my team, the collaborative) and
``urls_portfolio`` (reporting summaries, the AHSN portfolio, national).
"""

from django.urls import include, path

urlpatterns = [
    path("", include("dashboards.urls_pages")),
    path("", include("dashboards.urls_portfolio")),
]
