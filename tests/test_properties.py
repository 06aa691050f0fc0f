"""The seed's claims as properties: each on generated inputs, on a hand-derived case, and with a
negative control (a broken operator or a wrong claim) that must fail as asserted."""

from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample
from hypothesis.extra import numpy as hnp

from refconv import conv, conv_transpose, convolve, correlate
from refconv import properties as P
from refconv import strategies as rst
from refconv.matrices import conv_matrix, layer_matrix
from refconv.pooling import avg_pool, max_pool, pooled_unchanged_fraction
from refconv.receptive import receptive_field
from refconv.spec import BOUNDARIES, plain_spec
from refconv.strategies._problems import _symbol_array
from refconv.unshared import locally_connected, locally_connected_matrix, locally_connected_weight_shape


def fewer(divisor):
    """Settings for a slow test: the active profile's example count divided by ``divisor``."""
    return settings(max_examples=max(5, settings.default.max_examples // divisor))


#: Settings for hypothesis.find: deterministic, no database, twice the profile's examples, and no
#: shrinking (these tests assert that a counterexample exists, or that none does).
FIND = settings(
    database=None,
    derandomize=True,
    max_examples=2 * settings.default.max_examples,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def fails(check, *args, **kwargs):
    """True when the property raises AssertionError (a counterexample to its claim)."""
    try:
        check(*args, **kwargs)
    except AssertionError:
        return True
    return False


def shifts(spec, data, reach=3):
    """A shift that is a multiple of the stride on every axis."""
    return tuple(s * data.draw(st.integers(-reach, reach)) for s in spec.stride)


def untied(x, w, **kwargs):
    """A locally connected layer whose kernel at output o is w + o: no parameter sharing."""
    shape = locally_connected_weight_shape(x.shape, w.shape, **{k: kwargs[k] for k in ("mode", "stride", "dilation")})
    out = shape[: x.ndim]
    offsets = np.indices(out).sum(axis=0).reshape(out + (1,) * w.ndim)
    return locally_connected(x, w + offsets, **kwargs)


# --- 1. translation equivariance ------------------------------------------------------------


@given(rst.plain_problems(), st.data())
def test_translation_equivariance_generated(p, data):
    r = P.translation_equivariance(correlate, p.x, p.w, shift=shifts(p.spec, data), **p.kwargs)
    if p.kwargs["boundary"] == "wrap" and p.spec.stride == (1,) * p.x.ndim and p.kwargs["mode"] in ("same", "full"):
        assert r.region.all()  # wrap: every output, any shift


@given(rst.layer_problems(), st.data())
def test_translation_equivariance_layer_generated(p, data):
    P.translation_equivariance(conv, p.x, p.w, shift=shifts(p.spec, data), convention="layer", bias=p.bias, **p.kwargs)


@fewer(3)
@given(rst.plain_problems(kind="symbolic", boundaries=("constant",)), st.data())
def test_translation_region_is_exact_for_zero_boundary(p, data):
    # Generic (symbolic) operands: outside the stated region every comparable output differs.
    shift = shifts(p.spec, data, reach=2)
    r = P.translation_equivariance(correlate, p.x, p.w, shift=shift, **p.kwargs)
    y = correlate(p.x, p.w, **p.kwargs)
    moved = correlate(P.translate(p.x, shift), p.w, **p.kwargs)
    for o in np.ndindex(*y.shape):
        partner = tuple(a - q for a, q in zip(o, r.output_shift))
        if not r.region[o] and all(0 <= i < n for i, n in zip(partner, y.shape)):
            assert sympy.expand(moved[o] - y[partner]) != 0, (o, partner)


def test_translation_hand_zero_boundary():
    x, w = np.array([1, 2, 3, 4, 5, 6]), np.array([1, 10, 100])
    r = P.translation_equivariance(correlate, x, w, shift=2, mode="same")
    # Output o of the shifted input pairs with o-2; output 5 reads cell 6 (old cell 4), lost.
    assert r.region.tolist() == [False, False, True, True, True, False]
    assert r.compared == 3 and r.output_shift == (2,)
    moved = correlate(P.translate(x, 2), w, mode="same")  # x' = [0, 0, 1, 2, 3, 4]
    assert moved.tolist()[2:5] == [0 + 10 * 1 + 100 * 2, 1 + 10 * 2 + 100 * 3, 2 + 10 * 3 + 100 * 4]
    assert moved[5] == 3 + 10 * 4 + 100 * 0 != correlate(x, w, mode="same")[3] == 3 + 10 * 4 + 100 * 5


def test_translation_hand_wrap_and_stride():
    x, w = np.array([1, 2, 3, 4]), np.array([1, 10])
    r = P.translation_equivariance(correlate, x, w, shift=1, mode="same", boundary="wrap")
    assert r.region.all() and r.compared == 4
    # Stride 2 on six cells, wrap: a shift by 2 moves the output by 1, all three outputs compared.
    r = P.translation_equivariance(correlate, np.arange(6), np.array([1, 1]), shift=2, stride=2, boundary="wrap")
    assert r.output_shift == (1,) and r.region.tolist() == [True, True, True]


def test_stride_counterexample_hand():
    x, y, moved = P.stride_counterexample(2)
    assert x.tolist() == [1, 2, 0, 0]
    assert y.tolist() == [x[0], x[2]] == [1, 0]
    assert moved.tolist() == [0, 2]  # the input shifted by one: [0, 1, 2, 0][::2]
    with pytest.raises(ValueError, match=r"shift=\(1,\) is not a multiple of stride=\(2,\).*counterexample"):
        P.translation_equivariance(correlate, x, [1], shift=1, stride=2)


def test_stride_non_multiple_shift_has_a_counterexample():
    # Hypothesis finds inputs where no circular output shift matches a shift by a non-multiple.
    def no_output_shift_matches(case):
        x, s, shift = case
        y = correlate(x, [1], stride=s, boundary="wrap")
        moved = correlate(np.roll(x, shift), [1], stride=s, boundary="wrap")
        return all(not np.array_equal(np.roll(y, q), moved) for q in range(len(y)))

    cases = st.integers(2, 3).flatmap(
        lambda s: st.tuples(hnp.arrays(np.int64, 2 * s, elements=st.integers(0, 3)), st.just(s), st.integers(1, s - 1))
    )
    x, s, shift = find(cases, no_output_shift_matches, settings=FIND)
    assert shift % s != 0 and x.any()


def test_translation_negative_controls():
    x, w = np.arange(1, 9), np.array([1, -2, 3])
    # An unshared layer is not equivariant.
    with pytest.raises(AssertionError, match=r"translation_equivariance: got f\(g\(x\)\).*expected g\(f\(x\)\)"):
        P.translation_equivariance(untied, x, w, shift=1, mode="valid", stride=1, dilation=1)
    # A wrong claim: a wrapping operator declared as zero-padded.
    wraps = lambda x, w, **kw: correlate(x, w, **{**kw, "boundary": "wrap"})  # noqa: E731
    with pytest.raises(AssertionError, match="call: "):
        P.translation_equivariance(wraps, x, w, shift=1, mode="same")


# --- 2. not equivariant to rotation or scale ----------------------------------------------------


@st.composite
def square_problems(draw):
    """Square 2-D inputs and kernels (a quarter turn keeps their shapes), stride and dilation 1."""
    n = draw(st.integers(1, 5))
    k = draw(st.integers(1, n))
    kwargs = {"mode": draw(st.sampled_from(["valid", "full"])), "boundary": draw(st.sampled_from(BOUNDARIES))}
    return rst.PlainProblem(draw(rst.arrays((n, n))), draw(rst.arrays((k, k))), kwargs)


def test_rotation_counterexample_found():
    p = find(
        square_problems(), lambda p: fails(P.rotation_equivariance, correlate, p.x, p.w, **p.kwargs), settings=FIND
    )
    assert p.w.size >= 2  # a one-tap kernel is rotation-invariant


def test_scale_counterexample_found():
    p = find(
        rst.plain_problems(modes=("same",), max_stride=1),
        lambda p: fails(P.scale_equivariance, correlate, p.x, p.w, **p.kwargs),
        settings=FIND,
    )
    assert p.w.size >= 2


@given(square_problems())
def test_rotation_with_rotated_kernel_holds(p):
    P.rotation_equivariance(correlate, p.x, p.w, rotate_kernel=True, **p.kwargs)


def test_rotation_hand():
    x, w = np.arange(9).reshape(3, 3), np.array([[1, 2], [3, 4]])
    # rot90(x) = [[2, 5, 8], [1, 4, 7], [0, 3, 6]]; f(x) = [[27, 37], [57, 67]], rot90 -> [[37, 67], [27, 57]].
    with pytest.raises(AssertionError, match=r"f\(rot\(x\)\)\[0, 0\] = 31, expected rot\(f\(x\)\)\[0, 0\] = 37"):
        P.rotation_equivariance(correlate, x, w)
    assert 2 * 1 + 5 * 2 + 1 * 3 + 4 * 4 == 31 and 1 * 1 + 2 * 2 + 4 * 3 + 5 * 4 == 37


def test_scale_hand():
    # [1, 2] upscaled is [1, 1, 2, 2]; with w = [1, 1]: [2, 3, 4] against up([3]) = [3, 3].
    with pytest.raises(AssertionError, match=r"got f\(up\(x\)\) of shape \(3,\), expected up\(f\(x\)\) of shape"):
        P.scale_equivariance(correlate, [1, 2], [1, 1])
    assert P.scale_equivariance(correlate, [1, 2, 3], [7]) == 6  # one tap: 7*[1,1,2,2,3,3]


def test_rotation_and_scale_negative_controls():
    # The claim "not equivariant" is false for rotation-symmetric kernels and for one-tap kernels.
    def symmetric(p):
        k = min(p.w.shape)
        base = p.w[:k, :k]
        w = base + np.rot90(base) + np.rot90(base, 2) + np.rot90(base, 3)
        return fails(P.rotation_equivariance, correlate, p.x, w, **p.kwargs)

    with pytest.raises(NoSuchExample):
        find(square_problems(), symmetric, settings=FIND)
    one_tap = rst.plain_problems(modes=("valid",), max_kernel=1, max_stride=1, max_dilation=1)
    with pytest.raises(NoSuchExample):
        find(one_tap, lambda p: fails(P.scale_equivariance, correlate, p.x, p.w, **p.kwargs), settings=FIND)


# --- 3. flip equivalence ------------------------------------------------------------------------


@given(st.sampled_from(["int", "fraction", "float"]).flatmap(lambda kind: rst.plain_problems(kind=kind)))
def test_flip_equivalence_generated(p):
    P.flip_equivalence(convolve, correlate, p.x, p.w, **p.kwargs)


@given(rst.plain_problems(max_stride=1))
def test_reflection_swaps_pads_generated(p):
    kw = {k: v for k, v in p.kwargs.items() if k != "mode"}
    P.reflection_swaps_pads(correlate, p.x, p.w, mode=p.kwargs["mode"], **kw)
    P.reflection_swaps_pads(convolve, p.x, p.w, mode=p.kwargs["mode"], **kw)


def test_flip_hand_same_even_kernel():
    x, w = [1, 2, 3, 4, 5], [1, 10]
    # Centred "same" pads (1, 0); convolve(x, w) = correlate(x, [10, 1]).
    assert convolve(x, w, mode="same").tolist() == [1, 10 * 1 + 2, 10 * 2 + 3, 10 * 3 + 4, 10 * 4 + 5]
    assert P.flip_equivalence(convolve, correlate, x, w, mode="same") == 5
    # Reversal: flip(correlate(x, w, same)) = flip([10, 21, 32, 43, 54]) needs pads (0, 1), not (1, 0).
    assert correlate(x[::-1], w[::-1], mode=(0, 1)).tolist() == [50 + 4, 40 + 3, 30 + 2, 20 + 1, 10 + 0]
    assert correlate(x[::-1], w[::-1], mode="same").tolist() == [5, 50 + 4, 40 + 3, 30 + 2, 20 + 1]
    assert P.reflection_swaps_pads(correlate, x, w, mode="same") == 5


def test_flip_negative_controls():
    x, w = np.arange(6), np.array([1, 2, 5])
    # 0*1 + 1*2 + 2*5 against 0*5 + 1*2 + 2*1
    with pytest.raises(
        AssertionError, match=r"got convolve\(x, w\)\[0\] = 12, expected correlate\(x, flip\(w\)\)\[0\] = 4"
    ):
        P.flip_equivalence(correlate, correlate, x, w)  # an operator that forgets to flip
    # The wrong claim that "same" with an even kernel commutes with reversal.
    same_anyway = lambda x, w, mode, **kw: correlate(x, w, mode="same", **kw)  # noqa: E731
    with pytest.raises(AssertionError, match="reflection_swaps_pads"):
        P.reflection_swaps_pads(same_anyway, [1, 2, 3, 4, 5], [1, 10], mode="same")


# --- 4. commutativity -----------------------------------------------------------------------------

pairs = st.sampled_from(["int", "fraction", "symbolic"]).flatmap(
    lambda kind: rst.plain_problems(kind=kind, modes=("full",), max_stride=1, max_dilation=1)
)


@fewer(2)
@given(pairs)
def test_convolution_commutes_correlation_swaps(p):
    P.commutativity(convolve, p.x, p.w)
    P.correlation_swap(correlate, p.x, p.w)


def test_commutativity_hand():
    assert convolve([1, 2, 3], [1, 10], mode="full").tolist() == [1, 10 + 2, 20 + 3, 30]
    assert P.commutativity(convolve, [1, 2, 3], [1, 10]) == 4
    ab = [1 * 4, 1 * 3 + 2 * 4, 1 * 2 + 2 * 3, 1 * 1 + 2 * 2, 2 * 1]
    assert correlate([1, 2], [1, 2, 3, 4], mode="full").tolist() == ab
    assert correlate([1, 2, 3, 4], [1, 2], mode="full").tolist() == ab[::-1]
    assert P.correlation_swap(correlate, [1, 2], [1, 2, 3, 4]) == 5


def test_commutativity_negative_controls():
    with pytest.raises(AssertionError, match=r"got f\(a, b\)\[0\] = 10, expected f\(b, a\)\[0\] = 3"):
        P.commutativity(correlate, [1, 2, 3], [1, 10])  # [10, 21, 32, 3] vs its reverse
    p = find(pairs, lambda p: fails(P.commutativity, correlate, p.x, p.w), settings=FIND)
    assert p.x.size + p.w.size >= 3
    with pytest.raises(AssertionError, match="correlation_swap"):
        P.correlation_swap(convolve, [1, 2, 3], [1, 10])  # convolution is not reversed by swapping


# --- 5. linearity and associativity ---------------------------------------------------------------


@given(rst.plain_problems(), st.data())
def test_linearity_generated(p, data):
    x2 = data.draw(rst.arrays(p.x.shape))
    w2 = data.draw(rst.arrays(p.w.shape))
    a = data.draw(st.integers(-5, 5) | st.fractions(-3, 3, max_denominator=4))
    b = data.draw(st.integers(-5, 5))
    P.linearity(correlate, p.x, p.w, x2, a=a, b=b, **p.kwargs)
    P.linearity(convolve, p.x, p.w, w2, argument="w", a=a, b=b, **p.kwargs)


@fewer(4)
@given(rst.layer_problems(bias=False), st.data())
def test_linearity_layer_symbolic_coefficients(p, data):
    x2 = data.draw(rst.arrays(p.x.shape))
    a, b = sympy.symbols("a b")
    P.linearity(lambda x, w, **kw: conv(x, w, **kw), p.x, p.w, x2, a=a, b=b, **p.kwargs)


@given(
    st.integers(1, 2).flatmap(
        lambda ndim: st.lists(
            rst.arrays(hnp.array_shapes(min_dims=ndim, max_dims=ndim, max_side=4)), min_size=3, max_size=3
        )
    )
)
def test_associativity_generated(operands):
    P.associativity(convolve, *operands)


def test_linearity_and_associativity_hand():
    # correlate([1,2,3],[1,-1]) = [-1, -1]; of [0,5,7]: [-5, -2]; of 2x-3x2 = [2,-11,-15]: [13, 4].
    assert correlate([2, -11, -15], [1, -1]).tolist() == [2 * -1 - 3 * -5, 2 * -1 - 3 * -2] == [13, 4]
    assert P.linearity(correlate, np.array([1, 2, 3]), np.array([1, -1]), np.array([0, 5, 7])) == 2
    # (1 + 2t)(3 + 4t + 5t^2) = 3 + 10t + 13t^2 + 10t^3; times (1 - t):
    left = convolve(convolve([1, 2], [3, 4, 5], mode="full"), [1, -1], mode="full")
    assert left.tolist() == [3, 10 - 3, 13 - 10, 10 - 13, -10]
    assert P.associativity(convolve, [1, 2], [3, 4, 5], [1, -1]) == 5


def test_linearity_and_associativity_negative_controls():
    x, w = np.array([1, 2, 3]), np.array([1, -1])
    affine = lambda x, w, **kw: correlate(x, w, **kw) + 1  # noqa: E731
    with pytest.raises(AssertionError, match="linearity: got"):
        P.linearity(affine, x, w, np.array([0, 5, 7]))
    # A layer with a bias is affine, not linear.
    with pytest.raises(AssertionError, match="linearity"):
        P.linearity(lambda x, w: conv(x, w, [5]), x[None, None], w[None, None], np.array([[[0, 5, 7]]]))
    with pytest.raises(AssertionError, match=r"associativity: got f\(f\(a, b\), c\)"):
        P.associativity(correlate, [1, 2], [3, 4, 5], [1, -1])


# --- 6. the adjoint: dot tests --------------------------------------------------------------------

LAYER_KEYS = ("stride", "padding", "dilation", "groups")


@given(rst.layer_problems(padding_modes=("zeros",)), st.data())
def test_conv_dot_test_generated(p, data):
    y = data.draw(rst.arrays(rst.LayerSpec(p.x.shape, p.w.shape, p.kwargs).output_shape))
    kw = {k: p.kwargs[k] for k in LAYER_KEYS}
    r = P.conv_dot_test(conv, conv_transpose, p.x, p.w, y, **kw)
    assert r.lhs == r.rhs


@fewer(4)
@given(rst.layer_problems(kind="fraction", padding_modes=("zeros",), max_channels=2), st.data())
def test_layer_matrix_dot_test_generated(p, data):
    y = data.draw(rst.arrays(rst.LayerSpec(p.x.shape, p.w.shape, p.kwargs).output_shape, kind="fraction"))
    kw = {k: p.kwargs[k] for k in LAYER_KEYS}
    A = layer_matrix(p.w, p.x.shape[1:], **kw)
    # The matrix against the function on both sides: A represents conv, A.T represents its adjoint.
    P.dot_test(lambda v: conv(v[None], p.w, **kw)[0], A.T, p.x[0], y[0])
    P.dot_test(A, None, p.x[0], y[0])


@given(
    rst.plain_problems(boundaries=("constant",), modes=("valid", "full", "pads")),
    st.data(),
    st.sampled_from(["dense", "sparse"]),
)
def test_conv_matrix_dot_test_generated(p, data, fmt):
    spec = p.spec
    y = data.draw(rst.arrays(spec.output_shape))
    A = conv_matrix(p.w, p.x.shape, format=fmt, **p.kwargs)
    op = tuple(g.padded - g.extent - (g.out - 1) * g.stride for g in spec.axes)
    one = (None, None)

    def adjoint(u):  # the plain correlation's adjoint is the layer's transposed convolution
        t = conv_transpose(
            u[one], p.w[one], stride=spec.stride, padding=spec.pads, dilation=spec.dilation, output_padding=op
        )
        return t[0, 0]

    P.dot_test(A, adjoint, p.x, y)
    P.dot_test(lambda v: correlate(v, p.w, **p.kwargs), A.T, p.x, y)


def test_dot_test_hand():
    x, w = np.arange(10).reshape(1, 2, 5), np.array([[[1, -2, 3]], [[4, 5, -6]]])
    y = np.array([[[3, -1], [2, 7]]])
    # Depthwise, stride 2: channel 0 [0-2+6, 2-6+12] = [4, 8]; channel 1 [20+30-42, 28+40-54] = [8, 14].
    lhs = 3 * 4 - 1 * 8 + 2 * 8 + 7 * 14
    assert P.conv_dot_test(conv, conv_transpose, x, w, y, stride=2, groups=2) == (lhs, lhs) == (118, 118)
    A = np.array([[1, 10, 0], [0, 1, 10]])  # correlate with [1, 10], valid, on 3 cells
    # A x = [21, 32], A.T y = [1, 10 - 1, -10].
    assert P.dot_test(A, None, np.array([1, 2, 3]), np.array([1, -1])) == (21 - 32, 1 * 1 + 2 * 9 + 3 * -10)


def test_dot_test_negative_controls():
    x, w, y = np.arange(1, 6)[None, None], np.array([[[1, 2, 4]]]), np.array([[[1, -1, 2]]])
    unflipped = lambda u, w, **kw: conv_transpose(u, w[..., ::-1], **kw)  # noqa: E731
    with pytest.raises(AssertionError, match=r"dot_test: got <forward\(x\), y> = .*, expected <x, adjoint\(y\)>"):
        P.conv_dot_test(conv, unflipped, x, w, y)
    cropped = lambda u, w, **kw: conv_transpose(u, w, **kw)[..., :-1]  # noqa: E731
    with pytest.raises(AssertionError, match=r"adjoint\(y\) of shape"):
        P.conv_dot_test(conv, cropped, x, w, y)


# --- 7. sparse interactions -------------------------------------------------------------------------

small_specs = rst.plain_specs(max_side=5, max_dims=2, max_kernel=3)


@fewer(4)
@given(small_specs)
def test_sparse_interactions_generated(s):
    r = P.sparse_interactions(correlate, s.input_shape, s.kernel_shape, **s.kwargs)
    w = np.arange(1, r.taps + 1).reshape(s.kernel_shape)
    m = P.sparse_interactions(
        conv_matrix(w, s.input_shape, format="sparse", **s.kwargs), s.input_shape, s.kernel_shape, **s.kwargs
    )
    assert (m.dependence == r.dependence).all()


def test_sparse_interactions_hand():
    # Figures 9.2/9.3: x3 -> s2, s3, s4 and s3 <- x2, x3, x4 (0-based 2 -> 1, 2, 3).
    r = P.sparse_interactions(correlate, (5,), (3,), mode="same")
    assert r.dependence[:, 2].nonzero()[0].tolist() == [1, 2, 3]
    assert r.dependence[2].nonzero()[0].tolist() == [1, 2, 3]
    assert r.interior.tolist() == [False, True, True, True, False]
    # A 2-D valid 3x3 kernel on 5x5: every output sees 9 inputs; the centre input feeds all 9 outputs.
    r = P.sparse_interactions(correlate, (5, 5), (3, 3))
    assert r.per_output.tolist() == [3 * 3] * 9 and r.per_input[2 * 5 + 2] == 9 and r.per_input[0] == 1


def test_sparse_interactions_negative_controls():
    dense = lambda x, w, **kw: np.full(5, x.sum())  # noqa: E731  (matrix multiplication: figure bottoms)
    with pytest.raises(AssertionError, match=r"got output 0 depending on inputs \[0, 1, 2, 3, 4\], expected \[0, 1\]"):
        P.sparse_interactions(dense, (5,), (3,), mode="same")
    no_dilation = lambda x, w, **kw: correlate(x, w, mode=kw["mode"])  # noqa: E731
    with pytest.raises(AssertionError, match="sparse_interactions"):
        P.sparse_interactions(no_dilation, (7,), (2,), mode="full", dilation=2)


# --- 8. receptive fields ---------------------------------------------------------------------------

layer_stacks = st.lists(
    st.tuples(st.integers(1, 3), st.integers(1, 2), st.integers(1, 2), st.integers(0, 1)), min_size=1, max_size=3
)


@fewer(2)
@given(layer_stacks, st.integers(0, 3))
def test_receptive_field_generated(layers, extra):
    field = receptive_field(layers)
    r = P.receptive_field_growth(correlate, layers, (field.size[0] + extra,))
    assert r == field
    # The span formula: 1 + sum (k-1) * d * (product of the earlier strides).
    jump, size = 1, 1
    for k, s, d, _ in layers:
        size, jump = size + (k - 1) * d * jump, jump * s
    assert r.size == (size,) and r.jump == (jump,)


def test_receptive_field_hand():
    # Figure 9.4: g3 (a unit of the second width-3 layer) sees x1..x5, h3 sees x2..x4.
    r = P.receptive_field_growth(correlate, [(3, 1, 1, 1), (3, 1, 1, 1)], (5,))
    assert r.cells((2,))[0].tolist() == [0, 1, 2, 3, 4]
    assert receptive_field([(3, 1, 1, 1)]).cells((2,))[0].tolist() == [1, 2, 3]
    # Stride 2 then width 3: 1 + (3-1)*1 + (3-1)*1*2 = 7 cells, neighbours 2 apart.
    assert P.receptive_field_growth(correlate, [(3, 2), 3], (9,)).size == (1 + 2 + 2 * 2,)
    # 2-D, dilation 2 on the second axis: 1 + 2*2 = 5 columns but only 3 of them read.
    r = P.receptive_field_growth(correlate, [((2, 3), 1, (1, 2))], (3, 6))
    assert r.size == (2, 5) and r.offsets == ((0, 1), (0, 2, 4)) and r.inputs == 2 * 3


def test_receptive_field_negative_controls():
    # An operator that pads on the wrong side: unit 0 should see cell 0 only (pads (2, 0)).
    swapped = lambda x, w, mode, **kw: correlate(x, w, mode=tuple((hi, lo) for lo, hi in mode), **kw)  # noqa: E731
    with pytest.raises(
        AssertionError, match=r"got unit \(0,\) depending on inputs \[\(0,\), \(1,\), \(2,\)\], expected"
    ):
        P.receptive_field_growth(swapped, [(3, 1, 1, (2, 0))], (4,))
    no_stride = lambda x, w, **kw: correlate(x, w, mode=kw["mode"], dilation=kw["dilation"])  # noqa: E731
    with pytest.raises(AssertionError, match=r"got a last layer of shape \(4,\), expected \(2,\)"):
        P.receptive_field_growth(no_stride, [(2, 2), 2], (6,))


# --- 9. parameter sharing -------------------------------------------------------------------------

tiny_specs = rst.plain_specs(max_side=4, max_dims=2, max_kernel=3)


@fewer(4)
@given(tiny_specs)
def test_parameter_sharing_generated(s):
    shared = P.parameter_sharing(correlate, s.input_shape, s.kernel_shape, **s.kwargs)
    W = _symbol_array(s.kernel_shape, "w")
    A = conv_matrix(W, s.input_shape, format="sympy", **s.kwargs)
    assert P.parameter_sharing(A, s.input_shape, s.kernel_shape, **s.kwargs).parameters == shared.parameters
    if s.kwargs["mode"] == "valid":
        assert shared.parameters == np.prod(s.kernel_shape)
    unshared = P.parameter_sharing(locally_connected, s.input_shape, s.kernel_shape, shared=False, **s.kwargs)
    geometry = {k: s.kwargs[k] for k in ("mode", "stride", "dilation")}
    Wu = _symbol_array(locally_connected_weight_shape(s.input_shape, s.kernel_shape, **geometry), "u")
    B = locally_connected_matrix(Wu, s.input_shape, **s.kwargs)
    assert P.parameter_sharing(B, s.input_shape, s.kernel_shape, shared=False, **s.kwargs).parameters == (
        unshared.parameters
    )


def test_parameter_sharing_hand():
    w0, w1, w2 = sympy.symbols("w0 w1 w2")
    # Valid, 5 inputs, width 3: 3 outputs, each parameter used by all 3 (figure 9.5 top).
    assert P.parameter_sharing(correlate, (5,), (3,)) == (3, {w0: 3, w1: 3, w2: 3})
    # "same": the end taps miss one output each (they read zero padding there).
    assert P.parameter_sharing(correlate, (5,), (3,), mode="same").uses == {w0: 4, w1: 5, w2: 4}
    # Unshared: 3 outputs x 3 taps = 9 parameters, each used once; a dense 5x5 layer holds 25.
    assert P.parameter_sharing(locally_connected, (5,), (3,), shared=False).parameters == 3 * 3
    assert P.parameter_sharing(locally_connected, (5,), (3,), shared=False, mode="same").parameters == 5 * 3 - 2
    dense = sympy.Matrix(5, 5, sympy.symbols("m0:25"))
    assert len(dense.free_symbols) == 5 * 5


def test_parameter_sharing_negative_controls():
    W = _symbol_array((2, 3, 2), "u")  # a locally connected weight on (4,) with kernel 2 is (3, 2)
    B = locally_connected_matrix(W[0], (4,))
    with pytest.raises(AssertionError, match=r"got 6 parameters used \[1, 1, 1, 1, 1, 1\] times, expected 2"):
        P.parameter_sharing(B, (4,), (2,))
    A = conv_matrix(_symbol_array((2,), "w"), (4,), format="sympy")
    with pytest.raises(AssertionError, match="expected 6 used"):
        P.parameter_sharing(A, (4,), (2,), shared=False)
    with pytest.raises(AssertionError, match="parameter_sharing: got"):
        P.parameter_sharing(untied_symbolic, (4,), (2,))


def untied_symbolic(x, w, **kwargs):
    """A correlation that unties the first output's weights (w0 -> 2*w0 there): sharing broken."""
    y = correlate(x, w, **kwargs)
    y[0] = sympy.sympify(y[0]).subs(w[0], sympy.Symbol("v"))
    return y


# --- 10. pooling and small shifts -----------------------------------------------------------------


@st.composite
def pool_shift_cases(draw):
    ndim = draw(st.integers(1, 2))
    k = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    d = tuple(draw(st.integers(1, 2)) for _ in range(ndim))
    s = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    shift = tuple(draw(st.integers(-3, 3)) for _ in range(ndim))
    shape = tuple(di * (ki - 1) + 1 + abs(a) + draw(st.integers(0, 4)) for ki, di, a in zip(k, d, shift))
    lead = tuple(draw(st.lists(st.integers(1, 2), max_size=1)))
    # Few distinct values, so ties between leaving and entering cells are common.
    z = draw(rst.arrays(lead + shape, max_value=2) | rst.arrays(lead + shape, kind="fraction", max_value=2))
    return z, k, shift, s, d


@given(pool_shift_cases())
def test_max_pool_shift_generated(case):
    z, k, shift, s, d = case
    r = P.max_pool_shift(max_pool, z, k, shift, stride=s, dilation=d)
    assert (r.kept <= r.unchanged).all()
    if len(k) == 1 and shift[0] > 0:  # figure 9.8's fraction, as refconv.pooling computes it
        assert pooled_unchanged_fraction(z, k, shift=shift[0], stride=s, dilation=d) == r.fraction


def test_max_pool_shift_hand():
    # Figure 9.8 with integers: view [3, 1, 10, 2, 1, 0] pooled by 3 -> [10, 10, 10, 2];
    # shifted right by one, view [0, 3, 1, 10, 2, 1] -> [3, 10, 10, 10]: half unchanged.
    z = np.array([0, 3, 1, 10, 2, 1, 0])
    r = P.max_pool_shift(max_pool, z, 3, 1, stride=1)
    assert r.unchanged.tolist() == [False, True, True, False] and r.fraction == Fraction(1, 2)
    # Output 1: shared cells {1, 10} hold A = 10 >= leaving 2 and entering 3: kept.
    assert r.kept.tolist() == [False, True, True, False]
    # A tie: the leaving and the entering cell are both the maximum 5 -> unchanged, but not kept.
    r = P.max_pool_shift(max_pool, np.array([5, 1, 5]), 2, 1)
    assert r.unchanged.tolist() == [True] and r.kept.tolist() == [False]


def test_max_pool_shift_negative_controls():
    with pytest.raises(AssertionError, match=r"max_pool_shift: got output \[0\] changed .* expected it unchanged"):
        # max 5 stays in view (5 -> 5) but the mean moves (7/2 -> 3)
        P.max_pool_shift(lambda v, k, **kw: avg_pool(v, k, **kw), np.array([1, 5, 2]), 2, 1, stride=1)
    with pytest.raises(AssertionError, match=r"got output \[0\] unchanged \(1 -> 1\), expected it changed"):
        P.max_pool_shift(lambda v, k, **kw: -max_pool(-v, k, **kw), np.array([5, 1, 9]), 2, 1)  # a min pool


@given(pool_shift_cases())
def test_pooling_invariance_generated(case):
    z, k, shift, s, d = case
    r = P.pooling_invariance(max_pool, z, k, shift, stride=s, dilation=d)
    # One home: the pooled fraction and kept are max_pool_shift's; the detector is a width-1 pool.
    full = P.max_pool_shift(max_pool, z, k, shift, stride=s, dilation=d)
    assert r.pooled == full.fraction and r.kept == Fraction(int(full.kept.sum()), full.kept.size)
    assert r.kept <= r.pooled
    # The detector fraction, counted directly: cells equal to the cell |shift| before them.
    views = tuple(slice(max(a, 0), z.shape[z.ndim - len(k) + i] + min(a, 0)) for i, a in enumerate(shift))
    moved = tuple(slice(sl.start - a, sl.stop - a) for sl, a in zip(views, shift))
    same = z[(Ellipsis, *views)] == z[(Ellipsis, *moved)]
    assert r.detector == Fraction(int(same.sum()), same.size)
    if len(k) == 1 and shift[0] > 0:  # as refconv.pooling measures it
        assert r.pooled == pooled_unchanged_fraction(z, k, shift=shift[0], stride=s, dilation=d)
        assert r.detector == pooled_unchanged_fraction(z, 1, shift=shift[0], stride=1)


def test_pooling_invariance_hand():
    # Figure 9.8 with integers: every detector value changes under the shift, half the pooled ones
    # do not ([10, 10, 10, 2] -> [3, 10, 10, 10]), both because 10 stays in view.
    z = np.array([0, 3, 1, 10, 2, 1, 0])
    assert P.pooling_invariance(max_pool, z, 3, stride=1) == (0, Fraction(1, 2), Fraction(1, 2))
    # Stride 3 (the default): views [3, 1, 10, 2, 1, 0] -> [10, 2] and [0, 3, 1, 10, 2, 1] -> [3, 10].
    assert P.pooling_invariance(max_pool, z, 3) == (0, 0, 0)
    # Pooling is not always "more invariant": a run of equal detector values keeps 3/4 of them,
    # while the width-2 pool [0, 0, 1] -> [0, 0, 0] keeps 2/3.
    assert P.pooling_invariance(max_pool, np.array([0, 0, 0, 0, 1]), 2, stride=1) == (
        Fraction(3, 4),
        Fraction(2, 3),
        Fraction(2, 3),
    )
    # A tie: leaving 5 and entering 5 leave the pooled value unchanged, but not kept.
    assert P.pooling_invariance(max_pool, np.array([5, 1, 5]), 2) == (0, 1, 0)
    # 2-D, shift (1, 0) on a 3x2 ramp: row maxima [3, 5] become [1, 3], every cell changes.
    assert P.pooling_invariance(max_pool, np.arange(6).reshape(3, 2), (1, 2), (1, 0)) == (0, 0, 0)


def test_pooling_invariance_negative_controls():
    with pytest.raises(AssertionError, match=r"pooling_invariance: got output \[0\] changed .* expected it unchanged"):
        P.pooling_invariance(lambda v, k, **kw: avg_pool(v, k, **kw), np.array([1, 5, 2]), 2, stride=1)
    # A pool that ignores the width is caught on the detector (width 1), not only on the pooled layer.
    with pytest.raises(
        AssertionError, match=r"pooling_invariance: got pooled shapes \(2,\) .* expected spatial \(3,\)"
    ):
        P.pooling_invariance(lambda v, k, **kw: max_pool(v, 2, stride=1), np.array([1, 5, 2, 7]), 2, stride=1)


# --- 11. inputs of variable size ------------------------------------------------------------------


@fewer(2)
@given(
    rst.plain_problems(max_dims=2),
    st.lists(st.lists(st.integers(0, 4), min_size=2, max_size=2), min_size=1, max_size=3),
)
def test_variable_size_generated(p, extra):
    shapes = [tuple(n + e for n, e in zip(p.x.shape, more)) for more in extra] + [p.x.shape]
    r = P.variable_size(correlate, p.w, shapes, matrix=conv_matrix, **p.kwargs)
    assert r.output_shapes == tuple(plain_spec("t", s, p.w.shape, **p.kwargs).output_shape for s in shapes)


def test_variable_size_hand():
    r = P.variable_size(correlate, [1, -1], [(3,), (5,), (8,)], matrix=conv_matrix)
    assert r.output_shapes == ((3 - 1,), (5 - 1,), (8 - 1,))
    assert r.dense_shapes == ((2, 3), (4, 5), (7, 8))  # a dense layer: 6, 20, 56 parameters; the kernel: 2
    assert r.compared == 2 + 4 + 7
    with pytest.raises(ValueError):
        conv_matrix(np.array([1, -1]), (3,)) @ np.ones(5)


def test_variable_size_negative_controls():
    fixed = lambda x, w, **kw: correlate(x[:3], w, **kw)  # noqa: E731  (a layer built for one size)
    with pytest.raises(AssertionError, match=r"got output shape \(2,\), expected output_shape \(4,\)"):
        P.variable_size(fixed, [1, -1], [(3,), (5,)])
    position = lambda x, w, **kw: correlate(x, w, **kw) * len(x)  # noqa: E731  (depends on the size)
    with pytest.raises(AssertionError, match=r"got f\(crop\)\[0\] = -3, expected f\(x\)\[0\] = -5"):
        P.variable_size(position, [1, -1], [(3,), (5,)])


# --- the results and messages --------------------------------------------------------------------


def test_messages_say_got_expected_call():
    with pytest.raises(AssertionError) as info:
        P.flip_equivalence(correlate, correlate, [1, 2, 3], [1, 2])
    text = str(info.value)
    assert "got convolve(x, w)[0] = 5" in text and "expected correlate(x, flip(w))[0] = 4" in text
    assert "call: correlate(array([1, 2, 3]), array([1, 2]))" in text


def test_foreign_float_operator_with_tolerance():
    # A float implementation with a tiny rounding error passes with atol and fails exactly.
    noisy = lambda x, w, **kw: convolve(x, w, **kw) + 1e-12  # noqa: E731
    x, w = np.arange(6.0), np.array([1.0, -2.0])
    assert P.flip_equivalence(noisy, correlate, x, w[::-1].copy(), atol=1e-9) == 5
    with pytest.raises(AssertionError):
        P.flip_equivalence(noisy, correlate, x, w[::-1].copy())


def test_torch_conv2d_as_a_foreign_operator():
    torch = pytest.importorskip("torch")

    def torch_conv(x, w, **kw):
        out = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), **kw)
        return out.numpy()

    x = np.arange(2 * 5 * 6, dtype=np.float64).reshape(1, 2, 5, 6) % 7
    w = np.arange(3 * 2 * 2 * 3, dtype=np.float64).reshape(3, 2, 2, 3) % 5 - 2
    r = P.translation_equivariance(torch_conv, x, w, shift=(2, -2), convention="layer", padding=1, stride=2)
    assert r.compared > 0
    y = np.ones((1, 3, 3, 3))

    def torch_tconv(u, w, **kw):
        return torch.nn.functional.conv_transpose2d(torch.from_numpy(u), torch.from_numpy(w), **kw).numpy()

    assert (
        P.conv_dot_test(torch_conv, torch_tconv, x, w, y, padding=1, stride=2).lhs
        == P.conv_dot_test(conv, conv_transpose, x, w, y, padding=1, stride=2).lhs
    )


# --- the unshared layer itself ----------------------------------------------------------------------


def test_locally_connected_hand():
    assert locally_connected([1, 2, 3], [[1, 10], [100, 1000]]).tolist() == [1 * 1 + 2 * 10, 2 * 100 + 3 * 1000]
    # Stride 2, "full" (pads (1, 1)): outputs read [0, 1], [2, 3]; each has its own two weights.
    got = locally_connected([1, 2, 3], [[1, 10], [100, 1000]], mode="full", stride=2)
    assert got.tolist() == [0 * 1 + 1 * 10, 2 * 100 + 3 * 1000]
    A = locally_connected_matrix([[1, 10], [100, 1000]], (3,), mode="full", stride=2)
    assert A.tolist() == [[10, 0, 0], [0, 100, 1000]]


@given(rst.plain_problems(), st.data())
def test_locally_connected_generated(p, data):
    geometry = {k: p.kwargs[k] for k in ("mode", "stride", "dilation")}
    shape = locally_connected_weight_shape(p.x.shape, p.w.shape, **geometry)
    # Tied weights are the convolution; untied ones are what the matrix holds, in both formats.
    assert np.array_equal(
        locally_connected(p.x, np.broadcast_to(p.w, shape), **p.kwargs), correlate(p.x, p.w, **p.kwargs)
    )
    w = data.draw(rst.arrays(shape))
    y = locally_connected(p.x, w, **p.kwargs).ravel()
    assert np.array_equal(locally_connected_matrix(w, p.x.shape, **p.kwargs) @ p.x.ravel(), y)
    assert np.array_equal(locally_connected_matrix(w, p.x.shape, format="sparse", **p.kwargs) @ p.x.ravel(), y)


@fewer(2)
@given(rst.plain_problems(kind="fraction", max_dims=2))
def test_locally_connected_exact_kinds(p):
    geometry = {k: p.kwargs[k] for k in ("mode", "stride", "dilation")}
    shape = locally_connected_weight_shape(p.x.shape, p.w.shape, **geometry)
    got = locally_connected(p.x, np.broadcast_to(p.w, shape), **p.kwargs)
    assert got.dtype == object and np.array_equal(got, correlate(p.x, p.w, **p.kwargs))


def test_properties_package_keeps_every_name():
    # refconv/properties.py became a package (issue 19): every name of its __all__ is still reached as
    # refconv.properties.<name>, and each lives in exactly one submodule (its home).
    import importlib

    assert len(P.__all__) == len(set(P.__all__)) == 27
    homes = {}
    for module in ("equivariance", "algebra", "adjoint", "structure", "sizes", "invariance"):
        sub = importlib.import_module(f"refconv.properties.{module}")
        for name in sub.__all__:
            assert getattr(sub, name) is getattr(P, name)
            assert getattr(P, name).__module__ == sub.__name__
            homes[name] = module
    assert sorted(homes) == sorted(P.__all__)
    assert homes["pooling_invariance"] == homes["max_pool_shift"] == "invariance"
