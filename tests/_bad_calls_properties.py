"""Bad calls of the property suite: strategies (InvalidArgument), properties, receptive_field,
locally_connected."""

import numpy as np
import pytest
from hypothesis.errors import InvalidArgument

from refconv import correlate
from refconv import properties as P
from refconv import strategies as rst
from refconv.pooling import max_pool
from refconv.receptive import receptive_field
from refconv.unshared import locally_connected, locally_connected_matrix

X = np.arange(1, 9)
W = np.array([1, -1])


def row(call, exc, match, id):
    return pytest.param(call, exc, match, id=id)


ROWS = [
    # --- strategies: hypothesis.errors.InvalidArgument naming the argument, when the strategy is built
    row(lambda: rst.plain_specs(max_side=0), InvalidArgument, r"plain_specs: max_side=0 is < 1", "prop-side-zero"),
    row(
        lambda: rst.plain_specs(max_kernel=2.5),
        InvalidArgument,
        r"max_kernel=2.5 is not an integer",
        "prop-kernel-float",
    ),
    row(
        lambda: rst.plain_specs(min_dims=3, max_dims=2),
        InvalidArgument,
        r"min_dims=3 is larger than max_dims=2; expected min_dims <= max_dims",
        "prop-dims-order",
    ),
    row(
        lambda: rst.plain_specs(modes=("same_upper",)),
        InvalidArgument,
        r"modes=\('same_upper',\) holds 'same_upper', which is not recognised",
        "prop-modes-unknown",
    ),
    row(lambda: rst.plain_specs(modes="valid"), InvalidArgument, r"modes='valid' is not a sequence", "prop-modes-str"),
    row(lambda: rst.plain_specs(modes=()), InvalidArgument, r"modes=\(\) is empty", "prop-modes-empty"),
    row(
        lambda: rst.plain_specs(boundaries=("zeros",)),
        InvalidArgument,
        r"boundaries=\('zeros',\) holds 'zeros'",
        "prop-boundary-torch-name",
    ),
    row(lambda: rst.plain_specs(max_pad=-1), InvalidArgument, r"max_pad=-1 is < 0", "prop-pad-negative"),
    row(
        lambda: rst.layer_specs(max_groups=5, max_channels=4),
        InvalidArgument,
        r"layer_specs: max_groups=5 exceeds max_channels=4",
        "prop-groups-channels",
    ),
    row(
        lambda: rst.layer_specs(padding_modes=("constant",)),
        InvalidArgument,
        r"padding_modes=\('constant',\) holds 'constant'",
        "prop-padding-mode-numpy-name",
    ),
    row(lambda: rst.layer_specs(paddings=("full",)), InvalidArgument, r"paddings=\('full',\)", "prop-paddings"),
    row(
        lambda: rst.pooling_specs(op="min"),
        InvalidArgument,
        r"pooling_specs: op='min' is not recognised",
        "prop-pool-op",
    ),
    row(lambda: rst.arrays((2,), kind="complex"), InvalidArgument, r"arrays: kind='complex'", "prop-kind"),
    row(
        lambda: rst.arrays((2,), kind="int", dtype="float32"),
        InvalidArgument,
        r"dtype='float32' is not an integer dtype",
        "prop-int-dtype",
    ),
    row(
        lambda: rst.arrays((2,), kind="float", dtype="int8"),
        InvalidArgument,
        r"dtype='int8' is not a float dtype",
        "prop-float-dtype",
    ),
    row(
        lambda: rst.arrays((2,), kind="fraction", dtype="int8"),
        InvalidArgument,
        r"dtype='int8' was given with kind='fraction'",
        "prop-fraction-dtype",
    ),
    row(lambda: rst.arrays((-1,)), InvalidArgument, r"arrays: shape=\(-1,\) is not a shape", "prop-shape"),
    row(lambda: rst.arrays((2,), prefix="1x"), InvalidArgument, r"prefix='1x' is not an identifier", "prop-prefix"),
    row(lambda: rst.arrays((2,), max_value=-1), InvalidArgument, r"max_value=-1 is < 0", "prop-max-value"),
    row(
        lambda: rst.arrays((2,), integer_valued="yes"),
        InvalidArgument,
        r"integer_valued='yes' is not a bool",
        "prop-integer-valued",
    ),
    row(
        lambda: rst.plain_problems(kind="symbolic", integer_valued=True),
        InvalidArgument,
        r"plain_problems: integer_valued=True was given with kind='symbolic'",
        "prop-integer-valued-kind",
    ),
    row(
        lambda: rst.plain_problems(max_sides=3),
        InvalidArgument,
        r"plain_problems: max_sides=3 is not a keyword; expected keywords of plain_specs",
        "prop-unknown-keyword",
    ),
    row(lambda: rst.layer_problems(bias="yes"), InvalidArgument, r"layer_problems: bias='yes'", "prop-bias"),
    row(
        lambda: rst.pooling_problems(kind="symbolic"),
        InvalidArgument,
        r"pooling_problems: kind='symbolic' has no order",
        "prop-pool-symbolic",
    ),
    # --- properties
    row(
        lambda: P.translation_equivariance(correlate, X, W, shift=1, stride=2),
        ValueError,
        r"translation_equivariance: shift=\(1,\) is not a multiple of stride=\(2,\).*counterexample.*"
        r"x=\[1, 2, 0, 0\] gives \[1, 0\]; shifted by 1 it gives \[0, 2\]",
        "prop-shift-stride",
    ),
    row(
        lambda: P.translation_equivariance(correlate, X, W, shift=(1, 2)),
        ValueError,
        r"shift=\(1, 2\) has 2 entries but there are 1 axes",
        "prop-shift-rank",
    ),
    row(
        lambda: P.translation_equivariance(correlate, X, W, shift=1, convention="torch"),
        ValueError,
        r"convention='torch' is not recognised; expected 'plain' or 'layer'",
        "prop-convention",
    ),
    row(
        lambda: P.translation_equivariance(correlate, X, W, shift=1, atol=-1),
        ValueError,
        r"atol=-1 is not a non-negative number",
        "prop-atol",
    ),
    row(
        lambda: P.translate(X, 1, boundary="reflect"),
        ValueError,
        r"translate: boundary='reflect' is not recognised; expected 'constant' \(zero fill\) or 'wrap'",
        "prop-translate-boundary",
    ),
    row(
        lambda: P.stride_counterexample(1), ValueError, r"stride_counterexample: stride=1", "prop-counterexample-stride"
    ),
    row(
        lambda: P.rotation_equivariance(correlate, np.eye(3), np.eye(2), turns=1.5),
        TypeError,
        r"turns=1.5 is not an int",
        "prop-turns",
    ),
    row(
        lambda: P.scale_equivariance(correlate, X, W, factor=0),
        ValueError,
        r"factor=0 is not an int >= 1",
        "prop-factor",
    ),
    row(
        lambda: P.reflection_swaps_pads(correlate, X, W, stride=2),
        ValueError,
        r"reflection_swaps_pads: stride=2 is not 1",
        "prop-reflection-stride",
    ),
    row(lambda: P.linearity(correlate, X, W, X, argument="y"), ValueError, r"argument='y'", "prop-linearity-argument"),
    row(
        lambda: P.linearity(correlate, X, W, X[:3]),
        ValueError,
        r"linearity: other=.* has shape \(3,\), not x.shape=\(8,\)",
        "prop-linearity-shape",
    ),
    row(
        lambda: P.dot_test(lambda v: v, None, X, X),
        ValueError,
        r"dot_test: adjoint=None is missing while forward is a callable",
        "prop-dot-adjoint",
    ),
    row(
        lambda: P.dot_test(lambda v: correlate(v, W), lambda u: u, X, X),
        ValueError,
        r"dot_test: y=.* has 8 cells but forward\(x\) has shape \(7,\)",
        "prop-dot-y",
    ),
    row(
        lambda: P.parameter_sharing(correlate, (4,), (2,), shared="yes"),
        TypeError,
        r"parameter_sharing: shared='yes' is not a bool",
        "prop-shared",
    ),
    row(
        lambda: P.max_pool_shift(max_pool, np.array([1.0, np.nan, 2.0]), 2, 1),
        ValueError,
        r"max_pool_shift: z=.* holds NaN",
        "prop-pool-nan",
    ),
    row(
        lambda: P.pooling_invariance(max_pool, np.array([1.0, np.nan, 2.0]), 2),
        ValueError,
        r"pooling_invariance: z=.* holds NaN",
        "prop-pool-invariance-nan",
    ),
    row(
        lambda: P.pooling_invariance(max_pool, X, 2, 1.5),
        TypeError,
        r"pooling_invariance: shift=1.5 is not an integer",
        "prop-pool-invariance-shift-float",
    ),
    row(
        lambda: P.variable_size(correlate, W, []),
        ValueError,
        r"variable_size: input_shapes=\[\] is empty",
        "prop-sizes",
    ),
    # --- receptive_field
    row(lambda: receptive_field([]), ValueError, r"receptive_field: layers=\[\] is empty", "prop-rf-empty"),
    row(lambda: receptive_field("abc"), TypeError, r"layers='abc' is not a sequence of layers", "prop-rf-str"),
    row(
        lambda: receptive_field([3, (3, 0)]),
        ValueError,
        r"receptive_field: layers\[1\].stride=0 has an entry 0 < 1",
        "prop-rf-stride",
    ),
    row(
        lambda: receptive_field([(3, 1, 1, 1, 7)]),
        TypeError,
        r"layers\[0\]=\(3, 1, 1, 1, 7\) is not a layer",
        "prop-rf-entry",
    ),
    # --- locally_connected
    row(
        lambda: locally_connected(X, np.ones((6, 2))),
        ValueError,
        r"locally_connected: w.shape=\(6, 2\) starts with \(6,\) but the output shape is \(7,\); "
        r"expected w.shape == output_shape \+ kernel_shape = \(7, 2\)",
        "prop-lc-shape",
    ),
    row(
        lambda: locally_connected(X, np.ones((7,))),
        ValueError,
        r"w.shape=\(7,\) has 1 axes but x has 1; expected a weight of 2 axes",
        "prop-lc-rank",
    ),
    row(
        lambda: locally_connected_matrix(np.ones((7, 2)), (8,), format="csr"),
        ValueError,
        r"locally_connected_matrix: format='csr' is not recognised",
        "prop-lc-format",
    ),
    row(
        lambda: locally_connected_matrix(np.ones((1, 20_000, 1, 1)), (1, 20_000)),
        ValueError,
        r"dense matrix of 20000x20000 = 4.0e\+08 entries \(limit 1e\+08, refconv.spec.DENSE_LIMIT\); "
        r"expected format=\"sparse\"",
        "prop-lc-dense-limit",
    ),
]
