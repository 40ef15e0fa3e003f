"""The core is pure: importing it loads no Django and no plotting library."""

import subprocess
import sys
from pathlib import Path

import grimp

from tests.test_import_cycles import root_packages

REPO = Path(__file__).resolve().parents[2]

CHECK = (
    "import sys, measures.spc, measures.spc.funnel, measures.spc.__main__; "
    "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'plotly', 'matplotlib'));"
    "assert not bad, bad"
)


def test_it_imports_no_django_and_no_plotting():
    # a fresh interpreter: this test process itself has Django loaded by pytest-django
    proc = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr


def test_its_command_line_needs_no_django_settings():
    env = {"PATH": "/usr/bin:/bin"}  # no DJANGO_SETTINGS_MODULE
    proc = subprocess.run(
        [sys.executable, "-m", "measures.spc"],
        input='{"chart": "i", "y": [1, 2, 3]}',
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


# The core's imports as grimp reads them: every import statement, those inside functions
# too, which the fresh interpreter above never runs. The contract in pyproject.toml forbids
# Django and the other apps; it names measures' own modules one by one (import-linter cannot
# forbid a package's siblings as a whole), so a new module of measures would slip past it.
FORBIDDEN_EXTERNAL = ("django", "plotly", "matplotlib", "celery", "redis", "psycopg")


def imports_outside(graph, package: str, apps: list[str]) -> list[str]:
    """The modules of `apps` outside `package`, and the forbidden libraries, that `package`
    imports, directly or through others."""
    reached = graph.find_upstream_modules(package, as_package=True)
    return sorted(
        m
        for m in reached
        if m != package
        and not m.startswith(package + ".")
        and m.split(".")[0] in (*apps, *FORBIDDEN_EXTERNAL)
    )


def test_no_import_in_it_reaches_an_app_or_django_even_inside_a_function():
    apps = root_packages()
    graph = grimp.build_graph(*apps, cache_dir=None, include_external_packages=True)
    assert imports_outside(graph, "measures.spc", apps) == []


def test_the_check_finds_a_sibling_module_reached_inside_a_function(tmp_path, monkeypatch):
    package = tmp_path / "app"
    (package / "core").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "core" / "__init__.py").write_text("from app.core import maths\n")
    (package / "core" / "maths.py").write_text(
        "import json\n\ndef f():\n    from app import periods\n    return periods\n"
    )
    (package / "periods.py").write_text("import django\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("app", cache_dir=None, include_external_packages=True)
    assert imports_outside(graph, "app.core", ["app"]) == ["app.periods", "django"]
