"""Bad calls whose *whole* message is pinned: the geometry's messages, word for word.

The other tables match the parameter and the value; these rows also fix the problem and the
"expected" part, so that a message that loses its function name, its hint or its advice fails
(they are the mutation-testing killers for ``refconv.spec``'s messages).  Each expected message
is written out from the documented format ``<function>: <param>=<value!r> <what is wrong>;
expected <what is allowed>``.
"""

import re
from fractions import Fraction

import numpy as np
import pytest

from refconv import (
    avg_pool,
    conv,
    conv_transpose,
    convolve,
    correlate,
    global_avg_pool,
    global_lp_pool,
    lp_pool,
    max_pool,
    output_shape,
    pooled_unchanged_fraction,
    weighted_pool,
)
from refconv.spec import layer_spec, pool_spec, transpose_spec


def row(call, exc, message, id):
    return pytest.param(call, exc, "^" + re.escape(message) + "$", id=f"messages-{id}")


_BOUNDARIES = "'constant', 'wrap', 'reflect', 'symmetric', 'edge'"
_PAIRS_1 = "an int >= 0, 1 ints, or 1 (before, after) pairs"

ROWS = [
    # plain_spec, through correlate/convolve
    row(
        lambda: correlate(np.zeros((0,)), [1]),
        ValueError,
        "correlate: x.shape=(0,) has a length 0 < 1; expected lengths >= 1",
        "x-empty-axis",
    ),
    row(
        lambda: convolve([1, 2], np.zeros((0,))),
        ValueError,
        "convolve: w.shape=(0,) has a length 0 < 1; expected lengths >= 1",
        "w-empty-axis",
    ),
    row(
        lambda: correlate([1, 2, 3], [1], dilation=0),
        ValueError,
        "correlate: dilation=0 has an entry 0 < 1; expected ints >= 1",
        "dilation-zero",
    ),
    row(
        lambda: correlate([1, 2, 3], [1], boundary="zeros"),
        ValueError,
        f"correlate: boundary='zeros' is not a refconv name ('zeros' is 'constant'); expected one of {_BOUNDARIES}",
        "boundary-hint",
    ),
    row(
        lambda: correlate([1, 2, 3], [1], boundary="Edge"),
        ValueError,
        "correlate: boundary='Edge' is not recognised (names are lower case); expected 'edge'",
        "boundary-case",
    ),
    row(
        lambda: correlate([1, 2, 3], [1], mode="half"),
        ValueError,
        "correlate: mode='half' is not a refconv name (use 'same'); expected one of 'valid', 'same', 'full'",
        "mode-hint",
    ),
    row(
        lambda: correlate([1, 2], [1, 2, 3]),
        ValueError,
        "correlate: w shape (3,) does not fit x shape (2,) along axis 0: the window spans d*(k-1)+1 = 1*(3-1)+1 = 3 "
        "cells but the padded input has n+lo+hi = 2+0+0 = 2; expected a window no longer than the padded input "
        "(did you swap x and w?)",
        "no-fit",
    ),
    row(
        lambda: correlate([[1, 2]], [1, 2]),
        ValueError,
        "correlate: x.ndim=2 and w.ndim=1 differ (x.shape=(1, 2), w.shape=(2,)); expected arrays of the same rank",
        "rank",
    ),
    # layer_spec, through conv and directly
    row(
        lambda: conv(np.ones((1, 1, 5)), np.ones((1, 1, 2)), dilation=0),
        ValueError,
        "conv: dilation=0 has an entry 0 < 1; expected ints >= 1",
        "conv-dilation",
    ),
    row(
        lambda: conv(np.ones((1, 1, 5)), np.ones((1, 1, 2)), padding="same", stride=2),
        ValueError,
        "conv: padding='same' is not supported with stride=(2,) (as in torch); expected stride 1, or explicit "
        "(before, after) pads",
        "conv-same-stride",
    ),
    row(
        lambda: layer_spec("conv", (0,), (3,)),
        ValueError,
        "conv: x.shape[2:]=(0,) has a length 0 < 1; expected lengths >= 1",
        "layer-spatial",
    ),
    row(
        lambda: layer_spec("conv", (4,), (0,)),
        ValueError,
        "conv: w.shape[2:]=(0,) has a length 0 < 1; expected lengths >= 1",
        "layer-kernel",
    ),
    # transpose_spec, through conv_transpose and directly
    row(
        lambda: transpose_spec("conv_transpose", (0,), (2,)),
        ValueError,
        "conv_transpose: x.shape[2:]=(0,) has a length 0 < 1; expected lengths >= 1",
        "transpose-spatial",
    ),
    row(
        lambda: transpose_spec("conv_transpose", (3,), ("2",)),
        TypeError,
        "conv_transpose: w.shape[2:]=('2',) is not a shape; expected a tuple of ints",
        "transpose-kernel",
    ),
    row(
        lambda: conv_transpose(np.ones((1, 1, 3)), np.ones((1, 1, 2)), dilation=-1),
        ValueError,
        "conv_transpose: dilation=-1 has an entry -1 < 1; expected ints >= 1",
        "transpose-dilation",
    ),
    row(
        lambda: conv_transpose(np.ones((1, 1, 3)), np.ones((1, 1, 2)), padding=-1),
        ValueError,
        f"conv_transpose: padding=-1 has a negative pad; expected {_PAIRS_1}",
        "transpose-padding",
    ),
    row(
        lambda: conv_transpose(np.ones((1, 1, 3)), np.ones((1, 1, 2)), padding="same"),
        TypeError,
        "conv_transpose: padding='same' is a string, which transposed convolutions do not take (nor does torch); "
        f"expected {_PAIRS_1}",
        "transpose-padding-str",
    ),
    row(
        lambda: conv_transpose(np.ones((1, 1, 3)), np.ones((1, 1, 2)), output_padding=-1),
        ValueError,
        "conv_transpose: output_padding=-1 has an entry -1 < 0; expected ints >= 0",
        "transpose-output-padding",
    ),
    row(
        lambda: conv_transpose(np.ones((1, 1, 3)), np.ones((1, 1, 2)), stride=2, output_padding=2),
        ValueError,
        "conv_transpose: output_padding=2 has 2 on axis 0, not smaller than stride 2 or dilation 1; expected "
        "output_padding < stride or output_padding < dilation on every axis (as in torch)",
        "transpose-output-padding-large",
    ),
    row(
        lambda: conv_transpose(np.ones((1, 1, 1)), np.ones((1, 1, 2)), padding=1),
        ValueError,
        "conv_transpose: padding=1 leaves no output on axis 0: (m-1)*s + d*(k-1) + 1 - lo - hi + output_padding = "
        "(1-1)*1 + 1*(2-1) + 1 - 1 - 1 + 0 = 0; expected padding small enough for an output length >= 1",
        "transpose-no-output",
    ),
    # output_shape
    row(
        lambda: output_shape((5,), (2,), ceil_mode=1),
        TypeError,
        "output_shape: ceil_mode=1 is not a bool; expected True or False",
        "oshape-ceil",
    ),
    row(
        lambda: output_shape((5,), (2,), mode="same", padding=1),
        ValueError,
        "output_shape: padding=1 was given together with mode='same'; expected mode= (SciPy convention) or "
        "padding= (PyTorch convention), not both",
        "oshape-both",
    ),
    row(
        lambda: output_shape((5,), (7,), padding=0),
        ValueError,
        "output_shape: kernel_shape (7,) does not fit input_shape (5,) along axis 0: the window spans "
        "d*(k-1)+1 = 1*(7-1)+1 = 7 cells but the padded input has n+lo+hi = 5+0+0 = 5; expected a window no "
        "longer than the padded input "
        "(did you swap input_shape and kernel_shape?)",
        "oshape-layer-no-fit",
    ),
    row(
        lambda: output_shape((5,), (7,), mode="valid"),
        ValueError,
        "output_shape: kernel_shape (7,) does not fit input_shape (5,) along axis 0: the window spans "
        "d*(k-1)+1 = 1*(7-1)+1 = 7 cells but the padded input has n+lo+hi = 5+0+0 = 5; expected a window no "
        "longer than the padded input "
        "(did you swap input_shape and kernel_shape?)",
        "oshape-plain-no-fit",
    ),
    # pool_spec, through the pools and directly
    row(
        lambda: pool_spec("max_pool", (4,), (0,)),
        ValueError,
        "max_pool: kernel_size=(0,) has a length 0 < 1; expected lengths >= 1",
        "pool-kernel",
    ),
    row(
        lambda: pool_spec("max_pool", (0,), (2,)),
        ValueError,
        "max_pool: x.shape[axes]=(0,) has a length 0 < 1; expected lengths >= 1",
        "pool-input",
    ),
    row(
        lambda: pool_spec("max_pool", (4, 4), (2,)),
        ValueError,
        "max_pool: kernel_size=(2,) has 1 entries but 2 axes are pooled; expected one window length per pooled axis",
        "pool-count",
    ),
    row(
        lambda: max_pool(np.ones(4), 2, dilation=0),
        ValueError,
        "max_pool: dilation=0 has an entry 0 < 1; expected ints >= 1",
        "pool-dilation",
    ),
    row(
        lambda: max_pool(np.ones(4), 2, padding="same"),
        TypeError,
        f"max_pool: padding='same' is a string, which pooling does not take (nor does torch); expected {_PAIRS_1}",
        "pool-padding-str",
    ),
    row(
        lambda: pool_spec("max_pool", (4,), (2,), ceil_mode=0),
        TypeError,
        "max_pool: ceil_mode=0 is not a bool; expected True or False",
        "pool-ceil",
    ),
    row(
        lambda: max_pool(np.ones(9), 3, padding=2),
        ValueError,
        "max_pool: padding=2 is more than half the window on axis 0: pad 2 > k//2 = 3//2 = 1; expected pads <= "
        "kernel_size // 2 on each side (as torch requires)",
        "pool-pad-half",
    ),
    row(
        lambda: max_pool(np.ones(2), 3),
        ValueError,
        "max_pool: kernel_size=(3,) does not fit x.shape[axes]=(2,) on axis 0: the window spans d*(k-1)+1 = "
        "1*(3-1)+1 = 3 cells but the padded input has n+lo+hi = 2+0+0 = 2; expected a window no longer than the "
        "padded input",
        "pool-no-fit",
    ),
    row(
        lambda: max_pool(np.ones(2), 5, stride=2, ceil_mode=True),
        ValueError,
        "max_pool: kernel_size=(5,) does not fit x.shape[axes]=(2,) on axis 0: the window spans d*(k-1)+1 = "
        "1*(5-1)+1 = 5 cells but the padded input has n+lo+hi = 2+0+0 = 2 and ceil_mode allows only stride-1 = 1 "
        "more (output length 0); expected a window no longer than the padded input plus stride-1",
        "pool-no-fit-ceil",
    ),
    # the memory budget (refconv.spec.CELL_LIMIT)
    row(
        lambda: correlate([1, 2, 3], [1, 1], mode=10**9),
        ValueError,
        "correlate: mode=1000000000 needs a padded input of shape (2000000003,), 2,000,000,003 cells, over the "
        "limit of 100,000,000 cells beyond the operands' 5 (refconv.spec.CELL_LIMIT); expected a smaller problem, "
        "or a larger refconv.spec.CELL_LIMIT",
        "budget-padded",
    ),
    # pooling
    row(
        lambda: avg_pool([1, 2], 2, divisor_override=2.0),
        TypeError,
        "avg_pool: divisor_override=2.0 is not an int; expected None or a nonzero int",
        "avg-divisor-float",
    ),
    row(
        lambda: avg_pool([1, 2], 2, divisor_override=0),
        ValueError,
        "avg_pool: divisor_override=0 is zero; expected None or a nonzero int (as torch)",
        "avg-divisor-zero",
    ),
    row(
        lambda: avg_pool([1, 2], 2, count_include_pad=1),
        TypeError,
        "avg_pool: count_include_pad=1 is not a bool; expected True or False",
        "avg-count-include-pad",
    ),
    row(
        lambda: pooled_unchanged_fraction([1, 2, 3], 1, axis=1.0),
        TypeError,
        "pooled_unchanged_fraction: axis=1.0 is not an int; expected an axis number",
        "puf-axis-float",
    ),
    row(
        lambda: pooled_unchanged_fraction([1, 2, 3], 1, axis=1),
        ValueError,
        "pooled_unchanged_fraction: axis=1 is out of range for x.ndim=1; expected an axis in [-1, 1)",
        "puf-axis-range",
    ),
    row(
        lambda: pooled_unchanged_fraction(5, 1),
        ValueError,
        "pooled_unchanged_fraction: x=5 is 0-dimensional; expected an array with at least one axis",
        "puf-0d",
    ),
    row(
        lambda: pooled_unchanged_fraction([1, 2, 3], 1, shift=1.5),
        TypeError,
        "pooled_unchanged_fraction: shift=1.5 is not an int; expected an int >= 1",
        "puf-shift-float",
    ),
    row(
        lambda: pooled_unchanged_fraction([1, 2, 3], 1, shift=3),
        ValueError,
        "pooled_unchanged_fraction: shift=3 leaves no overlap of x.shape[-1]=3 with its shift; expected 1 <= shift < 3",
        "puf-shift-range",
    ),
    row(
        lambda: pooled_unchanged_fraction([1, 2, 3], 1, pool="max"),
        TypeError,
        "pooled_unchanged_fraction: pool='max' is not callable; expected a pooling function such as max_pool",
        "puf-pool",
    ),
    row(
        lambda: pooled_unchanged_fraction(np.zeros((0, 3)), 1),
        ValueError,
        "pooled_unchanged_fraction: x=<ndarray shape=(0, 3) dtype=float64> of shape (0, 3) gives no pooled outputs "
        "to compare; expected a non-empty x",
        "puf-no-outputs",
    ),
    row(
        lambda: global_avg_pool(7),
        ValueError,
        "global_avg_pool: x=7 is 0-dimensional; expected an array with at least one axis",
        "gap-0d",
    ),
    row(
        lambda: global_lp_pool(np.zeros((2, 0)), 2),
        ValueError,
        "global_lp_pool: x=<ndarray shape=(2, 0) dtype=float64> has length 0 on pooled axis 1 (x.shape=(2, 0)); "
        "expected pooled axes of length >= 1",
        "glp-empty-axis",
    ),
    row(
        lambda: weighted_pool([1, 2], 2, np.array([0.5, 0.5])),
        TypeError,
        "weighted_pool: weight=<ndarray shape=(2,) dtype=float64> gives float64 weights while x is exact; expected "
        "exact weights (int, Fraction, SymPy) for exact x, or a float x",
        "weighted-float-weights",
    ),
    row(
        # windows [pad, 1], [1, 2], [2, 3], [3, pad] with weights (0, 1/2): totals 1/2, 1/2, 1/2, 0.
        lambda: weighted_pool([1, 2, 3], 2, [0, Fraction(1, 2)], stride=1, padding=1),
        ValueError,
        "weighted_pool: weight=[0, Fraction(1, 2)] gives window (3,) a total weight of zero on its input cells; "
        "expected a positive total weight on every window",
        "weighted-zero-total",
    ),
    row(
        lambda: lp_pool(np.ones(3), 2, 2, ceil_mode=1),
        TypeError,
        "lp_pool: ceil_mode=1 is not a bool; expected True or False",
        "lp-ceil",
    ),
]
