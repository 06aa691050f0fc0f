"""The index arithmetic: boundary_index agrees with numpy.pad; gather and tap slices agree."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from refconv._taps import FILL, boundary_index, gather_index, pad, source_index, tap_slices, taps
from refconv.spec import AxisGeometry, plain_spec

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
