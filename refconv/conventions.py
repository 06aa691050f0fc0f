"""One named map of every peer's "same" padding and boundary-mode names, resolved to refconv's.

Libraries agree on "valid" and "full" but not on "same" for an even window, nor on what a
boundary mode is called.  This module names each convention once and resolves it to refconv's
normal form — explicit ``(before, after)`` pads and ``numpy.pad`` boundary names — so that
"what does torch's 'same' mean here?" has an exact answer:

>>> same_pads("torch", (5,), (4,))
((1, 2),)
>>> same_pads("scipy.signal", (5,), (4,))
((2, 1),)
>>> same_pads("tf", (5,), (2,), stride=2)      # TF/JAX SAME depends on the input size
((0, 1),)
>>> boundary("ndimage", "reflect")             # ndimage's reflect is numpy's symmetric
'symmetric'

"same" presets (``extent = d*(k-1) + 1``; ``total`` cells are padded, ``lo`` before):

=====================  =============================================  ===========================
preset                 rule                                           source
=====================  =============================================  ===========================
``torch``              total = extent-1, lo = total//2 (stride 1)     ``aten/.../Convolution.cpp``
``tf`` / ``jax``       total = max((ceil(n/s)-1)*s + extent - n, 0),  ``lax.padtype_to_pads``
                       lo = total//2                                  ('SAME')
``jax_lower``          as ``tf`` with lo = total - total//2           'SAME_LOWER'
``onnx_upper``         as ``tf`` (auto_pad=SAME_UPPER)                ONNX ``Conv`` spec
``onnx_lower``         as ``jax_lower`` (auto_pad=SAME_LOWER)         ONNX ``Conv`` spec
``scipy.signal``       total = extent-1, lo = total - total//2        ``signal.correlate``
``scipy.correlate2d``  total = extent-1, lo = total//2                ``signal.correlate2d``
                                                                      (scipy#1968)
``ndimage``            lo = extent//2 for correlate (origin 0)        ``ndimage.correlate``
``numpy``              ``np.correlate(a, v, 'same')``: as             ``numpy.correlate``
                       ``scipy.signal`` when ``len(v) <= len(a)``
=====================  =============================================  ===========================

refconv's own: ``mode="same"`` of :func:`refconv.correlate` is ``scipy.signal`` (the ``"centred"``
rule of :func:`same_split`); ``padding="same"`` of :func:`refconv.conv` is ``torch``.

The tables
----------
This module is the one home of every name refconv shares with other libraries; everything else
derives from it.

* :data:`BOUNDARY_ALIASES` (library -> {its boundary name: refconv's}) is the boundary table;
  :data:`BOUNDARIES` (refconv's names, ``numpy.pad``'s), :data:`BOUNDARY_NAMES` (one row per
  boundary: its first name in each library, None where the library has none),
  :data:`PADDING_MODES` (torch's ``padding_mode``) and :data:`PAD_MODES` (:func:`refconv.pad`'s
  ``mode``: ``numpy.pad``'s and ``torch.nn.functional.pad``'s names) are read off it.
* :data:`PARAMETER_NAMES` maps every refconv parameter to its name in SciPy, PyTorch, JAX
  (``lax.conv_general_dilated``) and ONNX (``Conv``).  Beware ``scipy.ndimage``'s ``"reflect"``,
  which is NumPy's (and refconv's) ``"symmetric"``.
* :data:`SAME_PRESETS` names every library's "same"; :data:`MODES` are the plain functions'
  ``mode`` names.

The checkers :func:`refconv_boundary`, :func:`torch_padding_mode` and :func:`check_mode` resolve a
user's name and, for another library's spelling, say which refconv name it is.
"""

from __future__ import annotations

from typing import Any

from ._validation import check_choice, fail, int_tuple, shape_tuple

__all__ = [
    "BOUNDARIES",
    "BOUNDARY_ALIASES",
    "BOUNDARY_NAMES",
    "MODES",
    "PADDING_MODES",
    "PAD_MODES",
    "PARAMETER_NAMES",
    "SAME_PRESETS",
    "boundary",
    "check_mode",
    "refconv_boundary",
    "same_pads",
    "same_split",
    "torch_padding_mode",
]

