"""Private PostgreSQL, Redis, Celery workers and gunicorn for the fault tests.

Each fault test breaks things on purpose: it kills workers, loses Redis's queue, stops
PostgreSQL. So it never touches the services the rest of the suite uses: it makes its
own PostgreSQL cluster (``initdb`` as the postgres user when run as root, which
PostgreSQL requires) and its own Redis, on ports of their own, in a temporary folder.
Django runs only in child processes pointed at them; the test process just drives.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from glob import glob
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent.parent
PG_PORT = int(os.environ.get("COLLAB_FAULTS_PG_PORT", "55432"))
REDIS_PORT = int(os.environ.get("COLLAB_FAULTS_REDIS_PORT", "56379"))
WEB_PORT = int(os.environ.get("COLLAB_FAULTS_WEB_PORT", "8107"))
# The fault tests' "random moments" come from this seed, so a failure can be replayed.
SEED = int(os.environ.get("COLLAB_FAULTS_SEED", "20261127"))
# Variables of the surrounding run that must not leak into the private services' processes.
DROPPED = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY")


def _pg_bin(name: str) -> str | None:
    found = sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


@functools.cache
def tools_missing() -> str | None:
    """Why the fault tests cannot run on this machine, or None. Asked once, before the
    first fault test starts its services on the ports it checks."""
    for name in ("initdb", "pg_ctl", "pg_dump", "pg_restore"):
        if _pg_bin(name) is None:
            return f"PostgreSQL's {name} is not installed (apt-get install postgresql)"
    if shutil.which("redis-server") is None:
        return "redis-server is not installed (apt-get install redis-server)"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "runuser is missing, and initdb refuses to run as root"
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "there is no postgres user to run initdb as (initdb refuses root)"
    for port in (PG_PORT, REDIS_PORT, WEB_PORT):
        if _port_busy(port):
            return f"port {port} is already in use (set COLLAB_FAULTS_*_PORT)"
    return None


def _port_busy(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")


def wait_for(condition, timeout: float, what: str, *, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)


class PrivatePostgres:
    """A throwaway PostgreSQL cluster on 127.0.0.1:PG_PORT, trust authentication."""

    def __init__(self, base: Path):
        self.base = base
        self.data = base / "data"
        self.log = base / "postgresql.log"
        self.port = PG_PORT

    def init(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres")
        _run(
            _as_postgres(
                [
                    _pg_bin("initdb"),
                    *("-D", str(self.data), "-U", "postgres", "--auth=trust"),
                    *("--no-sync", "-E", "UTF8", "--locale=C.UTF-8"),
                ]
            ),
        )
        self.start()

    def _ctl(self, *args: str) -> None:
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off -c max_connections=100"
        )
        _run(
            _as_postgres(
                [_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options]
                + list(args)
            )
        )

    def start(self) -> None:
        self._ctl("-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """fast: disconnect every client and shut down cleanly; immediate: as in a crash."""
        self._ctl("-w", "-m", mode, "stop")

    def url(self, dbname: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres", **kwargs) -> psycopg.Connection:
        return psycopg.connect(self.url(dbname), autocommit=True, connect_timeout=5, **kwargs)

    def create_database(self, name: str, template: str | None = None) -> str:
        with self.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            extra = f' TEMPLATE "{template}"' if template else ""
            conn.execute(f'CREATE DATABASE "{name}"{extra}')
        return self.url(name)

    def query(self, dbname: str, sql: str, params=()) -> list[tuple]:
        with self.connect(dbname) as conn:
            return conn.execute(sql, params).fetchall()


class PrivateRedis:
    """A Redis on 127.0.0.1:REDIS_PORT that keeps nothing on disk: a restart loses the queue."""

    def __init__(self, base: Path):
        self.base = base
        self.port = REDIS_PORT
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        log = (self.base / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [
                "redis-server",
                *("--bind", "127.0.0.1", "--port", str(self.port), "--save", ""),
                *("--appendonly", "no", "--dir", str(self.base)),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for(self.ping, 20, "Redis answering")

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=1).ping())
        except redis.RedisError:
            return False

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def queued(self, queue: str = "celery") -> int:
        import redis

        return redis.Redis(port=self.port).llen(queue)


def django_env(database_url: str, redis_url: str | None = None, **extra: str) -> dict:
    """The environment of a Django process on the private services, production-like:
    DEBUG off, so an error is the error page a user sees, not a traceback."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in DROPPED and not key.startswith("COLLAB_ENV")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="collab.settings",
        COLLAB_ENV="embedded",
        DEBUG="false",
        DATABASE_URL=database_url,
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


