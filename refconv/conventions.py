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

"same" presets (``extent = d*(k-1) + 1``; ``total`` cells are padded, ``lo`` before)
====================  =============================================  ===========================
preset                rule                                           source
====================  =============================================  ===========================
``torch``             total = extent-1, lo = total//2 (stride 1)     ``aten/.../Convolution.cpp``
``tf`` / ``jax``      total = max((ceil(n/s)-1)*s + extent - n, 0),  ``lax.padtype_to_pads``
                      lo = total//2                                  ('SAME')
``jax_lower``         as ``tf`` with lo = total - total//2           'SAME_LOWER'
``onnx_upper``        as ``tf`` (auto_pad=SAME_UPPER)                ONNX ``Conv`` spec
``onnx_lower``        as ``jax_lower`` (auto_pad=SAME_LOWER)         ONNX ``Conv`` spec
``scipy.signal``      total = extent-1, lo = total - total//2        ``signal.correlate``
``scipy.correlate2d`` total = extent-1, lo = total//2                ``signal.correlate2d``
                                                                     (scipy#1968)
``ndimage``           lo = extent//2 for correlate (origin 0)        ``ndimage.correlate``
``numpy``             ``np.correlate(a, v, 'same')``: as             ``numpy.correlate``
                      ``scipy.signal`` when ``len(v) <= len(a)``
====================  =============================================  ===========================

refconv's own: ``mode="same"`` of :func:`refconv.correlate` is ``scipy.signal``; ``padding="same"``
of :func:`refconv.conv` is ``torch``.
"""

from __future__ import annotations

from typing import Any

from ._validation import check_choice, fail, int_tuple, shape_tuple

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

#: library -> {its boundary name: refconv's (numpy.pad's) name}
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
        "constant": "constant",
        "circular": "wrap",
        "reflect": "reflect",
        "replicate": "edge",
    },
    "jax": {"constant": "constant", "wrap": "wrap", "reflect": "reflect", "symmetric": "symmetric", "edge": "edge"},
    "onnx": {"constant": "constant", "reflect": "reflect", "edge": "edge", "wrap": "wrap"},
}


def same_pads(
    preset: str, input_shape: Any, kernel_shape: Any, *, stride: Any = 1, dilation: Any = 1
) -> tuple[tuple[int, int], ...]:
    """Explicit ``(before, after)`` pads of ``preset``'s "same" for these shapes.

    Parameters
    ----------
    preset : str
        A key of :data:`SAME_PRESETS`.
    input_shape, kernel_shape : tuple of int
        Spatial shapes.
    stride, dilation : int or tuple of int
        Only ``tf``/``jax``/``onnx_*`` depend on the stride; ``torch`` refuses a stride > 1 as
        torch does.

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
        if preset in ("tf", "jax", "jax_lower", "onnx_upper", "onnx_lower"):
            total = max((-(-n // s) - 1) * s + extent - n, 0)
        else:
            total = extent - 1
        small = total // 2
        if preset == "ndimage":
            lo = extent // 2
        elif preset in ("jax_lower", "onnx_lower", "scipy.signal", "numpy"):
            lo = total - small
        else:
            lo = small
        pads.append((lo, total - lo))
    return tuple(pads)


def boundary(library: str, name: str) -> str:
    """refconv's (``numpy.pad``'s) name for ``library``'s boundary mode ``name``.

    Examples
    --------
    >>> boundary("torch", "replicate"), boundary("ndimage", "mirror"), boundary("scipy.signal", "symm")
    ('edge', 'reflect', 'symmetric')
    """
    func = "boundary"
    library = check_choice(func, "library", library, tuple(BOUNDARY_ALIASES))
    names = BOUNDARY_ALIASES[library]
    return names[check_choice(func, "name", name, tuple(names))]


#: torch's ``padding_mode`` names -> refconv's boundary names (``numpy.pad``'s).
PADDING_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}

_PADDING_MODE_HINTS = {
    "constant": "numpy's 'constant' is torch's 'zeros'",
    "fill": "scipy.signal's 'fill' is torch's 'zeros'",
    "wrap": "numpy's 'wrap' is torch's 'circular'",
    "periodic": "periodic is torch's 'circular'",
    "edge": "numpy's 'edge' is torch's 'replicate'",
    "nearest": "ndimage's 'nearest' is torch's 'replicate'",
    "mirror": "ndimage's 'mirror' is torch's 'reflect'",
    "symmetric": "torch has no half-sample mode; refconv.correlate(..., boundary='symmetric') has it",
    "symm": "torch has no half-sample mode; refconv.correlate(..., boundary='symmetric') has it",
}


__all__ = ["SAME_PRESETS", "BOUNDARY_ALIASES", "PADDING_MODES", "same_pads", "boundary"]
