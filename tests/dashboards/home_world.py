"""The world of the home-page tests: the portfolio world (tests/dashboards/portfolio_world.py)
with its summaries computed, seen on TODAY (timezone.localdate is pinned to it)."""

import re

import pytest
from django.utils import timezone

from tests.cast import client_for
from tests.dashboards.portfolio_world import TODAY, build_world, compute


@pytest.fixture
def world(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    w = build_world()
    compute()
    return w


def home_text(user) -> str:
    """The home page's role sections (before the dashboards cards), as plain text."""
    html = client_for(user).get("/").content.decode()
    start = html.index("<main")
    end = html.find('id="start-here"')
    text = re.sub(r"<[^>]+>", " ", html[start : end if end != -1 else None])
    return " ".join(text.replace("&#x27;", "'").split())


def page_text(user) -> str:
    """The whole home page's main content, as plain text."""
    html = client_for(user).get("/").content.decode()
    text = re.sub(r"<[^>]+>", " ", html[html.index("<main") : html.index("</main>")])
    return " ".join(text.replace("&#x27;", "'").split())
