"""The embedded default, as `make run` serves it: runserver on a SQLite file, DEBUG unset.

One server for the module, started in a child process on a private folder. It proves what
the test client cannot: that simultaneous saves from many threads all land (SQLite's
IMMEDIATE transactions, WAL and busy timeout), that the NHS-style error pages show with
DEBUG off while the stylesheet is still served, and which headers reach the browser.
"""

import concurrent.futures
import datetime as dt
import http.client
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAVES = 20
CSRF = "a" * 32  # a CSRF secret of the right shape; the header carries the same value
DROPPED = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY")
# How long a server may take to start and answer its first page: a guard against a hang,
# not a speed test. A cold gunicorn worker loads the app and imports every view first;
# with the machine's 2 cores shared (load average 10) that took 15 to 21 seconds.
WARM_UP_SECONDS = 120

SETUP = """
import json
from django.test import Client
from tests.cast import build_cast
cast = build_cast()
client = Client()
client.force_login(cast.users["lead"])
print(json.dumps({
    "rate": cast.alpha_series.pk,
    "custom": cast.alpha_custom_series.pk,
    "session": client.cookies["sessionid"].value,
}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(var_dir: Path) -> dict:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in DROPPED and not k.startswith(("COLLAB_", "PYTEST_"))
    }
    return {**base, "DJANGO_SETTINGS_MODULE": "collab.settings", "COLLAB_VAR_DIR": str(var_dir)}


def _manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _serve(command: list[str], env: dict, port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + WARM_UP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server stopped:\n{log.read_text()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.2)
    process.terminate()
    raise AssertionError(f"the server did not start:\n{log.read_text()}")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


class Site:
    def __init__(self, port: int, session: str, var_dir: Path, ids: dict):
        self.port, self.session, self.var_dir, self.ids = port, session, var_dir, ids

    def request(self, method: str, path: str, body: str = "", *, signed_in=True, headers=None):
        cookies = f"csrftoken={CSRF}" + (f"; sessionid={self.session}" if signed_in else "")
        sent = {"Cookie": cookies, **(headers or {})}
        if body:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body.encode(), headers=sent)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def rows(self, sql: str, *params):
        with sqlite3.connect(self.var_dir / "collab.sqlite3", timeout=30) as db:
            return db.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("embedded")
    env = _env(var_dir)
    _manage(env, "migrate", "--noinput")
    ids = json.loads(_manage(env, "shell", "--no-imports", "-c", SETUP).strip().splitlines()[-1])
    port = _free_port()
    process = _serve(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        env,
        port,
        var_dir / "runserver.log",
    )
    try:
        yield Site(port, ids["session"], var_dir, ids)
    finally:
        _stop(process)


def _periods(today: dt.date) -> tuple[list[dt.date], list[dt.date]]:
    """The 12 month starts and 8 Monday weeks before today: 20 cells of the lead's team."""
    months, month = [], today.replace(day=1)
    for _ in range(12):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        months.append(month)
    monday = today - dt.timedelta(days=today.weekday())
    weeks = [monday - dt.timedelta(weeks=n) for n in range(1, 9)]
    return months, weeks


def test_twenty_simultaneous_grid_saves_all_land_once(site):
    months, weeks = _periods(dt.date.today())
    cells = [(site.ids["rate"], m, str(i + 1), "250") for i, m in enumerate(months)] + [
        (site.ids["custom"], w, str(100 + i), "") for i, w in enumerate(weeks)
    ]
    assert len(cells) == SAVES
    # The server and its database serve the whole module, in any order: what the other
    # tests stored is there before, and only what these saves add is compared.
    points_sql = "SELECT series_id, period_start, numerator, version FROM measures_datapoint"
    revisions_sql = "SELECT series_id, period_start FROM measures_datapointrevision"
    points_before, revisions_before = set(site.rows(points_sql)), Counter(site.rows(revisions_sql))
    start = threading.Barrier(SAVES)

    def save(cell):
        series, period, numerator, denominator = cell
        body = f"numerator={numerator}&denominator={denominator}&expected_version=0"
        start.wait()
        return site.request(
            "POST",
            f"/series/{series}/data/{period:%Y-%m-%d}/",
            body,
            headers={"HX-Request": "true", "X-CSRFToken": CSRF},
        )

    with concurrent.futures.ThreadPoolExecutor(SAVES) as pool:
        answers = list(pool.map(save, cells))

    statuses = [status for status, _, _ in answers]
    assert statuses == [200] * SAVES, [b[:300] for s, _, b in answers if s != 200]
    assert all(b"Someone else changed" not in body for _, _, body in answers)
    stored = set(site.rows(points_sql)) - points_before
    expected = {(s, f"{p:%Y-%m-%d}", Decimal(n)) for s, p, n, _ in cells}
    assert {(s, p, Decimal(str(n))) for s, p, n, _ in stored} == expected
    assert {version for *_, version in stored} == {1}
    revisions = Counter(site.rows(revisions_sql)) - revisions_before
    assert sorted(revisions.elements()) == sorted((s, p) for s, p, _, _ in stored)  # each once


