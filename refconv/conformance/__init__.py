"""The conformance checker: is an implementation of convolution or pooling right, and if not, where?

:func:`check` drives Hypothesis over problems (geometry from :mod:`refconv.strategies`, valid for
PyTorch by default), calls the implementation **exactly as refconv's own function for the op is
called** -- for ``op="conv"``: ``impl(x, w, bias, stride=, padding=, dilation=, groups=,
padding_mode=)`` -- compares each result with the exact, correctly rounded reference
(:mod:`refconv.exact`) under the rigorous bound (:mod:`refconv.bounds`), and shrinks a failure to
the smallest problem that still fails.  It returns a :class:`CheckResult` with a ``repro`` snippet
that runs as pasted.

:func:`assert_conforms` is the same judgement for one result, for users' own test suites.

The verdict is rigorous in both directions.  The bound is an over-estimate (see
:mod:`refconv.bounds`); the error is compared through the correctly rounded float64 reference
``y64`` with an enclosure ``| |y^ - y| - fl(|y^ - y64|) | <= 2**-52 fl(...) + 2**-53 |y64|``, and any
element whose enclosure straddles the bound is decided again in exact rational arithmetic.  So
a correct implementation of the declared algorithm class never fails, and a failure is a bug.

Integer dtypes are compared exactly (bound 0); max pooling bitwise (NaN matches NaN, ``-0 == 0``).
"""

from __future__ import annotations

__all__ = [
    "check",
    "CheckResult",
    "assert_conforms",
    "evaluate",
    "judge",
    "Problem",
    "ProblemSpace",
    "Verdict",
    "STRATEGIES",
]

from ..problem import Problem

# Options: what a ``problems=`` callable receives; importable here as before the split.
from ..strategies._spaces import STRATEGIES, ProblemSpace
from ..strategies._spaces import Options as Options
from ._check import check
from ._judge import Verdict, assert_conforms, judge
from ._result import CheckResult
from ._run import evaluate
