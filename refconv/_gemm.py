"""Float matrix products whose bits do not depend on the thread count.

A multithreaded BLAS splits a product among its threads, and where a split falls decides which
micro-kernel (main or edge) computes a column, and so how its sum is rounded: OpenBLAS 0.3.31
gives different float64 bits for a ``16 x 288 @ 288 x 2401`` product on one thread and on two.
A reference must give the same answer on every run of the same problem, so refconv never lets
BLAS choose the split.  :func:`matmul` cuts the result into fixed blocks of :data:`BLOCK_COLUMNS`
columns (a property of the problem, not of the machine's threads), computes each block with BLAS
held to one thread, and runs the blocks on as many threads as BLAS was allowed (the calling
thread and a pool's) — so ``threadpoolctl.threadpool_limits`` and ``OPENBLAS_NUM_THREADS`` still
set the parallelism, and only the wall time depends on them.

``int64`` products run on the same float64 BLAS, exactly (:func:`_int64_by_float_limbs`): every
integer below ``2**53`` is a float64, so a float64 GEMM of ``K`` products of limbs below
``2**p`` and ``2**q`` is exact whenever ``K * 2**(p+q) <= 2**53`` — in any summation order.  The
operands are cut into such limbs (one limb each for the small integers of most layers), each
limb pair is one float64 GEMM, and the limb products are recombined with int64 arithmetic
modulo ``2**64``: the same bits as :func:`numpy.matmul` on int64 (exact wherever the result
fits int64, which :mod:`refconv._arith` proves before it picks int64), at BLAS speed.  Other
integer and object products do not go through BLAS (NumPy's own loops sum in a fixed order)
and are passed to :func:`numpy.matmul` unchanged.

:func:`gemm_into` and :func:`shifted_gemm_sum` call BLAS's GEMM itself (through ctypes, which
releases the GIL) on views as they lie, with ``beta = 1`` to add a product into its result:
what :func:`numpy.matmul` cannot do, and what the stride-1 convolution needs to sum its taps
without im2col copies or a pass per tap.
"""

from __future__ import annotations

__all__ = [
    "BLOCK_COLUMNS",
    "MAX_THREADS",
    "BLAS_DTYPES",
    "matmul",
    "gemm_into",
    "shifted_gemm_sum",
    "blocks_in_parallel",
    "int64_by_float_limbs",
]

import ctypes
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

#: Columns of the result per task: fixed, so that the rounding of every output is too.
BLOCK_COLUMNS = 512

#: Most tasks :func:`blocks_in_parallel` runs at once, whatever the cores: the methods' memory
#: models (:func:`refconv.methods.working_set`) count this many tasks' buffers, on any machine.
MAX_THREADS = 64

_lock = threading.Lock()
_active = 0  # calls inside the single-threaded section (the first saves, the last restores)
_saved = None  # the BLAS limits to restore
_controller = None


def _blas():
    """threadpoolctl's view of the loaded BLAS libraries, made once they are loaded (lazily)."""
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _routine(np.dtype(np.float64))  # gemm_into's BLAS (SciPy's, where NumPy's is not found) is loaded and held too

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
                    _set_threads(lib, 1)
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
                    _set_threads(lib, n)
                _saved = None


