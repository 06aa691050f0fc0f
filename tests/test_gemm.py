"""refconv._gemm: BLAS products with the same bits on any number of threads."""

import hashlib
import os
import subprocess
import sys
import textwrap
import threading
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from threadpoolctl import threadpool_info, threadpool_limits

from refconv import _gemm
from refconv._gemm import BLOCK_COLUMNS, gemm_into, matmul, shifted_gemm_sum

# A shape where OpenBLAS 0.3.31 itself gives other bits on 1 and 2 threads (an odd column count
# puts the edge kernel where the thread split falls), and float32 with a wide reduction.
_SCRIPT = textwrap.dedent(
    """
    import hashlib, numpy as np
    from refconv._gemm import matmul
    rng = np.random.default_rng(3)
    parts = []
    for (m, k, n, dtype) in [(16, 288, 2401, np.float64), (64, 576, 3137, np.float32), (3, 5000, 1, np.float64)]:
        a, b = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((2, k, n)).astype(dtype)
        parts.append(matmul(a, b))
    print(hashlib.sha256(b"".join(p.tobytes() for p in parts)).hexdigest())
    """
)


def _digest(threads: str) -> str:
    env = dict(os.environ, OMP_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads, MKL_NUM_THREADS=threads)
    out = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_the_bits_do_not_depend_on_the_thread_count():
    assert len({_digest(t) for t in ("1", "2", "4")}) == 1


def test_the_bits_do_not_depend_on_threadpoolctl_limits_in_process():
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((16, 288)), rng.standard_normal((288, 2401))
    free = matmul(a, b)
    with threadpool_limits(1):
        one = matmul(a, b)
    assert free.tobytes() == one.tobytes()


