"""A layer call (``conv``, ``conv_transpose``) checked and normalised once: :class:`LayerCall`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .._arith import as_operand
from .._validation import fail, is_int
from ..conventions import torch_padding_mode
from ._adjoint import transpose_spec
from ._builders import layer_spec
from ._geometry import ConvSpec

__all__ = ["LayerCall"]

# Said in channel-count errors, where reading x as unbatched is the likely surprise.
_UNBATCHED = {True: "", False: " (read as unbatched (C_in, *spatial))"}


def _operands(func: str, x: Any, w: Any, bias: Any, groups: Any, as_x: Callable | None) -> tuple[Any, Any, Any, bool]:
    """Checked ``x`` (always batched), ``w``, ``bias`` and whether ``x`` came batched."""
    x = as_operand(func, "x", x) if as_x is None else as_x(func, x)
    w = as_operand(func, "w", w)
    if bias is not None:
        bias = as_operand(func, "bias", bias)
    if not is_int(groups):
        raise fail(func, "groups", groups, "is not an integer", "an int >= 1", TypeError)
    if groups < 1:
        raise fail(func, "groups", groups, "is < 1", "an int >= 1")
    if w.ndim < 3:
        raise fail(
            func,
            "w.shape",
            w.shape,
            f"has {w.ndim} axes",
            "a weight of at least 3 axes: 2 channel axes and at least one kernel axis",
        )
    if 0 in w.shape:
        raise fail(func, "w.shape", w.shape, "has an axis of length 0", "channel and kernel lengths >= 1")
    rank = w.ndim - 2
    if x.ndim not in (rank + 1, rank + 2):
        raise fail(
            func,
            "x.shape",
            x.shape,
            f"has {x.ndim} axes but w.shape={w.shape} has {rank} kernel axes",
            f"x of {rank + 2} axes (N, C, *spatial) or {rank + 1} axes (C, *spatial, unbatched)",
        )
    batched = x.ndim == rank + 2
    if 0 in x.shape[int(batched) :]:
        raise fail(
            func,
            "x.shape",
            x.shape,
            "has a channel or spatial axis of length 0",
            "channel and spatial lengths >= 1 (only the batch axis may be empty)",
        )
    return (x if batched else x[None]), w, bias, batched


def _check_bias(func: str, bias: Any, channels: int) -> None:
    if bias is not None and bias.shape != (channels,):
        raise fail(
            func,
            "bias.shape",
            bias.shape,
            f"does not match the {channels} output channels",
            f"bias of shape ({channels},)",
        )


def _check_conv_channels(func: str, x: Any, w: Any, groups: int, batched: bool) -> None:
    c_in, c_out = x.shape[1], w.shape[0]
    for name, count in (("C_in = x.shape[1]", c_in), ("C_out = w.shape[0]", c_out)):
        if count % groups:
            raise fail(
                func, "groups", groups, f"does not divide {name} = {count}", "groups dividing both C_in and C_out"
            )
    if w.shape[1] * groups != c_in:
        raise fail(
            func,
            "x.shape",
            x.shape if batched else x.shape[1:],
            f"has C_in = {c_in} channels{_UNBATCHED[batched]} but w.shape={w.shape} with groups={groups} takes "
            f"w.shape[1]*groups = {w.shape[1]}*{groups} = {w.shape[1] * groups}",
            "x.shape[1] == w.shape[1]*groups (the weight is (C_out, C_in/groups, *kernel))",
        )


def _check_transpose_channels(func: str, x: Any, w: Any, groups: int, batched: bool) -> None:
    c_in = x.shape[1]
    if c_in % groups:
        raise fail(func, "groups", groups, f"does not divide C_in = x.shape[1] = {c_in}", "groups dividing C_in")
    if w.shape[0] != c_in:
        raise fail(
            func,
            "x.shape",
            x.shape if batched else x.shape[1:],
            f"has C_in = {c_in} channels{_UNBATCHED[batched]} but w.shape[0] = {w.shape[0]}",
            "x.shape[1] == w.shape[0] (the transposed weight is (C_in, C_out/groups, *kernel))",
        )


@dataclass(frozen=True, eq=False)
class LayerCall:
    """A layer call checked and normalised once: the operands, their shapes and the geometry.

    Build it with :meth:`LayerCall.conv` or :meth:`LayerCall.conv_transpose` from the user's
    arguments (torch's conventions); every refusal names the caller's ``func`` and parameter, in
    one wording for :func:`refconv.conv`, :func:`refconv.conv_transpose`, :func:`refconv.exact`'s
    layer ops and :func:`refconv.dask.conv`.  Memory budgets are the caller's (what it allocates
    differs: a padded input, a stride-dilated grid, nothing for a lazy Dask array).

    Parameters
    ----------
    x : array
        The input, always batched ``(N, C_in, *spatial)`` (an unbatched input gains a batch axis
        of 1).
    w : numpy.ndarray
        The weight: ``(C_out, C_in/groups, *kernel)`` for conv, ``(C_in, C_out/groups, *kernel)``
        for conv_transpose.
    bias : numpy.ndarray or None
        ``(C_out,)``, checked against the output channels.
    batched : bool
        Whether the user's ``x`` had a batch axis (the result loses it again when not).
    groups : int
        The channel groups, dividing the channel counts.
    spec : ConvSpec
        The forward convolution's geometry: :func:`layer_spec`'s for conv (``padding_mode``
        resolved to its boundary), :func:`transpose_spec`'s for conv_transpose.
    transposed : bool
        Whether this is a conv_transpose call.

    See Also
    --------
    layer_spec : the geometry alone.
    adjoint_spec : the adjoint of a forward spec.
    refconv.conv : the layer that runs on it.

    Examples
    --------
    >>> import numpy as np
    >>> call = LayerCall.conv("conv", np.ones((2, 5)), np.ones((4, 1, 3)), groups=2, padding_mode="circular")
    >>> call.x.shape, call.batched, (call.n, call.c_in, call.c_out), call.spec.boundary
    ((1, 2, 5), False, (1, 2, 4), 'wrap')
    >>> call.out_shape
    (1, 4, 3)
    >>> import refconv
    >>> refconv.conv(np.ones((2, 5)), np.ones((4, 1, 3)), groups=2).shape == call.out_shape[1:]
    True

    conv_transpose's output shape is its forward spec's input shape:

    >>> t = LayerCall.conv_transpose("conv_transpose", np.ones((1, 4, 3)), np.ones((4, 1, 2)), stride=2, groups=2)
    >>> t.c_out, t.out_shape
    (2, (1, 2, 6))
    """

    x: Any
    w: Any
    bias: Any
    batched: bool
    groups: int
    spec: ConvSpec
    transposed: bool = False

    @property
    def n(self) -> int:
        """Batch length ``N``."""
        return self.x.shape[0]

    @property
    def c_in(self) -> int:
        """Input channels ``C_in``."""
        return self.x.shape[1]

    @property
    def c_out(self) -> int:
        """Output channels ``C_out``."""
        return self.w.shape[1] * self.groups if self.transposed else self.w.shape[0]

    @property
    def out_shape(self) -> tuple[int, ...]:
        """The (batched) result's shape ``(N, C_out, *out)``."""
        spatial = self.spec.input_shape if self.transposed else self.spec.output_shape
        return (self.n, self.c_out, *spatial)

    @classmethod
    def conv(
        cls,
        func: str,
        x: Any,
        w: Any,
        bias: Any = None,
        *,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: Any = 1,
        padding_mode: Any = "zeros",
        as_x: Callable[[str, Any], Any] | None = None,
    ) -> LayerCall:
        """A :func:`refconv.conv` call; ``as_x(func, x)`` checks ``x`` (default: an in-memory operand)."""
        x, w, bias, batched = _operands(func, x, w, bias, groups, as_x)
        _check_conv_channels(func, x, w, groups, batched)
        _check_bias(func, bias, w.shape[0])
        boundary = torch_padding_mode(func, padding_mode)
        spec = layer_spec(
            func, x.shape[2:], w.shape[2:], padding=padding, stride=stride, dilation=dilation, boundary=boundary
        )
        return cls(x, w, bias, batched, groups, spec)

    @classmethod
    def conv_transpose(
        cls,
        func: str,
        x: Any,
        w: Any,
        bias: Any = None,
        *,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: Any = 1,
        dilation: Any = 1,
        as_x: Callable[[str, Any], Any] | None = None,
    ) -> LayerCall:
        """A :func:`refconv.conv_transpose` call; ``spec`` is the forward convolution's (:func:`transpose_spec`)."""
        x, w, bias, batched = _operands(func, x, w, bias, groups, as_x)
        _check_transpose_channels(func, x, w, groups, batched)
        _check_bias(func, bias, w.shape[1] * groups)
        spec = transpose_spec(
            func,
            x.shape[2:],
            w.shape[2:],
            padding=padding,
            output_padding=output_padding,
            stride=stride,
            dilation=dilation,
        )
        return cls(x, w, bias, batched, groups, spec, transposed=True)
