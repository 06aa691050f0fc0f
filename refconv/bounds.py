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

Not covered: declared summation orders (pairwise, blocked), FTZ/DAZ, Strassen-type GEMM, Lp and
weighted pooling, Winograd beyond stride 1 / dilation 1 / zero padding / 1-D and 2-D.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from ._validation import check_choice, fail
from .exact import Format, op_form

# ---------------------------------------------------------------------------------------------
# Formats and arithmetics
# ---------------------------------------------------------------------------------------------


#: Formats by short name (notes §1.4 table).  tf32 is a compute format: fp32 range, 11 bits.
FORMATS = {
    "f64": Format("f64", 53, -1022, 1023),
    "f32": Format("f32", 24, -126, 127),
    "tf32": Format("tf32", 11, -126, 127),
    "f16": Format("f16", 11, -14, 15),
    "bf16": Format("bf16", 8, -126, 127),
}
_DTYPE_FORMAT = {"float64": "f64", "float32": "f32", "float16": "f16"}


@dataclass(frozen=True)
class Arithmetic:
    """How the implementation under test computes (JAX-style names: lhs, rhs, accumulator).

    ``inputs``: format the operands are converted to before multiplying (None: as stored);
    ``input_rounding``: "rn" or "rz" for that conversion; ``accumulate`` and
    ``accumulate_rounding``: the accumulator (None: the dtype's format); ``output``: the stored
    result's format (None: the dtype's); ``split``: None or "bf16x3".
    """

    name: str
    inputs: Format | None = None
    input_rounding: str = "rn"
    accumulate: Format | None = None
    accumulate_rounding: str = "rn"
    output: Format | None = None
    split: str | None = None


_F = FORMATS
#: Named presets.  ``*_TC`` model matrix units (tensor cores): products exact, accumulation
#: truncated (Fasi, Higham, Mikaitis & Pranesh, PeerJ CS 7:e330, 2021); TF32 conversion is taken
#: as truncation too, the safe choice when the mode is unknown (notes §1.4).
PRESETS: dict[str, Arithmetic] = {
    "F64_F64_F64": Arithmetic("F64_F64_F64", None, "rn", _F["f64"], "rn"),
    "F32_F32_F32": Arithmetic("F32_F32_F32", None, "rn", _F["f32"], "rn"),
    "F16_F16_F16": Arithmetic("F16_F16_F16", None, "rn", _F["f16"], "rn"),
    "F16_F16_F32": Arithmetic("F16_F16_F32", _F["f16"], "rn", _F["f32"], "rn"),
    "BF16_BF16_F32": Arithmetic("BF16_BF16_F32", _F["bf16"], "rn", _F["f32"], "rn"),
    "F16_F16_F32_TC": Arithmetic("F16_F16_F32_TC", _F["f16"], "rn", _F["f32"], "rz"),
    "BF16_BF16_F32_TC": Arithmetic("BF16_BF16_F32_TC", _F["bf16"], "rn", _F["f32"], "rz"),
    "TF32_TF32_F32": Arithmetic("TF32_TF32_F32", _F["tf32"], "rz", _F["f32"], "rz"),
    "BF16x3_F32": Arithmetic("BF16x3_F32", None, "rn", _F["f32"], "rn", split="bf16x3"),
}


def default_arithmetic(dtype: Any) -> Arithmetic:
    """The preset for an implementation that computes in ``dtype`` itself (any order, RN).

    For float16 this is F16_F16_F16, which also covers float32 accumulation rounded to float16
    at the end (its bound is the larger one).
    """
    name = _DTYPE_FORMAT[np.dtype(dtype).name].upper()
    return PRESETS[f"{name}_{name}_{name}"]


def _arithmetic(func: str, arithmetic: Any, dtype: Any) -> Arithmetic:
    if arithmetic is None:
        return default_arithmetic(dtype)
    if isinstance(arithmetic, Arithmetic):
        return arithmetic
    return PRESETS[check_choice(func, "arithmetic", arithmetic, tuple(PRESETS))]