#: preset -> (one-line rule, where it comes from)
SAME_PRESETS: dict[str, tuple[str, str]] = {
    "torch": ("total d*(k-1), larger half after; stride 1 only", "pytorch aten/src/ATen/native/Convolution.cpp"),
    "tf": ("total max((ceil(n/s)-1)*s + extent - n, 0), larger half after", "jax lax.padtype_to_pads 'SAME'"),
    "jax": ("as 'tf'", "jax lax.padtype_to_pads 'SAME'"),
    "jax_lower": ("as 'tf' with the larger half before", "jax lax.padtype_to_pads 'SAME_LOWER'"),
    "onnx_upper": ("as 'tf' (auto_pad=SAME_UPPER)", "onnx/defs/nn/defs.cc Conv auto_pad"),
    "onnx_lower": ("as 'jax_lower' (auto_pad=SAME_LOWER)", "onnx/defs/nn/defs.cc Conv auto_pad"),
    "scipy.signal": ("total d*(k-1), larger half before (centred slice of 'full')", "scipy.signal.correlate"),
    "scipy.correlate2d": ("total d*(k-1), larger half after", "scipy.signal.correlate2d (scipy#1968)"),
    "ndimage": ("kernel centre at k//2: lo = extent//2", "scipy.ndimage.correlate, origin=0"),
    "numpy": ("as 'scipy.signal' (numpy swaps the operands when v is longer)", "numpy.correlate mode='same'"),
}
# Presets whose total depends on the input length and stride, and those that put the larger half before.
_INPUT_SIZED = ("tf", "jax", "jax_lower", "onnx_upper", "onnx_lower")
_LARGER_BEFORE = ("jax_lower", "onnx_lower", "scipy.signal", "numpy")

#: library -> {its boundary name: refconv's (numpy.pad's) name}.  The first name listed for a
#: boundary is the library's own word for it (:data:`BOUNDARY_NAMES`); torch lists its
#: ``padding_mode`` names first, in ``torch.nn.ConvNd``'s order (:data:`PADDING_MODES`), then
#: ``torch.nn.functional.pad``'s ``"constant"``.
BOUNDARY_ALIASES: dict[str, dict[str, str]] = {
    "numpy": {"constant": "constant", "wrap": "wrap", "reflect": "reflect", "symmetric": "symmetric", "edge": "edge"},
    "scipy.signal": {"fill": "constant", "wrap": "wrap", "symm": "symmetric"},
    "ndimage": {
        "constant": "constant",
        "grid-constant": "constant",
        "wrap": "wrap",
        "grid-wrap": "wrap",
        "mirror": "reflect",
        "reflect": "symmetric",
        "grid-mirror": "symmetric",
        "nearest": "edge",
    },
    "torch": {
        "zeros": "constant",
        "reflect": "reflect",
        "replicate": "edge",
        "circular": "wrap",
        "constant": "constant",
    },
    "jax": {"constant": "constant", "wrap": "wrap", "reflect": "reflect", "symmetric": "symmetric", "edge": "edge"},
    "onnx": {"constant": "constant", "reflect": "reflect", "edge": "edge", "wrap": "wrap"},
    "astropy": {"fill": "constant", "wrap": "wrap", "extend": "edge"},
}

#: Boundary modes, by ``numpy.pad``'s names: what a padded cell holds.
BOUNDARIES: tuple[str, ...] = tuple(BOUNDARY_ALIASES["numpy"])


def _first_name(library: str, target: str) -> str | None:
    return next((name for name, to in BOUNDARY_ALIASES[library].items() if to == target), None)


#: ``(refconv, scipy.signal, scipy.ndimage, torch, jax, onnx)`` name of each boundary mode.
BOUNDARY_NAMES: tuple[tuple[str | None, ...], ...] = tuple(
    (b, *(_first_name(lib, b) for lib in ("scipy.signal", "ndimage", "torch", "jax", "onnx"))) for b in BOUNDARIES
)

#: torch's ``padding_mode`` names -> refconv's boundary names (``numpy.pad``'s).
PADDING_MODES: dict[str, str] = {
    name: to for name, to in BOUNDARY_ALIASES["torch"].items() if _first_name("torch", to) == name
}

#: :func:`refconv.pad`'s ``mode`` names -> refconv's boundary names: ``numpy.pad``'s own and
#: ``torch.nn.functional.pad``'s (``"replicate"``, ``"circular"``; not ``padding_mode``'s
#: ``"zeros"``, which ``F.pad`` refuses).  The two libraries never give one name two meanings;
#: ndimage's names are left out because its ``"reflect"`` is numpy's ``"symmetric"``.
PAD_MODES: dict[str, str] = {
    **BOUNDARY_ALIASES["numpy"],
    **{name: to for name, to in BOUNDARY_ALIASES["torch"].items() if name != "zeros"},
}

