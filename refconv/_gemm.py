"""Float matrix products whose bits do not depend on the thread count.

A multithreaded BLAS splits a product among its threads, and where a split falls decides which
micro-kernel (main or edge) computes a column, and so how its sum is rounded: OpenBLAS 0.3.31
gives different float64 bits for a ``16 x 288 @ 288 x 2401`` product on one thread and on two.
A reference must give the same answer on every run of the same problem, so refconv never lets
BLAS choose the split.  :func:`matmul` cuts the result into fixed blocks of :data:`BLOCK_COLUMNS`
columns (a property of the problem, not of the machine's threads), computes each block with BLAS
held to one thread, and runs the blocks on a pool of as many threads as BLAS was allowed — so
``threadpoolctl.threadpool_limits`` and ``OPENBLAS_NUM_THREADS`` still set the parallelism, and
only the wall time depends on them.

Integer and object products do not go through BLAS (NumPy's own loops sum in a fixed order) and
are passed to :func:`numpy.matmul` unchanged.
"""

from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

#: Columns of the result per task: fixed, so that the rounding of every output is too.
BLOCK_COLUMNS = 512

_lock = threading.Lock()
_active = 0  # calls inside the single-threaded section (the first saves, the last restores)
_saved = None  # the BLAS limits to restore
_controller = None


def _blas():
    """threadpoolctl's view of the loaded BLAS libraries, made once they are loaded (lazily)."""
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController().select(user_api="blas")
    return _controller


class _OneBlasThread:
    """Hold every BLAS library to one thread; nested and concurrent uses restore the limits once."""

    def __enter__(self) -> int:
        global _active, _saved
        with _lock:
            if _active == 0:
                libraries = _blas().lib_controllers
                _saved = [(lib, lib.num_threads) for lib in libraries]
                for lib, _ in _saved:
                    lib.set_num_threads(1)
                self.threads = max([n for _, n in _saved], default=1)
            else:
                self.threads = 1  # already inside another call's parallel section
            _active += 1
        return self.threads

    def __exit__(self, *exc) -> None:
        global _active, _saved
        with _lock:
            _active -= 1
            if _active == 0:
                for lib, n in _saved:
                    lib.set_num_threads(n)
                _saved = None


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``numpy.matmul(a, b)`` with the same bits whatever the number of BLAS threads.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    >>> matmul(a, b).tolist() == (a @ b).tolist()
    True
    """
    if np.result_type(a, b).kind not in "fc":
        return np.matmul(a, b)
    columns = b.shape[-1]
    shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (a.shape[-2], columns)
    out = np.empty(shape, dtype=np.result_type(a, b))
    blocks = [slice(start, start + BLOCK_COLUMNS) for start in range(0, columns, BLOCK_COLUMNS)]

    def block(cols: slice) -> None:
        np.matmul(a, b[..., cols], out=out[..., cols])

    with _OneBlasThread() as threads:
        if threads == 1 or len(blocks) == 1 or math.prod(shape) < 1 << 16:
            for cols in blocks:
                block(cols)
        else:
            with ThreadPoolExecutor(min(threads, len(blocks))) as pool:
                list(pool.map(block, blocks))
    return out