#: The formats numpy has a type for: rounding into them is a cast (IEEE round to nearest, even).
_NUMPY_TYPES = {(11, -14, 15): np.float16, (24, -126, 127): np.float32, (53, -1022, 1023): np.float64}


def round_to(a: Any, fmt: Any, rounding: str = "rn") -> np.ndarray:
    """``a`` rounded into format ``fmt`` (a name of :data:`FORMATS` or a :class:`Format`), returned
    in ``a``'s dtype.

    Round to nearest (ties to even) or toward zero ("rz"); overflow gives ``inf`` under "rn" and
    the largest finite number under "rz"; a result that ``a``'s dtype cannot hold (float16's 65504
    rounded to bf16's 65536) becomes ``inf``.  Useful to emulate TF32/bfloat16 inputs.  Formats of
    float32's exponent range and fewer bits (bf16, tf32) are rounded on float32 bit patterns; a
    wider input is first rounded *to odd* into float32, whose 2 or more spare bits make the second
    rounding correct (Boldo & Melquiond, IEEE TC 57(4), 2008), so nothing is rounded twice.

    bfloat16 keeps 8 significant bits, so near 1 its spacing is 2**-7; ties go to even:

    >>> round_to(np.array([1 + 2**-8, 1 + 3 * 2**-8], dtype=np.float32), "bf16").tolist()
    [1.0, 1.015625]
    >>> round_to(np.array([1 + 2**-7 + 2**-9, -(1 + 2**-7 + 2**-8)]), "bf16", "rz").tolist()
    [1.0078125, -1.0078125]

    Just above a tie in float64 only (a float32 cast would make it a tie, then round to even):

    >>> round_to(np.array([1 + 2**-8 + 2**-40]), "bf16").tolist() == [1 + 2**-7]
    True
    """
    func = "round_to"
    fmt = FORMATS[check_choice(func, "fmt", fmt, tuple(FORMATS))] if isinstance(fmt, str) else fmt
    if not isinstance(fmt, Format):
        raise fail(
            func, "fmt", fmt, "is not a format", f"a name of FORMATS ({', '.join(FORMATS)}) or a Format", TypeError
        )
    check_choice(func, "rounding", rounding, ("rn", "rz"))
    a = np.asarray(a)
    if a.dtype.kind != "f":
        raise fail(func, "a", a, f"has dtype {a.dtype}", "a float array", TypeError)
    native = _NUMPY_TYPES.get((fmt.p, fmt.e_min, fmt.e_max))
    if native is not None:
        with np.errstate(over="ignore"):
            near = a.astype(native)
        if rounding == "rz":  # a cast rounds to nearest: step back toward zero where it went past a
            near = np.where(np.abs(near.astype(a.dtype)) > np.abs(a), np.nextafter(near, native(0)), near)
        return near.astype(a.dtype)
    if (fmt.e_min, fmt.e_max) != (-126, 127) or not 1 <= fmt.p <= 22:
        raise fail(
            func,
            "fmt",
            fmt,
            "is neither a numpy format nor of float32's range",
            "1 <= p <= 22 with e_min=-126, e_max=127",
        )
    bits = round_to(a, FORMATS["f32"], "rz").astype(np.float32).view(np.uint32)
    if a.dtype.itemsize > 4:  # round to odd: a truncation that lost bits keeps a sticky last bit
        bits = bits | (np.isfinite(a) & (bits.view(np.float32).astype(a.dtype) != a)).astype(np.uint32)
    drop = 24 - fmt.p
    mask = np.uint32((0xFFFFFFFF >> drop) << drop)
    finite = np.isfinite(bits.view(np.float32))
    if rounding == "rn":
        bias = np.uint32((1 << (drop - 1)) - 1) + ((bits >> np.uint32(drop)) & np.uint32(1))
        bits = np.where(finite, bits + bias, bits)
    with np.errstate(over="ignore"):  # float16 input rounded up past 65504 (to bf16's 65536): inf
        return (bits & np.where(finite, mask, np.uint32(0xFFFFFFFF))).view(np.float32).astype(a.dtype)


