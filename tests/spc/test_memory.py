"""``memory.keep_freed_memory`` sets glibc's thresholds once, and does nothing elsewhere."""

import platform

import pytest

from measures.spc import memory


def test_it_is_set_once_and_says_so():
    first = memory.keep_freed_memory()
    assert isinstance(first, bool)
    assert memory.keep_freed_memory() is first


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="only glibc has mallopt")
def test_on_glibc_the_thresholds_are_raised():
    assert memory._raise_thresholds() is True