def _blas_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_blas_limits_are_restored_after_nested_and_concurrent_calls():
    before = _blas_threads()
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((8, 300)), rng.standard_normal((300, 3 * BLOCK_COLUMNS + 7))
    expected = matmul(a, b).tobytes()
    results = []

    def work():
        for _ in range(5):
            results.append(matmul(a, b).tobytes())

    workers = [threading.Thread(target=work) for _ in range(4)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert results == [expected] * 20
    assert _blas_threads() == before
    assert _gemm._active == 0


def test_blocks_run_on_one_blas_thread_when_called_from_any_thread():
    # threadpoolctl 3.8 ignores a thread count set from any thread but the one that set it first
    # (while it lives): here the main thread holds OpenBLAS at 2 threads, and refconv runs its
    # blocks from another thread, which must still see one BLAS thread inside them.
    seen = []

    def block(_) -> None:
        seen.extend(_blas_threads())

    def call() -> None:
        _gemm.blocks_in_parallel([0, 1, 2, 3], block)

    with threadpool_limits(2):
        worker = threading.Thread(target=call)
        worker.start()
        worker.join()
        assert set(_blas_threads()) == {2}  # and restored, from that thread too
    assert seen and set(seen) == {1}


def test_tasks_run_on_as_many_threads_as_blas_allows():
    # Two tasks meet at a barrier, so they must run at once on two threads (one thread would
    # time out there); four tasks on two threads use exactly two, the caller's among them.
    barrier = threading.Barrier(2, timeout=20)

    def meet(seen: set) -> None:
        seen.add(threading.get_ident())
        barrier.wait()

    for count in (2, 4):
        seen = set()
        with threadpool_limits(2):
            _gemm.blocks_in_parallel([seen] * count, meet)
        assert len(seen) == 2 and threading.get_ident() in seen
    # One BLAS thread allowed: the caller runs every task.
    seen = set()
    with threadpool_limits(1):
        _gemm.blocks_in_parallel([0, 1, 2], lambda _: seen.add(threading.get_ident()))
    assert seen == {threading.get_ident()}


def test_helper_threads_take_the_callers_numpy_error_state():
    # NumPy's error state is per thread: a helper thread would otherwise warn (or not) about a
    # float overflow whatever the caller set.  Two tasks meet at a barrier, so both threads run
    # one, and each overflows float32 (3e38 * 10).
    barrier = threading.Barrier(2, timeout=20)
    big = np.float32(3e38)

    def overflow(seen: list) -> None:
        barrier.wait()
        seen.append((threading.get_ident(), np.multiply(big, np.float32(10))))

    for setting, expected in (("ignore", None), ("raise", FloatingPointError)):
        seen = []
        with threadpool_limits(2), np.errstate(over=setting), warnings.catch_warnings():
            warnings.simplefilter("error")
            if expected is None:
                _gemm.blocks_in_parallel([seen, seen], overflow)
                assert len({ident for ident, _ in seen}) == 2 and all(v == np.inf for _, v in seen)
            else:
                with pytest.raises(FloatingPointError, match="overflow"):
                    _gemm.blocks_in_parallel([seen, seen], overflow)
                assert seen == []
        barrier.reset()


def test_tasks_all_run_once_and_a_failure_stops_the_rest():
    ran = []
    _gemm.blocks_in_parallel(list(range(50)), ran.append)
    assert sorted(ran) == list(range(50))
    started = []

    def fail_at_3(task: int) -> None:
        started.append(task)
        if task == 3:
            raise RuntimeError("task 3 failed")

    with threadpool_limits(2), pytest.raises(RuntimeError, match="task 3 failed"):
        _gemm.blocks_in_parallel(list(range(1000)), fail_at_3)
    assert 3 in started and len(started) < 1000
    assert _gemm._active == 0


@given(
    st.integers(1, 4),
    st.integers(0, 6),
    st.integers(0, 2 * BLOCK_COLUMNS + 3),
    st.sampled_from([np.float32, np.float64, np.complex128]),
)
def test_it_is_matmul(m, k, n, dtype):
    # Entries are small integers, so every product and sum is exact in any order: the result must
    # equal NumPy's bit for bit, shape and dtype included, on every block layout.
    rng = np.random.default_rng(m * 1000 + k * 10 + n)
    a = rng.integers(-3, 4, (2, m, k)).astype(dtype)
    b = rng.integers(-3, 4, (k, n)).astype(dtype)
    got = matmul(a, b)
    assert got.dtype == np.matmul(a, b).dtype and got.shape == (2, m, n)
    assert np.array_equal(got, np.matmul(a, b))


def test_hand_computed_product_and_exact_dtypes_pass_through():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    b = np.array([[5.0, 6.0], [7.0, 8.0]])
    assert matmul(a, b).tolist() == [[19.0, 22.0], [43.0, 50.0]]
    ints = matmul(np.array([[2**40, 1]]), np.array([[2**20], [3]]))
    assert ints.dtype == np.int64 and ints.tolist() == [[2**60 + 3]]
    fractions = matmul(np.array([[Fraction(1, 3)]], dtype=object), np.array([[Fraction(3, 7)]], dtype=object))
    assert fractions.tolist() == [[Fraction(1, 7)]]


def test_the_digest_comparison_can_fail():
    # Negative control: BLAS on its own threads is not what matmul guarantees; two different
    # products must give different digests.
    a = np.array([[1.0, 2.0]])
    assert hashlib.sha256(matmul(a, a.T).tobytes()).digest() != hashlib.sha256(matmul(a, 2 * a.T).tobytes()).digest()


_WRAP = 2**64


def _wrapped(v: int) -> int:
    """``v`` modulo 2**64 as a signed int64 (what int64 arithmetic gives)."""
    v %= _WRAP
    return v - _WRAP if v >= 2**63 else v


# Values near the int64 limits and across every limb width (the plan cuts by bit length).
_NEAR_LIMITS = st.one_of(
    st.integers(-(2**63) + 1, 2**63 - 1),
    st.integers(-(2**31), 2**31),
    st.integers(-9, 9),
    st.sampled_from([2**62, -(2**62), 2**63 - 1, -(2**63) + 1, 2**53 + 1, -(2**53) - 1, 2**32, -1]),
)


@given(st.data(), st.integers(1, 3), st.integers(1, 40), st.integers(1, 3))
def test_int64_products_are_exact_modulo_2_64_near_the_limits(data, m, k, n):
    # Python ints are the brute force: the exact product reduced modulo 2**64 is what int64
    # arithmetic (numpy.matmul) gives, and equal to the exact product wherever that fits int64.
    a = data.draw(hnp.arrays(np.int64, (m, k), elements=_NEAR_LIMITS))
    b = data.draw(hnp.arrays(np.int64, (k, n), elements=_NEAR_LIMITS))
    exact = [[sum(int(a[i, t]) * int(b[t, j]) for t in range(k)) for j in range(n)] for i in range(m)]
    got = matmul(a, b)
    assert got.dtype == np.int64
    assert got.tolist() == [[_wrapped(v) for v in row] for row in exact]
    assert got.tolist() == np.matmul(a, b).tolist()


def test_int64_limb_plan_by_hand():
    # 2**40 + 3 needs 41 bits and 2**22 + 1 needs 23: with K = 2 the room is 53 - 1 = 52 bits,
    # 41 + 23 = 64 > 52, so both are cut; the exact product is (2**40+3)(2**22+1) - 35.
    a, b = np.array([[2**40 + 3, -7]]), np.array([[2**22 + 1], [5]])
    assert matmul(a, b).tolist() == [[(2**40 + 3) * (2**22 + 1) - 35]]
    # Small integers take one float64 GEMM: the limbs are the integers themselves.
    assert [x.tolist() for x in _gemm._limbs(np.array([3, -5]), 4, 1)] == [[3.0, -5.0]]
    # Three 2-bit limbs of -45 = -(1 + 3*4 + 2*16), each carrying the sign.
    assert [x.tolist() for x in _gemm._limbs(np.array([-45]), 2, 3)] == [[-1.0], [-3.0], [-2.0]]
    # A zero operand against a 62-bit one (41 + 62 bits would not fit): one limb of zeros.
    assert matmul(np.zeros((1, 2), np.int64), np.full((2, 1), 2**62 - 1)).tolist() == [[0]]
    # int64's minimum has no magnitude in int64: numpy.matmul computes it (same bits).
    assert matmul(np.array([[-(2**63), 1]]), np.array([[1], [2]])).tolist() == [[-(2**63) + 2]]


def test_a_forked_child_runs_products_on_its_own_pool():
    # The pool's threads do not survive fork: a child that reused the parent's pool object
    # would wait for workers that do not exist.  Each process computes the same bits.
    import multiprocessing

    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((8, 64)), rng.standard_normal((64, 4 * BLOCK_COLUMNS))
    parent = matmul(a, b).tobytes()  # starts the parent's pool
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        child = pool.apply_async(_product_bytes, (a, b)).get(timeout=60)
    assert child == parent


def _product_bytes(a, b):
    return matmul(a, b).tobytes()


# ---- gemm_into and shifted_gemm_sum: BLAS on views as they lie ---------------------------------


def _view(data, a: np.ndarray, name: str) -> np.ndarray:
    """``a``'s values as a view Hypothesis lays out: row-major or column-major, inside a larger
    array with extra rows and columns around it (so leading dimensions exceed the shape), and
    with any step along an axis of length 1 (a step never taken: BLAS must not be told it)."""
    m, n = a.shape
    top, left = data.draw(st.integers(0, 2), label=f"{name} top"), data.draw(st.integers(0, 3), label=f"{name} left")
    order = data.draw(st.sampled_from("CF"), label=f"{name} order")
    down = data.draw(st.integers(1, 3), label=f"{name} row step") if m == 1 else 1
    across = data.draw(st.integers(1, 3), label=f"{name} column step") if n == 1 else 1
    host = np.full(((m + top + 1) * down, (n + left + 2) * across), np.nan, dtype=a.dtype, order=order)
    # One step of 3 or more makes an axis of length 1 the one without a unit step.
    host = host[:, ::across] if across > 1 else host[::down] if down > 1 else host
    view = host[top : top + m, left : left + n]
    view[...] = a
    return view


@given(
    st.data(),
    st.integers(0, 5),
    st.integers(0, 6),
    st.integers(0, 5),
    st.sampled_from([np.float32, np.float64, np.complex64, np.complex128]),
    st.booleans(),
)
def test_gemm_into_is_the_product_on_any_layout(data, m, k, n, dtype, accumulate):
    # Small integers: every product and sum is exact, so BLAS must give NumPy's values exactly,
    # whatever the layout of the views and whether it adds into c (NaN padding around every view
    # shows any read or write outside it).
    rng = np.random.default_rng(m * 100 + k * 10 + n)
    a0, b0 = rng.integers(-3, 4, (m, k)).astype(dtype), rng.integers(-3, 4, (k, n)).astype(dtype)
    c0 = rng.integers(-3, 4, (m, n)).astype(dtype)
    a, b = _view(data, a0, "a"), _view(data, b0, "b")
    host = np.full((m + 2, n + 3), np.nan, dtype=dtype)
    c = host[1 : m + 1, 1 : n + 1]
    c[...] = c0
    assert gemm_into(a, b, c, accumulate=accumulate) is c
    expected = a0 @ b0 + (c0 if accumulate else 0)
    assert np.array_equal(c, expected)
    assert np.isnan(host[0]).all() and np.isnan(host[-1]).all() and np.isnan(host[:, [0, -1, -2]]).all()


def test_gemm_into_by_hand_and_its_errors():
    a, b = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[5.0, 6.0], [7.0, 8.0]])
    c = np.array([[1.0, 1.0], [1.0, 1.0]])
    assert gemm_into(a, b, c, accumulate=True).tolist() == [[20.0, 23.0], [44.0, 51.0]]
    assert gemm_into(a, b, c).tolist() == [[19.0, 22.0], [43.0, 50.0]]
    # No inner dimension: the product is zero, written or added.
    assert gemm_into(np.ones((2, 0)), np.ones((0, 2)), np.full((2, 2), 5.0)).tolist() == [[0.0, 0.0]] * 2
    assert (
        gemm_into(np.ones((2, 0)), np.ones((0, 2)), np.full((2, 2), 5.0), accumulate=True).tolist() == [[5.0] * 2] * 2
    )
    # One row of c: its row step is never taken and may be anything.
    row = np.empty((3, 1)).T  # (1, 3), strides (8, 8)
    assert gemm_into(np.ones((1, 2)), np.ones((2, 3)), row).tolist() == [[2.0, 2.0, 2.0]]
    expected = r"\['complex128', 'complex64', 'float32', 'float64'\]"
    with pytest.raises(
        TypeError, match=r"gemm_into: dtypes a=float16, b=float16, c=float16; expected one of " + expected
    ):
        gemm_into(a.astype(np.float16), b.astype(np.float16), c.astype(np.float16))
    with pytest.raises(TypeError, match=r"gemm_into: dtypes a=float32, b=float64, c=float64; expected one of"):
        gemm_into(a.astype(np.float32), b, c)
    with pytest.raises(TypeError, match=r"gemm_into: dtypes a=float64, b=float32, c=float64; expected one of"):
        gemm_into(a, b.astype(np.float32), c)
    misaligned = np.ndarray((2, 2), dtype=np.float64, buffer=np.zeros(64, np.uint8), strides=(20, 8))
    with pytest.raises(
        ValueError, match=r"gemm_into: c has strides \(20, 8\); expected rows of at least 2 items apart"
    ):
        gemm_into(a, b, misaligned)
    with pytest.raises(ValueError, match=r"gemm_into: shapes a=\(2, 2\), b=\(3, 2\), c=\(2, 2\); expected \(m, k\)"):
        gemm_into(a, np.ones((3, 2)), c)
    with pytest.raises(ValueError, match=r"gemm_into: a has strides \(32, 16\); expected a unit step along one axis"):
        gemm_into(np.ones((2, 4))[:, ::2], b, c)
    with pytest.raises(ValueError, match=r"gemm_into: c has strides \(8, 16\); expected a writeable array"):
        gemm_into(a, b, np.ones((2, 2)).T)


