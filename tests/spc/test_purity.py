"""The core is pure: importing it loads no Django and no plotting library."""

import subprocess
import sys
from pathlib import Path

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