def action(env: dict, name: str, *args: str, timeout: float = 300) -> dict:
    """Run tests/reliability/actions.py's `name` in a fresh Django process; its JSON answer."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.reliability.actions", name, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise AssertionError(f"action {name} failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _children(pid: int) -> list[int]:
    out = []
    for stat in glob("/proc/[0-9]*/stat"):
        try:
            text = Path(stat).read_text()
        except OSError:
            continue
        fields = text.rsplit(")", 1)[1].split()
        # fields[0] is the state: a killed child stays a zombie until its parent reaps it.
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(stat.split("/")[2]))
    return out


@dataclass
class Worker:
    """A `celery worker` process (prefork: a main process and its pool children)."""

    env: dict
    log: Path
    concurrency: int = 2
    process: subprocess.Popen | None = None
    started: list[int] = field(default_factory=list)

    def start(self) -> Worker:
        command = [
            *(sys.executable, "-m", "celery", "-A", "collab", "worker"),
            *("--pool", "prefork", "--concurrency", str(self.concurrency)),
            *("--loglevel", "INFO", "--without-gossip", "--without-mingle"),
            "--without-heartbeat",
        ]
        with self.log.open("ab") as out:
            out.write(b"\n--- worker start ---\n")
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        self.started.append(self.process.pid)
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        def ready():
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited:\n{self.log.read_text()[-3000:]}")
            return len(self.children()) >= self.concurrency and self.log.read_text().count(
                " ready."
            ) >= len(self.started)

        wait_for(ready, timeout, "worker ready")

    def children(self) -> list[int]:
        return _children(self.process.pid) if self.process else []

    def kill_child(self, index: int) -> int | None:
        children = sorted(self.children())
        if not children:
            return None
        pid = children[index % len(children)]
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_all(self) -> None:
        """SIGKILL the main process and every child at once, as the OOM killer might."""
        if self.process is None:
            return
        for pid in [self.process.pid, *self.children()]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        children = self.children()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill_all()
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@dataclass
class Web:
    """gunicorn serving the app on 127.0.0.1:WEB_PORT."""

    env: dict
    log: Path
    port: int = WEB_PORT
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Web:
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "collab.wsgi",
            *(f"--bind=127.0.0.1:{self.port}", "--workers=2", "--threads=2", "--timeout=30"),
            "--no-control-socket",
        ]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        wait_for(lambda: self._answers(), 60, "gunicorn answering")
        return self

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{self.log.read_text()[-3000:]}")
        return _port_busy(self.port)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect (to the login page, say) is an answer to look at, not to follow."""

    def redirect_request(self, *args, **kwargs):
        return None


_NO_REDIRECTS = urllib.request.build_opener(_KeepRedirects)


@dataclass
class Answer:
    status: int  # 0: no HTTP answer at all (connection refused or reset)
    body: str
    error: str = ""


def get(url: str, cookie: dict | None = None, timeout: float = 20, **headers: str) -> Answer:
    """One GET, as a logged-in browser would send it; never raises."""
    import urllib.error

    request = urllib.request.Request(url, headers=headers)
    if cookie:
        request.add_header("Cookie", f"{cookie['name']}={cookie['value']}")
    try:
        with _NO_REDIRECTS.open(request, timeout=timeout) as response:
            return Answer(response.status, response.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as e:
        return Answer(e.code, e.read().decode("utf-8", "replace"))
    except (urllib.error.URLError, OSError) as e:
        return Answer(0, "", repr(e))
