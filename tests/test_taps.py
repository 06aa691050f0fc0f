"""The index arithmetic: boundary_index agrees with numpy.pad; gather and tap slices agree.

Expectations are derived by hand (as arithmetic in the test, never copied from the code under test).
"""

import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refconv._taps import (
    FILL,
    array_safe,
    boundary_index,
    gather_index,
    pad,
    slab_padder,
    source_index,
    tap_slices,
    taps,
)
from refconv.spec import AxisGeometry, ConvSpec, plain_spec, pool_spec

BOUNDARIES = ("constant", "wrap", "reflect", "symmetric", "edge")


@given(st.integers(1, 7), st.integers(0, 20), st.integers(0, 20), st.sampled_from(BOUNDARIES))
def test_boundary_index_is_numpy_pad(n, lo, hi, boundary):
    x = np.arange(1, n + 1)  # values 1..n: 0 marks a constant fill cell
    expected = np.pad(x, (lo, hi), mode=boundary)
    idx = boundary_index(np.arange(-lo, n + hi), n, boundary)
    got = np.where(idx == FILL, 0, x[np.maximum(idx, 0)])
    assert got.tolist() == expected.tolist()


def test_source_index_by_hand():
    g = AxisGeometry(n=9, k=3, stride=3, dilation=2, lo=2, hi=0)
    # output 1, tap 2: 1*3 + 2*2 - 2
    assert source_index(1, 2, g) == 5
    assert gather_index(g, "constant")[0].tolist() == [FILL, 0, 2]


@given(
    st.integers(1, 8),
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(0, 3),
    st.integers(0, 3),
    st.sampled_from(BOUNDARIES),
)
def test_tap_slices_read_what_gather_index_says(n, k, s, d, lo, hi, boundary):
    if d * (k - 1) + 1 > n + lo + hi:
        return
    spec = plain_spec("t", (n,), (k,), mode=((lo, hi),), stride=s, dilation=d, boundary=boundary)
    x = np.arange(1, n + 1)
    padded = pad(x, spec, (0,))
    index = gather_index(spec.axes[0], boundary)
    for (t,) in taps(spec):
        via_slice = padded[tap_slices(spec, (t,))]
        via_gather = np.where(index[:, t] == FILL, 0, x[np.maximum(index[:, t], 0)])
        assert via_slice.tolist() == via_gather.tolist()


# ---- padding with overhang, slabs of rows, index tables past int64 ----------------------------------------


def test_pad_with_both_pads_and_a_ceil_overhang():
    # n=6, k=3, s=2, pads (1, 1), ceil: 4 windows reach (4-1)*2+3 = 9 cells, one past 8.
    g = pool_spec("f", (6,), (3,), stride=2, padding=1, ceil_mode=True)
    assert (g.axes[0].lo, g.axes[0].hi, g.axes[0].overhang) == (1, 1, 1)
    x = np.array([1, 2, 3, 4, 5, 6])
    assert pad(x, g, (0,), fill=-9).tolist() == [-9, 1, 2, 3, 4, 5, 6, -9, -9]


def test_pad_fills_the_overhang_even_under_a_copying_boundary():
    # wrap, n=4, k=3, s=2, pads (1, 1), ceil: span 6-3 = 3, ceil(3/2)+1 = 3 windows; the overhang
    # (3-1)*2+3-6 = 1 cell lies past the padded input: it is fill, not a wrapped copy.
    g = ConvSpec((AxisGeometry(4, 3, 2, 1, 1, 1, True),), "wrap")
    assert g.axes[0].overhang == 1
    x = np.array([10, 20, 30, 40])
    assert pad(x, g, (0,), fill=0).tolist() == [40, 10, 20, 30, 40, 10, 0]
    # Without ceil mode the same wrap padding has no overhang and copies both ends.
    g = ConvSpec((AxisGeometry(4, 3, 2, 1, 1, 1, False),), "wrap")
    assert pad(x, g, (0,), fill=0).tolist() == [40, 10, 20, 30, 40, 10]


def test_pad_without_pads_returns_the_input_itself():
    x = np.arange(5)
    g = plain_spec("f", (5,), (2,))
    assert pad(x, g, (0,)) is x


def test_tap_slices_restricted_to_a_slab_of_rows():
    # n=10, k=3, s=2: 4 outputs; tap 1 reads 1, 3, 5, 7.  Rows 2..3 read 5 and 7 only.
    g = ConvSpec((AxisGeometry(10, 3, 2),))
    assert tap_slices(g, (1,)) == (slice(1, 1 + 3 * 2 + 1, 2),)
    assert tap_slices(g, (1,), rows=(2, 4)) == (slice(5, 5 + 1 * 2 + 1, 2),)
    # The slab restricts axis 0 only: axis 1 (n=5, k=2, s=1: 4 outputs) keeps all of them.
    g2 = ConvSpec((AxisGeometry(10, 3, 2), AxisGeometry(5, 2)))
    assert tap_slices(g2, (1, 1), rows=(2, 4)) == (slice(5, 8, 2), slice(1, 5, 1))
    x = np.arange(10)
    assert x[tap_slices(g, (1,), rows=(2, 4))].tolist() == [5, 7]


