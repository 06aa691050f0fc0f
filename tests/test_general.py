"""refconv.general: JAX's conv_general_dilated and channels-last layouts, by hand, by property, against JAX."""

from fractions import Fraction

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given

import refconv
from refconv import conv_channels_last, conv_general_dilated
from refconv.adapters.jax import general_calls

cgd = conv_general_dilated


# ---- hand-derived cases, one per option ------------------------------------------------------------


def test_lhs_dilation_interleaves_zeros_then_pads_crop():
    # [1, 2, 3] dilated by 2 is [1, 0, 2, 0, 3]; pads (-1, 2) give p = [0, 2, 0, 3, 0, 0];
    # y[o] = p[o] + 10*p[o+1].
    p = [0, 2, 0, 3, 0, 0]
    expected = [p[o] + 10 * p[o + 1] for o in range(5)]
    y = cgd(np.array([[[1, 2, 3]]]), np.array([[[1, 10]]]), (1,), [(-1, 2)], lhs_dilation=(2,))
    assert y.tolist() == [[expected]] == [[[20, 2, 30, 3, 0]]]


def test_lhs_dilation_with_a_stride():
    # [1, 2, 3] dilated by 3: [1, 0, 0, 2, 0, 0, 3]; stride 2, kernel [1, 1]: windows at 0, 2, 4.
    y = cgd(np.array([[[1, 2, 3]]]), np.array([[[1, 1]]]), (2,), [(0, 0)], lhs_dilation=(3,))
    assert y.tolist() == [[[1 + 0, 0 + 2, 0 + 0]]]


def test_rhs_dilation_reads_every_other_cell():
    x = [1, 2, 3, 4, 5]
    y = cgd(np.array([[x]]), np.array([[[1, 10]]]), (1,), "VALID", rhs_dilation=(2,))
    assert y.tolist() == [[[x[o] + 10 * x[o + 2] for o in range(3)]]] == [[[31, 42, 53]]]


def test_negative_pads_crop_both_sides():
    x = np.array([[[1, 2, 3, 4, 5]]])
    assert cgd(x, np.array([[[1]]]), (1,), [(-1, -2)]).tolist() == [[[2, 3]]]
    # Cropped to [2, 3, 4, 5], one zero after: [2, 3, 4, 5, 0]; stride 2 pairs (2, 3) and (4, 5).
    assert cgd(x, np.array([[[1, 1]]]), (2,), [(-1, 1)]).tolist() == [[[2 + 3, 4 + 5]]]


def test_same_and_same_lower_split_the_odd_pad():
    x, w = np.array([[[1, 2, 3, 4]]]), np.array([[[1, 10]]])
    # One pad cell in total: SAME puts it after, SAME_LOWER before (names read in any case).
    assert cgd(x, w, (1,), "SAME").tolist() == [[[21, 32, 43, 4]]]
    assert cgd(x, w, (1,), "same").tolist() == [[[21, 32, 43, 4]]]
    assert cgd(x, w, (1,), "SAME_LOWER").tolist() == [[[10, 21, 32, 43]]]
    assert cgd(x, w, (1,), "VALID").tolist() == [[[21, 32, 43]]]


def test_feature_groups():
    x = np.array([[[1, 2, 3], [10, 20, 30]]])
    w = np.array([[[1, 1]], [[1, -1]]])  # group 0 sums pairs of channel 0, group 1 differences channel 1
    assert cgd(x, w, (1,), "VALID", feature_group_count=2).tolist() == [[[3, 5], [-10, -10]]]


def test_batch_groups_pair_batch_halves_with_feature_groups():
    x = np.array([[[1, 2]], [[3, 4]], [[5, 6]], [[7, 8]]])  # N=4, C=1: batch groups {0, 1} and {2, 3}
    w = np.array([[[1]], [[100]]])
    y = cgd(x, w, (1,), "VALID", batch_group_count=2)
    # Output batch n, feature 0 reads batch n (group 0); feature 1 reads batch 2 + n (group 1).
    assert y.tolist() == [[[1, 2], [500, 600]], [[3, 4], [700, 800]]]


