"""Reusable checks of the seed's claims, for refconv *or any implementation with its signature*.

Each property takes the operator under test as its first argument(s) — ``refconv.correlate``,
``torch``'s ``conv2d`` behind a three-line wrapper, or your own function — runs it on the inputs
you give (or that :mod:`refconv.strategies` draws), and either returns a small result or raises
:class:`AssertionError` whose message says what was *got*, what was *expected* and the *call*.
Comparisons are exact (``==``; SymPy entries by ``expand(a - b) == 0``) unless ``atol``/``rtol``
are given for float operators; integer-valued float inputs keep most float implementations exact.

Conventions: a *plain* operator is called ``f(x, w, **kwargs)`` with refconv's
:func:`~refconv.correlate` keywords (``mode``, ``stride``, ``dilation``, ``boundary``) and acts on
every axis; a *layer* operator is called ``f(x, w, **kwargs)`` with :func:`~refconv.conv`'s
keywords (``bias``, ``stride``, ``padding``, ``dilation``, ``groups``, ``padding_mode``) and acts on
the trailing spatial axes of ``(N, C, *spatial)``.  Every geometric statement (regions, index
maps, output shapes) comes from :mod:`refconv.spec` and :mod:`refconv._taps`.

Properties (seed reference)
---------------------------
=================================  ==========================================================
:func:`translation_equivariance`   §9.2: ``f(g(x)) = g(f(x))`` for shifts ``g``; exact region
:func:`rotation_equivariance`      §9.2: *not* equivariant to rotation (a claim that fails)
:func:`scale_equivariance`         §9.2: *not* equivariant to scale (a claim that fails)
:func:`flip_equivalence`           eq. 9.6: convolution is correlation with the flipped kernel
:func:`reflection_swaps_pads`      what "same" with an even kernel keeps under reversal
:func:`commutativity`              §9.1: convolution commutes ("full"); correlation does not
:func:`correlation_swap`           the relation that holds: swapping reverses the correlation
:func:`linearity`                  linear in ``x`` and in ``w``
:func:`associativity`              convolution is associative ("full")
:func:`dot_test`                   ``<A x, y> = <x, A* y>`` for operators or matrices
:func:`conv_dot_test`              the same for ``conv`` / ``conv_transpose``
:func:`sparse_interactions`        figs. 9.2, 9.3: ``prod(kernel)`` connections per output
:func:`receptive_field_growth`     fig. 9.4: :func:`refconv.receptive.receptive_field`
:func:`parameter_sharing`          fig. 9.5: ``prod(kernel)`` tied parameters, or none tied
:func:`max_pool_shift`             §9.3: pooled outputs unchanged by a shift, exactly when
:func:`pooling_invariance`         fig. 9.8: unchanged fractions, detector against pooled
:func:`variable_size`              end of §9.2: one kernel for every input size
=================================  ==========================================================

Each lives in a submodule by topic, and is re-exported here: :mod:`~refconv.properties.equivariance`
(translation, rotation, scale), :mod:`~refconv.properties.algebra` (flip, commutativity, linearity,
associativity), :mod:`~refconv.properties.adjoint` (dot tests), :mod:`~refconv.properties.structure`
(sparse interactions, parameter sharing), :mod:`~refconv.properties.sizes` (receptive fields,
variable size) and :mod:`~refconv.properties.invariance` (pooling under small shifts); the
got / expected / call reporting they share is ``refconv.properties._report``.
"""

from __future__ import annotations

from . import adjoint, algebra
from .adjoint import *  # noqa: F403  (adjoint.__all__ and algebra.__all__, each listed once)
from .algebra import *  # noqa: F403
from .equivariance import (
    Equivariance,
    rotation_equivariance,
    scale_equivariance,
    stride_counterexample,
    translate,
    translation_equivariance,
    translation_region,
)
from .invariance import PoolingInvariance, PoolShift, max_pool_shift, pooling_invariance
from .sizes import VariableSize, receptive_field_growth, variable_size
from .structure import ParameterSharing, SparseInteractions, parameter_sharing, sparse_interactions

__all__ = [
    "translate",
    "translation_region",
    "Equivariance",
    "translation_equivariance",
    "stride_counterexample",
    "rotation_equivariance",
    "scale_equivariance",
    *algebra.__all__,
    *adjoint.__all__,
    "SparseInteractions",
    "sparse_interactions",
    "receptive_field_growth",
    "ParameterSharing",
    "parameter_sharing",
    "PoolShift",
    "max_pool_shift",
    "PoolingInvariance",
    "pooling_invariance",
    "VariableSize",
    "variable_size",
]
