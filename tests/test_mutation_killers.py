"""Tests written to kill the mutants that survived the suite (``tools/mutation.sh``).

Each test states a property of the code that the surviving mutant broke, with expectations
derived by hand (as arithmetic in the test, never copied from the code under test).  They are
grouped by the mutated module: the geometry (``refconv.spec``), the index arithmetic
(``refconv._taps``), the direct method, the sparse builder (``refconv.matrices``), pooling and
the error bounds (``refconv.bounds``).  Mutants judged equivalent are listed in the README's
"Testing the tests" section, each with its reason.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse as sp
import sympy

import refconv
from refconv import _taps, spec
from refconv.methods import direct
from refconv.spec import AxisGeometry, ConvSpec, _geometry

# ============================================================================================
# refconv.spec: memoization, defaults and the ceil rule through every builder


def test_memoize_caches_simple_arguments_and_can_be_cleared():
    calls = []

    def builder(*args, **kwargs):
        calls.append((args, kwargs))
        return object()

    cached = _geometry.memoized(builder)
    a = cached("f", (5,), (2,), mode=((1, 0),))
    assert cached("f", (5,), (2,), mode=((1, 0),)) is a  # nested tuples are simple
    assert len(calls) == 1
    # 1, 1.0 and True hash alike but are different arguments: three entries, three builds.
    results = {id(cached("f", (5,), (2,), stride=s)) for s in (1, 1.0, True)}
    assert len(results) == 3 and len(calls) == 4
    # NumPy scalars are not simple: every call builds, so (np.int64(1),) and (np.int64(2),) never share.
    first = cached("f", (5,), (2,), stride=(np.int64(1),))
    second = cached("f", (5,), (2,), stride=(np.int64(2),))
    assert first is not second and len(calls) == 6
    cached.cache_clear()
    assert cached("f", (5,), (2,), mode=((1, 0),)) is not a
    assert len(calls) == 7


def test_public_spec_builders_are_memoized():
    for builder, args in (
        (spec.plain_spec, ("f", (5, 4), (2, 2))),
        (spec.layer_spec, ("f", (5,), (2,))),
        (spec.pool_spec, ("f", (6,), (2,))),
    ):
        builder.cache_clear()
        first = builder(*args)
        assert builder(*args) is first
        # A list spelling is a different (but equal) key: equal specs, built again.
        again = builder(args[0], list(args[1]), list(args[2]))
        assert again == first
        builder.cache_clear()
        assert builder(*args) is not first and builder(*args) == first


def test_frozen_keys_tag_types_and_refuse_what_they_cannot_hash():
    assert _geometry._frozen(1) == (int, 1) and _geometry._frozen(True) == (bool, True)
    assert _geometry._frozen((1, 2)) == (tuple, (1, 2))
    assert _geometry._frozen([1, (2, 3)]) == (list, ((int, 1), (tuple, (2, 3))))
    assert _geometry._frozen((1, np.int64(2))) is None
    assert _geometry._frozen(np.int64(2)) is None


def test_builder_defaults():
    # layer_spec: padding 0, stride 1, dilation 1, constant boundary, floor mode.
    g = spec.layer_spec("f", (5,), (3,))
    assert g.pads == ((0, 0),) and g.stride == (1,) and g.dilation == (1,) and g.boundary == "constant"
    assert g.output_shape == (5 - 3 + 1,)
    # plain_spec: valid, stride 1, dilation 1, constant.
    g = spec.plain_spec("f", (5,), (3,))
    assert (g.pads, g.stride, g.dilation, g.boundary) == (((0, 0),), (1,), (1,), "constant")
    # transpose_spec: stride 1, dilation 1, no padding: n = (m-1)*1 + 1*(k-1) + 1 = m + k - 1.
    g = spec.transpose_spec("f", (4,), (3,))
    assert g.input_shape == (4 + 3 - 1,) and g.pads == ((0, 0),) and g.stride == (1,)
    # pool_spec: stride = kernel, no padding, dilation 1.
    g = spec.pool_spec("f", (7,), (3,))
    assert g.stride == (3,) and g.pads == ((0, 0),) and g.output_shape == ((7 - 3) // 3 + 1,)


def test_same_padding_splits_by_the_named_rule_only():
    assert spec.same_pads(4, "centred") == (2, 1)  # 3 cells: the larger half before
    assert spec.same_pads(4, "torch") == (1, 2)  # the larger half after
    with pytest.raises(ValueError, match="rule='TORCH' is not recognised"):
        spec.same_pads(4, "TORCH")
    # The layer convention is torch's, the plain one centred: k = 4 pads 3 cells.
    assert spec.layer_spec("f", (5,), (4,), padding="same").pads == ((1, 2),)
    assert spec.plain_spec("f", (5,), (4,), mode="same").pads == ((2, 1),)


def test_output_shape_passes_ceil_mode_and_dilation_on_both_conventions():
    # n=6, k=3, s=2, pads (1, 1): span 8-3 = 5; floor 5//2+1 = 3, ceil ceil(5/2)+1 = 4 (the last
    # window starts at 3*2 = 6 < n+lo = 7, so it is kept).
    assert refconv.output_shape((6,), (3,), mode=1, stride=2) == (3,)
    assert refconv.output_shape((6,), (3,), mode=1, stride=2, ceil_mode=True) == (4,)
    assert refconv.output_shape((6,), (3,), padding=1, stride=2, ceil_mode=True) == (4,)
    # Dilation 2 spans 2*(3-1)+1 = 5 cells: 7 - 5 + 1 = 3 outputs on both conventions.
    assert refconv.output_shape((7,), (3,), mode="valid", dilation=2) == (3,)
    assert refconv.output_shape((7,), (3,), padding=0, dilation=2) == (3,)


def test_ceil_mode_drops_a_window_starting_in_the_right_padding():
    # n=4, k=2, s=2, pads (1, 1): span 6-2 = 4, ceil 4/2+1 = 3 windows at 0, 2, 4 in padded
    # coordinates; the one at 4 starts at input index 4-1 = 3 < n: kept.
    assert AxisGeometry(4, 2, 2, 1, 1, 1, True).out == 3
    # n=3, k=2, s=2, pads (1, 1): span 5-2 = 3, ceil(3/2)+1 = 3, but the third window starts at
    # padded 4 = n+lo: only padding, dropped -> 2 (torch's rule).
    assert AxisGeometry(3, 2, 2, 1, 1, 1, True).out == 2
    # The overhang is how far the last kept window reaches past the padded input: (3-1)*2+2-6 = 0.
    assert AxisGeometry(4, 2, 2, 1, 1, 1, True).overhang == 0
    assert AxisGeometry(5, 2, 2, 1, 0, 0, True).overhang == (3 - 1) * 2 + 2 - 5


# ============================================================================================
# refconv._taps: padding with overhang, slabs of rows, unknown boundaries


def test_pad_with_both_pads_and_a_ceil_overhang():
    # n=6, k=3, s=2, pads (1, 1), ceil: 4 windows reach (4-1)*2+3 = 9 cells, one past 8.
    g = spec.pool_spec("f", (6,), (3,), stride=2, padding=1, ceil_mode=True)
    assert (g.axes[0].lo, g.axes[0].hi, g.axes[0].overhang) == (1, 1, 1)
    x = np.array([1, 2, 3, 4, 5, 6])
    assert _taps.pad(x, g, (0,), fill=-9).tolist() == [-9, 1, 2, 3, 4, 5, 6, -9, -9]


def test_pad_fills_the_overhang_even_under_a_copying_boundary():
    # wrap, n=4, k=3, s=2, pads (1, 1), ceil: span 6-3 = 3, ceil(3/2)+1 = 3 windows; the overhang
    # (3-1)*2+3-6 = 1 cell lies past the padded input: it is fill, not a wrapped copy.
    g = ConvSpec((AxisGeometry(4, 3, 2, 1, 1, 1, True),), "wrap")
    assert g.axes[0].overhang == 1
    x = np.array([10, 20, 30, 40])
    assert _taps.pad(x, g, (0,), fill=0).tolist() == [40, 10, 20, 30, 40, 10, 0]
    # Without ceil mode the same wrap padding has no overhang and copies both ends.
    g = ConvSpec((AxisGeometry(4, 3, 2, 1, 1, 1, False),), "wrap")
    assert _taps.pad(x, g, (0,), fill=0).tolist() == [40, 10, 20, 30, 40, 10]


def test_pad_without_pads_returns_the_input_itself():
    x = np.arange(5)
    g = spec.plain_spec("f", (5,), (2,))
    assert _taps.pad(x, g, (0,)) is x


def test_tap_slices_restricted_to_a_slab_of_rows():
    # n=10, k=3, s=2: 4 outputs; tap 1 reads 1, 3, 5, 7.  Rows 2..3 read 5 and 7 only.
    g = ConvSpec((AxisGeometry(10, 3, 2),))
    assert _taps.tap_slices(g, (1,)) == (slice(1, 1 + 3 * 2 + 1, 2),)
    assert _taps.tap_slices(g, (1,), rows=(2, 4)) == (slice(5, 5 + 1 * 2 + 1, 2),)
    # The slab restricts axis 0 only: axis 1 (n=5, k=2, s=1: 4 outputs) keeps all of them.
    g2 = ConvSpec((AxisGeometry(10, 3, 2), AxisGeometry(5, 2)))
    assert _taps.tap_slices(g2, (1, 1), rows=(2, 4)) == (slice(5, 8, 2), slice(1, 5, 1))
    x = np.arange(10)
    assert x[_taps.tap_slices(g, (1,), rows=(2, 4))].tolist() == [5, 7]


def test_index_tables_of_a_stride_or_dilation_past_int64():
    # One output (stride 2**63) and one tap (dilation 2**64 + 1): the int64 tables never see them;
    # output 0 reads cells -lo + t*d.  Python ints keep the exact arithmetic.
    g = AxisGeometry(n=4, k=2, stride=2**63, dilation=1, lo=1, hi=0)
    assert g.out == 1
    assert _taps.gather_index(g, "constant").tolist() == [[-1, 0]]  # -1: the fill marker
    assert _taps.source_index(1, 0, g) == 2**63 - 1
    g = AxisGeometry(n=3, k=1, stride=1, dilation=2**64 + 1)
    assert _taps.gather_index(g, "wrap").tolist() == [[0], [1], [2]]
    assert _taps.array_safe(g).dilation == 1 and _taps.array_safe(g).stride == 1
    wide = AxisGeometry(n=3, k=2, stride=2**63 - 1)  # fits int64: kept
    assert _taps.array_safe(wide) is wide


def test_boundary_index_refuses_an_unknown_boundary():
    with pytest.raises(ValueError, match=r"^boundary_index: boundary='mirror' is not recognised$"):
        _taps.boundary_index(np.arange(3), 3, "mirror")


# ============================================================================================
# refconv.methods.direct: every ±1 fusion branch, slabs, im2col chunks, exact rescaling


def _brute(x, w, stride=1, pad=0):
    """Equation 9.6 by its definition, zero padding, with Python arithmetic (independent of refconv)."""
    x, w = np.asarray(x, dtype=object), np.asarray(w, dtype=object)
    nd = x.ndim
    stride = (stride,) * nd if isinstance(stride, int) else stride
    padded = np.zeros(tuple(n + 2 * pad for n in x.shape), dtype=object)
    padded[tuple(slice(pad, pad + n) for n in x.shape)] = x
    out_shape = tuple((p - k) // s + 1 for p, k, s in zip(padded.shape, w.shape, stride))
    out = np.empty(out_shape, dtype=object)
    for o in np.ndindex(*out_shape):
        out[o] = sum(
            (padded[tuple(oi * s + ti for oi, s, ti in zip(o, stride, t))] * w[t] for t in np.ndindex(*w.shape)),
            start=0,
        )
    return out


_UNIT_KERNELS = [
    [1], [-1], [2], [1, 1], [1, -1], [-1, 1], [-1, -1], [1, 3], [-1, 3], [3, 1], [3, -1],
    [1, 1, 1], [1, -1, 2, -1], [-1, -1, -1], [0, 1, -1], [2, -1, 1], [-1, 2, 1, 1],
]  # fmt: skip


@pytest.mark.parametrize("kernel", _UNIT_KERNELS, ids=str)
@pytest.mark.parametrize("dtype", [np.int64, np.float64, object])
def test_unit_weights_fused_or_not_equal_the_definition(kernel, dtype):
    x = np.array([3, -1, 4, 1, -5, 9, 2, -6], dtype=dtype)
    w = np.array(kernel, dtype=dtype)
    expected = _brute(x, w)
    got = refconv.correlate(x, w, method="direct")
    assert got.tolist() == expected.tolist()
    # The same kernels in 2-D (a row kernel over 2 rows) and with a stride.
    x2 = np.stack([x, x[::-1]])
    assert refconv.correlate(x2, w[None], method="direct").tolist() == _brute(x2, w[None]).tolist()
    assert refconv.correlate(x, w, stride=2, method="direct").tolist() == _brute(x, w, stride=2).tolist()


@pytest.mark.parametrize("slab", [1, 2, 5, 7, 10**6])
def test_slabs_of_rows_give_the_whole_result(monkeypatch, slab):
    monkeypatch.setattr(direct, "SLAB_ELEMENTS", slab)
    x = np.arange(7 * 6).reshape(7, 6) % 11 - 5
    for w in ([[1, 2, -1], [0, 3, 1]], [[1, -1], [-1, 1], [2, 2]], [[1, 1, 1]]):
        assert refconv.correlate(x, w, method="direct").tolist() == _brute(x, w).tolist()
        assert refconv.correlate(x, w, mode=1, method="direct").tolist() == _brute(x, w, pad=1).tolist()
        assert refconv.correlate(x, w, stride=(2, 1), method="direct").tolist() == _brute(x, w, stride=(2, 1)).tolist()
    # A batch of channels through the layer function (the slab spans every leading axis).
    xs = np.stack([x, -x]).reshape(2, 1, 7, 6)
    w = np.array([[[[1, 2, -1], [0, 3, 1]]]])
    got = refconv.conv(xs, w, method="direct")
    assert got[0, 0].tolist() == _brute(x, w[0, 0]).tolist() and got[1, 0].tolist() == _brute(-x, w[0, 0]).tolist()


def _brute_conv(x, w, groups=1):
    """conv by its definition: y[n, c] = sum_i x[n, g*Ci + i] (*) w[c, i], valid, stride 1."""
    n_, c_in = x.shape[:2]
    c_out, ci = w.shape[:2]
    out = []
    for n in range(n_):
        maps = []
        for c in range(c_out):
            g = c // (c_out // groups)
            maps.append(sum((_brute(x[n, g * ci + i], w[c, i]) for i in range(ci)), start=0))
        out.append(maps)
    return np.array(out, dtype=object)


@pytest.mark.parametrize("budget", [1, 8 * 2 * 2 * 12, 1 << 28])
def test_im2col_in_chunks_of_taps_equals_the_definition(monkeypatch, budget):
    # x (2, 4, 4, 5), w (3, 2, 2, 3), groups 2: per_tap = B*G*Ci*P*8 = 2*2*2*(3*3)*8 bytes.
    monkeypatch.setattr(direct, "IM2COL_BUDGET", budget)
    x = (np.arange(2 * 4 * 4 * 5).reshape(2, 4, 4, 5) * 7) % 13 - 6
    w = (np.arange(4 * 2 * 2 * 3).reshape(4, 2, 2, 3) * 5) % 7 - 3
    got = refconv.conv(x, w, groups=2, method="direct")
    assert got.dtype == np.int64
    assert got.tolist() == _brute_conv(x, w, groups=2).tolist()
    floats = refconv.conv(x.astype(np.float64), w.astype(np.float64), groups=2, method="direct")
    assert floats.dtype == np.float64 and floats.tolist() == _brute_conv(x, w, groups=2).tolist()
    f32 = refconv.conv(x.astype(np.float32), w.astype(np.float32), method="direct", groups=2)
    assert f32.dtype == np.float32


def test_exact_rationals_rescale_to_fractions_in_lowest_terms():
    # (1/2 + 1/2) = 1 and (1/2 + 1/3) = 5/6: Fractions, reduced.
    got = refconv.correlate(np.array([Fraction(1, 2), Fraction(1, 2), Fraction(1, 3)], dtype=object), [1, 1])
    assert got.tolist() == [Fraction(1), Fraction(5, 6)]
    assert all(type(v) is Fraction for v in got) and got[0].denominator == 1 and got[1].denominator == 6
    # Fractions in w only, ints in x: 2*(1/4) + 3*(3/4) = 11/4, 3*(1/4) + 4*(3/4) = 15/4.
    got = refconv.correlate(np.array([2, 3, 4], dtype=object), np.array([Fraction(1, 4), Fraction(3, 4)], dtype=object))
    assert got.tolist() == [Fraction(11, 4), Fraction(15, 4)]
    # A denominator past int64: 2**40 * 3**30 > 2**63, so the rescale runs in Python ints.
    a, b = Fraction(1, 2**40), Fraction(1, 3**30)
    got = refconv.correlate(np.array([a, 2 * a], dtype=object), np.array([b], dtype=object))
    assert got.tolist() == [a * b, 2 * a * b] and got[1] == Fraction(1, 2**39 * 3**30)
    # Products past int64 (2**62 * 4 * 2): Python ints, still reduced.
    big = np.array([Fraction(2**62, 3), Fraction(2**62, 3)], dtype=object)
    assert refconv.correlate(big, np.array([4, 4], dtype=object)).tolist() == [Fraction(2**65, 3)]
    # Python ints only: denominator 1, exact ints past int64.
    assert refconv.correlate(np.array([2**70, 1], dtype=object), [3, 5]).tolist() == [3 * 2**70 + 5]


def test_symbolic_entries_skip_the_rational_path():
    a, b = sympy.symbols("a b")
    assert direct._as_scaled_integers(np.array([a, 1], dtype=object), np.array([1], dtype=object)) is None
    got = refconv.correlate(np.array([a, b, 1], dtype=object), np.array([2, Fraction(1, 2)], dtype=object))
    assert got.tolist() == [2 * a + b / 2, 2 * b + sympy.Rational(1, 2)]


def test_scaled_integers_are_int64_only_when_the_bound_allows():
    lead = (None, None, None)
    X, W, d = direct._as_scaled_integers(
        np.array([Fraction(1, 2), 3], dtype=object)[lead], np.array([Fraction(2, 3)], dtype=object)[lead]
    )
    # x scaled by 2: [1, 6]; w scaled by 3: [2]; D = 2*3.
    assert X.dtype == W.dtype == np.int64 and X.ravel().tolist() == [1, 6] and W.ravel().tolist() == [2] and d == 6
    X, W, d = direct._as_scaled_integers(
        np.array([Fraction(2**62, 5)], dtype=object)[lead], np.array([2, 2], dtype=object)[lead]
    )
    # bound 2**62 * (2 + 2) = 2**64 > 2**63: Python ints.
    assert X.dtype == object and X.ravel().tolist() == [2**62] and d == 5
    # A zero x bounds every sum by 0, but a w past int64 cannot be an int64 operand.
    X, W, d = direct._as_scaled_integers(
        np.array([Fraction(0)], dtype=object)[lead], np.array([Fraction(2**70, 3)], dtype=object)[lead]
    )
    assert W.dtype == object and W.ravel().tolist() == [2**70] and d == 3
    zero = refconv.correlate(np.array([Fraction(0)], dtype=object), np.array([Fraction(2**70, 3)], dtype=object))
    assert zero.tolist() == [0]


class _CountingNumpy:
    """NumPy, counting the calls of a few functions (the direct method's documented economies)."""

    def __init__(self, names):
        self.calls = dict.fromkeys(names, 0)

    def __getattr__(self, name):
        attr = getattr(np, name)
        if name not in self.calls:
            return attr

        def counted(*args, **kwargs):
            self.calls[name] += 1
            return attr(*args, **kwargs)

        return counted


@pytest.mark.parametrize(
    ("kernel", "multiplies"),
    [([1.0, -1.0, 1.0], 0), ([-1.0], 0), ([1.0, 1.0], 0), ([2.0, 1.0], 1), ([1.0, 2.0], 1), ([2.0, -1.0, 3.0], 2)],
)
def test_unit_weights_are_applied_without_a_multiplication(monkeypatch, kernel, multiplies):
    # Module docstring: "a weight of +1/-1 is applied as an addition/subtraction ... it saves a pass".
    spy = _CountingNumpy(["multiply"])
    monkeypatch.setattr(direct, "np", spy)
    x = np.array([1.5, -2.0, 4.0, 0.25, 8.0])
    got = refconv.correlate(x, kernel, method="direct")
    assert got.tolist() == _brute(x, kernel).tolist()
    assert spy.calls["multiply"] == multiplies


def test_slabs_hold_about_slab_elements_outputs(monkeypatch):
    # A 2-D float problem with 3x3 taps: out (40, 50), one row of outputs is 50 elements, so a
    # slab of SLAB_ELEMENTS = 1000 holds 1000 // 50 = 20 rows: slabs (0, 20) and (20, 40).
    seen = []
    real = direct.all_tap_slices
    monkeypatch.setattr(direct, "SLAB_ELEMENTS", 1000)
    monkeypatch.setattr(direct, "all_tap_slices", lambda spec, rows: (seen.append(rows), real(spec, rows))[1])
    x = np.arange(42 * 52, dtype=np.float64).reshape(42, 52) % 7
    w = np.arange(9.0).reshape(3, 3)
    assert refconv.correlate(x, w, method="direct").tolist() == _brute(x, w).tolist()
    assert seen == [(0, 20), (20, 40)]
    # 1-D: a row is one element; with 2 taps or fewer (fused) or objects, one slab.
    seen.clear()
    refconv.correlate(np.arange(2500.0), np.ones(3), method="direct")
    assert seen == [(0, 1000), (1000, 2000), (2000, 2498)]
    seen.clear()
    refconv.correlate(np.arange(2500.0), np.ones(2), method="direct")
    assert seen == [(0, 2499)]
    seen.clear()
    # Python ints past the int64 bound (2**62 * 3 > 2**63) stay objects: one slab.
    refconv.correlate(np.full(2500, 2**62, dtype=object), np.ones(3, dtype=int).astype(object), method="direct")
    assert seen == [(0, 2498)]
    # A batch of 4 maps: a row of outputs is 4 x 50 elements, 1000 // 200 = 5 rows per slab.
    seen.clear()
    refconv.conv(np.stack([x] * 4)[:, None], w[None, None], method="direct")
    assert seen[:2] == [(0, 5), (5, 10)] and len(seen) == 8


def test_im2col_chunks_keep_the_stacked_copy_under_the_budget(monkeypatch):
    # Stride 2 takes the stacked im2col (stride 1 runs in blocks of flat runs, below).  x (2, 3,
    # 7, 7), w (4, 3, 3, 3): P = 3*3 = 9 outputs, per tap B*G*Ci*P*8 = 2*1*3*9*8 = 432 bytes; a
    # budget of 1300 bytes takes 1300 // 432 = 3 taps per chunk: ceil(9/3) = 3 products.
    spy = _CountingNumpy(["matmul"])
    monkeypatch.setattr(direct, "matmul", spy.matmul)  # the GEMM goes through refconv._gemm.matmul
    monkeypatch.setattr(direct, "IM2COL_BUDGET", 1300)
    x = np.arange(2 * 3 * 7 * 7).reshape(2, 3, 7, 7) % 5 - 2
    w = np.arange(4 * 3 * 3 * 3).reshape(4, 3, 3, 3) % 3 - 1
    expected = _brute_conv(x, w)[:, :, ::2, ::2].tolist()  # stride 2 keeps every other output
    assert refconv.conv(x, w, stride=2, method="direct").tolist() == expected
    assert spy.calls["matmul"] == 3
    spy.calls["matmul"] = 0
    monkeypatch.setattr(direct, "IM2COL_BUDGET", 432 * 9)  # all nine taps in one chunk
    refconv.conv(x, w, stride=2, method="direct")
    assert spy.calls["matmul"] == 1
    spy.calls["matmul"] = 0
    monkeypatch.setattr(direct, "IM2COL_BUDGET", 1)  # less than one tap: still one tap per chunk
    refconv.conv(x, w, stride=2, method="direct")
    assert spy.calls["matmul"] == 9


def test_stride_1_im2col_runs_in_blocks_of_flat_runs(monkeypatch):
    # x (2, 3, 7, 70) with w (4, 3, 3, 3): a padded plane row is 70 cells, the outputs span
    # (5-1)*70 + (68-1) + 1 = 348 flat positions; blocks of 100 columns make ceil(348/100) = 4
    # blocks per batch: 8 products, each exact on these integers.
    spy = _CountingNumpy(["matmul"])
    monkeypatch.setattr(direct, "matmul", spy.matmul)
    monkeypatch.setattr(direct, "BLOCK_COLUMNS", 100)
    x = np.arange(2 * 3 * 7 * 70).reshape(2, 3, 7, 70) % 5 - 2
    w = np.arange(4 * 3 * 3 * 3).reshape(4, 3, 3, 3) % 3 - 1
    assert refconv.conv(x, w, method="direct").tolist() == _brute_conv(x, w).tolist()
    assert spy.calls["matmul"] == 8
    floats = refconv.conv(x.astype(np.float64), w.astype(np.float64), method="direct")
    assert floats.tolist() == _brute_conv(x, w).tolist()


def test_the_coprime_constructor_does_not_renormalise():
    make = direct._probe_from_coprime()
    assert make(3, 4) == Fraction(3, 4) and type(make(3, 4)) is Fraction
    # Coprime parts are trusted as given (the saving): 2/4 stays 2/4 rather than becoming 1/2.
    assert make(2, 4).denominator == 4
    assert direct._coprime_fraction(5, 6) == Fraction(5, 6)


# ============================================================================================
# refconv.pooling: torch's Lp formula, the global forms, distance weights


def test_lp_pool_in_the_peer_convention_by_hand_not_the_norm():
    from refconv.pooling import lp_pool_torch

    # Windows [3, 4], [2, 2], [5] (ceil): mean of squares 25/2, 4, 25/1, times K = 2, square root.
    got = lp_pool_torch(np.array([3.0, 4.0, 2.0, 2.0, 5.0]), 2, 2, ceil_mode=True)
    assert np.allclose(got, [5.0, 8.0**0.5, 50.0**0.5], rtol=0, atol=1e-12)
    # p = 1 keeps the sign of the window mean: (-3 + 1)/2 * 2 = -2.
    assert lp_pool_torch(np.array([-3.0, 1.0]), 1, 2).tolist() == [-2.0]
    # p = 3 on negatives: mean -8, times 2 is -16, and (-16)**(1/3) is NaN in floats.
    assert np.isnan(lp_pool_torch(np.array([-2.0, -2.0]), 3, 2)).all()
    # p = 0.5: mean of sqrt(4), sqrt(16) = 3, times 2 = 6, then 6**2 = 36.
    assert np.allclose(lp_pool_torch(np.array([4.0, 16.0]), 0.5, 2), [36.0], rtol=1e-15)
    # p = inf is max |v|, through max_pool on |x| (stride and axes passed on).
    x = np.array([[-3.0, 1.0], [2.0, -5.0], [0.5, 0.25]])
    assert lp_pool_torch(x, float("inf"), 2, axes=(0,), stride=1).tolist() == [[3.0, 5.0], [2.0, 5.0]]
    # A 2x2 window multiplies by K = 4: mean(1, 4, 9, 16) * 4 = 30.
    assert np.allclose(lp_pool_torch(np.array([[1.0, 2.0], [3.0, 4.0]]), 2, (2, 2)), [[30.0**0.5]], rtol=1e-15)
    # stride and axes reach avg_pool: windows [1, 2], [2, 3] along axis 0 of a column.
    col = np.array([[1.0], [2.0], [3.0]])
    assert np.allclose(lp_pool_torch(col, 1, 2, stride=1, axes=(0,)), [[3.0], [5.0]], rtol=1e-15)
    with pytest.raises(TypeError, match=r"^lp_pool_torch: x=.* has dtype int64; expected a float array"):
        lp_pool_torch(np.array([1, 2]), 2, 2)
    with pytest.raises(ValueError, match=r"^lp_pool_torch: p=0 is not positive"):
        lp_pool_torch(np.array([1.0, 2.0]), 0, 2)


def test_global_max_pool_indices_are_row_major_over_the_axes_given():
    # x[i, j, k] with a unique maximum per j: flat index over (axes 0, 2) is i*2 + k.
    x = np.zeros((2, 3, 2), dtype=np.int64)
    x[1, 0, 0] = 9  # j=0: (i, k) = (1, 0) -> 2
    x[0, 1, 1] = 7  # j=1: (0, 1) -> 1
    x[1, 2, 1] = 5  # j=2: (1, 1) -> 3
    best, where = refconv.global_max_pool(x, axes=(0, 2), return_indices=True)
    assert best.shape == (1, 3, 1) and best.ravel().tolist() == [9, 7, 5]
    assert where.ravel().tolist() == [1 * 2 + 0, 0 * 2 + 1, 1 * 2 + 1]
    # The axes in the other order: the index is k*2 + i.
    _, where = refconv.global_max_pool(x, axes=(2, 0), return_indices=True)
    assert where.ravel().tolist() == [0 * 2 + 1, 1 * 2 + 0, 1 * 2 + 1]
    # Every axis of a 2x3: ties keep the first maximum (row-major), NaN wins and the last NaN's index.
    best, where = refconv.global_max_pool(np.array([[1, 5, 2], [5, 0, 5]]), return_indices=True)
    assert best.tolist() == [[5]] and where.tolist() == [[1]]
    nan = float("nan")
    best, where = refconv.global_max_pool(np.array([[nan, 1.0], [2.0, nan]]), return_indices=True)
    assert np.isnan(best).all() and where.tolist() == [[3]]
    # Same values as max_pool with the whole window, and exact objects come back as Python numbers.
    frac = np.array([[Fraction(1, 3), Fraction(1, 2)], [Fraction(-1), Fraction(1, 4)]], dtype=object)
    assert refconv.global_max_pool(frac).tolist() == [[Fraction(1, 2)]]
    assert refconv.global_max_pool(frac, axes=(1,)).tolist() == [[Fraction(1, 2)], [Fraction(1, 4)]]
    assert refconv.global_max_pool(x).tolist() == [[[9]]]
    with pytest.raises(
        TypeError, match=r"^global_max_pool: x=.* is complex, which has no order; expected real numbers$"
    ):
        refconv.global_max_pool(np.array([1j]))


def test_global_avg_and_lp_pool_by_hand():
    x = np.array([[3, 0, 4], [1, 2, -2]])
    # Means: whole (3+0+4+1+2-2)/6 = 4/3; per row 7/3, 1/3; per column 2, 1, 1.
    assert refconv.global_avg_pool(x).tolist() == [[Fraction(4, 3)]]
    assert refconv.global_avg_pool(x, axes=(1,)).tolist() == [[Fraction(7, 3)], [Fraction(1, 3)]]
    assert refconv.global_avg_pool(x, axes=0).tolist() == [[2, 1, 1]]
    f = refconv.global_avg_pool(x.astype(np.float32), axes=(1,))
    assert f.dtype == np.float32 and np.allclose(f.ravel(), [7 / 3, 1 / 3], rtol=1e-6)
    # L2 per row: sqrt(9 + 16) = 5, sqrt(1 + 4 + 4) = 3; L1 of everything: 12; Linf: 4.
    assert refconv.global_lp_pool(x, 2, axes=(1,)).ravel().tolist() == [5, 3]
    assert refconv.global_lp_pool(x, 1).tolist() == [[12]]
    assert refconv.global_lp_pool(x, float("inf")).tolist() == [[4]]
    # Floats: sqrt for p = 2, the 1/p power otherwise: (27 + 64)**(1/3) for row 0 with p = 3.
    fl = refconv.global_lp_pool(x.astype(np.float64), 3, axes=(1,))
    assert np.allclose(fl.ravel(), [91 ** (1 / 3), (1 + 8 + 8) ** (1 / 3)], rtol=1e-15)
    assert refconv.global_lp_pool(x.astype(np.float64), 2, axes=(1,)).ravel().tolist() == [5.0, 3.0]
    assert refconv.global_lp_pool(-x.astype(np.float64), float("inf")).tolist() == [[4.0]]
    # Exact with a fractional p = 1/2: (sqrt 3 + sqrt 4)**2 per row 0 restricted to [3, 4].
    got = refconv.global_lp_pool(np.array([3, 4]), Fraction(1, 2))
    assert sympy.simplify(got[0] - (sympy.sqrt(3) + 2) ** 2) == 0


def test_distance_weights_exact_and_float():
    # 3-tap window: distances 1, 0, 1; weight 2 - d: 1, 2, 1.  (1*1 + 2*2 + 1*3)/4 = 2.
    assert refconv.weighted_pool([1, 2, 3], 3, lambda d: 2 - d).tolist() == [Fraction(2)]
    # 2x2 window: every tap at distance sqrt(2)/2; exact x receives SymPy distances.
    seen = []
    refconv.weighted_pool(np.ones((2, 2), dtype=int), (2, 2), lambda d: seen.append(d) or 1)
    assert seen == [sympy.sqrt(2) / 2] * 4
    # Float x receives float distances, and the weights become x's dtype.
    seen.clear()
    got = refconv.weighted_pool(np.array([1.0, 3.0], np.float32), 2, lambda d: seen.append(d) or 1)
    assert seen == [0.5, 0.5] and got.dtype == np.float32 and got.tolist() == [2.0]
    # An irrational weight gives a SymPy number: (1*1 + 2*sqrt(2)) / (1 + sqrt(2)) for x = [1, 2].
    got = refconv.weighted_pool([1, 2], 2, lambda d: 1 if d < 0 else sympy.sqrt(2) ** (2 * d))
    assert sympy.simplify(got[0] - (1 * sympy.sqrt(2) + 2 * sympy.sqrt(2)) / (2 * sympy.sqrt(2))) == 0
    # A rational SymPy weight becomes a Fraction: weights 1/2, 1/4 -> (1/2 + 2/4) / (3/4) = 4/3.
    got = refconv.weighted_pool([1, 2], 2, lambda d: sympy.Rational(1, 2))
    assert got.tolist() == [Fraction(3, 2)] and type(got[0]) is Fraction
    got = refconv.weighted_pool([1, 2], 2, np.array([sympy.Rational(1, 2), sympy.Rational(1, 4)], dtype=object))
    assert got.tolist() == [Fraction(4, 3)]
    got = refconv.weighted_pool([1, 2, 3], 3, lambda d: sympy.Integer(2) - d)
    assert got.tolist() == [Fraction(2)] and type(got[0]) is Fraction
    # Float weights for float x; a mixed table of ints and floats is one float table.
    assert refconv.weighted_pool(np.array([1.0, 3.0]), 2, lambda d: 0.5).tolist() == [2.0]
    assert refconv.weighted_pool(np.array([2.0, 4.0]), 2, np.array([1, 3])).tolist() == [(2 + 12) / 4]


@pytest.mark.parametrize(
    ("weight", "exc", "message"),
    [
        (lambda d: 1j, TypeError, r"weight=.* holds complex 1j; expected an object array of int, Fraction or SymPy"),
        (np.array([1j, 1]), TypeError, r"weight=.* is complex; expected real weights >= 0$"),
        (lambda d: -1, ValueError, r"weight=.* gives -1 at tap \(0,\); expected finite weights >= 0$"),
        (lambda d: float("nan"), ValueError, r"weight=.* gives nan at tap \(0,\); expected finite weights >= 0$"),
        (lambda d: float("inf"), ValueError, r"weight=.* gives inf at tap \(0,\); expected finite weights >= 0$"),
        (np.array([1, -2]), ValueError, r"weight=.* gives -2 at tap \(1,\); expected finite weights >= 0$"),
        (lambda d: None, TypeError, r"weight=.* holds NoneType None; expected an object array"),
        (np.array([sympy.Symbol("s"), 1]), TypeError, r"weight=.* gives s at tap \(0,\), whose sign is unknown"),
    ],
)
def test_weight_refusals_name_the_tap(weight, exc, message):
    with pytest.raises(exc, match=r"^weighted_pool: " + message):
        refconv.weighted_pool(np.array([1.0, 2.0]), 2, weight)


def test_lp_pool_float_powers_and_default_floor_mode():
    x = np.array([3.0, 4.0, 5.0])
    # Floor mode by default: one window [3, 4]; ceil mode adds the clipped [5].
    assert refconv.lp_pool(x, 2, 2).tolist() == [5.0]
    assert refconv.lp_pool(x, 2, 2, ceil_mode=True).tolist() == [5.0, 5.0]
    # p = 3: (27 + 64)**(1/3); p = 1: 3 + 4; p = 0.5: (sqrt 3 + 2)**2.
    assert np.allclose(refconv.lp_pool(x, 3, 2), [91 ** (1 / 3)], rtol=1e-15)
    assert refconv.lp_pool(x, 1, 2).tolist() == [7.0]
    assert np.allclose(refconv.lp_pool(x, 0.5, 2), [(3**0.5 + 2) ** 2], rtol=1e-15)
    # p = inf: max |v| over windows of -x, in float.
    assert refconv.lp_pool(-x, float("inf"), 2, stride=1).tolist() == [4.0, 5.0]
    assert refconv.lp_pool(np.array([-3, 1, -2]), float("inf"), 3).tolist() == [3]


def test_average_pooling_keeps_a_float32_dtype_and_divides_by_the_documented_counts():
    x = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    got = refconv.avg_pool(x, 3, stride=1, padding=1)
    # Windows [pad, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, pad]: divisor 3 (padding counts).
    assert got.dtype == np.float32 and np.allclose(got, [1.0, 2.0, 3.0, 7 / 3], rtol=1e-6)
    got = refconv.avg_pool(x, 3, stride=1, padding=1, count_include_pad=False)
    assert np.allclose(got, [1.5, 2.0, 3.0, 3.5], rtol=1e-6)
    # The dask path's per-block divisors: outputs 1..2 of the same geometry, ranges per axis.
    from refconv.pooling._average import _counts

    g = spec.pool_spec("f", (4,), (3,), stride=1, padding=1)
    assert _counts(g, lambda a: 0, lambda a: a.n).tolist() == [2, 3, 3, 2]
    assert _counts(g, lambda a: 0, lambda a: a.n, outputs=(range(1, 3),)).tolist() == [3, 3]
    assert _counts(g, lambda a: 0, lambda a: a.n, outputs=(range(3, 4),)).tolist() == [2]


def test_weighted_pool_of_float_x_with_exact_weights_runs_in_floats():
    got = refconv.weighted_pool(np.array([1.0, 3.0], np.float32), 2, lambda d: Fraction(1, 3))
    assert got.dtype == np.float32 and got.tolist() == [2.0]
    got = refconv.weighted_pool(np.array([1.0, 3.0]), 2, np.array([Fraction(1, 4), Fraction(3, 4)], dtype=object))
    assert got.dtype == np.float64 and got.tolist() == [1 / 4 + 9 / 4]
    # Float weights and float x: (2*1 + 4*3) / (1 + 3).
    assert refconv.weighted_pool(np.array([2.0, 4.0]), 2, np.array([1.0, 3.0])).tolist() == [14 / 4]


# ============================================================================================
# refconv.spec: the memory budget's arithmetic


def test_check_cells_allows_exactly_the_limit_beyond_the_operands(monkeypatch):
    monkeypatch.setattr(spec, "CELL_LIMIT", 7)
    spec.check_cells("f", "mode", 1, "a padded input", (10,), given=3)  # 10 = 3 + 7: allowed
    spec.check_cells("f", "mode", 1, "a padded input", (7,))  # no operands: 7 allowed
    with pytest.raises(ValueError, match=r"^f: mode=1 needs a padded input of shape \(11,\), 11 cells"):
        spec.check_cells("f", "mode", 1, "a padded input", (11,), given=3)
    with pytest.raises(ValueError, match=r"^f: mode=1 needs a padded input of shape \(8,\), 8 cells"):
        spec.check_cells("f", "mode", 1, "a padded input", (8,))


def test_check_spec_cells_counts_the_ceil_overhang_and_the_output(monkeypatch):
    # n=6, k=3, s=2, pads (1, 1), ceil: padded 8 cells plus an overhang of 1 = 9.
    g = spec.pool_spec("f", (6,), (3,), stride=2, padding=1, ceil_mode=True)
    monkeypatch.setattr(spec, "CELL_LIMIT", 9)
    spec.check_spec_cells("f", "padding", 1, g)
    monkeypatch.setattr(spec, "CELL_LIMIT", 8)
    with pytest.raises(ValueError, match=r"^f: padding=1 needs a padded input of shape \(9,\), 9 cells"):
        spec.check_spec_cells("f", "padding", 1, g)
    # Many output channels: the output (1, 100, 5) outgrows the padded input (1, 1, 5).
    monkeypatch.setattr(spec, "CELL_LIMIT", 100)
    message = (
        "conv: padding=0 needs an output of shape (1, 100, 5), 500 cells, over the limit of 100 cells beyond the "
        "operands' 105 (refconv.spec.CELL_LIMIT); expected a smaller problem, or a larger refconv.spec.CELL_LIMIT"
    )
    with pytest.raises(ValueError) as info:
        refconv.conv(np.ones((1, 1, 5)), np.ones((100, 1, 1)))
    assert str(info.value) == message


# ============================================================================================
# refconv.matrices: every refusal's whole message, the guard's boundary and arithmetic, the
# predicates' names and first offending pairs, and channel columns of the layer matrix

_RAGGED = (
    "setting an array element with a sequence. The requested array has an inhomogeneous shape after 1 "
    "dimensions. The detected shape was (2,) + inhomogeneous part."
)
_W_JUNK = {
    "str": ("'abc'", "TypeError", "is not an array; expected an array of numbers"),
    "bool": (None, "TypeError", "is a bool array; expected numbers (cast with .astype(int) for 0/1)"),
    "mixed": (
        None,
        "TypeError",
        "holds float 0.5; expected an object array of int, Fraction or SymPy expressions (or a float dtype)",
    ),
}


def _matrix_refusals():
    from refconv.matrices import (
        circulant_eigenvalues,
        conv_matrix,
        doubly_block_circulant,
        is_circulant,
        is_doubly_block_circulant,
        is_doubly_block_toeplitz,
        is_multilevel_circulant,
        is_multilevel_toeplitz,
        is_toeplitz,
        layer_matrix,
        multilevel_circulant,
    )

    scalar = "w=<ndarray shape=() dtype=int64> is a scalar; expected an array with at least one axis"
    w3 = np.ones((1, 1, 2), dtype=int)
    cases = {
        "conv_matrix-scalar": (lambda: conv_matrix(5, (3,)), ValueError, f"conv_matrix: {scalar}"),
        "multilevel-scalar": (lambda: multilevel_circulant(5, (3,)), ValueError, f"multilevel_circulant: {scalar}"),
        "eigen-scalar": (lambda: circulant_eigenvalues(5, (3,)), ValueError, f"circulant_eigenvalues: {scalar}"),
        "dbc-rank": (
            lambda: doubly_block_circulant([1, 2], (3,)),
            ValueError,
            "doubly_block_circulant: w=<ndarray shape=(2,) dtype=int64> has 1 axes; expected a 2-D kernel "
            "(multilevel_circulant takes any rank)",
        ),
        "eigen-exact-type": (
            lambda: circulant_eigenvalues([1, 2], (3,), exact="yes"),
            TypeError,
            "circulant_eigenvalues: exact='yes' is not a bool or None; expected True, False or None",
        ),
        "eigen-exact-float": (
            lambda: circulant_eigenvalues(np.array([1.5, 2.0]), (3,), exact=True),
            ValueError,
            "circulant_eigenvalues: exact=True needs an exact w but w has dtype float64; expected exact=False, "
            "or w as integers or an object array of Fractions",
        ),
        "eigen-shape": (
            lambda: circulant_eigenvalues([1, 2], (3, 3)),
            ValueError,
            "circulant_eigenvalues: input_shape=(3, 3) has 2 axes but w has 1 (w.shape=(2,)); expected 1 axes",
        ),
        "layer-rank": (
            lambda: layer_matrix([[1, 2]], (1, 3)),
            ValueError,
            "layer_matrix: w=<ndarray shape=(1, 2) dtype=int64> has 2 axes; expected (C_out, C_in // groups, "
            "*kernel) with at least 3 axes",
        ),
        "layer-groups-type": (
            lambda: layer_matrix(w3, (1, 3), groups=1.5),
            TypeError,
            "layer_matrix: groups=1.5 is not an integer; expected an int >= 1",
        ),
        "layer-groups-0": (
            lambda: layer_matrix(w3, (1, 3), groups=0),
            ValueError,
            "layer_matrix: groups=0 is < 1; expected an int >= 1",
        ),
        "layer-groups-c-out": (
            lambda: layer_matrix(np.ones((3, 1, 2)), (2, 3), groups=2),
            ValueError,
            "layer_matrix: groups=2 does not divide C_out = w.shape[0] = 3; expected a divisor of C_out and C_in",
        ),
        "layer-c-in": (
            lambda: layer_matrix(np.ones((2, 1, 2)), (3, 3), groups=2),
            ValueError,
            "layer_matrix: input_shape=(3, 3) has C_in = 3 channels but w.shape[1] * groups = 1 * 2 = 2; expected "
            "C_in == w.shape[1] * groups",
        ),
        "layer-padding-mode": (
            lambda: layer_matrix(w3, (1, 3), padding_mode="constant"),
            ValueError,
            "layer_matrix: padding_mode='constant' is not a refconv name (numpy's 'constant' is torch's 'zeros'); "
            "expected one of 'zeros', 'reflect', 'replicate', 'circular'",
        ),
        "layer-input-shape": (
            lambda: layer_matrix(w3, (3,)),
            ValueError,
            "layer_matrix: input_shape=(3,) has 1 axes but w.shape=(1, 1, 2) needs (C_in, *spatial) with 1 spatial "
            "axes; expected 2 axes",
        ),
        "A-str": (
            lambda: is_toeplitz("abc"),
            TypeError,
            "is_toeplitz: A='abc' is not a matrix; expected a 2-D NumPy array, scipy.sparse array or SymPy matrix",
        ),
        "A-ragged": (
            lambda: is_toeplitz([[1, 2], [3]]),
            TypeError,
            f"is_toeplitz: A=[[1, 2], [3]] is not a rectangular matrix ({_RAGGED}); expected a 2-D matrix",
        ),
        "A-rank": (
            lambda: is_circulant(np.ones((2, 2, 2))),
            ValueError,
            "is_circulant: A=<ndarray shape=(2, 2, 2) dtype=float64> has 3 axes; expected a 2-D matrix",
        ),
        "A-dtype": (
            lambda: is_toeplitz(np.array([["a", "b"]])),
            TypeError,
            "is_toeplitz: A=<ndarray shape=(1, 2) dtype=<U1> has dtype <U1; expected a numeric or object matrix",
        ),
        "multilevel-circulant-shape": (
            lambda: is_multilevel_circulant(np.eye(3), (2,)),
            ValueError,
            "is_multilevel_circulant: shape=(2,) has product 2 but A has 3 rows (A.shape=(3, 3)); expected level "
            "sizes whose product is the matrix size",
        ),
        "multilevel-toeplitz-rows": (
            lambda: is_multilevel_toeplitz(np.eye(3), "ab", (3,)),
            TypeError,
            "is_multilevel_toeplitz: row_shape='ab' is not a shape; expected a tuple of ints",
        ),
        "multilevel-toeplitz-cols": (
            lambda: is_multilevel_toeplitz(np.eye(3), (3,), "ab"),
            TypeError,
            "is_multilevel_toeplitz: col_shape='ab' is not a shape; expected a tuple of ints",
        ),
        "multilevel-toeplitz-levels": (
            lambda: is_multilevel_toeplitz(np.eye(3), (3,), (3, 1)),
            ValueError,
            "is_multilevel_toeplitz: col_shape=(3, 1) has 2 levels but row_shape=(3,) has 1; expected one length "
            "per level in each",
        ),
        "multilevel-toeplitz-columns": (
            lambda: is_multilevel_toeplitz(np.ones((3, 2)), (3,), (3,)),
            ValueError,
            "is_multilevel_toeplitz: col_shape=(3,) has product 3 but A has 2 columns (A.shape=(3, 2)); expected "
            "level sizes whose product is the matrix size",
        ),
        "dbt-block": (
            lambda: is_doubly_block_toeplitz(np.eye(4), (3, 3)),
            ValueError,
            "is_doubly_block_toeplitz: block_shape=(3, 3) does not tile A.shape=(4, 4); expected a block shape "
            "dividing the matrix shape",
        ),
        "dbc-block": (
            lambda: is_doubly_block_circulant(np.eye(4), (3, 3)),
            ValueError,
            "is_doubly_block_circulant: block_shape=(3, 3) does not tile A.shape=(4, 4); expected a block shape "
            "dividing the matrix shape",
        ),
    }
    try:
        three_d = sp.coo_array(np.ones((2, 2, 2)))
    except (TypeError, ValueError):  # scipy < 1.15 has no N-d sparse arrays
        three_d = None
    if three_d is not None:
        cases["A-sparse-rank"] = (
            lambda: is_toeplitz(three_d),
            ValueError,
            f"is_toeplitz: A={_short(three_d)} is a 3-D sparse array; expected a 2-D matrix",
        )
    builders = {
        "conv_matrix": (conv_matrix, np.ones((2, 2), dtype=int), (3, 3)),
        "multilevel_circulant": (multilevel_circulant, np.ones((2, 2), dtype=int), (3, 3)),
        "doubly_block_circulant": (doubly_block_circulant, np.ones((2, 2), dtype=int), (3, 3)),
        "circulant_eigenvalues": (circulant_eigenvalues, np.ones((2, 2), dtype=int), (3, 3)),
        "layer_matrix": (layer_matrix, w3, (1, 3)),
    }
    for name, (fn, w, shape) in builders.items():
        mixed = w.astype(object)
        mixed.flat[-1] = 0.5
        for junk, value in (("str", "abc"), ("bool", w.astype(bool)), ("mixed", mixed)):
            shown, exc, tail = _W_JUNK[junk]
            shown = shown or _short(value)
            cases[f"{name}-w-{junk}"] = (
                lambda fn=fn, value=value, shape=shape: fn(value, shape),
                TypeError if exc == "TypeError" else ValueError,
                f"{name}: w={shown} {tail}",
            )
        if name != "circulant_eigenvalues":
            cases[f"{name}-format"] = (
                lambda fn=fn, w=w, shape=shape: fn(w, shape, format="csr"),
                ValueError,
                f"{name}: format='csr' is not recognised; expected one of 'dense', 'sparse', 'sympy'",
            )
    return cases


def _short(value):
    from refconv._validation import _short as short

    return short(value)


_MATRIX_REFUSALS = _matrix_refusals()


def test_the_dense_limit_admits_exactly_its_entries(monkeypatch):
    from refconv import matrices

    w = np.array([1, 2], dtype=np.float32)
    entries = 4 * 5  # 4 outputs x 5 inputs
    monkeypatch.setattr(refconv.spec, "DENSE_LIMIT", entries)
    assert matrices.conv_matrix(w, (5,)).shape == (4, 5)
    monkeypatch.setattr(refconv.spec, "DENSE_LIMIT", entries - 1)
    with pytest.raises(ValueError) as info:
        matrices.conv_matrix(w, (5,))
    # float32: 4 bytes an entry; the sparse form stores 2 taps x 4 outputs.
    assert str(info.value) == (
        "conv_matrix: format='dense' would build a 4 x 5 matrix of 20 entries (80 bytes of float32), over the "
        'limit of 19 entries (refconv.spec.DENSE_LIMIT); expected format="sparse", which stores 8 entries, '
        "or a smaller input"
    )
    monkeypatch.setattr(refconv.spec, "SYMPY_LIMIT", entries - 1)
    with pytest.raises(ValueError) as info:
        matrices.conv_matrix(w, (5,), format="sympy")
    assert str(info.value) == (
        "conv_matrix: format='sympy' would build a 4 x 5 matrix of 20 entries (at least 160 bytes of object "
        'pointers), over the limit of 19 entries (refconv.spec.SYMPY_LIMIT); expected format="sparse", which '
        "stores 8 entries, or a smaller input"
    )


def test_the_dense_guard_counts_object_pointers_and_every_channel(monkeypatch):
    from refconv import matrices

    monkeypatch.setattr(refconv.spec, "DENSE_LIMIT", 10)
    with pytest.raises(ValueError) as info:
        matrices.conv_matrix(np.array([1, 2], dtype=object), (5,))
    assert "(at least 160 bytes of object pointers)" in str(info.value)  # 20 entries x 8 bytes
    # Two output channels x one input channel, 2 taps on 4 outputs each: 16 stored entries; the
    # matrix is (2*4) x (1*5).
    with pytest.raises(ValueError) as info:
        matrices.layer_matrix(np.ones((2, 1, 2), dtype=np.int64), (1, 5))
    assert str(info.value) == (
        "layer_matrix: format='dense' would build a 8 x 5 matrix of 40 entries (320 bytes of int64), over the "
        'limit of 10 entries (refconv.spec.DENSE_LIMIT); expected format="sparse", which stores 16 entries, '
        "or a smaller input"
    )


def test_the_dense_method_names_method_in_its_refusals(monkeypatch):
    with pytest.raises(ValueError) as info:
        refconv.correlate(np.ones(20000), np.ones(2), method="dense")
    assert str(info.value) == (
        "correlate: method='dense' would build a 19,999 x 20,000 matrix of 399,980,000 entries (3,199,840,000 "
        "bytes of float64), over the limit of 100,000,000 entries (refconv.spec.DENSE_LIMIT); expected "
        'method="sparse" or "direct", which stores 39,998 entries, or a smaller input'
    )
    # The (outputs x taps) index table is sized before the matrix: 5 outputs x 2 taps = 10 cells
    # are allowed beyond the kernel's 2 cells exactly when CELL_LIMIT >= 8.
    # (Refusal first: the dense method caches the matrices it builds.)
    monkeypatch.setattr(spec, "CELL_LIMIT", 7)
    with pytest.raises(ValueError) as info:
        refconv.correlate(np.arange(6), np.array([1, 3]), method="dense")
    assert str(info.value).startswith(
        "correlate: method='dense' needs an index table (outputs x taps) of shape (5, 2), 10 cells, over the "
        "limit of 7 cells beyond the operands' 2"
    )
    monkeypatch.setattr(spec, "CELL_LIMIT", 8)
    assert refconv.correlate(np.arange(6), np.array([1, 3]), method="dense").tolist() == [3, 7, 11, 15, 19]


def test_circulant_eigenvalues_size_their_table_beyond_the_kernel(monkeypatch):
    from refconv.matrices import circulant_eigenvalues

    # 4 outputs x 2 taps = 8 cells, the kernel holds 2: allowed exactly when CELL_LIMIT >= 6.
    monkeypatch.setattr(spec, "CELL_LIMIT", 6)
    assert circulant_eigenvalues(np.array([1, 1]), (4,)).tolist() == [2, 1 - sympy.I, 0, 1 + sympy.I]
    monkeypatch.setattr(spec, "CELL_LIMIT", 5)
    with pytest.raises(ValueError, match=r"^circulant_eigenvalues: input_shape=\(4,\) needs an index table"):
        circulant_eigenvalues(np.array([1, 1]), (4,))


def test_matrix_entries_that_sum_taps_do_not_wrap_a_narrow_dtype():
    # One input cell under "full" with wrap: both taps read it, so every entry is 100 + 100 = 200,
    # which int8 cannot hold.
    A = refconv.conv_matrix(np.array([100, 100], dtype=np.int8), (1,), mode="full", boundary="wrap")
    assert A.tolist() == [[200], [200]]
    S = refconv.conv_matrix(np.array([100, 100], dtype=np.int8), (1,), mode="full", boundary="wrap", format="sparse")
    assert S.toarray().tolist() == [[200], [200]]


def test_the_layer_matrix_puts_each_input_channel_in_its_own_columns():
    # Two input channels, one output: y = corr(x0, w0) + corr(x1, w1), written out.
    x = np.array([[1, 2, 3], [10, 20, 30]])
    w = np.array([[[1, 2], [3, 4]]])  # (C_out=1, C_in=2, k=2)
    A = refconv.layer_matrix(w, (2, 3))
    assert A.tolist() == [[1, 2, 0, 3, 4, 0], [0, 1, 2, 0, 3, 4]]
    assert (A @ x.ravel()).tolist() == [1 * 1 + 2 * 2 + 3 * 10 + 4 * 20, 1 * 2 + 2 * 3 + 3 * 20 + 4 * 30]
    S = refconv.layer_matrix(w, (2, 3), format="sparse")
    assert S.toarray().tolist() == A.tolist()


@pytest.mark.parametrize(
    ("predicate", "args", "structure", "pair"),
    [
        ("is_toeplitz", (), "Toeplitz matrix", ((0, 0), (1, 1))),
        ("is_circulant", (), "circulant matrix", ((0, 0), (1, 1))),
        ("is_multilevel_toeplitz", ((2,), (2,)), "multilevel Toeplitz matrix", ((0, 0), (1, 1))),
        ("is_multilevel_circulant", ((2,),), "multilevel circulant matrix", ((0, 0), (1, 1))),
    ],
)
def test_predicates_name_their_structure_and_the_first_pair(predicate, args, structure, pair):
    from refconv import matrices

    check = getattr(matrices, predicate)(np.array([[1, 2], [3, 4]]), *args)
    assert (bool(check), check.structure, check.pair) == (False, structure, pair)
    assert check.why == f"A[0, 0] = 1 but A[1, 1] = 4; a {structure} needs them equal"
    holds = getattr(matrices, predicate)(np.array([[1, 2], [2, 1]]), *args)
    assert (bool(holds), holds.structure, holds.why, holds.pair) == (True, structure, "", None)


def test_circulant_predicates_see_the_wrapped_pair_that_toeplitz_ignores():
    from refconv import matrices

    A = np.array([[1, 2], [3, 1]])  # Toeplitz; circulant would need A[0, 1] == A[1, 0]
    assert matrices.is_toeplitz(A)
    for check in (matrices.is_circulant(A), matrices.is_multilevel_circulant(A, (2,))):
        assert not check and check.pair == ((0, 1), (1, 0)) and check.values == (2, 3)
    assert not matrices.is_multilevel_circulant(A, (2,))
    B = np.array([[1, 2, 0, 0], [3, 1, 0, 0], [0, 0, 1, 2], [0, 0, 3, 5]])
    dbt = matrices.is_doubly_block_toeplitz(B, (2, 2))  # blocks T00 != T11 at their (1, 1) entries
    assert (dbt.structure, dbt.pair) == ("doubly block Toeplitz matrix", ((1, 1), (3, 3)))
    dbc = matrices.is_doubly_block_circulant(B, (2, 2))  # block T00 fails its own wrap first
    assert (dbc.structure, dbc.pair) == ("doubly block circulant matrix", ((0, 1), (1, 0)))
    rect = matrices.is_doubly_block_circulant(np.eye(4), (2, 1))
    assert (bool(rect), rect.why) == (False, "level 0 has 2 rows but 4 columns; a circulant level must be square")


# ============================================================================================
# refconv.pooling: every refusal's whole message

_POWER_TAIL = (
    "over the limit of 1,000,000 (refconv.pooling.POWER_BITS_LIMIT); expected p with a small numerator and "
    "denominator (e.g. Fraction(1, 10), not 0.1), or float x"
)
_POOLING_REFUSALS = {
    "max-complex": (
        lambda: refconv.max_pool(np.array([1j, 2]), 2),
        TypeError,
        "max_pool: x=<ndarray shape=(2,) dtype=complex128> is complex, which has no order; expected real numbers",
    ),
    "global-max-complex": (
        lambda: refconv.global_max_pool(np.array([1j, 2])),
        TypeError,
        "global_max_pool: x=<ndarray shape=(2,) dtype=complex128> is complex, which has no order; expected real "
        "numbers",
    ),
    "axes-type": (
        lambda: refconv.max_pool(np.ones((2, 2)), 2, axes="a"),
        TypeError,
        "max_pool: axes='a' is not an int or a tuple of ints; expected a tuple of axis numbers",
    ),
    "axes-repeat": (
        lambda: refconv.avg_pool(np.ones((2, 2)), (1, 1), axes=(0, 0)),
        ValueError,
        "avg_pool: axes=(0, 0) repeats an axis; expected distinct axes",
    ),
    "axes-count": (
        lambda: refconv.avg_pool(np.ones((2, 2)), (1, 1), axes=(0,)),
        ValueError,
        "avg_pool: axes=(0,) names 1 axes but kernel_size=(1, 1) has 2 entries; expected one axis per window length",
    ),
    "kernel-rank": (
        lambda: refconv.max_pool(np.ones(3), (1, 1)),
        ValueError,
        "max_pool: kernel_size=(1, 1) has 2 entries but x.ndim=1; expected at most x.ndim window lengths",
    ),
    "p-type": (
        lambda: refconv.lp_pool(np.ones(3), "2", 2),
        TypeError,
        "lp_pool: p='2' is not a real number; expected p > 0 or math.inf",
    ),
    "global-p-type": (
        lambda: refconv.global_lp_pool(np.ones(3), "2"),
        TypeError,
        "global_lp_pool: p='2' is not a real number; expected p > 0 or math.inf",
    ),
    # Entries of 1/3 have 2-bit parts; p = 10**9/7 needs about 2 * 10**9 bits.
    "power-fraction": (
        lambda: refconv.lp_pool(np.array([Fraction(1, 3)]), Fraction(10**9, 7), 1),
        ValueError,
        "lp_pool: p=Fraction(1000000000, 7) is exactly 1000000000/7: raising exact x (entries of up to 2 bits) "
        f"to it needs numbers of about 2,000,000,000 bits, {_POWER_TAIL}",
    ),
    # 2**1000 has 1001 bits; p = 10**6 needs 1001 * 10**6 bits.
    "power-int": (
        lambda: refconv.lp_pool(np.array([2**1000]), 10**6, 1),
        ValueError,
        "lp_pool: p=1000000 is exactly 1000000/1: raising exact x (entries of up to 1001 bits) to it needs numbers "
        f"of about 1,001,000,000 bits, {_POWER_TAIL}",
    ),
    # A 134-bit numerator: the size (about 2 * 10**40 bits, between 2**133 and 2**134) is shown as a power.
    "power-huge": (
        lambda: refconv.lp_pool(np.array([3]), Fraction(10**40 + 1, 7), 1),
        ValueError,
        "lp_pool: p=Fraction(10000000000000000000000000000000000000001, 7) is exactly a/b with 133-bit a and "
        "3-bit b: raising exact x (entries of up to 2 bits) to it needs numbers of about 2**133 bits, "
        f"{_POWER_TAIL}",
    ),
    "weight-shape": (
        lambda: refconv.weighted_pool(np.ones(3), 2, np.array([1, 1, 1])),
        ValueError,
        "weighted_pool: weight=<ndarray shape=(3,) dtype=int64> has shape (3,), not kernel_size=(2,); expected a "
        "callable of the distance, or an array of shape kernel_size",
    ),
    "weight-junk": (
        lambda: refconv.weighted_pool(np.ones(3), 2, "w"),
        TypeError,
        "weighted_pool: weight='w' is neither a callable nor an array; expected a callable of the distance to the "
        "window centre, or an array of shape kernel_size",
    ),
    "weight-complex": (
        lambda: refconv.weighted_pool(np.ones(3), 2, np.array([1j, 1])),
        TypeError,
        "weighted_pool: weight=<ndarray shape=(2,) dtype=complex128> is complex; expected real weights >= 0",
    ),
    "weight-sign": (
        lambda: refconv.weighted_pool(np.ones(3), 2, np.array([sympy.Symbol("a"), 1], dtype=object)),
        TypeError,
        "weighted_pool: weight=<ndarray shape=(2,) dtype=object> gives a at tap (0,), whose sign is unknown; "
        "expected real weights >= 0",
    ),
    "weight-negative": (
        lambda: refconv.weighted_pool(np.ones(3), 2, np.array([1, -1])),
        ValueError,
        "weighted_pool: weight=<ndarray shape=(2,) dtype=int64> gives -1 at tap (1,); expected finite weights >= 0",
    ),
    "max-padding-only": (
        lambda: refconv.max_pool(np.arange(1), 2, padding=1, dilation=2),
        ValueError,
        "max_pool: dilation=2 with padding=1 leaves window (0,) holding padding only, whose max is -inf; expected "
        "windows that reach an input cell for exact x (float x gives -inf, as torch)",
    ),
}


def test_exact_max_pools_return_exact_objects():
    # Fractions and Python ints stay exact objects, per window and globally (not floats).
    x = np.array([Fraction(1, 3), Fraction(-1, 2), 2**70, 5], dtype=object)
    got = refconv.max_pool(x, 2)
    assert got.dtype == object and got.tolist() == [Fraction(1, 3), 2**70]
    assert all(type(v) in (Fraction, int) for v in got)
    g = refconv.global_max_pool(x)
    assert g.dtype == object and g.tolist() == [2**70]
    values, index = refconv.global_max_pool(x, return_indices=True)
    assert (values.tolist(), index.tolist()) == ([2**70], [2])


# ============================================================================================
# refconv.bounds: every refusal's whole message

_X32, _W32 = np.arange(6, dtype=np.float32), np.ones(3, dtype=np.float32)
_BOUND_REFUSALS = {
    "round-dtype": (
        lambda: refconv.bounds.round_to(np.array([1, 2]), "f16"),
        TypeError,
        "round_to: a=<ndarray shape=(2,) dtype=int64> has dtype int64; expected a float array",
    ),
    "round-fmt": (
        lambda: refconv.bounds.round_to(np.array([1.0]), "f8"),
        ValueError,
        "round_to: fmt='f8' is not recognised; expected one of 'f64', 'f32', 'tf32', 'f16', 'bf16'",
    ),
    "round-mode": (
        lambda: refconv.bounds.round_to(np.array([1.0]), "f16", "ru"),
        ValueError,
        "round_to: rounding='ru' is not recognised; expected one of 'rn', 'rz'",
    ),
    "winograd-at-shape": (
        lambda: refconv.error_bound(
            _X32, _W32, op="correlate", method="winograd", transform=(np.ones((2, 3)), np.ones((4, 3)), np.eye(4))
        ),
        ValueError,
        "error_bound: transform='(AT, G, BT)' with shapes AT (2, 3), G (4, 3), BT (4, 4) is inconsistent; "
        "expected AT (m, m+r-1), G (m+r-1, r), BT (m+r-1, m+r-1)",
    ),
    "round-range": (
        lambda: refconv.bounds.round_to(np.array([1.0]), refconv.bounds.Format("p23", 23, -126, 127)),
        ValueError,
        "round_to: fmt=Format(name='p23', p=23, e_min=-126, e_max=127) is neither a numpy format nor of "
        "float32's range; expected 1 <= p <= 22 with e_min=-126, e_max=127",
    ),
    "no-float": (
        lambda: refconv.error_bound(np.arange(6), np.ones(3, dtype=int), op="correlate"),
        TypeError,
        "error_bound: dtype=None cannot be inferred: no float operand; expected dtype=float16/32/64",
    ),
    "dtype-int": (
        lambda: refconv.error_bound(_X32, _W32, op="correlate", dtype="int32"),
        ValueError,
        "error_bound: dtype='int32' is not a float dtype with a bound; expected float16, float32 or float64",
    ),
    "pool-fft": (
        lambda: refconv.error_bound(_X32, 2, op="avg_pool", method="fft"),
        ValueError,
        "error_bound: method='fft' has no bound for op='avg_pool'; expected 'direct'",
    ),
    "wino-stride": (
        lambda: refconv.error_bound(_X32, _W32, op="correlate", method="winograd", stride=2),
        ValueError,
        "error_bound: method='winograd' is bounded here for 1-D/2-D, stride 1, dilation 1 only (got "
        "ConvSpec(axes=(AxisGeometry(n=6, k=3, stride=2, dilation=1, lo=0, hi=0, ceil_mode=False),), "
        "boundary='constant')); expected method='direct' or 'fft' for this problem",
    ),
    "wino-3d": (
        lambda: refconv.error_bound(
            np.ones((4, 4, 4), np.float32), np.ones((3, 3, 3), np.float32), op="correlate", method="winograd"
        ),
        ValueError,
        "error_bound: method='winograd' is bounded here for 1-D/2-D, stride 1, dilation 1 only (got "
        "ConvSpec(axes=(AxisGeometry(n=4, k=3, stride=1, dilation=1, lo=0, hi=0, ceil_mode=False), "
        "AxisGeometry(n=4, k=3, stride=1, dilation=1, lo=0, hi=0, ceil_mode=False), AxisGeometry(n=4, k=3, "
        "stride=1, dilation=1, lo=0, hi=0, ceil_mode=False)), boundary='constant')); expected method='direct' "
        "or 'fft' for this problem",
    ),
    "wino-kernel": (
        lambda: refconv.error_bound(_X32, np.ones(2, np.float32), op="correlate", method="winograd"),
        ValueError,
        "error_bound: transform=None has no default for kernel (2,); expected the (AT, G, BT) matrices the "
        "implementation uses",
    ),
    "wino-name": (
        lambda: refconv.error_bound(_X32, _W32, op="correlate", method="winograd", transform="F(3,3)"),
        ValueError,
        "error_bound: transform='F(3,3)' is not recognised; expected one of 'F(2,3)', 'F(4,3)'",
    ),
    "wino-shapes": (
        lambda: refconv.error_bound(
            _X32, _W32, op="correlate", method="winograd", transform=(np.ones((2, 4)), np.ones((4, 3)), np.ones((3, 3)))
        ),
        ValueError,
        "error_bound: transform='(AT, G, BT)' with shapes AT (2, 4), G (4, 3), BT (3, 3) is inconsistent; "
        "expected AT (m, m+r-1), G (m+r-1, r), BT (m+r-1, m+r-1)",
    ),
    "wino-taps": (
        lambda: refconv.error_bound(
            _X32, np.ones(5, np.float32), op="correlate", method="winograd", transform="F(2,3)"
        ),
        ValueError,
        "error_bound: transform=(((1, 1, 1, 0), (0, 1, -1, -1)), ((1, 0, 0), (0.5, 0.5, 0.5), (0.5, -0.5, "
        "0.5... is for kernels of 3 taps, not (5,); expected matching transform matrices",
    ),
    "method": (
        lambda: refconv.error_bound(_X32, _W32, op="correlate", method="gemm"),
        ValueError,
        "error_bound: method='gemm' is not recognised; expected one of 'direct', 'winograd', 'fft'",
    ),
    "arith": (
        lambda: refconv.error_bound(_X32, _W32, op="correlate", arithmetic="F8"),
        ValueError,
        "error_bound: arithmetic='F8' is not recognised; expected one of 'F64_F64_F64', 'F32_F32_F32', "
        "'F16_F16_F16', 'F16_F16_F32', 'BF16_BF16_F32', 'F16_F16_F32_TC', 'BF16_BF16_F32_TC', "
        "'TF32_TF32_F32', 'BF16x3_F32'",
    ),
}


# ============================================================================================
# Every refusal above, its whole message: matrices, pooling and bounds.

_REFUSALS = {
    f"{module}-{name}": case
    for module, table in (
        ("matrices", _MATRIX_REFUSALS),
        ("pooling", _POOLING_REFUSALS),
        ("bounds", _BOUND_REFUSALS),
    )
    for name, case in table.items()
}


@pytest.mark.parametrize("name", sorted(_REFUSALS))
def test_refusals_say_exactly(name):
    call, exc, message = _REFUSALS[name]
    with pytest.raises(exc) as info:
        call()
    assert str(info.value) == message
