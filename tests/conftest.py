"""The services a test run has, and the browser for the browser tests.

A test that needs a real service says so with a marker (declared in pyproject.toml):

- ``postgres``: the database is PostgreSQL. Setting DATABASE_URL runs the whole suite
  on it (pytest-django makes a ``test_<name>`` database, one per xdist worker).
- ``redis``: REDIS_URL names a Redis server that answers.
- ``browser``: Debian's Chromium at /usr/bin/chromium, driven by Playwright. Tests that
  use the ``browser`` or ``page`` fixtures get this marker without asking.

Without the service such a test is skipped with the reason. With
COLLAB_REQUIRE_SERVICES=1 (as in CI) it fails instead: a green CI run means every test ran.
Other fixtures belong in the test modules, or in a conftest beside them.
"""

import functools
import importlib.util
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Hypothesis profiles: `ci` (the default) keeps the examples few enough for the 30-minute
# suite and is derandomized, so a run is the same run on every machine; `long` searches
# far deeper, on demand: HYPOTHESIS_PROFILE=long. No deadline: a shared CI machine is slow.
HYPOTHESIS_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.register_profile(
    "ci",
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(HYPOTHESIS_PROFILE)

REQUIRE_SERVICES = os.environ.get("COLLAB_REQUIRE_SERVICES", "") not in ("", "0")
CHROMIUM = Path("/usr/bin/chromium")
# Headless, and nothing that phones home: this machine's network is closed, and a
# browser that tries anyway stalls or fills the log. Playwright never downloads a browser.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
# How long a browser step may wait (milliseconds): a guard against a hang, not a speed test.
# A new tab's first chart page parses the 3.5 MB Plotly bundle before the page counts as
# loaded: 8 s on this 2-core machine at load average 11, 24 s with the browser 4x slower.
BROWSER_TIMEOUT_MS = 60_000


@functools.cache
def postgres_missing() -> str | None:
    """Why PostgreSQL cannot be used, or None when the database is a reachable PostgreSQL."""
    from django.conf import settings

    if not os.environ.get("DATABASE_URL"):
        return "DATABASE_URL is not set, so the suite runs on SQLite"
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        return f"DATABASE_URL names {db['ENGINE']}, not PostgreSQL"
    import psycopg

    try:
        # The maintenance database: the one in DATABASE_URL need not exist for tests.
        psycopg.connect(
            dbname="postgres",
            host=db.get("HOST") or None,
            port=db.get("PORT") or None,
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            connect_timeout=5,
        ).close()
    except psycopg.Error as e:
        return f"PostgreSQL at DATABASE_URL does not answer: {e}".strip()
    return None


@functools.cache
def redis_missing() -> str | None:
    """Why Redis cannot be used, or None when REDIS_URL names a Redis that answers."""
    url = os.environ.get("REDIS_URL")
    if not url:
        return "REDIS_URL is not set, so Celery runs eagerly"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5).ping()
    except redis.RedisError as e:
        return f"Redis at REDIS_URL does not answer: {e}"
    return None


@functools.cache
def browser_missing() -> str | None:
    """Why the browser tests cannot run, or None."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (make venv)"
    return None


SERVICES = {"postgres": postgres_missing, "redis": redis_missing, "browser": browser_missing}


def require(service: str) -> None:
    """Skip the current test when the service is missing, or fail if services are required."""
    reason = SERVICES[service]()
    if reason is None:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"COLLAB_REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(f"needs {service}: {reason}")


def pytest_report_header(config):
    wanted = "required" if REQUIRE_SERVICES else "optional, skipped when missing"
    found = ", ".join(
        f"{name} {'yes' if check() is None else 'no'}" for name, check in SERVICES.items()
    )
    return f"collab services ({wanted}): {found}"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if {"browser", "page"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    for service in SERVICES:
        if item.get_closest_marker(service) is not None:
            require(service)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Kept on the item so that the page fixture can save a screenshot of a failure.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium per test process (each xdist worker has its own)."""
    require("browser")
    # Playwright's sync API runs an event loop in this thread, and Django refuses ORM
    # calls from a thread with a running loop; the tests' ORM calls are synchronous.
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def one_day(monkeypatch):
    """Today's date, held for the whole test: ``timezone.localdate()`` returns it.

    A browser test reads the day three times: where its data end (the demo seed, a cast
    "ending today"), in the test's own expectations (last month's column of the grid) and in
    every page the live server builds. Read from the clock each time, a test that runs
    across midnight, at the end of a month above all, seeds one month and checks another.
    The live server runs in this process, so the held day is the pages' day too.
    """
    from django.utils import timezone as django_timezone

    today, real = django_timezone.localdate(), django_timezone.localdate

    def localdate(value=None, timezone=None):
        return today if value is None else real(value, timezone)

    monkeypatch.setattr(django_timezone, "localdate", localdate)
    return today


@pytest.fixture
def page(request, one_day, browser, live_server):
    """A fresh browser tab whose relative URLs go to the live server: ``page.goto("/")``.

    The test and the pages read one day (`one_day`). On a failure, a screenshot goes to
    test-artifacts/.
    """
    context = browser.new_context(base_url=live_server.url)
    tab = context.new_page()
    tab.set_default_timeout(BROWSER_TIMEOUT_MS)
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()


@pytest.fixture
def log_in(page, live_server):
    """Log the page's browser in as a user without going through the login form.

    ``log_in(user)`` stores a real session for the user and hands its cookie to the
    browser; tests of the login page itself use the form instead.
    """
    from django.conf import settings
    from django.test import Client

    def log_in_as(user):
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
        )
        return page

    return log_in_as


# --- The dashboards' fragment cache (dashboards/fragments.py) ---------------------------------


def pytest_addoption(parser):
    parser.addoption(
        "--fragment-cache",
        action="store_true",
        default=False,
        help="run every test with the dashboards' fragment cache on (emptied before each test)",
    )


@pytest.fixture
def fragment_cache(settings):
    """The dashboards' fragment cache on, in a memory cache of its own shared by every
    request of the test and emptied first (the database is rolled back between tests,
    and ids come back). Yields dashboards.fragments, whose `stats` count hits and misses."""
    from dashboards import fragments

    settings.CACHES = {
        **settings.CACHES,
        "fragments": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "fragments-under-test",
        },
    }
    settings.COLLAB_FRAGMENT_CACHE = True
    settings.COLLAB_FRAGMENT_CACHE_ALIAS = "fragments"
    fragments.clear()
    yield fragments
    fragments.clear()


QUERY_COUNTING = {"django_assert_num_queries", "django_assert_max_num_queries"}


@pytest.fixture(autouse=True)
def _fragment_cache_everywhere(request):
    """With `--fragment-cache`, every test runs with the cache on, except the query-count
    tests: they count the queries of building a page, and compare counts between requests
    (one answered from the cache, the next built, would differ)."""
    if request.config.getoption("--fragment-cache") and not (
        QUERY_COUNTING & set(request.fixturenames)
    ):
        request.getfixturevalue("fragment_cache")
