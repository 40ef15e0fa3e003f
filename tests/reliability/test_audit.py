"""bin/audit (make audit): what it reports and when it fails, from saved pip-audit reports."""

import json
import subprocess
import sys

from tests.reliability.services import ROOT

CLEAN = {"dependencies": [{"name": "django", "version": "5.2.8", "vulns": []}], "fixes": []}
ADVISORY = {
    "dependencies": [
        {
            "name": "django",
            "version": "5.2.1",
            "vulns": [
                {
                    "id": "PYSEC-2025-1",
                    "fix_versions": ["5.2.2"],
                    "aliases": ["CVE-2025-0001"],
                    "description": "...",
                }
            ],
        },
        {"name": "celery", "version": "5.5.0", "vulns": []},
    ],
    "fixes": [],
}
UNREACHABLE = {
    "dependencies": [
        {"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited"},
        {"name": "celery", "skip_reason": "Dependency not found on PyPI and could not be audited"},
    ],
    "fixes": [],
}


def audit(report: dict, tmp_path, *flags: str) -> subprocess.CompletedProcess:
    saved = tmp_path / "report.json"
    saved.write_text(json.dumps(report))
    return subprocess.run(
        [sys.executable, str(ROOT / "bin" / "audit"), *flags, "--from-json", str(saved), "x.lock"],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_passes_and_says_so_when_no_advisory_is_known(tmp_path):
    result = audit(CLEAN, tmp_path)
    assert result.returncode == 0
    assert "no known advisories in the 1 packages checked" in result.stdout


def test_it_fails_naming_the_package_advisory_and_fixed_release(tmp_path):
    result = audit(ADVISORY, tmp_path)
    assert result.returncode == 1
    assert "ADVISORY django 5.2.1: PYSEC-2025-1 (CVE-2025-0001); fixed in 5.2.2" in result.stdout


def test_in_report_only_mode_a_new_advisory_is_reported_without_failing_the_build(tmp_path):
    result = audit(ADVISORY, tmp_path, "--report-only")
    assert result.returncode == 0
    assert "ADVISORY django 5.2.1" in result.stdout


def test_an_unreachable_advisory_api_is_said_plainly_and_is_not_called_clean(tmp_path):
    result = audit(UNREACHABLE, tmp_path)
    assert result.returncode == 0
    assert "NOT AUDITED: 2 of 2 packages could not be looked up" in result.stdout
    assert "no package could be checked: no verdict" in result.stdout
    assert "no known advisories" not in result.stdout
