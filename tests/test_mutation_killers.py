"""Tests written to kill the mutants that survived the suite (``tools/mutation.sh``).

Each test states a property of the code that the surviving mutant broke, with expectations
derived by hand (as arithmetic in the test, never copied from the code under test).  They are
grouped by the mutated module: the geometry (``refconv.spec``), the index arithmetic
(``refconv._taps``), the direct method, the sparse builder (``refconv.matrices``), pooling and
the error bounds (``refconv.bounds``).  Mutants judged equivalent are listed in the README's
"Mutation testing" section, each with its reason.
"""

from __future__ import annotations

import numpy as np
import pytest

import refconv
from refconv import _taps, spec
from refconv.spec import AxisGeometry, ConvSpec

# ============================================================================================
# refconv.spec: memoization, defaults and the ceil rule through every builder


def test_memoize_caches_simple_arguments_and_can_be_cleared():
    calls = []

    def builder(*args, **kwargs):
        calls.append((args, kwargs))
        return object()

    cached = spec._memoized(builder)
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
    assert spec._frozen(1) == (int, 1) and spec._frozen(True) == (bool, True)
    assert spec._frozen((1, 2)) == (tuple, (1, 2))
    assert spec._frozen([1, (2, 3)]) == (list, ((int, 1), (tuple, (2, 3))))
    assert spec._frozen((1, np.int64(2))) is None
    assert spec._frozen(np.int64(2)) is None


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


def test_boundary_index_refuses_an_unknown_boundary():
    with pytest.raises(ValueError, match=r"^boundary_index: boundary='mirror' is not recognised$"):
        _taps.boundary_index(np.arange(3), 3, "mirror")
