"""Formats and arithmetics: the float formats a bound speaks of, the named presets of how an
implementation computes, rounding into a format, and Higham's ``gamma_k``."""

from __future__ import annotations

__all__ = ["FORMATS", "PRESETS", "Arithmetic", "default_arithmetic", "round_to", "representable", "gamma"]

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_choice, fail
from ..exact import Format

#: Formats by short name (notes §1.4 table).  tf32 is a compute format: fp32 range, 11 bits.
FORMATS = {
    "f64": Format("f64", 53, -1022, 1023),
    "f32": Format("f32", 24, -126, 127),
    "tf32": Format("tf32", 11, -126, 127),
    "f16": Format("f16", 11, -14, 15),
    "bf16": Format("bf16", 8, -126, 127),
}
_DTYPE_FORMAT = {"float64": "f64", "float32": "f32", "float16": "f16", "bfloat16": "bf16"}


@dataclass(frozen=True)
class Arithmetic:
    """How the implementation under test computes (JAX-style names: lhs, rhs, accumulator).

    Parameters
    ----------
    name : str
        A label, shown in bounds and reports (the presets' names are their keys in :data:`PRESETS`).
    inputs : Format or None, default None
        The format the operands are converted to before multiplying; None: as stored.
    input_rounding : {"rn", "rz"}, default "rn"
        The rounding of that conversion: to nearest (ties to even) or toward zero.
    accumulate : Format or None, default None
        The accumulator's format; None: the result dtype's (filled in by :func:`error_bound`).
    accumulate_rounding : {"rn", "rz"}, default "rn"
        The accumulator's rounding; "rz" (truncation) doubles the unit roundoff.
    output : Format or None, default None
        The stored result's format; None: the result dtype's.
    split : {None, "bf16x3"}, default None
        "bf16x3": each float32 operand split into three bfloat16 terms, products summed in float32.
    ftz : bool, default False
        Flush to zero: a product, partial sum or stored output below the smallest normal of its
        format may become 0 (GPU fast paths, CPU MXCSR FTZ, XLA on GPU).  Adds an absolute term
        per operation (see :mod:`refconv.bounds`).
    daz : bool, default False
        Denormals are zero: an operand below the smallest normal of the format it is read in
        (``inputs``, else its own dtype's) is read as 0.  Adds the flushed products' magnitude.

    See Also
    --------
    default_arithmetic : the preset for computing in a dtype itself.
    error_bound : takes an Arithmetic or a name of :data:`PRESETS`.

    Examples
    --------
    >>> import numpy as np
    >>> from refconv.bounds import FORMATS, PRESETS, Arithmetic, error_bound
    >>> tf32 = PRESETS["TF32_TF32_F32"]
    >>> tf32.inputs.name, tf32.input_rounding, tf32.accumulate.name, tf32.accumulate_rounding
    ('tf32', 'rz', 'f32', 'rz')

    An Arithmetic built by hand bounds as the preset with the same fields does:

    >>> mine = Arithmetic("f16 in, f32 sum", inputs=FORMATS["f16"], accumulate=FORMATS["f32"])
    >>> x, w = np.arange(6, dtype=np.float32) / 3, np.array([1, -2, 1], dtype=np.float32) / 3
    >>> a = error_bound(x, w, op="correlate", arithmetic=mine).value
    >>> b = error_bound(x, w, op="correlate", arithmetic="F16_F16_F32").value
    >>> bool((a == b).all()), bool((a > 0).all())
    (True, True)

    Flush-to-zero widens the bound by about the smallest normal per operation: a subnormal
    float32 product may come back as 0.

    >>> ftz = Arithmetic("f32, FTZ", accumulate=FORMATS["f32"], ftz=True)
    >>> tiny = np.array([2.0**-140], np.float32)
    >>> float(error_bound(tiny, np.ones(1, np.float32), op="correlate").value[0]) < 2.0**-140
    True
    >>> float(error_bound(tiny, np.ones(1, np.float32), op="correlate", arithmetic=ftz).value[0]) > 2.0**-126
    True
    """

    name: str
    inputs: Format | None = None
    input_rounding: str = "rn"
    accumulate: Format | None = None
    accumulate_rounding: str = "rn"
    output: Format | None = None
    split: str | None = None
    ftz: bool = False
    daz: bool = False

    def __post_init__(self) -> None:
        func = "Arithmetic"
        for name in ("ftz", "daz"):
            if not isinstance(getattr(self, name), bool):
                raise fail(func, name, getattr(self, name), "is not a bool", "True or False", TypeError)
        for name in ("inputs", "accumulate", "output"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Format):
                raise fail(func, name, value, "is not a Format", "None or an entry of FORMATS", TypeError)
        check_choice(func, "input_rounding", self.input_rounding, ("rn", "rz"))
        check_choice(func, "accumulate_rounding", self.accumulate_rounding, ("rn", "rz"))


