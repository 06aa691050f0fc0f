"""The normal form: :class:`AxisGeometry` per axis, :class:`ConvSpec` per problem, and the spec cache."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

__all__ = ["AxisGeometry", "ConvSpec", "memoized"]


@dataclass(frozen=True)
class AxisGeometry:
    """The normal form of one spatial axis: output ``o`` meets input ``o*s + t*d - lo`` through tap ``t``.

    Parameters
    ----------
    n : int
        Input length.
    k : int
        Kernel (window) length.
    stride : int
        Step ``s`` between output windows.
    dilation : int
        Step ``d`` between kernel taps.
    lo : int
        Cells padded before the input (may be negative in a transposed convolution's forward
        geometry, :func:`refconv.spec.transpose_spec`: the high pad then crops).
    hi : int
        Cells padded after the input.
    ceil_mode : bool
        PyTorch's pooling rule: round the output length up, then drop a last window that would
        start at or past ``n + lo``.

    See Also
    --------
    ConvSpec : one AxisGeometry per spatial axis, plus the boundary rule.
    refconv.output_shape : the output lengths from user-facing arguments.

    Examples
    --------
    The output length is ``(n + lo + hi - d*(k-1) - 1) // s + 1``:

    >>> g = AxisGeometry(n=7, k=3, stride=2, dilation=1, lo=1, hi=1)
    >>> g.extent, g.padded, g.out, (g.padded - g.extent) // g.stride + 1
    (3, 9, 4, 4)

    ceil_mode rounds up, and the last window may reach past the padded input (its overhang):

    >>> c = AxisGeometry(6, 3, stride=2, lo=1, hi=1, ceil_mode=True)
    >>> c.out, c.overhang, AxisGeometry(6, 3, stride=2, lo=1, hi=1).out
    (4, 1, 3)
    """

    n: int
    k: int
    stride: int = 1
    dilation: int = 1
    lo: int = 0
    hi: int = 0
    ceil_mode: bool = False

    # The bodies live in module functions (below): mutation testing (mutmut) skips decorated
    # functions, and this arithmetic is the one geometry everything else reads.  Values are
    # cached on the (frozen) instance: specs are memoized and read on every call.
    @functools.cached_property
    def extent(self) -> int:
        """Cells one window spans: ``d*(k-1) + 1``."""
        return _extent(self)

    @functools.cached_property
    def padded(self) -> int:
        """Length of the padded input, ``n + lo + hi``."""
        return _padded(self)

    @functools.cached_property
    def out(self) -> int:
        """Output length (may be <= 0 for an impossible problem; specs refuse those)."""
        return _out(self)

    @functools.cached_property
    def overhang(self) -> int:
        """Cells past the padded input that ceil_mode's last window reaches (0 otherwise)."""
        return _overhang(self)


def _extent(g: AxisGeometry) -> int:
    return g.dilation * (g.k - 1) + 1


def _padded(g: AxisGeometry) -> int:
    return g.n + g.lo + g.hi


def _out(g: AxisGeometry) -> int:
    span = _padded(g) - _extent(g)
    if not g.ceil_mode:
        return span // g.stride + 1
    out = -(-span // g.stride) + 1
    if (out - 1) * g.stride >= g.n + g.lo:  # the last window starts past the input (torch's rule)
        out -= 1
    return out


def _overhang(g: AxisGeometry) -> int:
    return max(0, (_out(g) - 1) * g.stride + _extent(g) - _padded(g))


@dataclass(frozen=True)
class ConvSpec:
    """A whole problem's geometry: one :class:`AxisGeometry` per spatial axis and the boundary.

    It is frozen and hashable, so methods can cache matrices per spec.  Build it with
    :func:`refconv.spec.plain_spec` or :func:`refconv.spec.layer_spec` rather than by hand: they
    check the arguments and refuse impossible problems.

    Parameters
    ----------
    axes : tuple of AxisGeometry
        One per spatial axis, in order.
    boundary : str
        What a padded cell holds, by ``numpy.pad``'s names
        (:data:`refconv.conventions.BOUNDARIES`).

    See Also
    --------
    AxisGeometry : the normal form of one axis.
    refconv.spec.plain_spec : SciPy-style arguments to a ConvSpec.
    refconv.spec.layer_spec : PyTorch-style arguments to a ConvSpec.

    Examples
    --------
    >>> spec = ConvSpec((AxisGeometry(3, 2), AxisGeometry(4, 2, lo=1, hi=1)), "wrap")
    >>> spec.input_shape, spec.kernel_shape, spec.output_shape, spec.pads, spec.taps
    ((3, 4), (2, 2), (2, 5), ((0, 0), (1, 1)), 4)

    The same spec as the plain function's normaliser builds it:

    >>> from refconv.spec import plain_spec
    >>> plain_spec("f", (3, 4), (2, 2), mode=(0, 1), boundary="wrap") == spec
    True
    """

    axes: tuple[AxisGeometry, ...]
    boundary: str = "constant"

    @functools.cached_property
    def ndim(self) -> int:
        """Number of spatial axes."""
        return len(self.axes)

    @functools.cached_property
    def input_shape(self) -> tuple[int, ...]:
        """Spatial input shape, the ``n`` of each axis."""
        return tuple(g.n for g in self.axes)

    @functools.cached_property
    def kernel_shape(self) -> tuple[int, ...]:
        """Kernel shape, the ``k`` of each axis."""
        return tuple(g.k for g in self.axes)

    @functools.cached_property
    def output_shape(self) -> tuple[int, ...]:
        """Spatial output shape, the ``out`` of each axis."""
        return tuple(g.out for g in self.axes)

    @functools.cached_property
    def stride(self) -> tuple[int, ...]:
        """Stride of each axis."""
        return tuple(g.stride for g in self.axes)

    @functools.cached_property
    def dilation(self) -> tuple[int, ...]:
        """Dilation of each axis."""
        return tuple(g.dilation for g in self.axes)

    @functools.cached_property
    def pads(self) -> tuple[tuple[int, int], ...]:
        """``(lo, hi)`` of each axis."""
        return tuple((g.lo, g.hi) for g in self.axes)

    @functools.cached_property
    def taps(self) -> int:
        """Number of kernel taps, ``prod(kernel_shape)``."""
        return math.prod(self.kernel_shape)


def _frozen(value):
    """A hashable, type-tagged key for simple argument values, or None if not simple.

    Tags keep ``1``, ``1.0`` and ``True`` apart (they hash alike), so a cached spec is never
    returned for an argument that validation would refuse.
    """
    kind = type(value)
    if kind in _SIMPLE:
        return (kind, value)
    if kind is tuple or kind is list:
        if all(type(v) is int for v in value):  # shapes and per-axis ints: the common case
            return (kind, tuple(value))
        items = tuple(map(_frozen, value))
        return None if None in items else (kind, items)
    return None


_SIMPLE = frozenset({int, str, bool, float, type(None)})


def memoized(builder):
    """Cache a spec builder on its (simple) arguments: specs are immutable, and building one
    costs more than a small correlation."""
    cache: dict = {}

    @functools.wraps(builder)
    def wrapper(*args, **kwargs):
        key = (_frozen(args), _frozen(list(kwargs.values())), tuple(kwargs))
        if key[0] is None or key[1] is None:
            return builder(*args, **kwargs)
        spec = cache.get(key)
        if spec is None:
            spec = builder(*args, **kwargs)
            if len(cache) < 4096:
                cache[key] = spec
        return spec

    wrapper.cache_clear = cache.clear  # as functools.lru_cache's; tests and mutation runs use it
    return wrapper