def test_twenty_simultaneous_saves_of_one_cell_store_one_and_tell_the_rest(site):
    monday = dt.date.today() - dt.timedelta(days=dt.date.today().weekday())
    week = monday - dt.timedelta(weeks=10)  # a cell the test above leaves alone
    start = threading.Barrier(SAVES)

    def save(value):
        start.wait()
        return site.request(
            "POST",
            f"/series/{site.ids['custom']}/data/{week:%Y-%m-%d}/",
            f"numerator={value}&expected_version=0",
            headers={"HX-Request": "true", "X-CSRFToken": CSRF},
        )

    with concurrent.futures.ThreadPoolExecutor(SAVES) as pool:
        answers = list(pool.map(save, range(1, SAVES + 1)))

    assert [status for status, _, _ in answers] == [200] * SAVES
    told = [b"Someone else changed this" in body for _, _, body in answers]
    assert told.count(False) == 1  # one save landed; every other one was told so
    stored = site.rows(
        "SELECT numerator, version FROM measures_datapoint WHERE series_id = ? "
        "AND period_start = ?",
        site.ids["custom"],
        f"{week:%Y-%m-%d}",
    )
    winner = told.index(False) + 1
    assert [(Decimal(str(n)), v) for n, v in stored] == [(Decimal(winner), 1)]
    revisions = site.rows(
        "SELECT count(*) FROM measures_datapointrevision WHERE series_id = ? AND period_start = ?",
        site.ids["custom"],
        f"{week:%Y-%m-%d}",
    )
    assert revisions == [(1,)]


def test_a_mistyped_address_shows_the_nhs_style_page_not_djangos_debug_page(site):
    status, _, body = site.request("GET", "/no-such-page/")

    assert status == 404
    html = body.decode()
    assert "Using the URLconf" not in html and "DEBUG = True" not in html
    assert "Page not found" in html and "/static/css/collab.css" in html


def test_the_stylesheet_is_served_with_debug_off(site):
    status, headers, body = site.request("GET", "/static/css/collab.css", signed_in=False)

    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert len(body) > 100


def test_djangos_default_login_address_leads_to_the_login_page(site):
    status, headers, _ = site.request("GET", "/accounts/login/?next=/teams/", signed_in=False)

    assert status == 302
    assert headers["Location"] == "/login/?next=/teams/"


def test_no_response_names_the_server_software(site):
    for path in ("/login/", "/static/css/collab.css", "/no-such-page/"):
        _, headers, _ = site.request("GET", path, signed_in=False)
        server = headers.get("Server", "")
        assert "WSGIServer" not in server and "Python" not in server, (path, server)
        assert "Django" not in " ".join(headers.values())


def test_a_request_runserver_cannot_parse_names_no_software_either(site):
    with socket.create_connection(("127.0.0.1", site.port), timeout=30) as s:
        # A header line too long to read: runserver answers 431 itself, before the app.
        s.sendall(b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n")
        answer = b""
        while chunk := s.recv(4096):
            answer += chunk

    head = answer.split(b"\r\n\r\n")[0].decode("latin-1")
    assert head.startswith("HTTP/") and " 431 " in head.splitlines()[0], head
    assert "WSGIServer" not in head and "Python" not in head, head


def test_gunicorn_names_no_software_either(site, tmp_path):
    port = _free_port()
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = _serve(
        # gunicorn kills a worker silent for --timeout (30 s by default), its boot and first
        # page included; no control socket, as in production (a fixed path in $HOME that
        # each gunicorn on the machine would take from the last).
        [
            *(gunicorn, "collab.wsgi", f"--bind=127.0.0.1:{port}", "--workers=1"),
            *(f"--timeout={WARM_UP_SECONDS}", "--no-control-socket"),
        ],
        _env(site.var_dir),
        port,
        tmp_path / "gunicorn.log",
    )
    try:
        # The first page of a worker that has just booted: see WARM_UP_SECONDS.
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WARM_UP_SECONDS)
        connection.request("GET", "/login/")
        response = connection.getresponse()
        response.read()
        servers = [v for k, v in response.getheaders() if k.lower() == "server"]
    finally:
        _stop(process)

    assert response.status == 200
    assert servers == ["Collab"]