@given(
    st.data(),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(1, 5),
    st.sampled_from([np.float32, np.float64, np.float16]),
)
def test_shifted_gemm_sum_is_the_sum_of_the_shifted_products(data, terms, m, k, dtype):
    # The sum of a[t] @ b[:, o_t : o_t + n] over Hypothesis's offsets, exactly (small integers);
    # float16 takes NumPy's loops and must agree too.
    width = data.draw(st.integers(1, 12), label="b columns")
    n = data.draw(st.integers(0, width), label="n")
    offsets = data.draw(st.lists(st.integers(0, width - n), min_size=terms, max_size=terms), label="offsets")
    rng = np.random.default_rng(terms * 1000 + m * 100 + k * 10 + width)
    a, b0 = rng.integers(-3, 4, (terms, m, k)).astype(dtype), rng.integers(-3, 4, (k, width)).astype(dtype)
    b = _view(data, b0, "b")
    got = shifted_gemm_sum(a, b, offsets, np.full((m, n), np.nan, dtype=dtype))
    expected = sum(a[t].astype(np.float64) @ b0[:, o : o + n].astype(np.float64) for t, o in enumerate(offsets))
    assert got.dtype == dtype and np.array_equal(got, expected)


def test_single_rows_and_columns_with_no_unit_step_are_read_by_their_real_steps():
    # A (3, 1) column of a (6, 10) array taken every 2 rows and 3 columns has strides (160, 24):
    # neither is a unit step, but the column step is never taken, so it is row-major with rows
    # 20 items apart (not 1: reading it so took the wrong cells).  A (1, 4) row of it is
    # column-major.  Two axes without a unit step are refused.
    host = np.arange(60.0).reshape(6, 10)
    column, row = host[::2, ::3][:, :1], host[::2, ::3][:1, :]
    assert column.strides == (160, 24) and column.ravel().tolist() == [0.0, 20.0, 40.0]
    b = np.arange(4.0).reshape(1, 4)
    assert gemm_into(column, b, np.empty((3, 4))).tolist() == [[0.0] * 4, [0.0, 20, 40, 60], [0.0, 40, 80, 120]]
    assert gemm_into(np.ones((2, 1)), row, np.empty((2, 4))).tolist() == [[0.0, 3, 6, 9]] * 2
    with pytest.raises(ValueError, match=r"gemm_into: a has strides \(160, 16\); expected a unit step along one axis"):
        gemm_into(host[::2, ::2], np.ones((5, 1)), np.empty((3, 1)))
    with pytest.raises(ValueError, match=r"gemm_into: b has strides \(0, 8\); expected a unit step"):
        gemm_into(np.ones((2, 4)), np.broadcast_to(np.ones(3), (4, 3)), np.empty((2, 3)))