_F = FORMATS
#: Named presets.  ``*_TC`` model matrix units (tensor cores): products exact, accumulation
#: truncated (Fasi, Higham, Mikaitis & Pranesh, PeerJ CS 7:e330, 2021); TF32 conversion is taken
#: as truncation too, the safe choice when the mode is unknown (notes §1.4).
PRESETS: dict[str, Arithmetic] = {
    "F64_F64_F64": Arithmetic("F64_F64_F64", None, "rn", _F["f64"], "rn"),
    "F32_F32_F32": Arithmetic("F32_F32_F32", None, "rn", _F["f32"], "rn"),
    "F16_F16_F16": Arithmetic("F16_F16_F16", None, "rn", _F["f16"], "rn"),
    "BF16_BF16_BF16": Arithmetic("BF16_BF16_BF16", None, "rn", _F["bf16"], "rn"),
    "F16_F16_F32": Arithmetic("F16_F16_F32", _F["f16"], "rn", _F["f32"], "rn"),
    "BF16_BF16_F32": Arithmetic("BF16_BF16_F32", _F["bf16"], "rn", _F["f32"], "rn"),
    "F16_F16_F32_TC": Arithmetic("F16_F16_F32_TC", _F["f16"], "rn", _F["f32"], "rz"),
    "BF16_BF16_F32_TC": Arithmetic("BF16_BF16_F32_TC", _F["bf16"], "rn", _F["f32"], "rz"),
    "TF32_TF32_F32": Arithmetic("TF32_TF32_F32", _F["tf32"], "rz", _F["f32"], "rz"),
    "BF16x3_F32": Arithmetic("BF16x3_F32", None, "rn", _F["f32"], "rn", split="bf16x3"),
}


#: Low-precision outputs: operands in fp16/bf16, products summed in float32, the sum rounded once
#: more into fp16/bf16 when stored (notes §1.5), as cuDNN/cuBLAS fp16 and bf16 convolutions do.
PRESETS["F16_F16_F32_F16"] = dataclasses.replace(PRESETS["F16_F16_F32"], name="F16_F16_F32_F16", output=FORMATS["f16"])
PRESETS["BF16_BF16_F32_BF16"] = dataclasses.replace(
    PRESETS["BF16_BF16_F32"], name="BF16_BF16_F32_BF16", output=FORMATS["bf16"]
)
#: PyTorch CUDA's float32 convolution with its default flags: ``torch.backends.cudnn.allow_tf32``
#: is True (``torch.backends.cudnn.conv.fp32_precision == "tf32"``), so cuDNN may run float32
#: convolutions on tensor cores with TF32 operands and float32 accumulation, storing float32.  This
#: is TF32_TF32_F32 (truncating conversion and accumulation, the safe choice).  It does not cover
#: FFT/Winograd algorithms that ``torch.backends.cudnn.benchmark = True`` may pick (use
#: ``method=``), nor ``torch.backends.cuda.matmul.allow_tf32`` (False by default; matmuls only).
PRESETS["TORCH_CUDA_F32_DEFAULT"] = dataclasses.replace(PRESETS["TF32_TF32_F32"], name="TORCH_CUDA_F32_DEFAULT")
#: float32 with subnormals flushed, read and written (CuPy/XLA GPU kernels, CPU with FTZ/DAZ set).
PRESETS["F32_F32_F32_FTZ"] = dataclasses.replace(PRESETS["F32_F32_F32"], name="F32_F32_F32_FTZ", ftz=True, daz=True)