def test_index_tables_of_a_stride_or_dilation_past_int64():
    # One output (stride 2**63) and one tap (dilation 2**64 + 1): the int64 tables never see them;
    # output 0 reads cells -lo + t*d.  Python ints keep the exact arithmetic.
    g = AxisGeometry(n=4, k=2, stride=2**63, dilation=1, lo=1, hi=0)
    assert g.out == 1
    assert gather_index(g, "constant").tolist() == [[-1, 0]]  # -1: the fill marker
    assert source_index(1, 0, g) == 2**63 - 1
    g = AxisGeometry(n=3, k=1, stride=1, dilation=2**64 + 1)
    assert gather_index(g, "wrap").tolist() == [[0], [1], [2]]
    assert array_safe(g).dilation == 1 and array_safe(g).stride == 1
    wide = AxisGeometry(n=3, k=2, stride=2**63 - 1)  # fits int64: kept
    assert array_safe(wide) is wide


# ---- slab_padder: slabs of planes padded as pad() pads them ------------------------------------------


def _slab_spec(boundary: str, lo: int, hi: int) -> ConvSpec:
    return ConvSpec((AxisGeometry(n=3, k=2, lo=lo, hi=hi), AxisGeometry(n=2, k=1, lo=hi, hi=lo)), boundary)


@pytest.mark.parametrize("boundary", ["constant", "reflect", "wrap"])
@pytest.mark.parametrize(("lo", "hi"), [(1, 0), (0, 1), (1, 2), (0, 0)])
def test_slab_padder_pads_every_slab_as_pad_does(boundary, lo, hi):
    planes = np.arange(5 * 3 * 2).reshape(5, 3, 2) + 1  # no zeros: a fill cell cannot pass for data
    s = _slab_spec(boundary, lo, hi)
    padder = slab_padder(planes, s, most=2, fill=-7)
    for p0, p1 in [(0, 2), (2, 3), (3, 5)]:
        got = padder(p0, p1).copy()  # the slab may be overwritten by the next call
        # By hand for the constant boundary: the planes inside a frame of fill cells.
        if boundary == "constant":
            expected = np.full((p1 - p0, 3 + lo + hi, 2 + hi + lo), -7)
            expected[:, lo : lo + 3, hi : hi + 2] = planes[p0:p1]
        else:
            expected = np.pad(planes[p0:p1], ((0, 0), (lo, hi), (hi, lo)), mode=boundary)
        assert got.tolist() == expected.tolist(), (p0, p1)


@pytest.mark.performance_contract
@pytest.mark.parametrize(("lo", "hi"), [(1, 1), (0, 1), (1, 0)])
def test_slab_padder_reuses_one_buffer_for_a_padded_constant_boundary(lo, hi):
    planes = np.ones((4, 3, 2))
    padder = slab_padder(planes, _slab_spec("constant", lo, hi), most=2)
    first, second = padder(0, 2), padder(2, 4)
    assert np.shares_memory(first, second)  # one buffer, its border written once
    assert padder(0, 1).base is not None and not np.shares_memory(padder(0, 1), planes)


def test_index_tables_keep_the_other_step_when_one_is_clamped():
    # One tap with a dilation past int64, but three outputs at stride 2: cells 0, 2, 4.
    g = AxisGeometry(n=5, k=1, stride=2, dilation=2**64 + 1)
    assert gather_index(g, "constant").tolist() == [[0], [2], [4]]
    # One output with a stride past int64, but two taps at dilation 2: cells 0 and 2.
    g = AxisGeometry(n=4, k=2, stride=2**63, dilation=2)
    assert g.out == 1 and gather_index(g, "constant").tolist() == [[0, 2]]


def test_a_per_thread_slab_padder_gives_each_thread_its_own_buffer():
    # Slabs padded concurrently must not overwrite each other: the same thread reuses its buffer
    # (slab_padder's), another thread gets one of its own, and both pad as slab_padder does.
    planes = np.arange(4 * 3 * 2).reshape(4, 3, 2) + 1
    padder = slab_padder(planes, _slab_spec("constant", 1, 1), most=2, fill=-7, per_thread=True)
    mine = padder(0, 2)
    assert np.shares_memory(mine, padder(2, 4))
    theirs = []
    worker = threading.Thread(target=lambda: theirs.append(padder(0, 2)))
    worker.start()
    worker.join()
    assert not np.shares_memory(padder(0, 2), theirs[0])
    expected = slab_padder(planes, _slab_spec("constant", 1, 1), most=2, fill=-7)(0, 2)
    assert theirs[0].tolist() == padder(0, 2).tolist() == expected.tolist()


def test_slab_padder_crops_a_negative_pad_and_fills_the_other_side():
    # lo = -1 drops the first cell of each plane, hi = 1 appends one fill cell (a transposed conv's
    # forward geometry crops this way); the slab equals pad()'s, fill included.
    planes = np.arange(1, 7).reshape(2, 3)
    s = ConvSpec((AxisGeometry(n=3, k=2, lo=-1, hi=1),), "constant")
    padder = slab_padder(planes, s, most=2, fill=-7)
    assert padder(0, 2).tolist() == [[2, 3, -7], [5, 6, -7]]
    assert padder(1, 2).tolist() == [[5, 6, -7]]
