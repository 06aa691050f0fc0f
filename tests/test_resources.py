"""Resource guards, degenerate inputs and determinism.

* **Guards**: a call that would allocate past a documented budget (``refconv.spec.CELL_LIMIT``
  for padded inputs, outputs, transposed grids and matrix index tables; ``DENSE_LIMIT``,
  ``SYMPY_LIMIT``, ``EIGEN_LIMIT`` of :mod:`refconv.matrices`; ``POWER_BITS_LIMIT`` of exact Lp
  pooling) is refused at once, the size in the message, and ``tracemalloc`` shows that the refusal
  itself allocates almost nothing.  Raising the limit is how a caller asks for more.
* **Degenerate inputs**: zero-size axes, 1x1 kernels, a kernel as large as the input, a stride
  larger than the input — a defined result, equal to torch's or SciPy's where they define one,
  or a clear error.
* **Determinism**: the same inputs give bit-identical results across runs, across the exact
  methods, and across BLAS/OpenMP thread counts (fresh interpreters with 1 and 2 threads).
* Known bugs found by the fuzz in modules other engineers own, as strict xfails.
"""

from __future__ import annotations

import hashlib
import math
import os
import subprocess
import sys
import textwrap
import time
import tracemalloc
import warnings
from fractions import Fraction

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import refconv
from refconv import spec
from refconv.pooling import POWER_BITS_LIMIT

# ============================================================================================
# Guards: refused at once, with the size, allocating almost nothing

_BIG = np.ones(10**6)  # the operand of the brief's example, allocated before measuring

GUARDED = [
    pytest.param(
        lambda: refconv.correlate(_BIG, np.ones(2), mode="full", dilation=10**9),
        r"mode='full' needs a padded input of shape \(2001000000,\), 2,001,000,000 cells.*CELL_LIMIT",
        # padded: n + 2*d*(k-1) = 10**6 + 2*10**9 cells of float64
        8 * (10**6 + 2 * 10**9),
        id="correlate-full-dilated",
    ),
    pytest.param(
        lambda: refconv.convolve([1, 2, 3], [1, 1], mode=10**12),
        r"mode=1000000000000 needs a padded input of shape \(2000000000003,\)",
        8 * (2 * 10**12 + 3),
        id="convolve-huge-pad",
    ),
    pytest.param(
        lambda: refconv.conv(np.ones((1, 1, 8)), np.ones((1, 1, 3)), padding="same", dilation=10**9),
        r"padding='same' needs a padded input of shape \(1, 1, 2000000008\)",
        8 * (8 + 2 * 10**9),
        id="conv-same-dilated",
    ),
    pytest.param(
        lambda: refconv.conv_transpose(np.ones((1, 1, 3)), np.ones((1, 1, 2)), stride=10**9),
        # the stride-dilated grid: (m-1)*s + 1 = 2*10**9 + 1 cells
        r"stride=1000000000 needs a stride-dilated input of shape \(1, 1, 2000000001\)",
        8 * (2 * 10**9 + 1),
        id="conv-transpose-stride",
    ),
    pytest.param(
        lambda: refconv.conv_transpose(np.ones((1, 1, 3)), np.ones((1, 1, 2)), dilation=10**9),
        # the adjoint pads d*(k-1) on both sides of the 3 cells
        r"dilation=1000000000 needs a padded input of shape \(1, 1, 2000000003\)",
        8 * (2 * 10**9 + 3),
        id="conv-transpose-dilation",
    ),
    pytest.param(
        lambda: refconv.conv_matrix(np.ones(2), (10**5,)),
        # (10**5 - 1) x 10**5 float64 entries
        r"format='dense' would build a 99,999 x 100,000 matrix of 9,999,900,000 entries.*DENSE_LIMIT.*"
        r"format=\"sparse\", which stores 199,998 entries",
        8 * 99_999 * 10**5,
        id="conv-matrix-dense",
    ),
    pytest.param(
        lambda: refconv.conv_matrix(np.ones(2), (2000,), format="sympy"),
        r"format='sympy' would build a 1,999 x 2,000 matrix of 3,998,000 entries.*SYMPY_LIMIT",
        8 * 1999 * 2000,
        id="conv-matrix-sympy",
    ),
    pytest.param(
        lambda: refconv.conv_matrix(np.ones(3), (10**9,), format="sparse"),
        r"input_shape=\(1000000000,\) needs an index table \(outputs x taps\) of shape \(999999998, 3\)",
        3 * 8 * 3 * (10**9 - 2),
        id="conv-matrix-sparse",
    ),
    pytest.param(
        lambda: refconv.correlate(np.ones(20000), np.ones(3), method="dense"),
        r"method='dense' would build a 19,998 x 20,000 matrix of 399,960,000 entries.*method=\"sparse\" or \"direct\"",
        8 * 19_998 * 20_000,
        id="correlate-method-dense",
    ),
    pytest.param(
        lambda: refconv.conv_cost((10**9,), (10**3,)),
        r"input_shape=\(1000000000,\) needs an index table on axis 0 of shape \(999999001, 1000\)",
        8 * (10**9 - 999) * 10**3,
        id="conv-cost",
    ),
    pytest.param(
        lambda: refconv.circulant_eigenvalues([1, 2], (1000,)),
        r"exact=True would need 1,000,000 exact SymPy terms.*EIGEN_LIMIT",
        8 * 10**6,
        id="eigenvalues-exact",
    ),
    pytest.param(
        lambda: refconv.circulant_eigenvalues(np.ones(3), (10**9,), exact=False),
        r"input_shape=\(1000000000,\) needs an index table \(outputs x taps\) of shape \(1000000000, 3\)",
        16 * 10**9,
        id="eigenvalues-fft",
    ),
    pytest.param(
        lambda: refconv.lp_pool([2, 3], 10**7, 1),
        # 3 = 0b11 has 2 bits: 3**(10**7) has about 2 * 10**7 bits
        r"p=10000000 is exactly 10000000/1.*about 20,000,000 bits.*POWER_BITS_LIMIT",
        2 * 10**7 // 8,
        id="lp-pool-exact-power",
    ),
    pytest.param(
        lambda: refconv.lp_pool([4, 4], 1e-300, 2),
        r"p=1e-300 is exactly a/b with 53-bit a and 1050-bit b",
        2**60,
        id="lp-pool-tiny-p",
    ),
]