def _set_threads(lib, n: int) -> None:
    """Set a BLAS library's (process-wide) thread count from whichever thread calls.

    threadpoolctl 3.8 lets only one thread, the first to set OpenBLAS's count and still alive,
    change it: a call from any other thread does nothing.  refconv is called from any thread (a
    pool, a server, a test runner), and its fixed blocks are only deterministic on one BLAS
    thread, so it sets OpenBLAS's count the way threadpoolctl itself does for its controlling
    thread.  The ``_active`` count above already makes concurrent calls agree.
    """
    getattr(lib, "_real_set_num_threads", lib.set_num_threads)(n)


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``numpy.matmul(a, b)`` with the same bits whatever the number of BLAS threads.

    Parameters
    ----------
    a, b : numpy.ndarray
        Operands as :func:`numpy.matmul` takes them, at least 2-D (stacks broadcast).

    Returns
    -------
    numpy.ndarray
        ``a @ b``: float and complex products computed in fixed blocks of :data:`BLOCK_COLUMNS`
        columns, int64 products exactly through float64 limbs (modulo ``2**64`` as NumPy's), other
        dtypes by :func:`numpy.matmul` itself.

    See Also
    --------
    blocks_in_parallel : the same discipline for blocks the caller cuts.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    >>> matmul(a, b).tolist() == (a @ b).tolist()
    True

    int64 operands past float64's 53 bits still multiply exactly:

    >>> big = np.array([[2**40 + 1, 3]], dtype=np.int64)
    >>> matmul(big, np.array([[2**12 + 1], [-5]], dtype=np.int64)).tolist() == (big @ [[2**12 + 1], [-5]]).tolist()
    True
    """
    kind = np.result_type(a, b)
    if kind == np.int64 and a.shape[-1] > 0:
        return _int64_by_float_limbs(np.asarray(a, np.int64), np.asarray(b, np.int64))
    if kind.kind not in "fc":
        return np.matmul(a, b)
    columns = b.shape[-1]
    shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (a.shape[-2], columns)
    out = np.empty(shape, dtype=np.result_type(a, b))
    blocks = [slice(start, start + BLOCK_COLUMNS) for start in range(0, columns, BLOCK_COLUMNS)]

    def block(cols: slice) -> None:
        np.matmul(a, b[..., cols], out=out[..., cols])

    with _OneBlasThread() as threads:
        _spread(blocks, block, 1 if math.prod(shape) < 1 << 16 else threads)
    return out


#: dtype -> the BLAS routine of :func:`gemm_into` (its Fortran name).
_ROUTINES = {np.dtype(t): name for t, name in [("f4", "sgemm"), ("f8", "dgemm"), ("c8", "cgemm"), ("c16", "zgemm")]}
_routines: dict = {}

#: The dtypes :func:`gemm_into` and :func:`shifted_gemm_sum` multiply on BLAS.
BLAS_DTYPES = tuple(_ROUTINES)


def _routine(dtype: np.dtype) -> tuple:
    """``(gemm, int_type)``: the Fortran-interface GEMM for ``dtype`` callable through ctypes, and
    the C type of its integer arguments.

    NumPy's own OpenBLAS first (its wheels export it as ``scipy_<name>_64_``, 64-bit integers,
    and it is NumPy's :func:`numpy.matmul`: measured 20-30% faster than SciPy's copy on the
    stride-1 GEMMs here), else SciPy's ``scipy.linalg.cython_blas`` capsules (C ``int``; Numba
    reads them the same way).  A ctypes call releases the GIL, which SciPy's Python wrappers
    (:func:`scipy.linalg.blas.sgemm`) hold, so the tasks of :func:`blocks_in_parallel` overlap.
    """
    if dtype not in _routines:
        name = _ROUTINES[dtype]
        try:
            from numpy._core import _multiarray_umath

            symbol = getattr(ctypes.CDLL(_multiarray_umath.__file__), f"scipy_{name}_64_")
            address, int_type = ctypes.cast(symbol, ctypes.c_void_p).value, ctypes.c_int64
        except (ImportError, OSError, AttributeError):
            from scipy.linalg import cython_blas

            api = ctypes.pythonapi
            api.PyCapsule_GetName.restype, api.PyCapsule_GetName.argtypes = ctypes.c_char_p, [ctypes.py_object]
            api.PyCapsule_GetPointer.restype = ctypes.c_void_p
            api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
            capsule = cython_blas.__pyx_capi__[name]
            address, int_type = api.PyCapsule_GetPointer(capsule, api.PyCapsule_GetName(capsule)), ctypes.c_int
        # transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc: every argument by address.
        _routines[dtype] = (ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * 13)(address), int_type)
    return _routines[dtype]


def _layout(a: np.ndarray, name: str) -> tuple[bytes, int]:
    """``(trans, ld)`` of a 2-D operand for a column-major BLAS reading its transpose: ``b"N"``
    for unit steps along rows (row-major), ``b"T"`` for unit steps down columns.

    A step along an axis of length 1 is never taken, so it does not count: a single column with
    rows 3 items apart is row-major with ``ld`` 3, whatever its column step says.
    """
    item, (rows, cols) = a.itemsize, a.shape
    down = a.strides[0] if rows > 1 else None  # bytes to the next row, if there is one
    across = a.strides[1] if cols > 1 else None
    if across in (None, item):
        step = item * max(cols, 1) if down is None else down
        if step % item == 0 and step >= item * max(cols, 1):
            return b"N", step // item
    # Here a column has more than one cell (else the row-major test above passed).
    if down in (None, item) and across is not None and across % item == 0 and across >= item * max(rows, 1):
        return b"T", across // item
    raise ValueError(f"gemm_into: {name} has strides {a.strides}; expected a unit step along one axis")


def gemm_into(a: np.ndarray, b: np.ndarray, c: np.ndarray, *, accumulate: bool = False) -> np.ndarray:
    """``c = a @ b`` (or ``c += a @ b``) in place, by one BLAS GEMM on the operands as they lie.

    Unlike :func:`numpy.matmul`, the product can be added to ``c`` (BLAS's ``beta = 1``: no
    product-sized scratch, no second pass), and the GIL is released during the product.  Each
    operand may be any 2-D view with a unit step along one axis — a run of a padded plane's
    channels, a block of rows of a larger output — so that callers pass views, not copies.
    The product runs on the threads the BLAS is allowed (NumPy's OpenBLAS, or SciPy's where
    NumPy's is not found); :func:`blocks_in_parallel` holds it to one.

    Parameters
    ----------
    a, b : numpy.ndarray
        ``(m, k)`` and ``(k, n)`` views of ``c``'s dtype: float32, float64, complex64 or complex128.
    c : numpy.ndarray
        ``(m, n)``, with a unit step along its rows; overwritten (or added to), and must not
        overlap ``a`` or ``b``.
    accumulate : bool, optional
        Add the product to ``c``'s values instead of replacing them.

    Returns
    -------
    numpy.ndarray
        ``c``.

    See Also
    --------
    matmul : a whole product with the same bits on any thread count.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    >>> c = np.ones((2, 4))
    >>> gemm_into(a, b, c, accumulate=True).tolist() == (a @ b + 1).tolist()
    True

    Views with any step between rows, read in place:

    >>> wide = np.arange(20.0).reshape(2, 10)
    >>> gemm_into(wide[:, 2:5], b, np.empty((2, 4))).tolist() == (wide[:, 2:5] @ b).tolist()
    True
    """
    dtype = c.dtype
    if dtype not in _ROUTINES or a.dtype != dtype or b.dtype != dtype:
        expected = sorted(map(str, _ROUTINES))
        raise TypeError(f"gemm_into: dtypes a={a.dtype}, b={b.dtype}, c={c.dtype}; expected one of {expected}")
    (m, k), (k2, n) = a.shape, b.shape
    if k != k2 or c.shape != (m, n):
        raise ValueError(f"gemm_into: shapes a={a.shape}, b={b.shape}, c={c.shape}; expected (m, k), (k, n), (m, n)")
    if m == 0 or n == 0:
        return c
    if k == 0:
        if not accumulate:
            c[...] = 0
        return c
    if c.strides[1] != c.itemsize or not c.flags.writeable:
        raise ValueError(f"gemm_into: c has strides {c.strides}; expected a writeable array with unit steps along rows")
    if c.strides[0] % c.itemsize or (m > 1 and c.strides[0] < c.itemsize * n):
        raise ValueError(f"gemm_into: c has strides {c.strides}; expected rows of at least {n} items apart")
    _bound_gemm(a, b, c)(a.ctypes.data, b.ctypes.data, accumulate)
    return c


def _bound_gemm(a: np.ndarray, b: np.ndarray, c: np.ndarray):
    """``call(a_address, b_address, accumulate)``: BLAS's GEMM into ``c`` of operands laid out as
    ``a`` and ``b`` are (checked by :func:`gemm_into`), read at the given addresses — so that a
    sum of products over shifted views pays the Python work of one call."""
    (m, k), n = a.shape, b.shape[1]
    (trans_a, lda), (trans_b, ldb) = _layout(a, "a"), _layout(b, "b")
    ldc = max(c.strides[0] // c.itemsize, n) if m > 1 else n
    routine, int_type = _routine(c.dtype)
    if max(m, n, k, lda, ldb, ldc) >= 1 << (8 * ctypes.sizeof(int_type) - 1):
        raise ValueError(f"gemm_into: shapes a={a.shape}, b={b.shape} with dimensions past the BLAS's integers")
    # Row-major c = a @ b is column-major c.T = b.T @ a.T: the operands swap places, as they lie.
    ints = [int_type(v) for v in (n, m, k, ldb, lda, ldc)]
    scalars = np.array([1, 0, 1], dtype=c.dtype)  # alpha; beta to write; beta to add
    p, item = ctypes.addressof, c.itemsize

    def call(a_address: int, b_address: int, accumulate: bool) -> None:
        routine(
            trans_b, trans_a, p(ints[0]), p(ints[1]), p(ints[2]), scalars.ctypes.data,
            b_address, p(ints[3]), a_address, p(ints[4]),
            scalars.ctypes.data + item * (2 if accumulate else 1), c.ctypes.data, p(ints[5]),
        )  # fmt: skip

    return call


def shifted_gemm_sum(a: np.ndarray, b: np.ndarray, offsets: list, c: np.ndarray) -> np.ndarray:
    """``c = sum_t a[t] @ b[:, offsets[t] : offsets[t] + n]`` in place, in ``t`` order: one BLAS
    GEMM per term, each added into ``c``.

    The stride-1 convolution's sum over taps (:mod:`refconv.methods.direct`): ``b`` holds padded
    planes as flat rows, a tap's inputs are the run of ``b`` at its offset, and ``a[t]`` is the
    tap's weight matrix.  The operands are checked once and the terms run as BLAS calls with no
    per-term Python work beyond the call, so a task's GIL-held time is small next to its GEMMs.

    Parameters
    ----------
    a : numpy.ndarray
        ``(T, m, k)``, C-contiguous.
    b : numpy.ndarray
        ``(k, L)`` with a unit step along its rows.
    offsets : list of int
        ``T`` offsets, each with ``0 <= offset`` and ``offset + n <= L``.
    c : numpy.ndarray
        ``(m, n)`` with a unit step along its rows, overwritten.  float32, float64, complex64 and
        complex128 run on BLAS; other float dtypes (float16, long double) on
        :func:`numpy.matmul`, term by term.

    Returns
    -------
    numpy.ndarray
        ``c``.

    See Also
    --------
    gemm_into : one product, added or written.

    Examples
    --------
    >>> import numpy as np
    >>> b = np.arange(10.0).reshape(2, 5)
    >>> a = np.array([[[1.0, 0.0]], [[0.0, 2.0]]])  # (T=2, m=1, k=2)
    >>> shifted_gemm_sum(a, b, [0, 2], np.empty((1, 3))).tolist() == [[0 + 14, 1 + 16, 2 + 18]]
    True
    """
    T, m, k = a.shape
    n = c.shape[1]
    if len(offsets) != T or b.shape[0] != k or c.shape[0] != m:
        raise ValueError(f"shifted_gemm_sum: shapes a={a.shape}, b={b.shape}, c={c.shape}, {len(offsets)} offsets")
    if T == 0 or min(offsets) < 0 or max(offsets) + n > b.shape[1]:
        expected = f"expected runs inside b's {b.shape[1]} columns"
        raise ValueError(f"shifted_gemm_sum: offsets={offsets} with n={n}; {expected}")
    if not a.flags.c_contiguous:
        raise ValueError(f"shifted_gemm_sum: a has strides {a.strides}; expected C-contiguous")
    if c.dtype not in _ROUTINES:  # float16, long double: NumPy's own loops, in the same term order
        with np.errstate(invalid="ignore", over="ignore"):  # IEEE results, as BLAS gives them
            np.matmul(a[0], b[:, offsets[0] : offsets[0] + n], out=c)
            for t in range(1, T):
                c += np.matmul(a[t], b[:, offsets[t] : offsets[t] + n])
        return c
    # The first term is checked and written by gemm_into; the rest repeat its call with new addresses.
    gemm_into(a[0], b[:, offsets[0] : offsets[0] + n], c)
    if T == 1 or m == 0 or n == 0 or k == 0:
        return c
    call = _bound_gemm(a[0], b[:, :n], c)
    for t in range(1, T):
        call(a.ctypes.data + t * a.strides[0], b.ctypes.data + offsets[t] * b.strides[1], True)
    return c


def blocks_in_parallel(tasks: list, work) -> None:
    """Run ``work(task)`` for every task, with BLAS held to one thread and the tasks spread over
    as many threads as BLAS was allowed.

    For products cut by the caller into blocks that are a property of the problem (as
    :func:`matmul` cuts columns): each block's bits then do not depend on the thread count.

    Parameters
    ----------
    tasks : list
        One entry per block, handed to ``work``.
    work : callable
        ``work(task)``, run once per task (in order on one thread, else concurrently); it writes
        its result where the caller reads it, and its return value is discarded.

    Returns
    -------
    None
        Every task has run when it returns.

    See Also
    --------
    matmul : a product cut into fixed column blocks this way.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    >>> out = np.empty((2, 4))
    >>> def product(cols):
    ...     out[:, cols] = a @ b[:, cols]
    >>> blocks_in_parallel([slice(0, 2), slice(2, 4)], product)
    >>> out.tolist() == matmul(a, b).tolist()
    True
    """
    with _OneBlasThread() as threads:
        _spread(tasks, work, threads)


def _spread(tasks: list, work, threads: int) -> None:
    """``work(task)`` for every task, on the calling thread and ``threads - 1`` helpers, each
    taking the next task until none is left (after a failure, none is started).

    A thread takes the GIL back once per task it starts, and the caller waits once per helper:
    with ``ThreadPoolExecutor.map``, which wakes the caller as each task ends, the GIL changed
    hands per task, at tens of microseconds a hand-over on a 2-core VM, and a transposed
    convolution's 0.5 ms tasks took 4.4 ms on two threads where they now take 3.1 ms.
    """
    if threads <= 1 or len(tasks) <= 1:
        for task in tasks:
            work(task)
        return
    queue, taking, failed = iter(tasks), threading.Lock(), []
    state = np.geterr()  # NumPy's error state is per thread: the helpers take the caller's

    def helper() -> None:
        with np.errstate(**state):
            take_tasks()

    def take_tasks() -> None:
        while not failed:
            with taking:  # one thread per task, with or without a GIL
                task = next(queue, _NONE)
            if task is _NONE:
                return
            try:
                work(task)
            except BaseException:
                failed.append(True)
                raise

    helpers = [_pool().submit(helper) for _ in range(min(threads, MAX_THREADS, len(tasks)) - 1)]
    try:
        take_tasks()
    finally:
        for helper in helpers:
            helper.exception()  # waits; the first error (the caller's, else a helper's) is raised
    for helper in helpers:
        helper.result()


_NONE = object()


_executor: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    """One pool for every product (starting threads per call costs more than a small GEMM)."""
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max(1, os.cpu_count() or 1), thread_name_prefix="refconv-gemm")
        return _executor


def _forget_pool() -> None:
    # A forked child inherits the pool object but not its threads (it starts its own), and the
    # lock and the count of calls in flight as some other thread of the parent left them.
    global _executor, _lock, _active, _saved
    _executor, _lock, _active, _saved = None, threading.Lock(), 0, None


os.register_at_fork(after_in_child=_forget_pool)


def _magnitude_bits(a: np.ndarray) -> int | None:
    """Bits of ``max|a|`` (0 for an empty or zero array); None when ``a`` holds ``-2**63``."""
    if a.size == 0:
        return 0
    low, high = int(a.min()), int(a.max())
    if low == -(2**63):
        return None
    return max(abs(low), abs(high)).bit_length()


def _limbs(a: np.ndarray, width: int, count: int) -> list[np.ndarray]:
    """``a = sum_i limbs[i] * 2**(width*i)`` with ``|limbs[i]| < 2**width``, as float64 (exact)."""
    if count == 1:  # |a| < 2**width already: the integers themselves
        return [a.astype(np.float64)]
    sign, rest = np.sign(a), np.abs(a)
    mask = (1 << width) - 1
    return [(sign * ((rest >> (width * i)) & mask)).astype(np.float64) for i in range(count)]


def _int64_by_float_limbs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``numpy.matmul`` of int64 operands, bit for bit, through exact float64 GEMMs (module docstring).

    Examples
    --------
    >>> a, b = np.array([[2**40 + 3, -7]]), np.array([[2**22 + 1], [5]])
    >>> _int64_by_float_limbs(a, b).tolist() == np.matmul(a, b).tolist()
    True
    """
    return int64_by_float_limbs(a, b, a.shape[-1], matmul, fallback=np.matmul)


def int64_by_float_limbs(a: np.ndarray, b: np.ndarray, terms: int, product, fallback=None) -> np.ndarray:
    """A bilinear ``product`` of int64 operands, exactly (modulo ``2**64``), through float64 limbs.

    ``product(a, b)`` must be a sum of at most ``terms`` products ``a[i] * b[j]`` per output
    (a matrix product, a convolution); computed on float64 limbs whose every such sum is below
    ``2**53`` it is exact in any summation order, and the limb results recombine with int64
    arithmetic modulo ``2**64`` (the module docstring): NumPy's int64 bits, exact where the
    result fits int64.

    Parameters
    ----------
    a, b : numpy.ndarray
        int64 operands.
    terms : int
        The most products summed into one output.
    product : callable
        ``product(a_limb, b_limb)`` on float64 arrays of ``a``'s and ``b``'s shapes.
    fallback : callable, optional
        Called as ``fallback(a, b)`` when no limbs fit (``-2**63`` entries, or more than
        ``2**51`` terms); ``product`` on the int64 operands when None.

    Returns
    -------
    numpy.ndarray
        ``product(a, b)`` as int64.

    Examples
    --------
    >>> a, b = np.array([[2**40 + 3, -7]]), np.array([[2**22 + 1], [5]])
    >>> int64_by_float_limbs(a, b, 2, np.matmul).tolist() == np.matmul(a, b).tolist()
    True
    """
    bits_a, bits_b = _magnitude_bits(a), _magnitude_bits(b)
    room = 53 - (terms - 1).bit_length()  # K * 2**(p+q) <= 2**53 with K <= 2**ceil(log2 K)
    if bits_a is None or bits_b is None or room < 2:
        return (fallback or product)(a, b)
    bits_a, bits_b = max(bits_a, 1), max(bits_b, 1)  # a zero operand still has one limb
    if bits_a + bits_b <= room:
        plan = (bits_a, 1, bits_b, 1)
    else:  # the widths p + q = room that need the fewest limb pairs (ties: fewer limbs of a)
        plan = min(
            ((p, -(-bits_a // p), room - p, -(-bits_b // (room - p))) for p in range(1, room)),
            key=lambda c: (c[1] * c[3], c[1]),
        )
    p, na, q, nb = plan
    a_limbs, b_limbs = _limbs(a, p, na), _limbs(b, q, nb)
    total = None
    for i, al in enumerate(a_limbs):
        for j, bl in enumerate(b_limbs):
            shift = p * i + q * j
            if shift >= 64:  # a multiple of 2**64: nothing modulo 2**64
                continue
            # Exact in float64, so exact in int64; then scaled and summed modulo 2**64 (uint64
            # arithmetic wraps without a warning), which is the exact result where it fits int64.
            part = product(al, bl).astype(np.int64).view(np.uint64)
            if shift:
                part = part * np.uint64(1 << shift)
            total = part if total is None else np.add(total, part, out=total)
    return total.view(np.int64)
