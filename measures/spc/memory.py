"""Keep freed array memory in the process instead of handing it back to the system.

The Celery workers call it when each process starts (measures/tasks.py); the benchmark
calls it for both cores it compares. A batch makes a few hundred arrays the size of every
point (2.5 MB each for 3,000 series of 104 points) and frees most of them at once. With
glibc's default thresholds, arrays of that size are mapped fresh from the system (``mmap``)
or the heap is trimmed back when they are freed, so every new array costs a page fault per
4 kB page on first touch: on the benchmark's batches this was 25 to 40% of the CPU time
(``bench/README.md``, "Statistics core"). Raising the two thresholds once per process lets
later arrays reuse the same pages.

It changes no result (only where memory comes from); a process keeps at most
``TRIM_THRESHOLD`` of freed memory beyond what it uses. Elsewhere than on glibc (musl,
macOS) it does nothing.
"""

import ctypes

M_TRIM_THRESHOLD = -1  # glibc <malloc.h>
M_MMAP_THRESHOLD = -3
#: arrays up to this size come from the heap (32 MB: glibc's own ceiling on 64-bit,
#: 4 million float64, the national recompute's chunks are far smaller)
MMAP_THRESHOLD = 32 * 1024 * 1024
#: freed memory at the top of the heap beyond this goes back to the system
TRIM_THRESHOLD = 256 * 1024 * 1024

_set: bool | None = None  # None: not tried yet


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds (once per process). True if they are set."""
    global _set
    if _set is None:
        _set = _raise_thresholds()
    return _set


def _raise_thresholds() -> bool:
    try:
        # the process's own symbols: libc is linked in (ctypes.util.find_library would run
        # a subprocess, on the first batch of a web request)
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
        gnu = libc.gnu_get_libc_version  # glibc only: musl has no such function
    except (OSError, AttributeError):
        return False
    del gnu
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