@pytest.mark.performance_contract
@pytest.mark.parametrize(("call", "match", "refused_bytes"), GUARDED)
def test_a_refusal_is_immediate_names_the_size_and_allocates_almost_nothing(call, match, refused_bytes):
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ValueError, match=match):
            call()
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 1.0, elapsed
    # At most 8 MB (a dense refusal counts the sparse alternative's entries), and a tiny fraction
    # of what the call would have allocated (a hundredth).
    assert peak < 8 * 2**20, peak
    assert peak < refused_bytes / 100, (peak, refused_bytes)


def test_asking_for_more_raises_the_limit(monkeypatch):
    # x of 5 cells, 'full' with k=2 pads 1+1: padded 7 = 5 + 2 operands' cells... the limit counts
    # cells beyond the operands' own (5 + 2 = 7): 7 cells fit in a zero budget, 9 do not.
    monkeypatch.setattr(spec, "CELL_LIMIT", 0)
    assert refconv.correlate([1, 2, 3, 4, 5], [1, 1], mode="full").tolist() == [1, 3, 5, 7, 9, 5]
    with pytest.raises(ValueError, match=r"mode=2 needs a padded input of shape \(9,\), 9 cells"):
        refconv.correlate([1, 2, 3, 4, 5], [1, 1], mode=2)
    monkeypatch.setattr(spec, "CELL_LIMIT", 2)
    assert refconv.correlate([1, 2, 3, 4, 5], [1, 1], mode=2).tolist() == [0, 1, 3, 5, 7, 9, 5, 0]


def test_exact_lp_pool_within_the_power_budget_is_computed():
    # (3**3 + 4**3)**(1/3) = 91**(1/3), exactly; p = Fraction(1, 2): (sqrt 4 + sqrt 9)**2 = 25.
    import sympy

    assert refconv.lp_pool([3, 4], 3, 2)[0] == sympy.Integer(91) ** sympy.Rational(1, 3)
    assert refconv.lp_pool([4, 9], Fraction(1, 2), 2)[0] == 25
    # The budget counts max(numerator, denominator) times the bits of the largest |v|.
    p = POWER_BITS_LIMIT // 2  # |v| = 3 has 2 bits: exactly at the limit, computed
    assert refconv.lp_pool([1, 0], p, 2)[0] == 1
    with pytest.raises(ValueError, match="POWER_BITS_LIMIT"):
        refconv.lp_pool([3, 0], p + 1, 2)


# ============================================================================================
# Degenerate inputs


def test_zero_size_operands_are_refused_like_scipy():
    with pytest.raises(ValueError, match=r"correlate: x.shape=\(0,\) has a length 0 < 1"):
        refconv.correlate(np.zeros(0), [1.0])
    with pytest.raises(ValueError), warnings.catch_warnings():  # SciPy: "a cannot be empty"
        warnings.simplefilter("ignore", RuntimeWarning)  # its method chooser takes log(0) first
        scipy.signal.correlate(np.zeros(0), [1.0])
    with pytest.raises(ValueError, match=r"max_pool: x.shape\[axes\]=\(0,\) has a length 0"):
        refconv.max_pool(np.zeros((2, 0)), 1)
    with pytest.raises(ValueError, match=r"global_avg_pool: x=.* has length 0 on pooled axis 1"):
        refconv.global_avg_pool(np.zeros((2, 0)))


