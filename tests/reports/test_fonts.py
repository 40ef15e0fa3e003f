"""The PDF's fonts: found where Debian installs them or where COLLAB_FONT_DIR says, and a
clear word on what to install when they are missing (at `manage.py check`, not only at the
first report)."""

import shutil

import pytest
from django.core.exceptions import ImproperlyConfigured

from reports.apps import report_fonts_check
from reports.pdf import FONT_FILES, font_dir


def test_a_configured_folder_holding_the_three_files_is_used(settings, tmp_path):
    found = font_dir()  # where this machine has them (CI: Debian's packages)
    for name in FONT_FILES.values():
        shutil.copy(found / name, tmp_path / name)
    settings.REPORT_FONT_DIR = str(tmp_path)
    assert font_dir() == tmp_path
    assert report_fonts_check() == []


def test_missing_fonts_say_what_to_install_and_the_check_warns(settings, tmp_path):
    (tmp_path / "DejaVuSans.ttf").write_bytes(b"")  # one of three is not enough
    settings.REPORT_FONT_DIR = str(tmp_path)
    with pytest.raises(ImproperlyConfigured, match="fonts-dejavu-core and fonts-dejavu-extra"):
        font_dir()
    [warning] = report_fonts_check()
    assert warning.id == "reports.W001" and "COLLAB_FONT_DIR" in warning.msg
