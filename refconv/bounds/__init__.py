"""Rigorous error bounds for float implementations of convolution and pooling.

:func:`error_bound` returns, for a problem and an *arithmetic* (how the implementation under test
computes: input, product and accumulator formats, rounding), a bound ``B`` such that a correct
implementation of the named algorithm class satisfies ``|y_impl - y| <= B`` where ``y`` is the exact
result (:func:`refconv.exact`).  Every formula below cites its source; formulas worked out for
refconv are marked **[derived]** and are tested numerically in ``tests/test_bounds.py``.

Notation: ``u`` is the unit roundoff (``2**-p`` round-to-nearest, ``2**(1-p)`` truncation),
``gamma_k(u) = k*u / (1 - k*u)``.  For output ``i``, ``M_i = sum |x_t||w_t| (+|b|)`` over its
taps -- the op itself applied to ``|x|``, ``|w|``, ``|b|``, by refconv, with the same spec (one
geometry) -- and ``n_i`` the number of *nonzero* products (+1 for a nonzero bias).

Algorithm classes
-----------------
``method="direct"`` (componentwise; naive loops, im2col + GEMM, implicit GEMM, split-K, atomics,
any blocking, with or without FMA)::

    B_i = (1+u_out) * [(1+u_x)(1+u_w)(1+c_i) - 1] * M_i + u_out * |y_i| + (1+u_out) * n_i * eta_acc

* ``c_i = k_i * u_acc`` under round-to-nearest, for **any** summation order (Jeannerod & Rump,
  SIMAX 34(2), 2013; Rump, Bünger & Jeannerod, BIT 56, 2016: "gamma_k can be improved into ku ...
  without restriction on k ... summation, dot products"); ``c_i = gamma_{k_i}(u_acc)`` under
  truncation (Higham, *Accuracy and Stability*, 2nd ed., §3.1 and §4.2: the standard model holds
  with ``u = 2**(1-p)``, and any summation tree gives each term at most ``n-1`` additions).
  ``k_i = n_i`` when products round, ``n_i - 1`` when they are exact (``2 p_in <= p_acc``:
  fp16/bf16/tf32 products in fp32; Blanchard et al., SISC 42(3), 2020).
* Counting only nonzero products is **[derived]**: ``s + 0`` and ``a * 0`` are exact, so a tree
  with zero leaves computes what the tree over the nonzero leaves does.  Padded zero taps
  therefore do not count, and borders get smaller bounds; an output with ``n_i = 0`` is an exact
  zero, ``B_i = 0``.
* ``u_x, u_w``: rounding of the operands into ``arithmetic.inputs``; zero when the operand is
  exactly representable there (tested exactly).  ``|x^ w^ - x w| <= ((1+u_x)(1+u_w) - 1)|x||w|``
  (notes §1.4, standard model).  Underflow in that conversion adds ``eta_in`` per operand
  **[derived]**.
* ``u_out``: the final rounding to the stored format when it differs from the accumulator's
  (notes §1.5: ``|y^ - y| <= (1+u_out) E_acc + u_out |y|``).  ``|y_i|`` is the exact result when
  ``reference=`` is given, else ``M_i >= |y_i|``.
* ``n_i * eta_acc``: each product may underflow by at most ``eta`` (the smallest subnormal);
  sums that underflow are exact (Hauser, TOPLAS 18(2), 1996) **[derived]** as in notes §1.5.
* Device arithmetic, all **[derived here]** and tested in ``tests/test_device_arithmetic.py``:
  where the output rounds into a narrower format, ``eta_out / 2`` more for its underflow (Higham
  §2.2, model (2.8)); ``Arithmetic(ftz=True)`` (results below the smallest normal may become 0):
  ``c_i = gamma_{k_i}(u_acc)`` and ``(1+u_out)(1+gamma_{n_i}(u_acc)) (2 n_i - 1) realmin_acc``
  (one absolute error below ``realmin`` per product and addition, carried through the later
  roundings) plus ``realmin_out`` instead of ``eta_out / 2``; ``Arithmetic(daz=True)`` (operands
  below the smallest normal of the format they are read in become 0): ``(1+u_out) D_i``, ``D_i``
  the sum of ``|x_t||w_t|`` over the products with such an operand (notes §1.5).
* bf16x3 split (``"BF16x3_F32"``): the bracket is ``3 * 2**-16 + gamma_{3 n_i}(u_acc)``
  (Henry, Tang & Heinecke, ARITH 2019; constant **[derived]** in notes §1.4).

``method="winograd"`` (componentwise, from the transform matrices ``(AT, G, BT)`` that were
actually used, **[derived]** in notes §2.2 from ``fl(Mv) = (M + dM) v``, ``|dM| <= gamma_k |M|``;
Higham §3.5)::

    |y^ - y| <= gamma_K(u) * |AT| [ sum_c (|G||g_c||G|^T) ⊙ (|BT||d_c||BT|^T) ] |AT|^T
    K = 2 k_A + C + 1 + 2 k_G + 2 k_B + rho_G        (2-D; 1-D has single k's)

``method="fft"`` (norm-wise per feature map, **[derived]** in notes §2.1 from Higham Thm 24.2,
radix-2 Cooley-Tukey of length ``N = 2**t`` with twiddle error ``mu``)::

    ||y^ - y||_2 <= (3 c_N + sqrt(5) u + gamma_C(u)) * sum_c (||x_c||_2 ||w_c||_1 + ||x_c||_1 ||w_c||_2)
    c_N = t eta / (1 - t eta),  eta = mu + gamma_4(sqrt(2) + mu),  mu = u

A model bound for mixed-radix/real FFTs (pocketfft, cuFFT), stated in ``Bound.assumptions``.  A
feature map with ``2**t * 4 * sum_c ||x_c||_1 ||w_c||_1`` at or past the accumulator's largest
value has bound ``inf``: an FFT's intermediates may overflow there though the exact result is
finite (only NaN then fails, see :func:`refconv.assert_conforms`).

Pooling: max pooling is exact (``B = 0``, compare bitwise).  Average pooling **[derived]** from
Higham §4.2 and the standard model (notes §5): ``B = (1+u_out) gamma_{k+1}(u_acc) mean|x| +
u_out |y|`` with ``k`` the nonzero cells of the window.

How the bound itself is evaluated
---------------------------------
``M`` is refconv's float64 result on ``|x|, |w|, |b|``; its own error is at most
``gamma_m(2**-53) M`` (``m`` = the largest term count, +1) plus ``m * 2**-1074`` underflow, so it
is enlarged to ``(M64 + m 2**-1074) / (1 - gamma_m(2**-53))``.  ``n_i`` comes from refconv's
exact int64 path on the nonzero indicators.  The bracket is expanded into its (non-negative)
monomials so that no cancellation occurs, and the final float64 value is multiplied by
``1 + 2**-40``, which dominates the few float64 roundings in the formula, and (direct and average
pooling) ``2**-1070`` is added, which dominates them where the value is subnormal.  So the returned bound
is never below the mathematical one.  Where ``M`` or ``|y|`` could overflow a format, the bound
is ``inf`` and ``Bound.assumptions`` says so.

Not covered: declared summation orders (pairwise, blocked), FTZ/DAZ in the FFT and Winograd bounds
(refused), Strassen-type GEMM, Lp and weighted pooling, Winograd beyond stride 1 / dilation 1 / zero
padding / 1-D and 2-D.
"""