def test_an_empty_batch_gives_an_empty_batch_of_the_right_shape_as_torch():
    torch = pytest.importorskip("torch")
    x, w = np.zeros((0, 2, 5)), np.ones((3, 2, 2))
    y = refconv.conv(x, w, padding=1)
    assert y.shape == tuple(torch.nn.functional.conv1d(torch.zeros(0, 2, 5), torch.ones(3, 2, 2), padding=1).shape)
    assert y.shape == (0, 3, 5 + 2 - 2 + 1)
    assert refconv.conv_transpose(np.zeros((0, 2, 5)), np.ones((2, 3, 2)), stride=2).shape == (0, 3, (5 - 1) * 2 + 2)
    assert refconv.max_pool(np.zeros((0, 4)), 2).shape == (0, 2)


def test_a_one_by_one_kernel_scales_and_mixes_channels():
    x = np.arange(12).reshape(3, 4)
    assert (refconv.correlate(x, [[5]]) == 5 * x).all()
    assert (refconv.convolve(x, [[-2]], mode="full") == -2 * x).all()
    # conv with a (C_out, C_in, 1, 1) weight: y[c] = sum_i w[c, i] x[i] at every pixel.
    xs = np.arange(2 * 3 * 4).reshape(1, 2, 3, 4)
    w = np.array([[1, 2], [3, -1], [0, 1]]).reshape(3, 2, 1, 1)
    expected = np.stack([xs[0, 0] + 2 * xs[0, 1], 3 * xs[0, 0] - xs[0, 1], xs[0, 1]])[None]
    assert (refconv.conv(xs, w) == expected).all()


@pytest.mark.parametrize("mode", ["valid", "same", "full"])
def test_a_kernel_as_large_as_the_input_agrees_with_scipy(mode):
    x, w = np.array([1, 2, 3, 4]), np.array([1, -1, 2, 5])
    expected = {"valid": [1 - 2 + 6 + 20], "full": None, "same": None}[mode]
    got = refconv.correlate(x, w, mode=mode)
    assert got.tolist() == scipy.signal.correlate(x, w, mode=mode).tolist()
    if expected is not None:
        assert got.tolist() == expected
    assert got.shape == {"valid": (1,), "same": (4,), "full": (7,)}[mode]


def test_a_kernel_larger_than_the_input_is_an_error_not_a_swap():
    with pytest.raises(ValueError, match="did you swap x and w"):
        refconv.correlate([1, 2], [1, 2, 3])
    # SciPy swaps the operands silently in "valid" mode; refconv refuses instead (README).
    assert scipy.signal.correlate([1, 2], [1, 2, 3], mode="valid").shape == (2,)


def test_a_stride_larger_than_the_input_gives_one_output_as_torch():
    torch = pytest.importorskip("torch")
    x, w = np.array([[[1.0, 2.0, 3.0, 4.0, 5.0]]]), np.array([[[1.0, 10.0]]])
    y = refconv.conv(x, w, stride=10)
    assert y.tolist() == [[[1.0 + 20.0]]]
    assert y.tolist() == torch.nn.functional.conv1d(torch.tensor(x), torch.tensor(w), stride=10).tolist()
    assert refconv.correlate([1, 2, 3], [1, 1], stride=99).tolist() == [3]
    pooled = refconv.max_pool(x, 2, stride=10)
    assert pooled.tolist() == torch.nn.functional.max_pool1d(torch.tensor(x), 2, stride=10).tolist() == [[[2.0]]]


def test_a_window_as_large_as_the_input_is_the_global_pool():
    x = np.array([[3, 1], [4, 1], [5, 9]])
    assert refconv.max_pool(x, (3, 2)).tolist() == refconv.global_max_pool(x).tolist() == [[9]]
    assert refconv.avg_pool(x, (3, 2))[0, 0] == Fraction(3 + 1 + 4 + 1 + 5 + 9, 6)


# ============================================================================================
# Determinism

_FLOATS = hnp.arrays(
    np.float64, st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(3, 9)), elements=st.floats(-1e3, 1e3)
)


