"""Every dependency declared in pyproject.toml is used (issue 16: "No dependency is declared
without being used"): its package is imported by the project's code, named in the
settings (an app, a middleware, a backend), or its command is run by the Makefile, CI or
a script in bin/.
The few used otherwise say how, below; a new dependency with none of these fails here."""

import importlib.metadata
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", "node_modules", ".git", "static", "test-artifacts"}

# Used without an import, a setting or a command of their own.
USED_OTHERWISE = {
    "async-timeout": "redis imports it on Python before 3.11.3 (Debian 12 has 3.11.2)",
    "pytest-django": "pytest loads it: DJANGO_SETTINGS_MODULE in [tool.pytest.ini_options]",
    "pytest-xdist": "pytest loads it: `make test` passes -n",
    "pytest-randomly": "pytest loads it: every run is in a random order",
}


def declared() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + [
        d for extra in project["optional-dependencies"].values() for d in extra
    ]
    return sorted({re.split(r"[\[<>=!~ ;]", s, maxsplit=1)[0].lower() for s in specs})


def project_files(suffix: str):
    for path in ROOT.rglob(f"*{suffix}"):
        if not SKIP.intersection(path.relative_to(ROOT).parts):
            yield path


def evidence_of_use() -> tuple[set[str], str]:
    """(top-level modules imported by any project file, the text of settings and commands)"""
    imported = set()
    pattern = re.compile(r"^\s*(?:from|import)\s+([A-Za-z_]\w*)", re.MULTILINE)
    for path in project_files(".py"):
        imported.update(pattern.findall(path.read_text(encoding="utf-8")))
    texts = [p.read_text() for p in (ROOT / "collab").glob("settings*.py")]
    texts += [(ROOT / name).read_text() for name in ("Makefile", ".ci/run")]
    texts += [p.read_text() for p in (ROOT / "bin").iterdir()]
    return imported, "\n".join(texts)


def test_every_declared_dependency_is_imported_configured_or_run():
    modules_of: dict[str, set[str]] = {}
    for module, dists in importlib.metadata.packages_distributions().items():
        for dist in dists:
            modules_of.setdefault(dist.lower().replace("_", "-"), set()).add(module)
    imported, settings_and_commands = evidence_of_use()
    unused = []
    for dist in declared():
        if dist in USED_OTHERWISE:
            continue
        modules = modules_of.get(dist, set())
        assert modules, f"{dist} is declared but not installed: run `make venv`"
        commands = {dist} | {
            e.name for e in importlib.metadata.distribution(dist).entry_points
            if e.group == "console_scripts"
        }  # fmt: skip
        if modules & imported:
            continue
        if any(re.search(rf"[\"'.]{re.escape(m)}[\"'.]", settings_and_commands) for m in modules):
            continue
        if any(re.search(rf"(^|[/\s\"']){re.escape(c)}\b", settings_and_commands, re.M)
               for c in commands):  # fmt: skip
            continue
        unused.append(dist)
    assert unused == [], f"declared in pyproject.toml but never used: {unused}"


def test_what_is_used_otherwise_is_still_declared():
    assert set(USED_OTHERWISE) <= set(declared())
