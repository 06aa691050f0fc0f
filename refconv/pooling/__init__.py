"""Pooling (§9.3): max, average, Lp-norm and distance-weighted pooling, exact, on the convolution's geometry.

The seed: "the max pooling ... operation reports the maximum output within a rectangular
neighborhood.  Other popular pooling functions include the average of a rectangular neighborhood,
the L2 norm of a rectangular neighborhood, or a weighted average based on the distance from the
central pixel."

One geometry
------------
A pooling window is a convolution kernel that is never multiplied: :func:`refconv.spec.pool_spec`
turns ``kernel_size``/``stride``/``padding``/``dilation``/``ceil_mode`` into the same
:class:`~refconv.spec.ConvSpec` that convolution uses, so output sizes, window positions and
PyTorch's ceil-mode rule (a last window that would start in the right padding is dropped) come
from :class:`~refconv.spec.AxisGeometry`, and the windows themselves from :mod:`refconv._taps`
(the padded input read through :func:`~refconv._taps.tap_slices`, one strided view per window
tap; :func:`~refconv._taps.gather_index` says which taps are input cells).  A tap that is not an
input cell — left/right padding, or the cells past the padded input that a ceil-mode window
reaches — is *ignored* by every pool, with two documented exceptions: ``avg_pool`` with
``count_include_pad=True`` counts padding (not the ceil overhang) in its divisor, as PyTorch
does, and a float ``max_pool`` window holding no input cell at all is ``-inf``.

Axes
----
Pooling acts on the last ``len(kernel_size)`` axes, or on ``axes``; ``axes=(1,)`` pools the
channel axis of an ``(N, C, ...)`` array, as maxout does.  The pooled axes are moved to the end,
pooled, and moved back: one code path for every rank.  ``kernel_size=2`` is a one-axis window
(PyTorch's ``max_pool2d(x, 2)`` is ``kernel_size=(2, 2)`` here).

Exactness
---------
* ``max_pool`` returns input values, in the input's dtype (int, float, or object arrays of
  ``int``/``Fraction``/SymPy numbers).  Ties: the first maximal tap in row-major window order
  wins (so ``-0.0`` before ``0.0`` gives ``-0.0``).  NaN wins, as in PyTorch: a window holding a
  NaN gives NaN and its index is the *last* NaN's (torch's ``val > max || isnan(val)`` rule).
* ``avg_pool`` of exact inputs (integer dtypes, object arrays of int/Fraction) is an object array
  of :class:`fractions.Fraction` — every entry a Fraction, ``Fraction(2, 1)`` for an integral
  mean, never a floor division; SymPy inputs give SymPy results.  Float inputs: the sum over
  the window's taps in row-major order, starting from zero, then one division.
* Low-precision floats (``float16``): ``avg_pool``, ``lp_pool``, ``weighted_pool`` and their
  global forms accumulate in ``float64`` (:func:`refconv._arith.accumulator`) and round once, at
  the end, to ``float16`` — so a mean or norm that fits ``float16`` never overflows in a partial
  sum (``avg_pool(float16 [60000, 60000], 2)`` is 60000, as PyTorch's ``float32`` accumulation
  gives; a ``float16`` sum would be ``inf``), and for windows and divisors up to ``2**13`` the mean is
  the correctly rounded ``float16`` mean.  ``max_pool`` does no arithmetic and keeps the dtype.
* ``lp_pool`` of exact inputs is an object array of SymPy numbers (``sympy.Integer(5)``,
  ``2*sqrt(2)``): the exact p-th root.  ``p = math.inf`` is ``max |v|``.  A ``p = a/b`` (its
  exact value: ``0.1`` is ``3602879701896397/2**55``) whose powers would exceed
  :data:`POWER_BITS_LIMIT` bits is refused (``ValueError``) before any power is computed.
* ``weighted_pool`` with rational weights and exact inputs gives Fractions; SymPy weights (an
  irrational distance such as ``sqrt(2)`` fed to ``exp``) give SymPy numbers.

PyTorch's Lp pool
-----------------
``torch.nn.functional.lp_pool*d`` computes ``(K * avg(x**p)) ** (1/p)``: it takes no absolute
value (an odd ``p`` on negative inputs differs, or is NaN) and, in ceil mode, multiplies a
clipped window's average by the full kernel size ``K`` instead of its cell count, overcounting it.
:func:`lp_pool` is the true norm over the cells actually in the window; :func:`lp_pool_torch`
reproduces torch's formula for adapters (to a few ulps, not bitwise: torch's vectorised float64
``sqrt`` is not correctly rounded — it differed from ``math.sqrt`` on 1289 of 100000 random
inputs, torch 2.13 CPU).

Other differences from PyTorch (all tested)
-------------------------------------------
* ``avg_pool3d`` (and so ``lp_pool3d``) alone refuses an *unpadded* input shorter than the
  window ("input image smaller than kernel size") even when padding or ceil mode gives an output;
  refconv applies the rule of the 1-D and 2-D pools: the output length must be at least one.
* A float window that holds padding only (dilation with padding, e.g. ``n=1, k=2, dilation=2,
  padding=1``) is ``-inf`` in both; torch's index then points past the input, refconv's is ``-1``.

Cost
----
One vectorised step per window tap over all outputs.  ``max_pool`` of an integer or float
array without ``return_indices`` is one in-place ``np.maximum`` per tap over slabs of planes
padded with the dtype's least value (:func:`~refconv.pooling._max._max_values`;
:data:`~refconv.pooling._windows.SLAB_CELLS`, the slabs spread over the threads BLAS is
allowed); with indices, or objects, a handful of NumPy operations per tap; exact inputs run in ``int64`` where
:func:`refconv._arith.domain` proves it safe, else in Python numbers.  The global forms pool one
whole axis at a time, ``sum(n)`` tap steps instead of ``prod(n)``.

Layout
------
``_windows`` holds the window machinery every pool shares (axes, the spec, the windows, slabs,
window sums, exact ratios); ``_max``, ``_average``, ``_lp`` and ``_weighted`` one pool each;
``_global`` the global forms and figure 9.8; ``_adaptive`` (PyTorch's adaptive windows,
``floor(i*L/out) .. ceil((i+1)*L/out)``), ``_fractional`` (fractional max pooling with given samples)
and ``_unpool`` (max unpooling, the scatter of max pooling's indices) the pools whose windows are
not one strided geometry.  The public names are re-exported here.
"""

from __future__ import annotations

__all__ = [
    "max_pool",
    "avg_pool",
    "lp_pool",
    "weighted_pool",
    "global_max_pool",
    "global_avg_pool",
    "global_lp_pool",
    "global_weighted_pool",
    "pooled_unchanged_fraction",
    "lp_pool_torch",
    "adaptive_avg_pool",
    "adaptive_max_pool",
    "max_unpool",
    "fractional_max_pool",
]

from ._adaptive import adaptive_avg_pool, adaptive_max_pool
from ._average import avg_pool
from ._fractional import fractional_max_pool
from ._global import global_avg_pool, global_lp_pool, global_max_pool, global_weighted_pool, pooled_unchanged_fraction
from ._lp import POWER_BITS_LIMIT as POWER_BITS_LIMIT  # documented here, named in lp_pool's refusal, read in ._lp
from ._lp import lp_pool, lp_pool_torch
from ._max import max_pool
from ._unpool import max_unpool
from ._weighted import weighted_pool
