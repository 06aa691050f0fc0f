"""Bad calls of refconv.padding (pad): the order conventions, torch's limits, crops, modes and values.

Rows built with ``exactly(...)`` pin the whole message, written out from the documented format
``<function>: <param>=<value!r> <what is wrong>; expected <what is allowed>``."""

from fractions import Fraction

import numpy as np
from _bad_calls_row import bad, exactly

from refconv.padding import pad

X = np.arange(12).reshape(3, 4)
x3 = [1, 2, 3]
_MODES = "'constant', 'wrap', 'reflect', 'symmetric', 'edge', 'replicate', 'circular'"

ROWS = [
    # torch's flat pairs, from the last axis
    bad(pad, x3, (1,))
    >> (
        ValueError,
        exactly(
            "pad: pad=(1,) has 1 entries, not an even number of at most 2*x.ndim = 2; expected (before, after) "
            "pairs from the last axis backwards, as torch"
        ),
    ),
    bad(pad, x3, (1, 1, 1, 1)) >> (ValueError, r"pad=\(1, 1, 1, 1\) has 4 entries, not an even number of at most 2"),
    bad(pad, x3, 1) >> (TypeError, r"^pad: pad=1 is not a sequence of ints; expected \(before, after\) ints"),
    bad(pad, x3, "1") >> (TypeError, r"pad='1' is not a sequence of ints"),
    bad(pad, x3, (1.0, 1)) >> (TypeError, r"pad=\(1.0, 1\) has an entry 1.0 that is not an int"),
    bad(pad, x3, (True, 1)) >> (TypeError, r"pad=\(True, 1\) has an entry True that is not an int"),
    # numpy's pad_width
    bad(pad, X, ((1, 2, 3),), convention="numpy")
    >> (ValueError, exactly("pad: pad=((1, 2, 3),) does not broadcast to (2, 2); expected np.pad's pad_width forms")),
    bad(pad, X, None, convention="numpy") >> (TypeError, r"pad=None is not a pad width"),
    bad(pad, X, 1, convention="jax")
    >> (ValueError, exactly("pad: convention='jax' is not recognised; expected one of 'torch', 'numpy'")),
    # crops and empty axes
    bad(pad, x3, (-4, 0))
    >> (
        ValueError,
        exactly("pad: pad=(-4, 0) crops axis 0 of length 3 by 4; expected crops of at most 3 cells on axis 0"),
    ),
    bad(pad, x3, (-2, -2), mode="replicate") >> (ValueError, r"crops axis 0 of length 3 by 4"),
    bad(pad, np.zeros(0), (1, 0), mode="edge")
    >> (ValueError, r"pad=\(1, 0\) extends axis 0, which holds no cells, by copying; expected mode='constant'"),
    bad(pad, x3, (-3, 1), mode="circular") >> (ValueError, r"extends axis 0, which holds no cells"),
    # torch's limits (numpy repeats the rule instead)
    bad(pad, x3, (3, 0), mode="reflect")
    >> (
        ValueError,
        exactly(
            "pad: pad=(3, 0) reflects 3 cells of axis 0 of length 3; expected reflect pads < 3 (as torch requires), "
            "or convention='numpy'"
        ),
    ),
    bad(pad, x3, (-1, 3), mode="circular")
    >> (
        ValueError,
        r"pad=\(-1, 3\) wraps 3 cells of axis 0, more than its 2 \(once around\); expected circular pads <= 2",
    ),
    bad(pad, x3, (0, 4), mode="circular") >> (ValueError, r"wraps 4 cells of axis 0, more than its 3"),
    # modes
    bad(pad, x3, (1, 1), mode="zeros")
    >> (
        ValueError,
        exactly(f"pad: mode='zeros' is not a refconv name ('zeros' is 'constant'); expected one of {_MODES}"),
    ),
    bad(pad, x3, (1, 1), mode="mirror") >> (ValueError, r"mode='mirror' is not a refconv name \(ndimage's 'mirror' is"),
    bad(pad, x3, (1, 1), mode="linear_ramp") >> (ValueError, r"mode='linear_ramp' is not recognised"),
    bad(pad, x3, (1, 1), mode="Reflect") >> (ValueError, r"mode='Reflect' is not recognised \(names are lower case\)"),
    bad(pad, x3, (1, 1), mode=None) >> (TypeError, r"mode=None is not a string"),
    # values
    bad(pad, x3, (1, 1), mode="reflect", value=1)
    >> (
        ValueError,
        exactly("pad: value=1 is given with mode='reflect', which copies cells; expected value only with 'constant'"),
    ),
    bad(pad, x3, (1, 1), value=0.5) >> (ValueError, r"value=0.5 is not an integer int64 holds; expected an integer"),
    bad(pad, np.array([1], dtype=np.int8), (1, 1), value=300)
    >> (
        ValueError,
        exactly(
            "pad: value=300 is not an integer int8 holds (-128 .. 127); expected an integer value that fits int8, "
            "or x cast first"
        ),
    ),
    bad(pad, np.array([1], dtype=np.uint8), (1, 1), value=-1) >> (ValueError, r"value=-1 is not an integer uint8"),
    bad(pad, np.array([1], dtype=object), (1, 1), value=0.5)
    >> (TypeError, r"value=0.5 is a float while x is exact; expected an int, Fraction or SymPy value"),
    bad(pad, [1.0, 2.0], (1, 1), value=Fraction(1, 2)) >> (TypeError, r"value=Fraction\(1, 2\) is exact while x"),
    bad(pad, [1.0, 2.0], (1, 1), value=1j) >> (TypeError, r"value=1j is complex while x is float64"),
    bad(pad, x3, (1, 1), value=[1]) >> (TypeError, r"value=\[1\] has shape \(1,\); expected a scalar"),
    bad(pad, x3, (1, 1), value="a") >> (TypeError, r"value='a' is not an array"),
    bad(pad, "abc", (1, 1)) >> (TypeError, r"^pad: x='abc' is not an array"),
    # the memory budget
    bad(pad, x3, (10**9, 0)) >> (ValueError, r"pad=\(1000000000, 0\) needs a padded array of shape \(1000000003,\)"),
]