def default_arithmetic(dtype: Any) -> Arithmetic:
    """The preset for an implementation that computes in ``dtype`` itself (any order, RN).

    For float16 this is F16_F16_F16, which also covers float32 accumulation rounded to float16
    at the end (its bound is the larger one).

    Parameters
    ----------
    dtype : dtype_like
        float16, float32 or float64 (or ``ml_dtypes.bfloat16``).

    Returns
    -------
    Arithmetic
        ``PRESETS["F16_F16_F16"]``, ``PRESETS["F32_F32_F32"]`` or ``PRESETS["F64_F64_F64"]``
        (``PRESETS["BF16_BF16_BF16"]``).

    Raises
    ------
    ValueError
        For anything but float16, float32 or float64.

    See Also
    --------
    Arithmetic : what a preset holds.
    error_bound : uses it when no ``arithmetic`` is given.

    Examples
    --------
    >>> import numpy as np
    >>> from refconv.bounds import PRESETS, default_arithmetic
    >>> default_arithmetic(np.float32).name
    'F32_F32_F32'
    >>> default_arithmetic("float16") is PRESETS["F16_F16_F16"]
    True
    """
    name = dtype_format("default_arithmetic", dtype).name.upper()
    return PRESETS[f"{name}_{name}_{name}"]


def dtype_format(func: str, dtype: Any) -> Format:
    """The :data:`FORMATS` entry of a float dtype a bound is given for (float16, float32, float64)."""
    try:
        return FORMATS[_DTYPE_FORMAT[np.dtype(dtype).name]]
    except (KeyError, TypeError):
        raise fail(func, "dtype", dtype, "is not a float dtype with a bound", "float16, float32 or float64") from None


def _arithmetic(func: str, arithmetic: Any, dtype: Any) -> Arithmetic:
    if arithmetic is None:
        return default_arithmetic(dtype)
    if isinstance(arithmetic, Arithmetic):
        return arithmetic
    return PRESETS[check_choice(func, "arithmetic", arithmetic, tuple(PRESETS))]


#: The formats numpy has a type for: rounding into them is a cast (IEEE round to nearest, even).
_NUMPY_TYPES = {(11, -14, 15): np.float16, (24, -126, 127): np.float32, (53, -1022, 1023): np.float64}


