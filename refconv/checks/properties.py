"""Checks of the property suite: every claim of §9.1-9.3 on Hypothesis-generated inputs, one row each.

Each check runs its property from :mod:`refconv.properties` on inputs drawn by
:mod:`refconv.strategies` (deterministic: ``derandomize=True``), on a hand-derived case, and on a
negative control (a broken operator or a wrong claim) that must be rejected.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from .. import properties as P
from .. import strategies as rst
from ..convolution import convolve, correlate
from ..layer import conv, conv_transpose
from ..matrices import conv_matrix, layer_matrix
from ..pooling import avg_pool, max_pool, pooled_unchanged_fraction
from ..receptive import receptive_field
from ..strategies._problems import _symbol_array
from ..unshared import locally_connected, locally_connected_matrix, locally_connected_weight_shape
from . import Check

__all__ = ["CHECKS"]

_QUICK = dict(database=None, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))


def _generated(strategy, body, examples: int) -> int:
    """Run ``body`` on ``examples`` deterministic draws of ``strategy``; return how many ran."""
    ran = []

    @settings(max_examples=examples, **_QUICK)
    @given(strategy)
    def run(value):
        body(value)
        ran.append(1)

    run()
    return len(ran)


def _rejects(control, what: str) -> None:
    """A negative control: ``control()`` must raise AssertionError."""
    try:
        control()
    except AssertionError:
        return
    raise AssertionError(f"negative control accepted: {what}")


def _fails(check, *args, **kwargs) -> bool:
    try:
        check(*args, **kwargs)
    except AssertionError:
        return True
    return False


def translation() -> str:
    def body(case):
        p, q = case
        shift = tuple(s * k for s, k in zip(p.spec.stride, q))
        P.translation_equivariance(correlate, p.x, p.w, shift=shift, **p.kwargs)

    cases = rst.plain_problems().flatmap(
        lambda p: st.tuples(st.just(p), st.lists(st.integers(-2, 2), min_size=p.x.ndim, max_size=p.x.ndim))
    )
    n = _generated(cases, body, 40)
    r = P.translation_equivariance(correlate, np.arange(1, 7), np.array([1, 10, 100]), shift=2, mode="same")
    assert r.region.tolist() == [False, False, True, True, True, False], r.region
    x, y, moved = P.stride_counterexample(2)
    assert (y.tolist(), moved.tolist()) == ([1, 0], [0, 2])

    def untied(x, w, **kw):  # a locally connected layer: each output has its own kernel
        out = locally_connected_weight_shape(x.shape, w.shape)[: x.ndim]
        return locally_connected(x, w + np.arange(out[0])[:, None])

    _rejects(lambda: P.translation_equivariance(untied, np.arange(8), np.array([1, 2]), shift=1), "unshared layer")
    return f"{n} generated problems (all modes, boundaries, strides); hand region [2, 5); stride counterexample"


def rotation_scale() -> str:
    quick = settings(phases=[Phase.generate], max_examples=100, **_QUICK)
    square = st.integers(1, 4).flatmap(
        lambda n: st.tuples(rst.arrays((n, n)), st.integers(1, n).flatmap(lambda k: rst.arrays((k, k))))
    )
    x, w = find(square, lambda c: _fails(P.rotation_equivariance, correlate, *c), settings=quick)
    x2, w2 = find(square, lambda c: _fails(P.scale_equivariance, correlate, *c, mode="same"), settings=quick)
    # Wrong claims: nothing fails for a rotation-symmetric kernel, or a one-tap kernel under scaling.
    symmetric = square.map(lambda c: (c[0], c[1] + np.rot90(c[1]) + np.rot90(c[1], 2) + np.rot90(c[1], 3)))
    controls = settings(max_examples=40, **_QUICK)
    for strategy, check in (
        (symmetric, P.rotation_equivariance),
        (square.map(lambda c: (c[0], c[1][:1, :1])), P.scale_equivariance),
    ):
        try:
            find(strategy, lambda c, check=check: _fails(check, correlate, *c), settings=controls)
        except NoSuchExample:
            continue
        raise AssertionError(f"negative control accepted: {check.__name__} failed for a symmetric kernel")
    return (
        f"counterexamples found: rotation with a {w.shape} kernel on {x.shape}, scale with a {w2.shape} kernel; "
        "none for rotation-symmetric or one-tap kernels"
    )


def flip() -> str:
    def body(p):
        P.flip_equivalence(convolve, correlate, p.x, p.w, **p.kwargs)
        if p.spec.stride == (1,) * p.x.ndim:
            kw = {k: v for k, v in p.kwargs.items() if k != "mode"}
            P.reflection_swaps_pads(correlate, p.x, p.w, mode=p.kwargs["mode"], **kw)

    n = _generated(rst.plain_problems(kind="fraction"), body, 40)
    x, w = [1, 2, 3, 4, 5], [1, 10]
    assert convolve(x, w, mode="same").tolist() == [1, 12, 23, 34, 45]
    same = lambda x, w, mode, **kw: correlate(x, w, mode="same", **kw)  # noqa: E731
    _rejects(lambda: P.reflection_swaps_pads(same, x, w, mode="same"), "even 'same' mirror-symmetric")
    _rejects(lambda: P.flip_equivalence(correlate, correlate, x, w), "convolution without the flip")
    return f"{n} generated Fraction problems; even 'same' reverses to pads (0, 1), not (1, 0)"


def commutation() -> str:
    def body(p):
        P.commutativity(convolve, p.x, p.w)
        P.correlation_swap(correlate, p.x, p.w)

    n = _generated(rst.plain_problems(modes=("full",), max_stride=1, max_dilation=1), body, 40)
    assert correlate([1, 2], [1, 2, 3, 4], mode="full").tolist() == [4, 11, 8, 5, 2]
    _rejects(lambda: P.commutativity(correlate, [1, 2, 3], [1, 10]), "correlation commutes")
    return f"{n} generated problems: convolve(a, b) == convolve(b, a); correlate(a, b) == flip(correlate(b, a))"


def linearity() -> str:
    def body(case):
        p, x2, a = case
        P.linearity(correlate, p.x, p.w, x2, a=a, b=-3, **p.kwargs)
        P.linearity(convolve, p.x, p.w, p.w, argument="w", a=a, b=2, **p.kwargs)

    cases = rst.plain_problems().flatmap(
        lambda p: st.tuples(st.just(p), rst.arrays(p.x.shape), st.fractions(-3, 3, max_denominator=5))
    )
    n = _generated(cases, body, 40)
    P.associativity(convolve, [1, 2], [3, 4, 5], [1, -1])
    assert convolve(convolve([1, 2], [3, 4, 5], mode="full"), [1, -1], mode="full").tolist() == [3, 7, 3, -3, -10]
    _rejects(lambda: P.associativity(correlate, [1, 2], [3, 4, 5], [1, -1]), "correlation associative")
    _rejects(
        lambda: P.linearity(lambda x, w: conv(x, w, [5]), [[[1, 2, 3]]], [[[1, -1]]], [[[0, 5, 7]]]), "bias linear"
    )
    return f"{n} generated problems with Fraction coefficients; associativity (1+2t)(3+4t+5t^2)(1-t)"


def adjoint() -> str:
    def body(case):
        p, y = case
        kw = {k: p.kwargs[k] for k in ("stride", "padding", "dilation", "groups")}
        P.conv_dot_test(conv, conv_transpose, p.x, p.w, y, **kw)
        A = layer_matrix(p.w, p.x.shape[1:], format="sparse", **kw)
        P.dot_test(lambda v: conv(v[None], p.w, **kw)[0], A.T, p.x[0], y[0])

    cases = rst.layer_problems(padding_modes=("zeros",)).flatmap(
        lambda p: st.tuples(st.just(p), rst.arrays(rst.LayerSpec(p.x.shape, p.w.shape, p.kwargs).output_shape))
    )
    n = _generated(cases, body, 30)
    x, w, y = np.arange(10).reshape(1, 2, 5), np.array([[[1, -2, 3]], [[4, 5, -6]]]), np.array([[[3, -1], [2, 7]]])
    assert P.conv_dot_test(conv, conv_transpose, x, w, y, stride=2, groups=2) == (118, 118)
    P.dot_test(conv_matrix(np.array([1, 10]), (3,)), None, np.array([1, 2, 3]), np.array([1, -1]))
    unflipped = lambda u, w, **kw: conv_transpose(u, w[..., ::-1], **kw)  # noqa: E731
    _rejects(lambda: P.conv_dot_test(conv, unflipped, x, w, y, stride=2, groups=2), "unflipped transpose")
    return f"{n} generated layer problems: conv/conv_transpose and layer_matrix (sparse) exact dot tests"


def sparse() -> str:
    def body(s):
        r = P.sparse_interactions(correlate, s.input_shape, s.kernel_shape, **s.kwargs)
        w = np.arange(1, r.taps + 1).reshape(s.kernel_shape)
        A = conv_matrix(w, s.input_shape, format="sparse", **s.kwargs)
        assert (P.sparse_interactions(A, s.input_shape, s.kernel_shape, **s.kwargs).dependence == r.dependence).all()

    n = _generated(rst.plain_specs(max_side=5, max_dims=2, max_kernel=3), body, 15)
    r = P.sparse_interactions(correlate, (5,), (3,), mode="same")
    assert r.dependence[:, 2].nonzero()[0].tolist() == [1, 2, 3] == r.dependence[2].nonzero()[0].tolist()
    _rejects(lambda: P.sparse_interactions(lambda x, w, **kw: np.full(5, x.sum()), (5,), (3,), mode="same"), "dense")
    return f"{n} generated geometries, by perturbation and from the sparse matrix; fig. 9.2/9.3: x3 <-> s2..s4"


def receptive() -> str:
    stacks = st.lists(
        st.tuples(st.integers(1, 3), st.integers(1, 2), st.integers(1, 2), st.integers(0, 1)), min_size=1, max_size=3
    )
    n = _generated(stacks, lambda layers: P.receptive_field_growth(correlate, layers, receptive_field(layers).size), 15)
    field = P.receptive_field_growth(correlate, [(3, 1, 1, 1), (3, 1, 1, 1)], (5,))
    assert field.cells((2,))[0].tolist() == [0, 1, 2, 3, 4]  # g3 sees x1..x5
    no_stride = lambda x, w, **kw: correlate(x, w, mode=kw["mode"], dilation=kw["dilation"])  # noqa: E731
    _rejects(lambda: P.receptive_field_growth(no_stride, [(2, 2), 2], (6,)), "stride ignored")
    return f"{n} generated stacks (kernel, stride, dilation, padding) by perturbation; fig. 9.4: g3 sees 5 inputs"


def sharing() -> str:
    def body(s):
        P.parameter_sharing(correlate, s.input_shape, s.kernel_shape, **s.kwargs)
        P.parameter_sharing(locally_connected, s.input_shape, s.kernel_shape, shared=False, **s.kwargs)

    n = _generated(rst.plain_specs(max_side=4, max_dims=2, max_kernel=3), body, 12)
    assert P.parameter_sharing(correlate, (5,), (3,)).parameters == 3
    assert P.parameter_sharing(locally_connected, (5,), (3,), shared=False).parameters == 9
    W = _symbol_array((3, 2), "u")
    _rejects(lambda: P.parameter_sharing(locally_connected_matrix(W, (4,)), (4,), (2,)), "unshared matrix as shared")
    return f"{n} generated geometries (symbolic weights): conv holds prod(kernel), locally connected one set per output"


def pool_shift() -> str:
    def body(case):
        z, k, shift, s = case
        r = P.max_pool_shift(max_pool, z, k, shift, stride=s)
        assert P.pooling_invariance(max_pool, z, k, shift, stride=s).pooled == r.fraction
        if shift > 0:
            assert pooled_unchanged_fraction(z, k, shift=shift, stride=s) == r.fraction

    cases = st.tuples(st.integers(1, 3), st.integers(-2, 2), st.integers(1, 3)).flatmap(
        lambda c: st.tuples(rst.arrays(c[0] + abs(c[1]) + 4, max_value=2), st.just(c[0]), st.just(c[1]), st.just(c[2]))
    )
    n = _generated(cases, body, 40)
    r = P.max_pool_shift(max_pool, np.array([0, 3, 1, 10, 2, 1, 0]), 3, 1, stride=1)
    assert r.fraction == Fraction(1, 2), r.fraction
    _rejects(lambda: P.max_pool_shift(avg_pool, np.array([1, 5, 2]), 2, 1, stride=1), "average pooling")
    return (
        f"{n} generated signals: unchanged iff max(A, L) == max(A, E), pooling_invariance's fractions agree; "
        "fig. 9.8 pattern: 1/2 unchanged"
    )


def variable_size() -> str:
    def body(case):
        p, extra = case
        shapes = [tuple(n + e for n, e in zip(p.x.shape, more)) for more in extra] + [p.x.shape]
        P.variable_size(correlate, p.w, shapes, matrix=conv_matrix, **p.kwargs)

    cases = rst.plain_problems(max_dims=2).flatmap(
        lambda p: st.tuples(st.just(p), st.lists(st.lists(st.integers(0, 4), min_size=2, max_size=2), max_size=3))
    )
    n = _generated(cases, body, 25)
    r = P.variable_size(correlate, [1, -1], [(3,), (5,), (8,)])
    assert r.output_shapes == ((2,), (4,), (7,)) and r.dense_shapes == ((2, 3), (4, 5), (7, 8))
    fixed = lambda x, w, **kw: correlate(x[:3], w, **kw)  # noqa: E731
    _rejects(lambda: P.variable_size(fixed, [1, -1], [(3,), (5,)]), "fixed-size layer")
    return f"{n} generated kernels on several sizes each; one kernel, output_shape follows, dense matrix fixed"


_S92 = "§9.2"
CHECKS = [
    Check(
        "prop-translation",
        "Equivariance to translation: exact for wrap, on a stated region for zero padding, shifts by stride multiples",
        _S92,
        "Hypothesis property + hand case + negative control",
        translation,
        "if we let g be any function that translates the input, i.e., shifts it, then the convolution function is "
        "equivariant to g",
    ),
    Check(
        "prop-not-rotation-scale",
        "Not equivariant to rotation or scale: Hypothesis finds counterexamples (none for symmetric kernels)",
        _S92,
        "Hypothesis find + negative control",
        rotation_scale,
        "Convolution is not naturally equivariant to some other transformations, such as changes in the scale or "
        "rotation of an image",
    ),
    Check(
        "prop-flip",
        "Convolution is correlation with the flipped kernel in every mode; reversal swaps the pads",
        "eq. 9.6",
        "Hypothesis property + hand case + negative control",
        flip,
        "cross-correlation, which is the same as convolution but without flipping the kernel",
    ),
    Check(
        "prop-commute",
        "Convolution commutes (full); correlation does not, correlate(a, b) == flip(correlate(b, a))",
        "§9.1",
        "Hypothesis property + hand case + negative control",
        commutation,
        "Many machine learning libraries implement cross-correlation but call it convolution",
    ),
    Check(
        "prop-linear",
        "Linear in x and in w; convolution is associative (full)",
        "§9.1",
        "Hypothesis property + hand case + negative control",
        linearity,
        "Discrete convolution can be viewed as multiplication by a matrix",
    ),
    Check(
        "prop-adjoint",
        "Exact dot test: conv/conv_transpose and the layer matrix's transpose",
        "§9.1",
        "Hypothesis property + hand case + negative control",
        adjoint,
        "Any neural network algorithm that works with matrix multiplication ... should work with convolution",
    ),
    Check(
        "prop-sparse",
        "Sparse interactions: prod(kernel) inputs per interior output, at most prod(kernel) outputs per input",
        "fig. 9.2, 9.3",
        "Hypothesis property (perturbation and sparse matrix) + negative control",
        sparse,
        "Convolutional networks, however, typically have sparse interactions",
    ),
    Check(
        "prop-receptive",
        "Receptive field growth through stacked layers equals receptive_field(...), by perturbation",
        "fig. 9.4",
        "Hypothesis property + hand case + negative control",
        receptive,
        "units in the deeper layers may indirectly interact with a larger portion of the input",
    ),
    Check(
        "prop-sharing",
        "Parameter sharing: the matrix holds prod(kernel) parameters; a locally connected layer one set per output",
        "fig. 9.5",
        "Hypothesis property (symbolic) + hand case + negative control",
        sharing,
        "rather than learning a separate set of parameters for every location, we learn only one set",
    ),
    Check(
        "prop-pool-shift",
        "Max pooling under small shifts: unchanged outputs measured equal the exact max condition",
        "§9.3, fig. 9.8",
        "Hypothesis property + hand case + negative control",
        pool_shift,
        "pooling helps to make the representation become approximately invariant to small translations of the input",
    ),
    Check(
        "prop-variable-size",
        "One kernel serves every input size (output_shape follows); a dense layer's matrix fixes the size",
        _S92,
        "Hypothesis property + hand case + negative control",
        variable_size,
        "some kinds of data cannot be processed by neural networks defined by matrix multiplication with a "
        "fixed-shape matrix",
    ),
]
