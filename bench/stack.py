"""The server side the load benchmarks start on loopback: a private Redis, gunicorn and,
for the soak, a Celery worker; each process's memory read from /proc.

Imported by bench/load_dashboards.py and bench/soak.py (run as scripts, so this folder is
on their import path); `commit` by every benchmark.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def commit() -> str:
    """The short id of the commit this tree is at, as each benchmark prints it, so that two
    results can be compared; "unknown" outside a git checkout (an exported tree)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        head = ""
    return head or "unknown"


def wait_port(port: int, process: subprocess.Popen, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"{what} did not listen on {port} within {timeout:.0f} s")


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(stat.parent.name))
    return sorted(out)


@dataclass
class Stack:
    """Redis and gunicorn (with `threads` per worker when given), and a Celery worker when
    `celery_concurrency` is given; started by a benchmark and stopped at its end."""

    env: dict
    port: int
    redis_port: int
    web_workers: int
    logs: Path
    threads: int | None = None
    celery_concurrency: int | None = None
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def _spawn(self, name: str, command: list[str]) -> None:
        out = (self.logs / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
        )

    def start(self) -> None:
        self._spawn(
            "redis",
            [
                "redis-server",
                *("--bind", "127.0.0.1", "--port", str(self.redis_port), "--save", ""),
                *("--appendonly", "no", "--dir", str(self.logs)),
            ],
        )
        wait_port(self.redis_port, self.processes["redis"], "redis-server")
        self._spawn(
            "gunicorn",
            [
                str(Path(PY).with_name("gunicorn")),
                "collab.wsgi",
                f"--bind=127.0.0.1:{self.port}",
                f"--workers={self.web_workers}",
                *([f"--threads={self.threads}"] if self.threads else []),
                "--timeout=60",
                "--no-control-socket",
            ],
        )
        if self.celery_concurrency:
            self._spawn(
                "celery",
                [
                    *(PY, "-m", "celery", "-A", "collab", "worker", "--loglevel=WARNING"),
                    *("--concurrency", str(self.celery_concurrency)),
                    *("--without-gossip", "--without-mingle"),
                ],
            )
        wait_port(self.port, self.processes["gunicorn"], "gunicorn")

    def memory(self) -> dict[str, int]:
        """RSS in KiB of every process: each main process and each of its children."""
        out = {}
        for name, process in self.processes.items():
            if process.poll() is not None:
                continue
            out[f"{name} main {process.pid}"] = rss_kib(process.pid) or 0
            for n, pid in enumerate(children(process.pid), 1):
                out[f"{name} child {n} {pid}"] = rss_kib(pid) or 0
        return out

    def stop(self) -> None:
        for name in ("gunicorn", "celery", "redis"):
            process = self.processes.get(name)
            if process is None or process.poll() is not None:
                continue
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