def round_to(a: Any, fmt: Any, rounding: str = "rn") -> np.ndarray:
    """``a`` rounded into format ``fmt``, returned in ``a``'s dtype.

    Round to nearest (ties to even) or toward zero ("rz"); overflow gives ``inf`` under "rn" and
    the largest finite number under "rz"; a result that ``a``'s dtype cannot hold (float16's 65504
    rounded to bf16's 65536) becomes ``inf``.  Useful to emulate TF32/bfloat16 inputs.  Formats of
    float32's exponent range and fewer bits (bf16, tf32) are rounded on float32 bit patterns; a
    wider input is first rounded *to odd* into float32, whose 2 or more spare bits make the second
    rounding correct (Boldo & Melquiond, IEEE TC 57(4), 2008), so nothing is rounded twice.

    Parameters
    ----------
    a : array_like of float
        The values, a float array (float16, float32, float64, or ``ml_dtypes.bfloat16``: rounded
        as float32, which holds it exactly, and cast back).
    fmt : str or Format
        A name of :data:`FORMATS` ("f64", "f32", "tf32", "f16", "bf16") or a :class:`Format`: one
        NumPy has a type for, or one of float32's exponent range with ``1 <= p <= 22``.
    rounding : {"rn", "rz"}, default "rn"
        To nearest, ties to even, or toward zero.

    Returns
    -------
    numpy.ndarray
        ``a``'s shape and dtype, every element a number of ``fmt`` (or an infinity).

    Raises
    ------
    ValueError
        For an unknown format name or rounding, or a format this function cannot round into.
    TypeError
        For a non-float ``a`` or a ``fmt`` that is neither a name nor a Format.

    See Also
    --------
    representable : whether rounding would change nothing.
    FORMATS : the formats by name.

    Examples
    --------
    bfloat16 keeps 8 significant bits, so near 1 its spacing is 2**-7; ties go to even:

    >>> import numpy as np
    >>> from refconv.bounds import round_to
    >>> round_to(np.array([1 + 2**-8, 1 + 3 * 2**-8], dtype=np.float32), "bf16").tolist()
    [1.0, 1.015625]
    >>> round_to(np.array([1 + 2**-7 + 2**-9, -(1 + 2**-7 + 2**-8)]), "bf16", "rz").tolist()
    [1.0078125, -1.0078125]

    Just above a tie in float64 only (a float32 cast would make it a tie, then round to even):

    >>> round_to(np.array([1 + 2**-8 + 2**-40]), "bf16").tolist() == [1 + 2**-7]
    True

    Into a format NumPy has, rounding is NumPy's own cast:

    >>> x = np.array([0.1, 1 / 3])
    >>> bool((round_to(x, "f32") == x.astype(np.float32).astype(np.float64)).all())
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
    if a.dtype.name == "bfloat16":  # ml_dtypes: round its float32 values (exact), return bfloat16
        return round_to(a.astype(np.float32), fmt, rounding).astype(a.dtype)
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
    """Whether every element of float array ``a`` is exactly a number of format ``fmt``.

    Parameters
    ----------
    a : numpy.ndarray
        A float array; NaN counts as representable.
    fmt : Format or str
        The format, or a name of :data:`FORMATS` (as in :func:`round_to`).

    Returns
    -------
    bool
        True iff rounding ``a`` into ``fmt`` toward zero changes nothing.

    See Also
    --------
    round_to : the rounding it tries.

    Examples
    --------
    >>> import numpy as np
    >>> from refconv.bounds import FORMATS, representable
    >>> representable(np.array([1.5, -3.0, 2.0**-130]), FORMATS["bf16"])
    True
    >>> representable(np.array([1 + 2**-8]), FORMATS["bf16"]), representable(np.array([1 + 2**-8]), FORMATS["f16"])
    (False, True)
    """
    return bool(np.array_equal(round_to(a, fmt, "rz"), a, equal_nan=True))


def gamma(k: Any, u: float) -> Any:
    """``gamma_k(u) = k u / (1 - k u)`` (Higham, Lemma 3.1); ``inf`` where ``k u >= 1``.

    Parameters
    ----------
    k : int or array_like
        The number of roundings, a count or an array of counts.
    u : float
        The unit roundoff.

    Returns
    -------
    numpy.ndarray
        ``gamma_k(u)`` in float64, of ``k``'s shape (0-d for a scalar ``k``).

    See Also
    --------
    error_bound : whose bounds are built from it.

    Examples
    --------
    >>> from refconv.bounds import gamma
    >>> float(gamma(2, 0.25))                    # 0.5 / 0.5
    1.0
    >>> gamma([0, 1, 4, 5], 0.25).tolist()        # k u >= 1: no bound
    [0.0, 0.3333333333333333, inf, inf]
    """
    ku = np.asarray(k, dtype=np.float64) * u
    with np.errstate(divide="ignore"):  # ku >= 1 divides by a clipped 0: inf
        return ku / np.maximum(1 - ku, 0)