def representable(a: np.ndarray, fmt: Format) -> bool:
    """Whether every element of float array ``a`` is exactly a number of format ``fmt``."""
    return bool(np.array_equal(round_to(a, fmt, "rz"), a, equal_nan=True))


# ---------------------------------------------------------------------------------------------
# The bound
# ---------------------------------------------------------------------------------------------

_U64 = 2.0**-53
_ETA64 = 2.0**-1074
_SAFETY = 1 + 2.0**-40
#: Where the bound is subnormal, relative margins vanish in float64: the direct and avg_pool
#: bounds (which cover underflow) add 2**-1070, more than the absolute rounding error of the
#: dozen float64 operations that evaluate them there (2**-1075 each).
_TINY = 2.0**-1070


def gamma(k: Any, u: float) -> Any:
    """``gamma_k(u) = k u / (1 - k u)`` (Higham, Lemma 3.1); ``inf`` where ``k u >= 1``.

    >>> float(gamma(2, 0.25))
    1.0
    """
    ku = np.asarray(k, dtype=np.float64) * u
    with np.errstate(divide="ignore"):  # ku >= 1 divides by a clipped 0: inf
        return ku / np.maximum(1 - ku, 0)


@dataclass(frozen=True)
class Bound:
    """A rigorous error bound and what it covers.

    ``value`` has the output's shape for ``kind="componentwise"`` (``|y^_i - y_i| <= value_i``)
    and the output's leading (batch, channel) shape for ``kind="normwise"``
    (``||y^ - y||_2 <= value`` per feature map).  ``terms`` holds the ingredients (``M``, ``n``,
    the constants), ``source`` the citations, ``assumptions`` the conditions under which it holds.
    """

    value: np.ndarray
    kind: str
    method: str
    arithmetic: Arithmetic
    source: str
    assumptions: tuple[str, ...] = ()
    terms: dict = field(default_factory=dict, repr=False, compare=False)

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.value, dtype=dtype)


def _run(fn, ops, kwargs, dtype):
    """refconv's op on operands (x, w[, bias]) converted to ``dtype``."""
    conv = [None if a is None else np.asarray(a).astype(dtype) for a in ops]
    return fn(*conv, **kwargs)


def _input_terms(arith: Arithmetic, operands: list) -> list[float]:
    """``u`` of converting each operand into ``arith.inputs`` (0 when exactly representable)."""
    out = []
    for a in operands:
        if arith.inputs is None or a is None or representable(np.asarray(a), arith.inputs):
            out.append(0.0)
        else:
            out.append(arith.inputs.u(arith.input_rounding))
    return out


def _reference_abs(reference: Any, shape: tuple) -> np.ndarray:
    """``|reference| (1 + 2**-52)``: the exact result may come rounded to float64 (half an ulp each way).

    >>> _reference_abs([[1, -2]], (2,))
    Traceback (most recent call last):
    ValueError: error_bound: reference=[[1, -2]] has shape (1, 2); expected the op's output shape (2,)
    """
    func = "error_bound"
    try:
        ref = np.asarray(reference)
        if ref.dtype.kind not in "biufO":
            raise TypeError
        # float(v) per object element: numpy would turn a None into NaN.
        ref = np.array([float(v) for v in ref.ravel()]).reshape(ref.shape) if ref.dtype.kind == "O" else ref
        ref = ref.astype(np.float64)
    except (TypeError, ValueError):
        raise fail(
            func, "reference", reference, "is not an array of real numbers", "the exact result", TypeError
        ) from None
    if ref.shape != shape:
        raise fail(func, "reference", reference, f"has shape {ref.shape}", f"the op's output shape {shape}")
    return np.abs(ref) * (1 + 2 * _U64)