from __future__ import annotations

__all__ = [
    "error_bound",
    "Bound",
    "Arithmetic",
    "Format",
    "FORMATS",
    "PRESETS",
    "round_to",
    "gamma",
    "default_arithmetic",
    "representable",
]

import dataclasses
from typing import Any

import numpy as np

from .._validation import check_choice, fail
from ..exact import OPS, Format, op_form, widen_bfloat16
from ..exact._pools import windowed
from ..exact._rounding import float_result_type, is_float
from .direct import Bound, _avg_pool, _direct
from .fast import WINOGRAD as WINOGRAD  # public before the split (refconv.bounds.WINOGRAD), not in __all__
from .fast import _fft, _winograd
from .formats import (
    FORMATS,
    PRESETS,
    Arithmetic,
    _arithmetic,
    default_arithmetic,
    dtype_format,
    gamma,
    representable,
    round_to,
)
from .pools import pool_bound


def error_bound(
    *args: Any,
    op: str = "conv",
    dtype: Any = None,
    arithmetic: Any = None,
    method: str = "direct",
    transform: Any = None,
    reference: Any = None,
    **kwargs: Any,
) -> Bound:
    """A rigorous bound on the error of a float implementation of refconv's ``op``.

    Parameters
    ----------
    *args, **kwargs
        The op's arguments, exactly as refconv's function for ``op`` takes them (for "conv":
        ``x, w, bias`` and ``stride, padding, dilation, groups, padding_mode``).
    op : {"conv", "conv_transpose", "correlate", "convolve", "avg_pool", "max_pool"}
        The refconv function the implementation computes (a key of :data:`refconv.exact.OPS`).
    dtype : float dtype, optional
        The implementation's result dtype (default: ``numpy.result_type`` of the operands).
    arithmetic : str or Arithmetic, optional
        A name of :data:`PRESETS` (``"F32_F32_F32"``, ``"F16_F16_F32"``, ``"TF32_TF32_F32"``,
        ...) or an :class:`Arithmetic`; default: computing in ``dtype`` itself.
    method : {"direct", "winograd", "fft"}
        The algorithm class the bound covers (see the module docstring).
    transform : (AT, G, BT), optional
        Winograd transform matrices actually used; default Lavin & Gray's F(2, 3).
    reference : array_like, optional
        The exact result (or an enclosure of ``|y|``), of the op's output shape, which sharpens the
        output-rounding term of the direct and avg_pool bounds (the FFT and Winograd bounds have no
        such term and do not read it).

    Returns
    -------
    Bound
        ``.value`` per output element (componentwise) or per feature map (norm-wise FFT).

    Raises
    ------
    ValueError
        For an unknown ``op``, ``method``, preset or transform, a dtype without a bound, a
        ``method`` the op has no bound for, or the op's own refusals of its arguments.
    TypeError
        When ``dtype`` cannot be inferred (no float operand), or for a bad ``reference``.

    See Also
    --------
    refconv.exact : the exact result the bound is measured from.
    refconv.assert_conforms : compares an implementation against the exact result under this bound.
    Bound : what it returns.
    Arithmetic : how the implementation computes.

    Examples
    --------
    A length-3 float32 dot product of ones: 3 products, ``3 u`` times ``M = 3`` (times 1+2**-40):

    >>> import numpy as np
    >>> from refconv import error_bound
    >>> b = error_bound(np.ones(5, np.float32), np.ones(3, np.float32), op="correlate")
    >>> b.kind, b.value.shape, bool(np.allclose(b.value, 3 * 3 * 2.0**-24))
    ('componentwise', (3,), True)

    Zero padding taps do not count: the border outputs of "same" have 2 products, not 3.

    >>> b = error_bound(np.ones(4), np.ones(3), op="correlate", mode="same")
    >>> (b.terms["n"]).tolist()
    [2.0, 3.0, 3.0, 2.0]

    The bound holds for a float32 computation, measured against the exact result (correctly
    rounded to float64, :func:`refconv.exact`):

    >>> from refconv import correlate, exact
    >>> x = np.arange(1, 9, dtype=np.float32) / 7
    >>> w = np.array([1, -2, 3], dtype=np.float32) / 9
    >>> err = np.abs(correlate(x, w).astype(np.float64) - exact("correlate", x, w, dtype=np.float64))
    >>> bound = error_bound(x, w, op="correlate").value
    >>> bool((err <= bound).all()), bool((bound < 1e-6).all())
    (True, True)
    """
    func = "error_bound"
    form = op_form(func, op)
    params = form.bind(func, args, kwargs)  # every argument by name, whether passed by position or keyword
    operands = [params.pop(name, None) for name in form.operands]
    fn = form.resolve()
    check_choice(func, "method", method, ("direct", "winograd", "fft"))
    if dtype is None:
        floats = [np.asarray(a).dtype for a in operands if a is not None and is_float(np.asarray(a).dtype)]
        if not floats:
            raise fail(func, "dtype", dtype, "cannot be inferred: no float operand", "dtype=float16/32/64", TypeError)
        dtype = float_result_type(*floats)
    operands = list(widen_bfloat16(tuple(operands)))
    out_fmt = dtype_format(func, dtype)
    arith = _arithmetic(func, arithmetic, dtype)
    if arith.accumulate is None:
        arith = dataclasses.replace(arith, accumulate=out_fmt)
    if form.kernel_index is None and form.kind != "bilinear":  # a global pool: one window over the axes
        name, params = windowed(form, operands[0], params)
        form, fn = OPS[name], OPS[name].resolve()
    if form.kind in ("norm", "weighted"):
        if method != "direct":
            raise fail(func, "method", method, f"has no bound for op={op!r}", "'direct'")
        return _finite_or_inf(pool_bound(form, operands[0], params, arith, out_fmt, reference))
    if form.kind == "select":
        shape = np.shape(fn(*operands, **params))
        return Bound(np.zeros(shape), "componentwise", method, arith, "max is exact: compare bitwise (notes §5)")
    if form.kind == "linear":
        if method != "direct":
            raise fail(func, "method", method, f"has no bound for op={op!r}", "'direct'")
        return _finite_or_inf(_avg_pool(fn, np.asarray(operands[0]), params, arith, out_fmt, reference))
    ops = [None if a is None else np.asarray(a) for a in operands] + [None] * (3 - len(operands))
    call = fn if form.bias else lambda a, b, c, **kw: fn(a, b, **kw)
    if method == "direct":
        return _finite_or_inf(_direct(call, ops, params, arith, out_fmt, reference))
    if arith.ftz or arith.daz:
        raise fail(
            func, "arithmetic", arith.name, f"flushes subnormals: no {method} bound models it", "method='direct'"
        )
    if any(a.size == 0 for a in ops[:2]):
        shapes = f"x.shape={ops[0].shape}, w.shape={ops[1].shape}"
        raise fail(func, "method", method, f"has no bound for empty operands ({shapes})", "method='direct'")
    # The fast-algorithm bounds assume no overflow: where |x| and |w| overflow float64, say inf.
    with np.errstate(over="ignore", invalid="ignore"):
        bound = _fft(form, ops, params, arith) if method == "fft" else _winograd(form, ops, params, arith, transform)
    return _finite_or_inf(bound)


def _finite_or_inf(bound: Bound) -> Bound:
    """A NaN bound (``0 * inf`` where magnitudes overflowed float64) is no bound: make it ``inf``.

    >>> _finite_or_inf(Bound(np.array([np.nan, 1.0]), "componentwise", "direct", PRESETS["F64_F64_F64"], "")).value
    array([inf,  1.])
    """
    value = np.asarray(bound.value, dtype=np.float64)
    if not np.isnan(value).any():
        return bound
    return dataclasses.replace(bound, value=np.where(np.isnan(value), np.inf, value))
