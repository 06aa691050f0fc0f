"""Public Hypothesis strategies: convolution and pooling problems that are valid by construction.

Use them to test *your* implementation against refconv or against a property of
:mod:`refconv.properties`::

    from hypothesis import given
    from refconv import strategies as rst

    @given(rst.plain_problems(kind="int"))
    def test_mine(problem):
        assert (problem.call(my_correlate) == problem.call(refconv.correlate)).all()

Every strategy takes keyword-only arguments, validated when the strategy is built (a bad one raises
:class:`hypothesis.errors.InvalidArgument` naming it, as :mod:`hypothesis.extra.numpy` does), and
builds its examples by construction: a kernel is drawn so that it fits the padded input, groups are
drawn first and channels as multiples of them, "same" padding of a layer only with stride 1, so no
example is filtered away.

Strategies
----------
:func:`plain_specs`, :func:`layer_specs`, :func:`pooling_specs`
    Geometry only: shapes and keyword arguments (:class:`PlainSpec`, :class:`LayerSpec`,
    :class:`PoolSpec`).
:func:`arrays`
    Operands of one *kind*: ``"int"`` (any NumPy integer dtype), ``"fraction"`` (object arrays of
    :class:`fractions.Fraction`), ``"symbolic"`` (object arrays of distinct SymPy symbols, as in
    figure 9.1) or ``"float"`` (optionally integer-valued, which keeps float results exact).
:func:`plain_problems`, :func:`layer_problems`, :func:`pooling_problems`
    A spec and operands together (:class:`PlainProblem`, :class:`LayerProblem`,
    :class:`PoolProblem`); ``problem.call(f)`` calls ``f`` with them.

Size caps
---------
The defaults below cap every generated size.  Each is read once, at import, from the environment
variable of the same name prefixed with ``REFCONV_`` (for example ``REFCONV_MAX_SIDE=12``);
arguments of the strategies override them per call.

=====================  =======  ============================================================
constant               default  caps
=====================  =======  ============================================================
``MAX_DIMS``           3        spatial rank
``MAX_SIDE``           7        input length per spatial axis
``MAX_KERNEL``         4        kernel length per axis
``MAX_STRIDE``         3        stride per axis
``MAX_DILATION``       3        dilation per axis
``MAX_PAD``            3        explicit pad per side
``MAX_BATCH``          2        batch size ``N`` of layer problems
``MAX_CHANNELS``       4        channels ``C_in``, ``C_out`` of layer problems
``MAX_GROUPS``         2        ``groups`` of layer problems
``MAX_VALUE``          20       absolute value of generated numbers (ints, numerators)
``MAX_DENOMINATOR``    12       denominators of generated fractions
``SYMBOLIC_MAX_SIDE``  3        ``MAX_SIDE`` for ``kind="symbolic"`` (SymPy arithmetic is slow)
``SYMBOLIC_MAX_DIMS``  2        ``MAX_DIMS`` for ``kind="symbolic"``
=====================  =======  ============================================================
"""

from __future__ import annotations

from . import _caps
from ._caps import *  # noqa: F403  (the caps and vocabularies: ._caps.__all__, listed once)
from ._geometry import LayerSpec, PlainSpec, PoolSpec, layer_specs, plain_specs, pooling_specs
from ._problems import (
    LayerProblem,
    PlainProblem,
    PoolProblem,
    arrays,
    layer_problems,
    plain_problems,
    pooling_problems,
)

__all__ = [
    *_caps.__all__,
    "PlainSpec",
    "LayerSpec",
    "PoolSpec",
    "PlainProblem",
    "LayerProblem",
    "PoolProblem",
    "plain_specs",
    "layer_specs",
    "pooling_specs",
    "arrays",
    "plain_problems",
    "layer_problems",
    "pooling_problems",
]