#: ``(refconv, scipy.signal, torch, jax lax.conv_general_dilated, onnx Conv)`` parameter names.
PARAMETER_NAMES = (
    ("x", "in1", "input", "lhs", "X"),
    ("w", "in2", "weight", "rhs", "W"),
    ("bias", None, "bias", None, "B"),
    ("mode (plain)", "mode", None, "padding='VALID'|'SAME'", "auto_pad"),
    ("padding (layer)", None, "padding", "padding", "pads / auto_pad"),
    ("stride", None, "stride", "window_strides", "strides"),
    ("dilation", None, "dilation", "rhs_dilation", "dilations"),
    ("groups", None, "groups", "feature_group_count", "group"),
    ("boundary / padding_mode", "boundary", "padding_mode", None, None),
    ("output_padding", None, "output_padding", None, "output_padding"),
    ("ceil_mode", None, "ceil_mode", None, "ceil_mode"),
    # pooling
    ("count_include_pad", None, "count_include_pad", None, "count_include_pad"),
    ("dilation (avg/lp/weighted pool)", None, None, "window_dilation", "dilations"),
    ("padding (lp_pool)", None, None, "padding (reduce_window)", "pads"),
    ("pad_rule='onnx'", None, None, None, "pads (any, while every window holds a cell)"),
    ("stride=() (= kernel_size)", None, "stride=()", None, None),
    ("output_size (adaptive pools, max_unpool)", None, "output_size", None, None),
    ("indices (max_unpool)", None, "indices", None, "I (MaxUnpool)"),
    ("return_indices (flat in the plane)", None, "return_indices", None, "Indices (flat in N*C*plane; storage_order)"),
    ("accumulate (max_unpool)", None, None, None, None),
    ("samples (fractional_max_pool)", None, "_random_samples (2-D: (W, H); 3-D: (T, H, W))", None, None),
    ("cols (fold)", None, "input (F.fold)", None, "input (Col2Im)"),
    ("output_size (fold)", None, "output_size", None, "image_shape (Col2Im)"),
    ("kernel_size (unfold, fold)", None, "kernel_size", None, "block_shape (Col2Im)"),
    # the general form (refconv.conv_general_dilated)
    ("lhs_dilation", None, "stride (of conv_transpose)", "lhs_dilation", "strides (ConvTranspose)"),
    ("batch_group_count", None, None, "batch_group_count", None),
    ("dimension_numbers / layout", None, "memory_format (storage only)", "dimension_numbers", None),
    ("negative padding (crop)", None, "F.pad with negative pads", "padding (lo, hi) < 0", None),
    # SciPy's filter options (refconv.correlate / convolve) and refconv.pad
    ("origin", "origin (ndimage)", None, None, None),
    ("cval", "cval (ndimage), fillvalue (convolve2d)", "value (F.pad)", "constant_values (jnp.pad)", "constant_value"),
    ("axes", "axes (ndimage)", None, None, None),
    ("pad(pad=)", "pad_width (np.pad)", "pad (F.pad, last axis first)", "padding_config (lax.pad)", "pads (Pad)"),
    # deformable and quantized convolution
    ("offset, mask (deform_conv)", None, "offset, mask (torchvision)", None, "offset, mask (DeformConv)"),
    ("offset_groups", None, "inferred from offset.shape[1]", None, "offset_group"),
    (
        "x_zero_point, w_zero_point",
        None,
        "q_zero_point() / q_per_channel_zero_points()",
        None,
        "x_zero_point, w_zero_point",
    ),
    (
        "x_scale, w_scale, y_scale",
        None,
        "q_scale() / q_per_channel_scales(), scale=",
        None,
        "x_scale, w_scale, y_scale",
    ),
    ("y_zero_point", None, "zero_point=", None, "y_zero_point"),
    ("overflow (conv_integer)", None, None, None, None),
)

#: The plain functions' ``mode`` names (``scipy.signal.correlate``'s).
MODES = ("valid", "same", "full")

# Hints for another library's spelling, derived from the table (the first library to use a
# name speaks for it); "periodic" is nobody's keyword but a common word, and 'zeros' is said
# without a library (torch's padding_mode word, used loosely elsewhere).
_NO_HALF_SAMPLE = "torch has no half-sample mode; refconv.correlate(..., boundary='symmetric') has it"


def _hints(to_words) -> dict[str, str]:
    hints: dict[str, str] = {}
    for library, names in BOUNDARY_ALIASES.items():
        for name, to in names.items():
            word = to_words(library, name, to)
            if word is not None and name not in hints:
                hints[name] = word
    return hints