def _direct(fn, ops, kwargs, arith, out_fmt, reference) -> Bound:
    x, w, bias = ops
    # M must carry only float64 rounding errors of a sum of products: refconv's direct method.
    kwargs = dict(kwargs, method="direct")
    acc = arith.accumulate
    out_fmt = arith.output or out_fmt
    u_acc = acc.u(arith.accumulate_rounding)
    u_out = 0.0 if (out_fmt.p >= acc.p and out_fmt.e_max >= acc.e_max) else out_fmt.u("rn")
    mags = [None if a is None else np.abs(np.asarray(a, dtype=np.float64)) for a in ops]
    with np.errstate(over="ignore"):  # |x| (*) |w| may overflow float64: the bound is inf there
        M64 = np.asarray(_run(fn, mags, kwargs, np.float64), dtype=np.float64)
    nonzero = [None if a is None else (np.asarray(a) != 0).astype(np.int64) for a in ops]
    n = np.asarray(_run(fn, nonzero, kwargs, np.int64), dtype=np.float64)
    m = float(n.max(initial=0)) + 1
    with np.errstate(over="ignore"):
        M = (M64 + m * _ETA64) / (1 - float(gamma(m, _U64)))
    u_x, u_w = _input_terms(arith, [x, w])
    assumptions = ["any summation order", "no FTZ/DAZ"]
    if arith.split == "bf16x3":
        bracket = 3 * 2.0**-16 + gamma(3 * n, u_acc)
    else:
        products_exact = arith.inputs is not None and 2 * arith.inputs.p <= acc.p
        k = np.maximum(n - 1, 0) if products_exact else n
        c = k * u_acc if arith.accumulate_rounding == "rn" else gamma(k, u_acc)
        # (1+u_x)(1+u_w)(1+c) - 1 expanded into non-negative monomials: no cancellation.
        bracket = u_x + u_w + c + u_x * u_w + (u_x + u_w) * c + u_x * u_w * c
    y_abs = M if reference is None else np.minimum(M, _reference_abs(reference, M.shape))
    with np.errstate(over="ignore", invalid="ignore"):
        value = (1 + u_out) * bracket * M + u_out * y_abs + (1 + u_out) * n * acc.eta
        underflow_in = 0.0
        if arith.inputs is not None and (u_x or u_w):
            # Conversion may underflow: |x^ - x| <= u|x| + eta_in per operand [derived].
            ones = [np.ones(x.shape), np.ones(w.shape)]
            eta = arith.inputs.eta
            if u_x:
                value = value + (1 + bracket) * eta * np.asarray(_run(fn, [ones[0], mags[1], None], kwargs, np.float64))
            if u_w:
                value = value + (1 + bracket) * eta * np.asarray(_run(fn, [mags[0], ones[1], None], kwargs, np.float64))
            underflow_in = eta
        # An output without a nonzero product is an exact zero in any arithmetic: its bound is 0.
        value = np.where(n > 0, value * _SAFETY + _TINY, 0.0)
    limits = [acc.realmax, out_fmt.realmax] + ([arith.inputs.realmax] if arith.inputs else [])
    overflow = ~np.isfinite(M) | (M >= min(limits))
    if overflow.any():
        value = np.where(overflow, np.inf, value)
        assumptions.append(f"overflow possible at {int(overflow.sum())} outputs: bound is inf there")
    source = (
        "k*u, any order (Jeannerod & Rump, SIMAX 34(2) 2013)"
        if arith.accumulate_rounding == "rn"
        else "gamma_k, any order, u = 2**(1-p) (Higham 2002 §3.1, §4.2)"
    ) + "; nonzero-product count and underflow term [derived], notes §1.1, §1.5"
    terms = dict(M=M, n=n, u_acc=u_acc, u_out=u_out, u_x=u_x, u_w=u_w, eta_in=underflow_in, bracket=bracket)
    return Bound(
        np.asarray(value, dtype=np.float64), "componentwise", "direct", arith, source, tuple(assumptions), terms
    )