@given(_FLOATS, st.integers(1, 3))
def test_repeated_float_calls_are_bit_identical(x, k):
    w = np.linspace(-1.5, 2.5, x.shape[1] * 2 * min(k, x.shape[2])).reshape(2, x.shape[1], -1)
    first = refconv.conv(x, w, method="direct")
    for _ in range(2):
        again = refconv.conv(x, w, method="direct")
        assert first.tobytes() == again.tobytes()
    plain = x[0, 0]
    assert refconv.correlate(plain, w[0, 0]).tobytes() == refconv.correlate(plain.copy(), w[0, 0].copy()).tobytes()


@given(
    hnp.arrays(np.int64, st.tuples(st.integers(2, 6), st.integers(2, 6)), elements=st.integers(-50, 50)),
    hnp.arrays(np.int64, (2, 2), elements=st.integers(-9, 9)),
    st.sampled_from(["valid", "same", "full"]),
    st.sampled_from(refconv.BOUNDARIES),
)
def test_exact_methods_agree_bit_for_bit(x, w, mode, boundary):
    results = [refconv.correlate(x, w, mode=mode, boundary=boundary, method=m) for m in ("direct", "dense", "sparse")]
    for other in results[1:]:
        assert other.dtype == results[0].dtype and other.tolist() == results[0].tolist()
    # Fractions: the same on every method, and (linearity) a third of the integer result.
    fractions = x.astype(object) * Fraction(1, 3)
    exact = [refconv.correlate(fractions, w, mode=mode, boundary=boundary, method=m) for m in ("direct", "sparse")]
    assert exact[0].tolist() == exact[1].tolist() == [[Fraction(v, 3) for v in r] for r in results[0].tolist()]


_THREADED = textwrap.dedent(
    """
    import hashlib, numpy as np, refconv
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4, 16, 24, 24))
    w = rng.standard_normal((32, 16, 3, 3))
    parts = [refconv.conv(x, w, padding=1, method="direct"), refconv.conv(x, w, padding=1, method="fft"),
             refconv.correlate(x[0, 0], w[0, 0], mode="same"), refconv.conv_transpose(x, w.swapaxes(0, 1), stride=2)]
    # float32 in several tasks of output rows (methods/direct.py)
    x32 = rng.standard_normal((1, 64, 150, 150), dtype=np.float32)
    w32 = rng.standard_normal((64, 64, 3, 3), dtype=np.float32)
    parts.append(refconv.conv(x32, w32, padding=1, dilation=(1, 2)))
    parts.append(refconv.conv(x32, w32, padding=1, stride=2))  # im2col in tasks of rows
    # depthwise: one-channel slabs as tasks, float32 and float64, stride 1 (flat) and 2
    dw_x, dw_w = rng.standard_normal((2, 64, 60, 60)), rng.standard_normal((64, 1, 3, 3))  # 2 to 4 slabs
    for dtype in (np.float32, np.float64):
        for stride in (1, 2):
            parts.append(refconv.conv(dw_x.astype(dtype), dw_w.astype(dtype), padding=1, groups=64, stride=stride))
    # pooling: slabs of planes as tasks (pooling/_windows.py), a -0.0 and a NaN among them
    px = rng.standard_normal((4, 64, 64, 64)).astype(np.float32)  # 2 slabs of SLAB_CELLS or more
    px[1, 3, 5, 5], px[2, 7, 0, 0], px[3, 1, 2, 3] = -0.0, np.nan, 0.0
    parts += [refconv.avg_pool(px, (2, 2)), refconv.max_pool(px, (3, 3), stride=2, padding=1),
              refconv.avg_pool(px, (3, 3), stride=1, padding=1, count_include_pad=False),
              refconv.lp_pool(px, 2, (2, 2))]
    # every method, on a layer small enough for the dense matrix
    small_x, small_w = x[:2, :6, :9, :11], w[:5, :6, :3, :2]
    for method in ("direct", "dense", "sparse", "fft"):
        parts += [refconv.conv(small_x, small_w, padding=1, method=method),
                  refconv.conv_transpose(small_x, small_w.swapaxes(0, 1), stride=2, method=method)]
    print(hashlib.sha256(b"".join(p.tobytes() for p in parts)).hexdigest())
    """
)