_BOUNDARY_HINTS = {
    **_hints(lambda lib, name, to: None if name in BOUNDARIES else f"{lib}'s {name!r} is {to!r}"),
    "zeros": "'zeros' is 'constant'",
    "periodic": "periodic is 'wrap'",
}
_PADDING_MODE_HINTS = {
    **_hints(
        lambda lib, name, to: (
            None
            if name in PADDING_MODES
            else (
                f"{lib}'s {name!r} is torch's {_first_name('torch', to)!r}"
                if _first_name("torch", to)
                else _NO_HALF_SAMPLE
            )
        )
    ),
    "periodic": "periodic is torch's 'circular'",
}
_MODE_HINTS = {
    "same_upper": "use the layer function's padding='same' or explicit pads",
    "same_lower": "mode='same' is SAME_LOWER",
    "half": "use 'same'",
}


def same_split(extent: int, rule: str) -> tuple[int, int]:
    """Split the ``extent - 1`` cells of "same" padding into ``(before, after)``.

    Parameters
    ----------
    extent : int
        Cells one window spans, ``d*(k-1) + 1``.
    rule : {"centred", "torch"}
        ``"centred"`` puts the larger half before (SciPy, NumPy: ``mode="same"``), ``"torch"``
        after (PyTorch, TF/JAX ``SAME``, ONNX ``SAME_UPPER``: ``padding="same"``).

    Returns
    -------
    tuple of int
        ``(before, after)``, summing to ``extent - 1``.

    See Also
    --------
    same_pads : every library's "same" for whole shapes, strides included.
    refconv.spec.plain_spec : resolves ``mode="same"`` with the centred rule.
    refconv.spec.layer_spec : resolves ``padding="same"`` with torch's rule.

    Examples
    --------
    >>> same_split(4, "centred"), same_split(4, "torch"), same_split(3, "torch")
    ((2, 1), (1, 2), (1, 1))

    The two rules are the stride-1 presets of :func:`same_pads`:

    >>> same_pads("scipy.signal", (9,), (4,)) == (same_split(4, "centred"),)
    True
    """
    rule = check_choice("same_split", "rule", rule, ("centred", "torch"))
    return _split(extent - 1, rule == "centred")


def _split(total: int, larger_before: bool) -> tuple[int, int]:
    small = total // 2
    return (total - small, small) if larger_before else (small, total - small)