def test_operands_exactly_as_wide_as_their_rows_and_overlapping_ones():
    # Contiguous operands have leading dimensions exactly their row (or column) length, which
    # BLAS accepts; views whose rows (or columns) overlap are refused before BLAS sees them.
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    expected = (a @ b).tolist()
    for left in (a, np.asfortranarray(a)):
        for right in (b, np.asfortranarray(b)):
            assert gemm_into(left, right, np.empty((2, 4))).tolist() == expected
    overlapping_rows = np.lib.stride_tricks.as_strided(np.arange(6.0), (3, 2), (8, 8))
    with pytest.raises(ValueError, match=r"gemm_into: a has strides \(8, 8\); expected a unit step along one axis"):
        gemm_into(overlapping_rows, np.ones((2, 2)), np.empty((3, 2)))
    overlapping_output = np.lib.stride_tricks.as_strided(np.zeros(6), (2, 3), (8, 8))
    with pytest.raises(ValueError, match=r"gemm_into: c has strides \(8, 8\); expected rows of at least 3 items apart"):
        gemm_into(np.ones((2, 2)), np.ones((2, 3)), overlapping_output)
    overlapping_columns = np.lib.stride_tricks.as_strided(np.arange(6.0), (2, 3), (8, 8))
    with pytest.raises(ValueError, match=r"gemm_into: b has strides \(8, 8\); expected a unit step along one axis"):
        gemm_into(np.ones((2, 2)), overlapping_columns, np.empty((2, 3)))


