"""Helpers shared by the benchmark modules: seeded inputs, API guards, in-process ratios.

The suite measures refconv's *public* API at every commit of the history.  A function or a
``method`` that does not exist yet at a commit makes ``setup`` raise ``NotImplementedError``,
which asv records as ``n/a`` (skipped) instead of a failure, so old commits stay on the graphs.
"""

from __future__ import annotations

import os
import time
import timeit
from collections.abc import Callable

import numpy as np

import refconv

#: CI's quick validation sets this so that the in-process ratio benchmarks time a single round.
QUICK = os.environ.get("REFCONV_BENCH_QUICK") == "1"

#: Every refconv ``method`` a benchmark may ask for; ``auto`` is the one users get by default.
METHODS = ["direct", "dense", "sparse", "fft", "auto"]


class Bench:
    """Attributes every benchmark class inherits (asv reads them through the class).

    One process per parameter set (``processes = 1``) keeps the full suite to a few minutes on
    two cores; each heavy class lowers ``repeat`` and raises ``timeout`` as it needs.
    """

    processes = 1
    timeout = 120.0


def rng(seed: int = 9) -> np.random.Generator:
    """The seeded generator every input comes from, so every commit sees the same numbers."""
    return np.random.default_rng(seed)


def api(name: str) -> Callable:
    """``refconv.<name>``, or ``NotImplementedError`` (asv: n/a) at a commit that lacks it."""
    func = getattr(refconv, name, None)
    if func is None:
        raise NotImplementedError(f"refconv.{name} does not exist at this commit")
    return func


def probe(call: Callable, *args, **kwargs):
    """Run ``call`` once; an unknown or inapplicable ``method`` becomes ``NotImplementedError``.

    refconv rejects a method it does not have (or one that does not apply to the operands, such
    as ``fft`` on exact integers) with ``<func>: method=<value> ...``; any other exception is a
    real failure and propagates, so a broken method is never hidden as n/a.
    """
    try:
        return call(*args, **kwargs)
    except (ValueError, TypeError) as exc:
        if "method=" in str(exc):
            raise NotImplementedError(str(exc)) from exc
        raise


#: glibc's mmap threshold the benchmark processes fix (bytes): buffers below it come from the heap.
MMAP_THRESHOLD = 1 << 26


def steady_allocator() -> bool:
    """Put glibc's ``malloc`` in the steady state of a long-running process; False where it is not glibc.

    glibc serves a large buffer by a fresh ``mmap`` (page faults and zeroing on every call) until
    a free of a larger one raises its *dynamic* threshold; from then on the same buffers come
    from the heap.  Which call first raises it depends on what the process ran before, so a
    timing depended on the order of the benchmarks: torch 2.13's ``conv_transpose2d`` of the
    speed table measured 5.0 ms or 2.1 ms in one process, before and after a depthwise conv
    freed its 9.6 MB output.  Fixing the threshold (and the trim threshold, so that freed heap
    memory stays) times both sides of every ratio as a loop of calls in a real workload runs.
    """
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to fix
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, 4 * MMAP_THRESHOLD))


steady_allocator()

try:
    # Imported here, once: under asv's forkserver every benchmark process then starts with torch
    # loaded instead of paying its multi-second import per parameter set.  Importing starts no
    # threads; torch's pool starts in the benchmark process at its first operation.
    import torch as _torch
except ImportError:  # torch is an optional peer
    _torch = None


def torch_or_skip(threads: int | None = None):
    """torch (an optional peer) with the thread count refconv's BLAS gets; else n/a."""
    if _torch is None:
        raise NotImplementedError("torch is not installed")
    _torch.set_num_threads(threads or blas_threads())
    return _torch


def blas_threads() -> int:
    """The thread count NumPy's BLAS uses here (OpenBLAS defaults to every core)."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var])
    return os.cpu_count() or 1


def _calibrated(func: Callable[[], object], floor: float) -> tuple[timeit.Timer, int, float]:
    """A timer for ``func``, the call count whose total reaches ``floor`` seconds, and its best time."""
    timer = timeit.Timer(func)
    number = 1
    while True:
        # Like timeit.autorange, but to a shorter floor: this runs inside one benchmark's budget.
        elapsed = timer.timeit(number)
        if elapsed >= floor or number >= 1 << 20:
            return timer, number, elapsed / number
        number *= max(2, min(10, int(floor / max(elapsed, 1e-9)) + 1))


def best_time(func: Callable[[], object], *, rounds: int = 5, floor: float = 0.02) -> float:
    """Best seconds per call of ``func`` over ``rounds`` rounds of at least ``floor`` seconds."""
    timer, number, best = _calibrated(func, floor)
    for _ in range(0 if QUICK else rounds - 1):
        best = min(best, timer.timeit(number) / number)
    return best


#: Seconds between the alternating rounds of :func:`ratio`: each side's threads settle (torch's
#: spin-waiting OpenMP threads go to sleep) before the other side is timed.
SETTLE = 0.05


def ratio(ours: Callable[[], object], peer: Callable[[], object], *, rounds: int = 5, floor: float = 0.02) -> float:
    """``best_time(ours) / best_time(peer)``, the two timed in alternating rounds in this process.

    Alternation means a burst of load from a neighbour on the shared machine hits both sides,
    so the ratio is steadier than either time on its own.  Each round starts after a pause of
    :data:`SETTLE` seconds: torch's OpenMP threads spin-wait for milliseconds after each call
    (libgomp's default), taking a core from whatever runs next, so without the pause the side
    timed after torch ran on less than its cores (the speed table's ResNet row read 1.43-1.62x
    where each side's steady state is 1.26x; 1.28-1.32x with the pause).
    """
    t_ours, n_ours, best_ours = _calibrated(ours, floor)
    t_peer, n_peer, best_peer = _calibrated(peer, floor)
    for _ in range(0 if QUICK else rounds - 1):
        time.sleep(SETTLE)
        best_ours = min(best_ours, t_ours.timeit(n_ours) / n_ours)
        time.sleep(SETTLE)
        best_peer = min(best_peer, t_peer.timeit(n_peer) / n_peer)
    return best_ours / best_peer
