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