def same_pads(
    preset: str, input_shape: Any, kernel_shape: Any, *, stride: Any = 1, dilation: Any = 1
) -> tuple[tuple[int, int], ...]:
    """Explicit ``(before, after)`` pads of ``preset``'s "same" for these shapes.

    Parameters
    ----------
    preset : str
        A key of :data:`SAME_PRESETS`.
    input_shape : tuple of int
        Spatial shape of the input.
    kernel_shape : tuple of int
        Spatial shape of the kernel, of the same rank.
    stride : int or tuple of int
        Only ``tf``/``jax``/``onnx_*`` depend on the stride; ``torch`` refuses a stride > 1 as
        torch does.
    dilation : int or tuple of int
        The kernel's dilation; the window spans ``d*(k-1) + 1`` cells.

    Returns
    -------
    tuple of (int, int)
        One ``(before, after)`` pair per axis.

    See Also
    --------
    same_split : the stride-1 split of one axis, as refconv's own "same" uses it.
    SAME_PRESETS : the presets, their rules and sources.

    Examples
    --------
    >>> same_pads("onnx_lower", (7, 7), (2, 3), stride=(2, 1))
    ((1, 0), (1, 1))
    >>> same_pads("ndimage", (5,), (4,))
    ((2, 1),)
    """
    func = "same_pads"
    preset = check_choice(func, "preset", preset, tuple(SAME_PRESETS))
    shape = shape_tuple(func, "input_shape", input_shape)
    kernel = shape_tuple(func, "kernel_shape", kernel_shape)
    if len(shape) != len(kernel):
        raise fail(
            func,
            "kernel_shape",
            kernel,
            f"has {len(kernel)} axes but input_shape={shape} has {len(shape)}",
            "shapes of the same rank",
        )
    stride = int_tuple(func, "stride", stride, len(shape), minimum=1)
    dilation = int_tuple(func, "dilation", dilation, len(shape), minimum=1)
    if preset == "torch" and any(s != 1 for s in stride):
        raise fail(func, "stride", stride, "is not 1, and torch's 'same' is stride-1 only", "stride=1 for 'torch'")
    pads = []
    for n, k, s, d in zip(shape, kernel, stride, dilation):
        extent = d * (k - 1) + 1
        total = max((-(-n // s) - 1) * s + extent - n, 0) if preset in _INPUT_SIZED else extent - 1
        if preset == "ndimage":
            pads.append((extent // 2, total - extent // 2))
        else:
            pads.append(_split(total, preset in _LARGER_BEFORE))
    return tuple(pads)


def boundary(library: str, name: str) -> str:
    """refconv's (``numpy.pad``'s) name for ``library``'s boundary mode ``name``.

    Parameters
    ----------
    library : str
        A key of :data:`BOUNDARY_ALIASES`: ``"numpy"``, ``"scipy.signal"``, ``"ndimage"``,
        ``"torch"``, ``"jax"`` or ``"onnx"``.
    name : str
        The library's name for the boundary mode.

    Returns
    -------
    str
        One of :data:`BOUNDARIES`.

    See Also
    --------
    refconv_boundary : checks a refconv boundary name, hinting at other libraries' names.
    torch_padding_mode : torch's ``padding_mode`` names.

    Examples
    --------
    >>> boundary("torch", "replicate"), boundary("ndimage", "mirror"), boundary("scipy.signal", "symm")
    ('edge', 'reflect', 'symmetric')
    >>> boundary("ndimage", "reflect")             # ndimage's reflect is numpy's symmetric
    'symmetric'
    """
    func = "boundary"
    library = check_choice(func, "library", library, tuple(BOUNDARY_ALIASES))
    names = BOUNDARY_ALIASES[library]
    return names[check_choice(func, "name", name, tuple(names))]


def refconv_boundary(func: str, name: Any) -> str:
    """Check a ``boundary`` argument: one of :data:`BOUNDARIES`, else a message naming it.

    Parameters
    ----------
    func : str
        The public function whose ``boundary`` parameter this is (for the message).
    name : Any
        The user's value.

    Returns
    -------
    str
        ``name``, a refconv boundary name.

    Raises
    ------
    ValueError
        For any other string; another library's spelling is told which refconv name it is.
    TypeError
        For a non-string.

    See Also
    --------
    boundary : translate a library's name without refusing it.

    Examples
    --------
    >>> refconv_boundary("correlate", "wrap")
    'wrap'
    >>> try:
    ...     refconv_boundary("correlate", "circular")
    ... except ValueError as exc:
    ...     print(str(exc).split("; ")[0])
    correlate: boundary='circular' is not a refconv name (torch's 'circular' is 'wrap')
    """
    return check_choice(func, "boundary", name, BOUNDARIES, _BOUNDARY_HINTS)


def torch_padding_mode(func: str, padding_mode: Any) -> str:
    """refconv's boundary for torch's ``padding_mode`` (``torch.nn.ConvNd``'s names).

    Parameters
    ----------
    func : str
        The public function whose ``padding_mode`` parameter this is (for the message).
    padding_mode : Any
        The user's value: one of :data:`PADDING_MODES`.

    Returns
    -------
    str
        The boundary name (``numpy.pad``'s): ``"zeros"`` is ``"constant"``, ``"replicate"`` is
        ``"edge"``, ``"circular"`` is ``"wrap"``.

    Raises
    ------
    ValueError
        For any other string; numpy's, SciPy's and ndimage's spellings are told torch's name.
    TypeError
        For a non-string.

    See Also
    --------
    refconv.spec.LayerCall : resolves a layer call's ``padding_mode`` with this.
    PADDING_MODES : the table.

    Examples
    --------
    >>> [torch_padding_mode("conv", m) for m in PADDING_MODES] == [boundary("torch", m) for m in PADDING_MODES]
    True
    >>> torch_padding_mode("conv", "replicate")
    'edge'
    """
    return PADDING_MODES[check_choice(func, "padding_mode", padding_mode, tuple(PADDING_MODES), _PADDING_MODE_HINTS)]


def check_mode(func: str, name: str, value: Any) -> str:
    """Check a "valid"/"same"/"full" name (:data:`MODES`), hinting at other libraries' names.

    Parameters
    ----------
    func : str
        The public function being called (for the message).
    name : str
        Its parameter (``"mode"`` or ``"padding"``).
    value : Any
        The user's value.

    Returns
    -------
    str
        ``value``, one of :data:`MODES`.

    See Also
    --------
    same_split : how "same" is split.

    Examples
    --------
    >>> check_mode("correlate", "mode", "full")
    'full'
    >>> try:
    ...     check_mode("correlate", "mode", "SAME_LOWER")
    ... except ValueError as exc:
    ...     print(str(exc).split("; ")[0])
    correlate: mode='SAME_LOWER' is not a refconv name (mode='same' is SAME_LOWER)
    """
    return check_choice(func, name, value, MODES, _MODE_HINTS)