def _avg_pool(fn, x, params, arith, out_fmt, reference) -> Bound:
    acc = arith.accumulate
    out_fmt = arith.output or out_fmt
    u_acc = acc.u(arith.accumulate_rounding)
    u_out = 0.0 if out_fmt.p >= acc.p else out_fmt.u("rn")
    with np.errstate(over="ignore"):  # a window sum of |x| may overflow float64: the bound is inf there
        mean_abs = np.asarray(fn(np.abs(x.astype(np.float64)), **params), dtype=np.float64)
    k = np.asarray(fn((x != 0).astype(np.int64), **dict(params, divisor_override=1))).astype(np.float64)
    m = float(k.max(initial=0)) + 2
    mean_abs = (mean_abs + m * _ETA64) / (1 - float(gamma(m, _U64)))
    y_abs = mean_abs if reference is None else _reference_abs(reference, mean_abs.shape)
    with np.errstate(over="ignore", invalid="ignore"):
        value = (1 + u_out) * gamma(k + 1, u_acc) * mean_abs + u_out * y_abs + (1 + u_out) * (k + 1) * acc.eta
        value = value * _SAFETY + _TINY
    source = "gamma_{k+1} for k-1 additions and a division by the divisor [derived], Higham 2002 §4.2, notes §5"
    return Bound(
        value,
        "componentwise",
        "direct",
        arith,
        source,
        ("any summation order",),
        dict(M=mean_abs, n=k, u_acc=u_acc, u_out=u_out),
    )


# ---------------------------------------------------------------------------------------------
# Fast algorithms: FFT (norm-wise) and Winograd (componentwise)
# ---------------------------------------------------------------------------------------------

#: Lavin & Gray (CVPR 2016) transforms ``(AT, G, BT)`` for correlation: ``y = AT[(G g) * (BT d)]``.
WINOGRAD = {
    "F(2,3)": (
        ((1, 1, 1, 0), (0, 1, -1, -1)),
        ((1, 0, 0), (0.5, 0.5, 0.5), (0.5, -0.5, 0.5), (0, 0, 1)),
        ((1, 0, -1, 0), (0, 1, 1, 0), (0, -1, 1, 0), (0, 1, 0, -1)),
    ),
    "F(4,3)": (
        ((1, 1, 1, 1, 1, 0), (0, 1, -1, 2, -2, 0), (0, 1, 1, 4, 4, 0), (0, 1, -1, 8, -8, 1)),
        (
            (1 / 4, 0, 0),
            (-1 / 6, -1 / 6, -1 / 6),
            (-1 / 6, 1 / 6, -1 / 6),
            (1 / 24, 1 / 12, 1 / 6),
            (1 / 24, -1 / 12, 1 / 6),
            (0, 0, 1),
        ),
        (
            (4, 0, -5, 0, 1, 0),
            (0, -4, -4, 1, 1, 0),
            (0, 4, -4, -1, 1, 0),
            (0, -2, -1, 2, 1, 0),
            (0, 2, -1, -2, 1, 0),
            (0, 4, 0, -5, 0, 1),
        ),
    ),
}


def _channel_form(func: str, form, ops, kwargs):
    """``(x_padded (N, C_in, *P), w (C_out, C_in/g, *K), groups, spec, lead)`` for a bilinear op.

    The padding (with its boundary copies) comes from the op's own spec and :func:`refconv._taps.pad`;
    ``lead`` is the leading shape of the op's output (feature maps).
    """
    from ._taps import pad
    from .spec import plain_spec

    x, w, bias = ops
    if form.name in ("correlate", "convolve"):
        spec = plain_spec(form.function, x.shape, w.shape, **kwargs)
        xs, ws, groups, lead = x[None, None], (np.flip(w) if form.name == "convolve" else w)[None, None], 1, ()
    elif form.name == "conv":
        from .layer import _conv_setup

        xs, ws, _, batched, spec = _conv_setup(form.function, x, w, bias, **kwargs)
        groups, lead = kwargs.get("groups", 1), (xs.shape[0], w.shape[0]) if batched else (w.shape[0],)
    else:
        raise fail(func, "op", form.name, "has no fast-algorithm bound", "'conv', 'correlate' or 'convolve'")
    padded = pad(np.abs(xs.astype(np.float64)), spec, tuple(range(2, 2 + spec.ndim)))
    return padded, np.abs(ws.astype(np.float64)), groups, spec, lead