def test_dimension_numbers_channels_last():
    x = np.array([[1, 2], [3, 4]]).reshape(1, 2, 2, 1)  # NHWC
    w = np.array([[1, 10], [100, 1000]]).reshape(2, 2, 1, 1)  # HWIO
    y = cgd(x, w, (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC"))
    assert y.shape == (1, 1, 1, 1) and y.item() == 1 * 1 + 2 * 10 + 3 * 100 + 4 * 1000


def test_strides_follow_the_kernel_strings_spatial_order():
    x = np.array([1, 2, 3, 4]).reshape(1, 1, 1, 4)  # NCHW: H=1, W=4
    w = np.ones((1, 1, 1, 1), dtype=int)
    # rhs "WHIO" names W first, so window_strides=(2, 1) is W's stride 2 (JAX's rule).
    y = cgd(x, w, (2, 1), "VALID", dimension_numbers=("NCHW", "WHIO", "NCHW"))
    assert y.tolist() == [[[[1, 3]]]]


def test_output_layout_is_a_transpose():
    x, w = np.arange(24).reshape(2, 3, 4), np.arange(12).reshape(2, 3, 2)
    canonical = cgd(x, w, (1,), "VALID")
    assert np.array_equal(cgd(x, w, (1,), "VALID", dimension_numbers=("NCW", "OIW", "WCN")), canonical.T)
    assert np.array_equal(cgd(x, w, (1,), "VALID", dimension_numbers=((0, 1, 2), (0, 1, 2), (2, 1, 0))), canonical.T)


def test_jax_dimension_numbers_object():
    lax = pytest.importorskip("jax.lax")
    x, w = np.arange(6).reshape(1, 3, 2), np.arange(4).reshape(2, 2, 1)  # NWC, WIO
    dn = lax.conv_dimension_numbers(x.shape, w.shape, ("NWC", "WIO", "NWC"))
    assert np.array_equal(
        cgd(x, w, (1,), "VALID", dimension_numbers=dn), cgd(x, w, (1,), "VALID", None, None, ("NWC", "WIO", "NWC"))
    )


def test_empty_results_as_jax():
    w = np.ones((2, 1, 3), dtype=int)
    assert cgd(np.ones((1, 1, 2), dtype=int), w, (1,), "VALID").shape == (1, 2, 0)  # no window fits
    assert cgd(np.ones((0, 1, 3)), w.astype(float), (1,), "VALID").shape == (0, 2, 1)  # empty batch
    assert cgd(np.ones((1, 1, 3), dtype=int), w, (1,), [(-3, 0)]).shape == (1, 2, 0)  # cropped to nothing


def test_exact_beyond_int64_and_fractions():
    big = cgd(np.array([[[2**62, 2**62]]]), np.array([[[2, 2]]]), (1,), "VALID")
    assert big.dtype == object and big.item() == 2**62 * 2 + 2**62 * 2
    half = cgd(np.array([[[Fraction(1, 2), Fraction(1, 3)]]], dtype=object), np.array([[[3, 6]]]), (1,), "VALID")
    assert half.item() == Fraction(3, 2) + 2


def test_channels_last_hand():
    x = np.array([[[1, 10], [2, 20], [3, 30]]])  # NWC
    w = np.array([[[1, 1], [0, 0]], [[0, 0], [1, -1]]])
    assert conv_channels_last(x, w, layout="NWC").tolist() == [[[3, -10], [5, -10]]]
    assert conv_channels_last(x[0], w, layout="WC").tolist() == [[3, -10], [5, -10]]  # unbatched


# ---- properties ----------------------------------------------------------------------------------


@st.composite
def transposed(draw):
    """A conv_transpose problem with integers: (x, w, stride, padding, dilation)."""
    n, k = draw(st.integers(1, 5)), draw(st.integers(1, 3))
    s, d = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    # The output (n-1)*s + d*(k-1) + 1 - 2p keeps at least one cell.
    p = draw(st.integers(0, min(d * (k - 1), ((n - 1) * s + d * (k - 1)) // 2)))
    x = np.array(draw(st.lists(st.integers(-9, 9), min_size=n, max_size=n))).reshape(1, 1, n)
    w = np.array(draw(st.lists(st.integers(-9, 9), min_size=k, max_size=k))).reshape(1, 1, k)
    return x, w, s, p, d


@given(transposed())
def test_lhs_dilation_is_conv_transpose(problem):
    # conv_transpose = input dilated by the stride, kernel flipped, pads d*(k-1) - padding (JAX's
    # own transpose_kernel form), so the two must agree exactly.
    x, w, s, p, d = problem
    reach = d * (w.shape[-1] - 1)
    y = cgd(x, w[..., ::-1], (1,), [(reach - p, reach - p)], lhs_dilation=(s,), rhs_dilation=(d,))
    assert np.array_equal(y, refconv.conv_transpose(x, w, stride=s, padding=p, dilation=d))


@given(general_calls("float64", (1, 2)))
def test_dimension_numbers_are_transposes(call):
    # Any layout: the result is the canonical-layout result of the permuted operands, permuted.
    (lhs, rhs, stride, padding), kw = call
    dims = kw.pop("dimension_numbers")
    sp = [c for c in dims[1] if c not in "OI"]
    perms = [[d.index(c) for c in (a, b, *sp)] for d, (a, b) in zip(dims, ("NC", "OI", "NC"))]
    x, w = np.rint(lhs).astype(np.int64).transpose(perms[0]), np.rint(rhs).astype(np.int64).transpose(perms[1])
    canonical = cgd(x, w, stride, padding, **kw)
    ours = cgd(
        np.rint(lhs).astype(np.int64), np.rint(rhs).astype(np.int64), stride, padding, dimension_numbers=dims, **kw
    )
    assert np.array_equal(ours, canonical.transpose(np.argsort(perms[2])))


@given(st.integers(1, 3), st.integers(1, 2), st.integers(2, 4), st.sampled_from(["NWC", "NCW", "WNC", "CW"]))
def test_channels_last_is_conv_between_transposes(c_in, c_out, n, layout):
    shape = [{"N": 2, "C": c_in, "W": n}[a] for a in layout]
    x = np.arange(np.prod(shape)).reshape(shape) - 3
    w = np.arange(c_out * c_in * 2).reshape(c_out, c_in, 2) % 5 - 2
    perm = [layout.index(a) for a in "NCW" if a in layout]
    expected = refconv.conv(x.transpose(perm), w, padding=1).transpose(np.argsort(perm))
    assert np.array_equal(conv_channels_last(x, w, layout=layout, padding=1), expected)


# ---- against JAX ---------------------------------------------------------------------------------


@given(general_calls("float64", (1, 2, 3)))
def test_agrees_with_jax_exactly_on_integers(call):
    pytest.importorskip("jax")
    from refconv.adapters import jax as peer

    (lhs, rhs, stride, padding), kw = call
    lhs, rhs = np.rint(lhs), np.rint(rhs)  # integer-valued: JAX's float64 sums are exact here
    theirs = peer.conv_general_dilated(lhs, rhs, stride, padding, **kw)
    ours = cgd(lhs.astype(np.int64), rhs.astype(np.int64), stride, padding, **kw)
    assert ours.shape == theirs.shape and np.array_equal(ours, theirs)


@given(general_calls("float64", (1, 2)))
def test_agrees_with_jax_on_floats(call):
    pytest.importorskip("jax")
    from refconv.adapters import jax as peer

    (lhs, rhs, stride, padding), kw = call
    theirs = peer.conv_general_dilated(lhs, rhs, stride, padding, **kw)
    ours = cgd(lhs, rhs, stride, padding, **kw)
    # float64 sums of at most 54 products of |v| <= 4 in another order: far inside 1e-12.
    assert ours.dtype == np.float64 and ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)