def test_dimensions_past_the_blas_integers_are_refused(monkeypatch):
    # Each of m, n, k and the three leading dimensions is checked against the BLAS's integer
    # type (C int for SciPy's cython_blas); an 8-bit one makes 128 the limit here.
    routine = _gemm._routine(np.dtype(np.float64))[0]
    monkeypatch.setattr(_gemm, "_routine", lambda dtype: (routine, _gemm.ctypes.c_int8))
    big = np.ones((128, 2))
    for a, b, c in [
        (big, np.ones((2, 1)), np.empty((128, 1))),  # m
        (np.ones((1, 2)), big.T, np.empty((1, 128))),  # n
        (np.ones((2, 128), order="F"), np.ones((128, 1)), np.empty((2, 1))),  # k (no leading dimension is)
        (np.ones((2, 200))[:, :2], np.ones((2, 1)), np.empty((2, 1))),  # lda (a's rows 200 apart)
        (np.ones((1, 2)), np.ones((2, 200))[:, :1], np.empty((1, 1))),  # ldb
        (np.ones((2, 2)), np.ones((2, 1)), np.empty((2, 200))[:, :1]),  # ldc
    ]:
        with pytest.raises(ValueError, match=r"gemm_into: shapes .* with dimensions past the BLAS's integers"):
            gemm_into(a, b, c)