def _grouped(a: np.ndarray, groups: int) -> np.ndarray:
    """``(N, C, ...)`` -> ``(N, G, C/G, ...)``."""
    return a.reshape(a.shape[:1] + (groups, a.shape[1] // groups) + a.shape[2:])


def _norm2(a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """2-norms over ``axes``, each scaled by a power of two at least its largest entry (exact), so
    that squaring neither overflows near the range nor underflows subnormals away."""
    top = np.abs(a).max(axis=axes, keepdims=True, initial=0.0)
    scale = np.ldexp(1.0, np.frexp(top)[1])  # 2**e > top (1 for an all-zero map)
    return (np.sqrt(((a / scale) ** 2).sum(axis=axes, keepdims=True)) * scale).squeeze(axes)


def _fft(form, ops, kwargs, arith) -> Bound:
    func = "error_bound"
    xp, w, groups, spec, lead = _channel_form(func, form, ops, kwargs)
    u = arith.accumulate.u(arith.accumulate_rounding)
    nd = spec.ndim
    axes = tuple(range(2, 2 + nd))
    t = sum(math.ceil(math.log2(max(2, g.padded + g.extent - 1))) for g in spec.axes)  # full linear length
    eta = u + float(gamma(4, u)) * (math.sqrt(2) + u)
    c_n = t * eta / (1 - t * eta)
    x2, x1 = _norm2(xp, axes), xp.sum(axis=axes)  # (N, C_in)
    w2, w1 = _norm2(w, axes), w.sum(axis=axes)  # (C_out, C_in/g)
    wg2, wg1 = _grouped(w2[None], groups)[0], _grouped(w1[None], groups)[0]  # (G, C_out/g, C_in/g)
    s = np.einsum("ngc,goc->ngo", _grouped(x2, groups), wg1) + np.einsum("ngc,goc->ngo", _grouped(x1, groups), wg2)
    s = s.reshape(s.shape[0], -1)  # (N, C_out)
    c = w.shape[1]
    value = (3 * c_n + math.sqrt(5) * u + float(gamma(c, u))) * s
    bias = ops[2]
    if bias is not None:
        # One more rounding per output: u (||y||_2 + sqrt(O) |b|), and ||y||_2 <= ||x||_1 ||w||_2 (Young) [derived].
        outputs = math.prod(spec.output_shape)
        value = (1 + u) * value + u * (s + math.sqrt(outputs) * np.abs(np.asarray(bias, np.float64))[None])
    size = xp.size + w.size + 10
    value = value * (1 + size * 2.0**-52) * _SAFETY
    # Every intermediate of the transforms, the channel sum and the unscaled inverse is at most
    # 2**t * sum_c ||x_c||_1 ||w_c||_1 in magnitude; where that (with a margin of 4) can pass the
    # accumulator's range, an FFT may overflow to inf with a finite exact result: no finite bound.
    reach = np.einsum("ngc,goc->ngo", _grouped(x1, groups), wg1).reshape(s.shape)
    with np.errstate(over="ignore"):
        overflow = reach * 2.0**t * 4 >= arith.accumulate.realmax
    value = np.where(overflow, np.inf, value).reshape(lead)
    source = (
        "norm-wise, radix-2 Cooley-Tukey (Higham 2002 Thm 24.2); linear convolution through a zero-padded FFT "
        "[derived], notes §2.1"
    )
    assumptions = (
        "model bound for mixed-radix, real-input or overlap-add FFTs (pocketfft, cuFFT)",
        f"twiddle error mu = u; t = {t} radix-2 stages",
        "per feature map: ||y^ - y||_2 over the map's outputs",
        "no underflow; a map whose intermediates may reach the accumulator's range has bound inf",
    )
    return Bound(np.asarray(value), "normwise", "fft", arith, source, assumptions, dict(c_N=c_n, t=t, S=s))


def _dyadic(v: float) -> bool:
    """Whether ``v`` is meant as a dyadic rational (1/2, 1/4) rather than a rounded 1/6 or 1/24."""
    den = Fraction(v).limit_denominator(2**20).denominator
    return den & (den - 1) == 0


def _winograd(form, ops, kwargs, arith, transform) -> Bound:
    func = "error_bound"
    xp, w, groups, spec, lead = _channel_form(func, form, ops, kwargs)
    nd = spec.ndim
    if nd > 2 or any(g.stride != 1 or g.dilation != 1 for g in spec.axes):
        raise fail(
            func,
            "method",
            "winograd",
            f"is bounded here for 1-D/2-D, stride 1, dilation 1 only (got {spec})",
            "method='direct' or 'fft' for this problem",
        )
    if transform is None:
        if any(k != 3 for k in spec.kernel_shape):
            raise fail(
                func,
                "transform",
                transform,
                f"has no default for kernel {spec.kernel_shape}",
                "the (AT, G, BT) matrices the implementation uses",
            )
        transform = "F(2,3)"
    if isinstance(transform, str):
        transform = WINOGRAD[check_choice(func, "transform", transform, tuple(WINOGRAD))]
    at, g_mat, bt = (np.asarray(m, dtype=np.float64) for m in transform)
    m_out, r = at.shape[0], g_mat.shape[1]
    alpha = m_out + r - 1
    if at.shape[1] != alpha or g_mat.shape[0] != alpha or bt.shape != (alpha, alpha):
        shapes = f"with shapes AT {at.shape}, G {g_mat.shape}, BT {bt.shape}"
        raise fail(
            func,
            "transform",
            "(AT, G, BT)",
            f"{shapes} is inconsistent",
            "AT (m, m+r-1), G (m+r-1, r), BT (m+r-1, m+r-1)",
        )
    if any(k != r for k in spec.kernel_shape):
        raise fail(
            func,
            "transform",
            transform,
            f"is for kernels of {r} taps, not {spec.kernel_shape}",
            "matching transform matrices",
        )
    k_a, k_g, k_b = (int(np.count_nonzero(m, axis=1).max()) for m in (at, g_mat, bt))
    rho_g = int(not all(_dyadic(v) for v in g_mat.ravel()))
    c = w.shape[1]
    K = nd * (k_a + k_g + k_b) + c + 1 + rho_g
    u = arith.accumulate.u(arith.accumulate_rounding)
    # Tiles of m outputs: zero-extend the padded input to whole tiles, as implementations do.
    outs = [g.out for g in spec.axes]
    tiles = [-(-o // m_out) for o in outs]
    ext = np.zeros(xp.shape[:2] + tuple(t * m_out + r - 1 for t in tiles))
    ext[(Ellipsis, *(slice(0, n) for n in xp.shape[2:]))] = xp
    d = ext
    for axis in range(nd):
        d = np.lib.stride_tricks.sliding_window_view(d, alpha, axis=2 + axis)
        d = d[(slice(None),) * (2 + axis) + (slice(None, None, m_out),)]
    # d: (N, C, T1[, T2], alpha[, alpha]).  Transform magnitudes: |BT| |d| |BT|^T and |G| |g| |G|^T.
    abt, ag, aat = np.abs(bt), np.abs(g_mat), np.abs(at)
    letters = "ab"[:nd]
    V, U = d, w
    for i in range(nd):
        V = np.moveaxis(np.tensordot(V, abt, axes=([V.ndim - nd + i], [1])), -1, V.ndim - nd + i)
        U = np.moveaxis(np.tensordot(U, ag, axes=([U.ndim - nd + i], [1])), -1, U.ndim - nd + i)
    tl = "tu"[:nd]
    Vg = _grouped(V, groups)  # (N, G, Cg, T.., alpha..)
    Ug = U.reshape((groups, U.shape[0] // groups) + U.shape[1:])  # (G, Cout/g, Cg, alpha..)
    S = np.einsum(f"ngc{tl}{letters},goc{letters}->ngo{tl}{letters}", Vg, Ug)
    Y = S
    for i in range(nd):
        Y = np.moveaxis(np.tensordot(Y, aat, axes=([Y.ndim - nd + i], [1])), -1, Y.ndim - nd + i)
    # (N, G, Co, T1[, T2], m[, m]) -> (N, C_out, T1*m[, T2*m]) cropped to the output.
    order = [0, 1, 2] + [p for i in range(nd) for p in (3 + i, 3 + nd + i)]
    Y = Y.transpose(order).reshape((Y.shape[0], -1) + tuple(t * m_out for t in tiles))
    Y = Y[(Ellipsis, *(slice(0, o) for o in outs))]
    value = float(gamma(K, u)) * Y * (1 + (c + 4 * alpha * nd + 10) * 2.0**-52) * _SAFETY
    bias = ops[2]
    if bias is not None:
        # A bias added after the transform: one more rounding of |y + b| <= Y + |b| [derived].
        b = np.abs(np.asarray(bias, np.float64)).reshape((-1,) + (1,) * nd)
        value = (1 + u) * value + u * (Y + b) * _SAFETY
    value = value.reshape(lead + value.shape[2:])  # lead () drops the single (N, C) of a plain correlation
    source = (
        "componentwise Winograd bound [derived] from fl(Mv) = (M + dM)v, |dM| <= gamma_k|M| (Higham §3.5), notes §2.2"
    )
    assumptions = (
        f"transforms as given (m={m_out}, r={r}); K = {K}",
        "transform-domain sum over channels",
        "no underflow or overflow in the transforms",
    )
    return Bound(value, "componentwise", "winograd", arith, source, assumptions, dict(K=K, magnitude=Y))


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

    Examples
    --------
    A length-3 float32 dot product of ones: 3 products, ``3 u`` times ``M = 3`` (times 1+2**-40):

    >>> b = error_bound(np.ones(5, np.float32), np.ones(3, np.float32), op="correlate")
    >>> b.kind, b.value.shape, bool(np.allclose(b.value, 3 * 3 * 2.0**-24))
    ('componentwise', (3,), True)

    Zero padding taps do not count: the border outputs of "same" have 2 products, not 3.

    >>> b = error_bound(np.ones(4), np.ones(3), op="correlate", mode="same")
    >>> (b.terms["n"]).tolist()
    [2.0, 3.0, 3.0, 2.0]
    """
    func = "error_bound"
    form = op_form(func, op)
    params = form.bind(func, args, kwargs)  # every argument by name, whether passed by position or keyword
    operands = [params.pop(name, None) for name in form.operands]
    fn = form.resolve()
    check_choice(func, "method", method, ("direct", "winograd", "fft"))
    if dtype is None:
        floats = [np.asarray(a) for a in operands if a is not None and np.asarray(a).dtype.kind == "f"]
        if not floats:
            raise fail(func, "dtype", dtype, "cannot be inferred: no float operand", "dtype=float16/32/64", TypeError)
        dtype = np.result_type(*floats)
    try:
        out_fmt = FORMATS[_DTYPE_FORMAT[np.dtype(dtype).name]]
    except (KeyError, TypeError):
        raise fail(func, "dtype", dtype, "is not a float dtype with a bound", "float16, float32 or float64") from None
    arith = _arithmetic(func, arithmetic, dtype)
    if arith.accumulate is None:
        arith = dataclasses.replace(arith, accumulate=out_fmt)
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
