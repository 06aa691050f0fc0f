"""The adapters' problem spaces: refconv's checker's own spaces narrowed to what one peer computes.

Each builder takes the run's :class:`~refconv.strategies._spaces.Options` and returns a strategy
of ``(args, kwargs)``, sized by stage exactly as :func:`refconv.check` sizes its own
(:func:`~refconv.strategies._spaces._sized`); an adapter hands its space to :func:`refconv.check`
through ``problems=``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .._validation import is_int
from ..conventions import same_pads
from ._geometry import layer_specs, plain_specs, pooling_specs
from ._spaces import _CAPS, Options, _sized, _values

__all__ = ["narrowed", "plain_space", "layer_space", "lp_space"]


def narrowed(opt: Options, ranks: tuple[int, ...], long_side: bool = True) -> Options:
    """``opt`` with its ranks narrowed to the peer's (and no long 1-D problems if it has no 1-D)."""
    keep = tuple(r for r in opt.ranks if r in ranks) or (min(ranks),)
    changes: dict[str, Any] = {"ranks": keep}
    if not long_side or 1 not in keep:
        changes["long_side"] = 0
    return dataclasses.replace(opt, **changes)


def plain_space(opt: Options, ranks: tuple[int, ...], *, presets: tuple[str, ...] = (), **caps: Any) -> Any:
    """``((x, w), kwargs)`` for ``correlate``/``convolve`` from :func:`refconv.strategies.plain_specs`.

    ``caps`` narrow the specs (``modes``, ``max_stride``, ``max_dilation``, ``boundaries``) to the
    peer's space; ``presets`` (names in :data:`refconv.conventions.SAME_PRESETS`) replace ``mode``
    by that preset's explicit "same" pads half the time, so a peer's own "same" is exercised
    where it is not refconv's.
    """
    opt = narrowed(opt, ranks)

    def make(lo, hi, side, family):
        return plain_specs(min_dims=lo, max_dims=hi, max_side=side, **caps)

    @st.composite
    def with_values(draw, s):
        kwargs = dict(s.kwargs)
        if presets and draw(st.booleans()):
            preset = draw(st.sampled_from(presets))
            geometry = {"stride": kwargs["stride"], "dilation": kwargs["dilation"]}
            kwargs["mode"] = same_pads(preset, s.input_shape, s.kernel_shape, **geometry)
        return (draw(_values(s.input_shape, opt.dtype)), draw(_values(s.kernel_shape, opt.dtype))), kwargs

    return _sized(make, opt).flatmap(with_values)


def layer_space(opt: Options, ranks: tuple[int, ...], *, presets: tuple[str, ...] = (), **caps: Any) -> Any:
    """``((x, w, bias), kwargs)`` for ``conv`` from :func:`refconv.strategies.layer_specs`.

    ``caps`` narrow the specs (``paddings``, ``padding_modes``, ...); ``presets`` replace the
    padding by a preset's explicit pads half the time (with any stride: TF/JAX/ONNX "SAME"
    depends on it), so that a peer's own "same" spellings are exercised.  Batch, groups and
    channels are capped per family as in the checker's own space.
    """
    opt = narrowed(opt, ranks)

    def make(lo, hi, side, family):
        batch, groups, channels = _CAPS[family]
        family_caps = {"max_batch": batch, "max_groups": groups, "max_channels": channels, **caps}
        return layer_specs(min_dims=lo, max_dims=hi, max_side=side, **family_caps)

    @st.composite
    def with_values(draw, s):
        kwargs = dict(s.kwargs)
        spatial, kernel = s.input_shape[2:], s.weight_shape[2:]
        if presets and draw(st.booleans()):
            stride = tuple(draw(st.integers(1, 3)) for _ in spatial)
            preset = draw(st.sampled_from(presets))
            kwargs["stride"] = stride
            kwargs["padding"] = same_pads(preset, spatial, kernel, stride=stride, dilation=kwargs["dilation"])
        x, w = draw(_values(s.input_shape, opt.dtype)), draw(_values(s.weight_shape, opt.dtype))
        with_bias = draw(st.booleans()) if opt.bias is None else opt.bias
        bias = draw(_values((s.weight_shape[0],), opt.dtype)) if with_bias else None
        return (x, w, bias), kwargs

    return _sized(make, opt).flatmap(with_values)


def lp_space(opt: Options, leading: int = 0) -> Any:
    """``((x, p, kernel_size), kwargs)`` for ``lp_pool``: p in {1, 1.5, 2, 3, 4}, windows as torch's.

    Values: small integers for every ``p`` (sums of ``x**p`` are then exact, so their sign is
    too), arbitrary floats only for even ``p`` (nothing cancels); at least ``leading`` axes before
    the pooled ones.  Ranks 1 to 3.
    """

    def make(lo, hi, side, family):
        return pooling_specs(op="lp", min_dims=lo, max_dims=min(hi, 3), max_side=side)

    @st.composite
    def problem(draw, s):
        rank = 1 if is_int(s.kernel_size) else len(s.kernel_size)
        shape = tuple(s.input_shape)
        if len(shape) - rank < leading:
            shape = (1,) * (leading - len(shape) + rank) + shape
        p = draw(st.sampled_from([2, 1, 3, 1.5, 4]))
        small = hnp.arrays(opt.dtype, shape, elements=st.integers(-3, 3).map(float))
        x = draw(_values(shape, opt.dtype) if p in (2, 4) else small)
        return (x, p, s.kernel_size), dict(s.kwargs)

    return _sized(make, narrowed(opt, (1, 2, 3))).flatmap(problem)