def test_shifted_gemm_sum_edges():
    # Empty sums and zero-size products with more than one term: the result is written (zeros
    # where k = 0) and nothing else is touched.  float16 runs NumPy's loops, and inf * 0 is NaN
    # there as in BLAS, with no warning.
    for m, k, n in [(0, 2, 3), (2, 0, 3), (2, 2, 0)]:
        c = np.full((m, n), 7.0)
        got = shifted_gemm_sum(np.ones((2, m, k)), np.ones((k, 5)), [0, 1], c)
        assert got is c and got.tolist() == np.zeros((m, n)).tolist()
    a = np.array([[[0.0]], [[1.0]]], dtype=np.float16)
    b = np.array([[np.inf, 65504.0, 1.0]], dtype=np.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = shifted_gemm_sum(a, b, [0, 1], np.empty((1, 2), np.float16))
    assert np.isnan(got[0, 0]) and got[0, 1] == 1.0  # by hand: 0 * [inf, 65504] + 1 * [65504, 1]
    c16 = np.empty((1, 1), np.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        shifted_gemm_sum(
            np.array([[[65504.0]], [[65504.0]]], dtype=np.float16), np.array([[2.0, 1.0]], np.float16), [0, 1], c16
        )
    assert c16[0, 0] == np.inf  # 65504 * 2 overflows to inf


def test_shifted_gemm_sum_by_hand_and_its_errors():
    b = np.arange(10.0).reshape(2, 5)  # [[0..4], [5..9]]
    a = np.array([[[1.0, 0.0]], [[0.0, 1.0]], [[1.0, 1.0]]])
    # Row 0 at offset 0, row 1 at offset 3, both rows at offset 1: [0,1] + [8,9] + [1+6, 2+7].
    assert shifted_gemm_sum(a, b, [0, 3, 1], np.empty((1, 2))).tolist() == [[15.0, 19.0]]
    with pytest.raises(ValueError, match=r"offsets=\[0, 4, 1\] with n=2; expected runs inside b's 5 columns"):
        shifted_gemm_sum(a, b, [0, 4, 1], np.empty((1, 2)))
    with pytest.raises(ValueError, match=r"shapes a=\(3, 1, 2\), b=\(2, 5\), c=\(1, 2\), 2 offsets"):
        shifted_gemm_sum(a, b, [0, 1], np.empty((1, 2)))
    with pytest.raises(ValueError, match=r"shapes a=\(3, 1, 2\), b=\(3, 5\), c=\(1, 2\), 3 offsets"):
        shifted_gemm_sum(a, np.ones((3, 5)), [0, 1, 2], np.empty((1, 2)))
    with pytest.raises(ValueError, match=r"shapes a=\(3, 1, 2\), b=\(2, 5\), c=\(2, 2\), 3 offsets"):
        shifted_gemm_sum(a, b, [0, 1, 2], np.empty((2, 2)))
    with pytest.raises(ValueError, match=r"offsets=\[0, -1, 1\] with n=2; expected runs inside b's 5 columns"):
        shifted_gemm_sum(a, b, [0, -1, 1], np.empty((1, 2)))
    with pytest.raises(ValueError, match=r"a has strides \(48, 8, 24\); expected C-contiguous"):
        shifted_gemm_sum(np.ones((1, 2, 3)).transpose(0, 2, 1), np.ones((2, 5)), [0], np.empty((3, 2)))


def test_without_numpys_blas_symbols_scipys_blas_computes_the_same(monkeypatch):
    # Where NumPy's OpenBLAS does not export scipy_<name>_64_ (another build of NumPy), the
    # routines come from scipy.linalg.cython_blas (C int arguments): same values, by hand.
    def no_library(*args, **kwargs):
        raise OSError("not this build")

    monkeypatch.setattr(_gemm, "_routines", {})
    monkeypatch.setattr(_gemm.ctypes, "CDLL", no_library)
    for dtype in (np.float32, np.float64, np.complex64, np.complex128):
        assert _gemm._routine(np.dtype(dtype))[1] is _gemm.ctypes.c_int
        a, b = np.array([[1, 2], [3, 4]], dtype=dtype), np.array([[5, 6], [7, 8]], dtype=dtype)
        assert gemm_into(a, b, np.ones((2, 2), dtype=dtype), accumulate=True).tolist() == [[20, 23], [44, 51]]
        b2 = np.arange(10, dtype=dtype).reshape(2, 5)
        assert shifted_gemm_sum(a[None, :1], b2, [2], np.empty((1, 3), dtype=dtype)).tolist() == [[16, 19, 22]]