def test_results_do_not_depend_on_the_thread_count():
    digests = set()
    for threads in ("1", "2", "4"):
        env = dict(os.environ, OMP_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads, MKL_NUM_THREADS=threads)
        out = subprocess.run([sys.executable, "-c", _THREADED], env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        digests.add(out.stdout.strip())
    assert len(digests) == 1, digests
    # ...and equal to this process's own computation (its thread count is whatever it is).
    local = {}
    exec(_THREADED.replace("print(", "local['digest'] = ("), {"local": local})
    assert digests == {local["digest"]}


def test_the_digest_check_can_fail():
    # Negative control for the thread test: a one-ulp change changes the digest.
    a = np.array([1.0, 2.0])
    b = np.nextafter(a, 3.0)
    assert hashlib.sha256(a.tobytes()).hexdigest() != hashlib.sha256(b.tobytes()).hexdigest()


# ============================================================================================
# Bugs the fuzz found (once strict xfails; fixed): each names its parameter now


def test_error_bound_without_operands_names_the_arguments():
    with pytest.raises(
        TypeError, match=r"^error_bound: x=None is missing; expected op='avg_pool' called with x, kernel_size"
    ):
        refconv.error_bound(op="avg_pool", dtype=np.float32)


def test_exact_with_a_none_operand_names_it():
    with pytest.raises(TypeError, match=r"^exact: x=None is missing; expected op='conv' called with x, w \(and bias\)"):
        refconv.exact("conv", None, dtype=np.float32)
    with pytest.raises(TypeError, match=r"^exact: w=None is missing"):
        refconv.exact("correlate", np.ones(3), None)
    # A keyword operand counts: avg_pool's kernel_size may be named.
    assert refconv.exact("avg_pool", np.array([1.0, 2.0]), kernel_size=2).tolist() == [1.5]


def test_assert_conforms_without_operands_names_them():
    with pytest.raises(TypeError, match=r"^assert_conforms: x=None is missing"):
        refconv.assert_conforms(None, "conv")


def test_shape_functions_name_their_shape_parameters():
    with pytest.raises(
        ValueError, match=r"^locally_connected_weight_shape: kernel_shape \(6,\) does not fit input_shape"
    ):
        refconv.locally_connected_weight_shape((5,), (6,))
    with pytest.raises(ValueError, match=r"^conv_cost: kernel_shape \(6,\) does not fit input_shape \(5,\)"):
        refconv.conv_cost((5,), (6,))
    with pytest.raises(ValueError, match=r"^output_shape: .*\(did you swap input_shape and kernel_shape\?\)"):
        refconv.output_shape((5,), (6,), padding=0)
    with pytest.raises(ValueError, match=r"^conv_matrix: w shape \(6,\) does not fit input_shape \(5,\)"):
        refconv.conv_matrix(np.ones(6), (5,))


def test_output_shape_refuses_shapes_of_different_ranks_in_either_convention():
    # The layer convention once zipped (5,) with (2, 3) and answered (4,).
    for geometry in ({"padding": 0}, {"mode": "valid"}):
        with pytest.raises(
            ValueError, match=r"^output_shape: kernel_shape=\(2, 3\) has 2 axes but input_shape=\(5,\) has 1"
        ):
            refconv.output_shape((5,), (2, 3), **geometry)


#: A stride past int64 with one output (or a dilation with one tap) moves nothing, and once
#: overflowed NumPy's index arrays.  Each call's single output is the stride-1 first output.
_HUGE = [2**63, 2**64 + 1]
_ONE_OUTPUT = {
    "correlate": (lambda s: refconv.correlate([0, 1, 2, 3], [1, 2], stride=s), [0 * 1 + 1 * 2]),
    "correlate-sparse": (lambda s: refconv.correlate([0, 1, 2, 3], [1, 2], stride=s, method="sparse"), [2]),
    "correlate-dense": (lambda s: refconv.correlate([0, 1, 2, 3], [1, 2], stride=s, method="dense"), [2]),
    "max_pool": (lambda s: refconv.max_pool(np.array([0, 1, 2, 3]), 2, stride=s), [1]),
    "max_pool-indices": (lambda s: refconv.max_pool(np.array([0, 1, 2, 3]), 2, stride=s, return_indices=True)[1], [1]),
    "avg_pool": (lambda s: refconv.avg_pool(np.array([0, 1, 2, 3]), 2, stride=s), [Fraction(0 + 1, 2)]),
    "lp_pool": (lambda s: refconv.lp_pool(np.array([3, 4, 2, 3]), 2, 2, stride=s), [5]),
    "weighted_pool": (
        lambda s: refconv.weighted_pool(np.array([0, 1, 2, 3]), 2, lambda d: 1, stride=s),
        [Fraction(1, 2)],
    ),
    "conv_matrix": (
        lambda s: refconv.conv_matrix(np.array([1, 2]), (4,), stride=s, format="sparse").toarray()[0],
        [1, 2, 0, 0],
    ),
    "conv_cost": (lambda s: list(refconv.conv_cost((4,), (2,), stride=s).output_shape), [1]),
    "correlate-dilation": (lambda s: refconv.correlate([1, 2, 3], [5], dilation=s), [5, 10, 15]),
}


@pytest.mark.parametrize("stride", _HUGE)
@pytest.mark.parametrize("name", sorted(_ONE_OUTPUT))
def test_a_stride_past_int64_gives_the_single_output(name, stride):
    call, expected = _ONE_OUTPUT[name]
    assert np.asarray(call(stride)).tolist() == expected


def test_receptive_fields_are_exact_past_int64_and_refuse_huge_tables():
    # Layer 1: kernel 2, stride 2**63 (unit u reads cells u*2**63 + {0, 1}); layer 2 reads units 0, 1.
    rf = refconv.receptive_field([(2, 2**63), (2, 1)])
    assert rf.offsets == ((0, 1, 2**63, 2**63 + 1),)
    assert (rf.size, rf.jump, rf.start) == ((2**63 + 2,), (2**63,), (0,))
    assert refconv.receptive_field([(1, 1, 2**64 + 1)]).size == (1,)  # one tap: the dilation moves nothing
    with pytest.raises(ValueError, match=r"^receptive_field: layers=\[\(1000000000,\)\] needs a table of cells x taps"):
        refconv.receptive_field([(10**9,)])


# ============================================================================================
# One memory budget for every path (issue 21): FFT, direct, exact, broadcast views

from refconv.methods import _rational, check_budget, choose_method, fft, working_set  # noqa: E402

_RLIMIT_LAYER = textwrap.dedent(
    """
    import resource, sys
    limit = int(sys.argv[1]) << 30
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import numpy as np, refconv
    c, k, n, method = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    x = np.ones((1, c, n, n), dtype=np.float32)
    w = np.ones((c, c, k, k), dtype=np.float32) / (c * k * k)
    try:
        y = refconv.conv(x, w, padding=k // 2, method=method)
    except ValueError as exc:
        print("refused", exc)
    else:
        # Away from the border every output sums c*k*k ones times 1/(c*k*k).
        print("ok", y.shape, float(y[0, 0, n // 2, n // 2]))
    """
)


@pytest.mark.performance_contract
@pytest.mark.parametrize(
    ("gib", "layer", "method"),
    [
        # The 32 MB layer: its unchunked FFT held 16,384 weight spectra, ~10 GB.
        pytest.param(4, (128, 15, 256), "auto", id="32MB-layer-default-4GiB"),
        # A quarter of it: the unchunked FFT's weight spectra alone were 2.1 GB.
        pytest.param(2, (128, 15, 128), "fft", id="8MB-layer-fft-2GiB"),
    ],
)
def test_a_large_layer_completes_under_an_address_space_limit(gib, layer, method):
    out = subprocess.run(
        [sys.executable, "-c", _RLIMIT_LAYER, str(gib), *map(str, layer), method],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]  # never MemoryError, never killed
    c, _, n = layer
    assert out.stdout.startswith(f"ok (1, {c}, {n}, {n}) "), out.stdout
    assert abs(float(out.stdout.split()[-1]) - 1.0) < 1e-3, out.stdout


def _channel_form(x, w):
    return x.reshape(1, 1, *x.shape[1:]), w.reshape(1, *w.shape)


@pytest.mark.performance_contract
def test_the_big_layer_s_fft_is_chunked_and_auto_stays_within_the_budget():
    # Shapes only: x (1, 128, 256, 256), w (128, 128, 15, 15) float32 (zero-stride, no memory).
    x = np.broadcast_to(np.float32(1), (1, 128, 256, 256))
    w = np.broadcast_to(np.float32(1), (128, 128, 15, 15))
    xc, wc = _channel_form(x, w)
    s = spec.layer_spec("conv", (256, 256), (15, 15), padding=7)
    # By hand: F = next_fast_len(270 + 14) = 288 per axis, 288 * 145 bins of complex64 = 334,080
    # bytes per spectrum; 128 weight spectra per output channel.
    assert fft._sizes(s, np.float32)[1] == 288 * 145 * 8
    per_channel = 2 * 128 * 334_080 + 334_080 + 288 * 288 * 4
    assert fft._chunk(xc.shape, wc.shape, s, np.float32) == fft.CHUNK_BYTES // per_channel == 3
    # Input spectra 128 * 334,080 bytes, and a chunk of 3 output channels (unchunked: 16384 spectra, 5.5 GB).
    assert working_set("fft", xc, wc, s) == 128 * 334_080 + 3 * per_channel < 8 * spec.CELL_LIMIT
    assert choose_method(xc, wc, s, given=spec.held_cells(x) + spec.held_cells(w)) in ("direct", "fft")


@pytest.mark.performance_contract
def test_an_explicit_method_over_the_budget_is_refused_by_name_before_allocating(monkeypatch):
    # Many channels, small maps: 1,024 weight spectra outweigh direct's im2col columns.
    x, w = np.ones((1, 32, 16, 16)), np.ones((32, 32, 5, 5))
    xc, wc = _channel_form(x, w)
    s = spec.layer_spec("conv", (16, 16), (5, 5), padding=2)
    need_fft, need_direct = working_set("fft", xc, wc, s), working_set("direct", xc, wc, s)
    assert need_fft > need_direct
    # A limit between the two: fft refused, naming method, its size, the limit and direct.
    given = x.size + w.size
    cells = (need_direct + need_fft) // 16 - given
    monkeypatch.setattr(spec, "CELL_LIMIT", cells)
    limit = 8 * (given + cells)
    tracemalloc.start()
    try:
        with pytest.raises(
            ValueError,
            match=rf"^conv: method='fft' needs a working set of {need_fft:,} bytes .*over the limit of {limit:,} "
            rf"bytes.*CELL_LIMIT\); expected method='direct', which needs {need_direct:,} bytes",
        ):
            refconv.conv(x, w, padding=2, method="fft")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < need_fft / 4, (peak, need_fft)
    # auto picks the method that fits, and computes.
    assert choose_method(xc, wc, s) == "direct"
    expected = refconv.conv(x, w, padding=2, method="direct")
    assert np.array_equal(refconv.conv(x, w, padding=2), expected)
    # Nothing fits: auto is refused by name too, naming the method it would have run.  Direct's
    # tasks above fit in what x and w hold (one image of 16 rows, 184,320 bytes); a 7x7 stride-2
    # layer stacks 49 taps: x (1, 4, 38, 38) and w (4, 4, 7, 7) hold 6,560 cells, 52,480 bytes,
    # and one task stacks 4 * 49 columns of the 16 x 16 outputs, 401,408 bytes.
    monkeypatch.setattr(spec, "CELL_LIMIT", 0)
    assert need_direct == (32 * (16 + 4) + 32 * 16) * 20 * 8
    x, w = np.ones((1, 4, 38, 38)), np.ones((4, 4, 7, 7))
    xc, wc = _channel_form(x, w)
    assert working_set("direct", xc, wc, spec.layer_spec("conv", (38, 38), (7, 7), stride=2)) == 4 * 49 * 16 * 16 * 8
    with pytest.raises(ValueError, match=r"^conv: method='auto' needs a working set \(for method='(direct|fft)'\) of"):
        refconv.conv(x, w, stride=2)


@pytest.mark.performance_contract
def test_a_broadcast_view_counts_by_what_it_holds():
    huge = np.broadcast_to(1.0, (10**5, 10**5))
    assert spec.held_cells(huge) == 1
    tracemalloc.start()
    try:
        # Its copy alone would be 10**10 cells: refused, not a 74.5 GiB MemoryError.
        with pytest.raises(
            ValueError,
            match=r"^correlate: mode='valid' needs a padded input of shape \(100000, 100000\), 10,000,000,000",
        ):
            refconv.correlate(huge, np.ones((2, 2)))
        with pytest.raises(
            ValueError, match=r"^conv: padding=0 needs a padded input of shape \(1, 1, 100000, 100000\)"
        ):
            refconv.conv(huge[None, None], np.ones((1, 1, 2, 2)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2**20, peak


@given(st.integers(1, 40), st.integers(1, 6), st.integers(1, 40))
def test_a_broadcast_view_within_the_budget_computes_as_its_copy(n, k, reps):
    row = np.arange(n, dtype=np.float64)
    view = np.broadcast_to(row, (reps, n))
    assert spec.held_cells(view) == n
    kernel = np.ones((1, min(k, n)))
    assert np.array_equal(refconv.correlate(view, kernel), refconv.correlate(view.copy(), kernel))


def test_held_cells_by_hand():
    assert spec.held_cells(np.ones((3, 4))) == 12
    assert spec.held_cells(np.ones((3, 4))[:, ::2]) == 6
    assert spec.held_cells(np.broadcast_to(np.ones((3, 1)), (3, 5))) == 3
    assert spec.held_cells(np.zeros((0, 7))) == 0
    assert spec.held_cells(np.float64(2.0)) == 1


_FLOAT_LAYER = st.tuples(
    st.integers(1, 2),  # batch
    st.integers(1, 3),  # groups
    st.integers(1, 4),  # Ci per group
    st.integers(1, 4),  # Co per group
    st.integers(3, 24),  # length
    st.integers(1, 7),  # kernel
)


@given(_FLOAT_LAYER, st.integers(0, 3000))
def test_auto_never_picks_a_method_over_the_budget_when_direct_fits(shape, cells):
    b, g, ci, co, n, k = shape
    k = min(k, n)
    x, w = np.zeros((b, g, ci, n, n)), np.zeros((g, co, ci, k, k))
    s = spec.layer_spec("t", (n, n), (k, k), padding=k // 2)
    given = x.size + w.size
    limit = 8 * (given + cells)
    old = spec.CELL_LIMIT
    try:
        spec.CELL_LIMIT = cells
        chosen = choose_method(x, w, s)
    finally:
        spec.CELL_LIMIT = old
    if working_set("direct", x, w, s) <= limit:
        assert working_set(chosen, x, w, s) <= limit
    assert chosen in ("direct", "fft")


@given(_FLOAT_LAYER, st.sampled_from([1, 10**4, 3 * 10**4]), st.integers(1, 2), st.integers(1, 2))
def test_the_fft_in_chunks_of_output_channels_equals_the_whole_fft(shape, chunk_bytes, stride, dilation):
    b, g, ci, co, n, k = shape
    k = max(1, min(k, (n - 1) // dilation + 1))
    rng = np.random.default_rng(b * 1000 + n * 10 + k)
    # Small integers: every output is an integer far below 2**24, so the FFT rounds to it.
    x = rng.integers(-4, 5, (b, g * ci, n, n)).astype(np.float64)
    w = rng.integers(-3, 4, (g * co, ci, k, k)).astype(np.float64)
    kw = dict(groups=g, padding=k // 2, stride=stride, dilation=dilation)
    old = fft.CHUNK_BYTES
    try:
        fft.CHUNK_BYTES = 1 << 40  # every output channel in one chunk
        whole = refconv.conv(x, w, method="fft", **kw)
        fft.CHUNK_BYTES = chunk_bytes  # 1: one output channel per chunk
        parts = refconv.conv(x, w, method="fft", **kw)
    finally:
        fft.CHUNK_BYTES = old
    exact = refconv.conv(x.astype(np.int64), w.astype(np.int64), **kw)
    np.testing.assert_allclose(parts, whole, rtol=1e-12, atol=1e-9)
    assert np.array_equal(np.rint(parts), exact) and np.array_equal(np.rint(whole), exact)


def test_budget_check_leaves_dense_past_its_limit_to_its_own_message():
    x, w = np.ones((1, 1, 1, 20000)), np.ones((1, 1, 1, 3))
    s = spec.plain_spec("t", (20000,), (3,))
    check_budget("correlate", "dense", x, w, s, x.size + w.size)  # no refusal here: DENSE_LIMIT's
    with pytest.raises(ValueError, match="DENSE_LIMIT"):
        refconv.correlate(np.ones(20000), np.ones(3), method="dense")


# --------------------------------------------------------------------------------------------
# Exact Fractions with many coprime denominators: exact on both sides of _rational.SCALE_BITS

_PRIMES = [p for p in range(2, 2000) if all(p % d for d in range(2, int(p**0.5) + 1))]


def _fraction_loop(x, w):
    """Valid correlation as a hand loop of Fraction multiply-adds (the definition)."""
    n, k = len(x), len(w)
    return [sum((x[i + t] * w[t] for t in range(k)), Fraction(0)) for i in range(n - k + 1)]


@given(
    st.lists(st.tuples(st.integers(-50, 50), st.sampled_from(_PRIMES)), min_size=3, max_size=40),
    st.lists(st.tuples(st.integers(-9, 9), st.sampled_from(_PRIMES)), min_size=1, max_size=3),
)
def test_fractions_with_coprime_denominators_are_exact(xs, ws):
    x = np.array([Fraction(a, p) for a, p in xs], dtype=object)
    w = np.array([Fraction(a, p) for a, p in ws], dtype=object)
    assert refconv.correlate(x, w).tolist() == _fraction_loop(x, w)


def test_a_huge_common_denominator_is_not_scaled_and_stays_exact():
    # 200 distinct primes: their product has ~1,900 bits > SCALE_BITS, so no scaling.
    x = np.array([Fraction(i + 1, p) for i, p in enumerate(_PRIMES[:200])], dtype=object)
    w = np.array([Fraction(1, 3), Fraction(-2, 7), Fraction(5, 11)], dtype=object)
    lead = (None, None, None)
    assert math.prod(_PRIMES[:200]).bit_length() > _rational.SCALE_BITS
    assert _rational.scaled_integers(x[lead], w[lead]) is None
    got = refconv.correlate(x, w)
    assert got.tolist() == _fraction_loop(x, w) and all(type(v) is Fraction for v in got)
    # Small denominators (lcm 2520) are still scaled: the fast path stays.
    small = np.array([Fraction(1, d) for d in range(1, 10)], dtype=object)
    X, W, d, _ = _rational.scaled_integers(small[lead], w[lead])
    assert d == 2520 * (3 * 7 * 11) and X.dtype == np.int64
    assert refconv.correlate(small, w).tolist() == _fraction_loop(small, w)
