"""Adapters: every peer library called with refconv's signature, its conventions named, its limits declared.

An adapter is a function with the signature of refconv's own function for one op (``conv``,
``conv_transpose``, ``correlate``, ``convolve``, ``max_pool``, ``avg_pool``, and ``lp_pool``), which
translates the call into the peer's vocabulary -- layouts, its "same" split and padding names
(from :mod:`refconv.conventions`), its keyword names -- and calls the peer.  So refconv's checker
can judge the peer, and a user porting code can ask what the peer call for a refconv call is:

>>> from refconv.adapters import torch
>>> torch.conv.translate(np.ones((1, 1, 5)), np.ones((1, 1, 4)), padding="same")
torch.nn.functional.conv1d(x, w, None, stride=(1,), padding='same', dilation=(1,), groups=1)

A problem the peer cannot express (scipy has no stride; torch has no asymmetric pads) raises
:class:`Unsupported`, and :func:`check` draws only problems the adapter supports, so a refusal is
never counted as a conformance failure.  Peers are imported on first call: every adapter module
imports without its peer, and :func:`available` says whether the peer is installed.

============  =============================================================================
module        adapters (``module.function``; the op each implements)
============  =============================================================================
``numpy``     ``correlate``, ``convolve`` (``numpy.correlate``/``numpy.convolve``, 1-D)
``scipy``     ``correlate``, ``convolve`` (``scipy.signal``, direct), ``fftconvolve``,
              ``oaconvolve``, ``correlate2d``, ``convolve2d``, ``ndimage_correlate``,
              ``ndimage_convolve``
``torch``     ``conv``, ``conv_transpose``, ``max_pool``, ``avg_pool``, ``lp_pool``
``jax``       ``conv``, ``conv_transpose`` (``lax.conv_general_dilated``), ``max_pool``,
              ``avg_pool`` (``lax.reduce_window``)
``onnxruntime``  ``conv``, ``conv_transpose``, ``max_pool``, ``avg_pool``, ``lp_pool`` (one-node
              ONNX models run by ONNX Runtime's CPU provider)
============  =============================================================================

Run one with ``refconv check TARGET --op OP`` or :func:`check`; ``refconv verify`` checks every
installed peer (:mod:`refconv.checks.peers`).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import conformance
from .._validation import check_choice, fail, is_int

#: peer -> (the Python packages it needs, what it is)
PEERS: dict[str, tuple[tuple[str, ...], str]] = {
    "numpy": (("numpy",), "numpy.correlate / numpy.convolve"),
    "scipy": (("scipy",), "scipy.signal and scipy.ndimage"),
    "torch": (("torch",), "PyTorch (torch.nn.functional)"),
    "jax": (("jax", "jaxlib"), "JAX (jax.lax)"),
    "onnxruntime": (("onnx", "onnxruntime"), "ONNX models run by ONNX Runtime (CPU)"),
}


class Unsupported(ValueError):
    """The peer cannot express this problem (or dtype): a declared limit, not a conformance failure."""


def available(peer: str) -> bool:
    """Whether ``peer``'s packages are installed (nothing is imported).

    Examples
    --------
    >>> available("numpy")
    True
    """
    packages, _ = PEERS[check_choice("available", "peer", peer, tuple(PEERS))]
    return all(importlib.util.find_spec(p) is not None for p in packages)


def _peer_module(peer: str):
    return importlib.import_module(f"{__name__}.{peer}")


def __getattr__(name: str):
    # ``refconv.adapters.torch`` imports the adapter module (not torch) on first access.
    if name in PEERS:
        return _peer_module(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---------------------------------------------------------------------------------------------
# One adapter
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeerCall:
    """The peer call a refconv call translates to: printable, and run by calling it."""

    function: str
    arguments: tuple[str, ...]
    keywords: dict
    run: Callable[[], Any] = field(repr=False, compare=False)

    def __call__(self) -> Any:
        return self.run()

    def __repr__(self) -> str:
        parts = list(self.arguments) + [f"{k}={v!r}" for k, v in self.keywords.items()]
        return f"{self.function}({', '.join(parts)})"


@dataclass(frozen=True)
class Finding:
    """A known nonconformance of a peer: what, where it is reported, and which problems avoid it.

    ``avoids(args, kwargs)`` is true for problems the finding cannot touch, so that the rest of
    the peer can still be checked (``check(..., skip_known=True)``).
    """

    name: str
    summary: str
    link: str
    avoids: Callable[[tuple, dict], bool] = field(repr=False, compare=False)


def no_subnormals(args: tuple, kwargs: dict) -> bool:
    """No operand element is nonzero below ``sqrt(tiny)``: no product or input is subnormal.

    Examples
    --------
    >>> no_subnormals((np.array([1.0, 1e-200]),), {}), no_subnormals((np.array([0.0, 1e-100]),), {})
    (False, True)
    """
    for a in args:
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            small = np.sqrt(np.finfo(a.dtype).tiny)
            if np.any((a != 0) & (np.abs(a) < small)):
                return False
    return True


@dataclass(frozen=True)
class Adapter:
    """What refconv knows about one adapted peer function.

    Attributes
    ----------
    name : str
        ``"<peer>.<function>"``, as ``refconv check`` takes it (``"scipy.correlate2d"``).
    op : str
        The refconv op the function implements (its signature is that op's).
    peer : str
        A key of :data:`PEERS`.
    translate : callable
        Same arguments as the op; returns the :class:`PeerCall` without running it, or raises
        :class:`Unsupported` for a problem the peer cannot express.
    problems : callable
        ``problems(options)``: a Hypothesis strategy of ``(args, kwargs)`` for :func:`check`,
        narrowed to what the peer supports (it is filtered by :meth:`supports` as well).
    dtypes : tuple of str
        Operand dtypes the peer computes in.
    method : str
        The algorithm class of the peer (``"direct"`` or ``"fft"``): the bound it is judged under.
    conventions : str
        The conventions the adapter translates, in one line.
    findings : tuple of Finding
        Known nonconformances of the peer on this op.
    """

    name: str
    op: str
    peer: str
    translate: Callable[..., PeerCall]
    problems: Callable[[Any], Any]
    dtypes: tuple[str, ...] = ("float32", "float64")
    method: str = "direct"
    conventions: str = ""
    findings: tuple[Finding, ...] = ()

    def supports(self, args: tuple, kwargs: dict) -> bool:
        """Whether the peer can express the call ``op(*args, **kwargs)`` (the peer is not run)."""
        try:
            self.translate(*args, **kwargs)
        except Unsupported:
            return False
        return True


#: "<peer>.<function>" -> Adapter, filled as the adapter modules are imported.
ADAPTERS: dict[str, Adapter] = {}


def adapter(
    op: str,
    peer: str,
    problems: Callable[[Any], Any],
    *,
    dtypes: tuple[str, ...] = ("float32", "float64"),
    method: str = "direct",
    conventions: str = "",
    findings: tuple[Finding, ...] = (),
) -> Callable[[Callable[..., PeerCall]], Callable[..., Any]]:
    """Register a translator (refconv's signature -> :class:`PeerCall`) as the adapter function.

    The returned function runs the translated call; ``.translate`` gives the call without running
    it and ``.adapter`` the :class:`Adapter`.

    Examples
    --------
    An adapter of a function that only takes "valid" problems (it registers as ``mine.correlate``):

    >>> def space(opt):
    ...     from refconv.strategies import plain_specs
    ...     from hypothesis.extra.numpy import arrays
    ...     return plain_specs(modes=("valid",), max_stride=1, max_dilation=1).flatmap(
    ...         lambda s: arrays(opt.dtype, s.input_shape).flatmap(
    ...             lambda x: arrays(opt.dtype, s.kernel_shape).map(lambda w: ((x, w), s.kwargs))))
    >>> @adapter("correlate", "mine", space)
    ... def correlate(x, w, *, mode="valid", stride=1, dilation=1, boundary="constant"):
    ...     if mode != "valid":
    ...         raise refuse("mine.correlate", f"mode={mode!r}")
    ...     return PeerCall("np.correlate", ("x", "w"), {"mode": "valid"}, lambda: np.correlate(x, w))
    >>> correlate(np.array([1.0, 2.0, 3.0]), np.array([1.0, 10.0]))
    array([21., 32.])
    >>> correlate.adapter.supports((np.ones(3), np.ones(2)), {"mode": "full"})
    False
    >>> del ADAPTERS["mine.correlate"]
    """

    def register(translate: Callable[..., PeerCall]) -> Callable[..., Any]:
        @functools.wraps(translate)
        def run(*args: Any, **kwargs: Any) -> Any:
            return translate(*args, **kwargs)()

        name = f"{peer}.{translate.__name__}"
        info = Adapter(name, op, peer, translate, problems, dtypes, method, conventions, findings)
        run.translate = translate
        run.adapter = info
        ADAPTERS[info.name] = info
        return run

    return register


def adapters(peer: str | None = None, op: str | None = None) -> list[Adapter]:
    """Every adapter (of ``peer``, for ``op``), installed peers or not, in registration order.

    Examples
    --------
    >>> [a.name for a in adapters("numpy")]
    ['numpy.correlate', 'numpy.convolve']
    """
    for name in [peer] if peer is not None else list(PEERS):
        _peer_module(check_choice("adapters", "peer", name, tuple(PEERS)))
    return [a for a in ADAPTERS.values() if (peer is None or a.peer == peer) and (op is None or a.op == op)]


# ---------------------------------------------------------------------------------------------
# Shared translation helpers
# ---------------------------------------------------------------------------------------------


def refuse(name: str, what: str) -> Unsupported:
    """The :class:`Unsupported` for adapter ``name``: ``"<name>: <what> is not supported by the peer"``.

    Examples
    --------
    >>> refuse("numpy.correlate", "stride (2,)")
    Unsupported('numpy.correlate: stride (2,) is not supported by the peer')
    """
    return Unsupported(f"{name}: {what} is not supported by the peer")


def _require_dtype(name: str, x: np.ndarray, dtypes: tuple[str, ...]) -> None:
    """Refuse operands whose dtype the peer does not compute in."""
    if x.dtype.name not in dtypes:
        raise refuse(name, f"dtype {x.dtype.name} (it computes in {', '.join(dtypes)})")


def peer_mode(name: str, spec: Any, same: str) -> str:
    """The peer's ``mode`` ("valid", "full" or "same", its "same" being ``same``'s preset) whose pads
    are ``spec``'s; :class:`Unsupported` when none is.

    Examples
    --------
    >>> from refconv.spec import plain_spec
    >>> peer_mode("p", plain_spec("f", (5,), (2,), mode="same"), "scipy.signal")
    'same'
    >>> peer_mode("p", plain_spec("f", (5,), (2,), mode="same"), "scipy.correlate2d")
    Traceback (most recent call last):
    ...
    refconv.adapters.Unsupported: p: padding ((1, 0),) (its modes: valid, full ((1, 1),), same ((0, 1),))
    is not supported by the peer
    """
    from ..conventions import same_pads

    if all(pair == (0, 0) for pair in spec.pads):
        return "valid"
    full = tuple((g.extent - 1, g.extent - 1) for g in spec.axes)
    centre = same_pads(same, spec.input_shape, spec.kernel_shape, stride=spec.stride, dilation=spec.dilation)
    for mode, pads in (("full", full), ("same", centre)):
        if spec.pads == pads:
            return mode
    raise refuse(name, f"padding {spec.pads} (its modes: valid, full {full}, same {centre})")


def _ints(value: Any, ndim: int) -> tuple[int, ...]:
    """An int or per-axis ints, as a tuple (already validated by refconv's spec)."""
    return (int(value),) * ndim if is_int(value) else tuple(int(v) for v in value)


def _flat_leading(x: np.ndarray, rank: int) -> tuple[np.ndarray, tuple[int, ...]]:
    """``x`` as ``(1, C, *spatial)`` with every leading axis folded into ``C`` (pooling is per plane)."""
    lead = x.shape[: x.ndim - rank]
    return x.reshape((1, int(np.prod(lead, dtype=int)), *x.shape[x.ndim - rank :])), lead


# ---------------------------------------------------------------------------------------------
# Checking an adapter
# ---------------------------------------------------------------------------------------------


def resolve(target: Any, op: str | None = None) -> tuple[Callable, Adapter | None]:
    """The function and :class:`Adapter` named by ``target``.

    ``target`` is an adapter function, an adapter name (``"scipy.correlate2d"``), a peer name
    (``"torch"``: its first adapter for ``op``), ``"module:function"`` (a user's function with
    refconv's signature; no adapter, so every problem is drawn) or a callable.

    Examples
    --------
    >>> resolve("numpy", "convolve")[1].name
    'numpy.convolve'
    >>> resolve("refconv:correlate")[1] is None
    True
    """
    func = "resolve"
    if callable(target):
        info = getattr(target, "adapter", None)
        return target, info if isinstance(info, Adapter) else None
    if not isinstance(target, str):
        raise fail(
            func, "target", target, "is not a name or a callable", "'torch', 'scipy.correlate2d', 'mod:fn'", TypeError
        )
    if ":" in target:
        module, _, name = target.partition(":")
        try:
            obj = importlib.import_module(module)
        except ImportError as exc:
            raise fail(
                func, "target", target, f"cannot be imported ({exc})", "an importable 'module:function'"
            ) from None
        for part in name.split("."):
            obj = getattr(obj, part, None)
        if not callable(obj):
            raise fail(func, "target", target, f"names no function in {module}", "'module:function'")
        return resolve(obj, op)
    peer, _, name = target.partition(".")
    peer = check_choice(func, "target", peer, tuple(PEERS))
    found = adapters(peer, op if not name else None)
    if name:
        found = [a for a in found if a.name == target]
        if not found:
            names = ", ".join(repr(a.name) for a in adapters(peer))
            raise fail(func, "target", target, "is not an adapter", f"one of {names}")
    elif not found:
        ops = sorted({a.op for a in adapters(peer)})
        raise fail(func, "op", op, f"has no {peer} adapter", f"one of {ops}")
    info = found[0]
    return getattr(_peer_module(info.peer), info.name.split(".", 1)[1]), info


def check(
    target: Any,
    op: str | None = None,
    *,
    like: Any = None,
    where: Callable[[tuple, dict], bool] | None = None,
    skip_known: bool = False,
    dtype: Any = "float32",
    max_examples: int = 100,
    seed: int = 0,
    shrink: bool = True,
    progress: Callable[[int], None] | None = None,
    **options: Any,
):
    """:func:`refconv.check` an adapter (or a user's function) on the problems its peer supports.

    Parameters
    ----------
    target
        As in :func:`resolve`: an adapter, its name, a peer name, ``"module:function"`` or a
        callable with refconv's signature.
    op : str, optional
        The op to check; default: the adapter's.
    like : adapter or its name, optional
        Draw the problems *that* adapter supports (to check a user's wrapper of the same peer
        function, say).  Default: ``target``'s adapter, or every problem for a plain function.
    dtype, max_examples, seed, shrink
        As in :func:`refconv.check`.
    progress : callable, optional
        Called with the number of problems drawn so far.
    **options
        Passed to :func:`refconv.check` (``ranks``, ``max_side``, ``long_side``, ``bias``).

    Returns
    -------
    refconv.conformance.CheckResult

    Raises
    ------
    Unsupported
        The adapter's peer does not compute in ``dtype``.

    Examples
    --------
    >>> from refconv import adapters
    >>> adapters.check("numpy.correlate", dtype="float64", max_examples=10).passed
    True
    """
    func = "check"
    impl, info = resolve(target, op)
    space = info if like is None else resolve(like, op)[1]
    if like is not None and space is None:
        raise fail(func, "like", like, "is not an adapter", "an adapter or its name, e.g. 'scipy.correlate'")
    op = op if op is not None else (info.op if info is not None else None)
    if op is None:
        raise fail(func, "op", op, "is missing for a function that is not an adapter", "e.g. op='conv'", TypeError)
    if space is not None and op != space.op:
        raise fail(func, "op", op, f"is not what {space.name} implements", repr(space.op))
    dt = np.dtype(dtype)
    if space is not None and dt.name not in space.dtypes:
        raise refuse(space.name, f"dtype {dt.name} (it computes in {', '.join(space.dtypes)})")
    if space is not None:
        options.setdefault("method", space.method)
        options.setdefault("peer", "torch" if space.peer == "torch" else None)
    drawn = [0]
    known = space.findings if (skip_known and space is not None) else ()

    def belongs(args: tuple, kwargs: dict) -> bool:
        return (
            (space is None or space.supports(args, kwargs))
            and (where is None or where(args, kwargs))
            and all(f.avoids(args, kwargs) for f in known)
        )

    def counted(case):
        drawn[0] += 1
        if progress is not None:
            progress(drawn[0])
        return case

    def draw(opt):
        base = conformance.STRATEGIES[op](opt) if space is None else space.problems(opt)
        return base.filter(lambda case: belongs(*case)).map(counted)

    if op not in conformance.STRATEGIES:
        raise fail(func, "op", op, "is not checked by refconv.check", f"one of {sorted(conformance.STRATEGIES)}")
    problems = conformance.ProblemSpace(draw, lambda problem, opt: belongs(problem.args, problem.kwargs))
    return conformance.check(
        impl, op, problems=problems, dtype=dt, max_examples=max_examples, seed=seed, shrink=shrink, **options
    )


def _base_problems(op: str, opt: Any) -> Any:
    """refconv's checker's own problems for ``op`` (the torch-valid space when ``opt.peer == "torch"``)."""
    return conformance.STRATEGIES[op](opt)


def _plain_problems(opt: Any, ranks: tuple[int, ...], *, presets: tuple[str, ...] = (), **caps: Any) -> Any:
    """``((x, w), kwargs)`` for ``correlate``/``convolve`` from :func:`refconv.strategies.plain_specs`.

    ``caps`` narrow the specs (``modes``, ``max_stride``, ``max_dilation``, ``boundaries``) to the
    peer's space; ``presets`` (names in :data:`refconv.conventions.SAME_PRESETS`) replace ``mode``
    by that preset's explicit "same" pads half the time, so a peer's own "same" is exercised
    where it is not refconv's.
    """
    from hypothesis import strategies as st

    from .. import strategies as rst
    from ..conformance import _values
    from ..conventions import same_pads

    opt = _narrowed(opt, ranks)

    def make(lo, hi, side):
        return rst.plain_specs(min_dims=lo, max_dims=hi, max_side=side, **caps)

    @st.composite
    def with_values(draw, s):
        kwargs = dict(s.kwargs)
        if presets and draw(st.booleans()):
            preset = draw(st.sampled_from(presets))
            geometry = {"stride": kwargs["stride"], "dilation": kwargs["dilation"]}
            kwargs["mode"] = same_pads(preset, s.input_shape, s.kernel_shape, **geometry)
        return (draw(_values(s.input_shape, opt.dtype)), draw(_values(s.kernel_shape, opt.dtype))), kwargs

    return _sized(make, opt).flatmap(with_values)


def _layer_problems(opt: Any, ranks: tuple[int, ...], *, presets: tuple[str, ...] = (), **caps: Any) -> Any:
    """``((x, w, bias), kwargs)`` for ``conv`` from :func:`refconv.strategies.layer_specs`.

    ``caps`` narrow the specs (``paddings``, ``padding_modes``, ...); ``presets`` replace the
    padding by a preset's explicit pads half the time (with any stride: TF/JAX/ONNX "SAME"
    depends on it), so that a peer's own "same" spellings are exercised.
    """
    from hypothesis import strategies as st

    from .. import strategies as rst
    from ..conformance import _values
    from ..conventions import same_pads

    opt = _narrowed(opt, ranks)
    caps = {"max_batch": 3, "max_groups": 3, "max_channels": 6, **caps}

    def make(lo, hi, side):
        return rst.layer_specs(min_dims=lo, max_dims=hi, max_side=side, **caps)

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


def _lp_space(opt: Any, leading: int = 0) -> Any:
    """``((x, p, kernel_size), kwargs)`` for ``lp_pool``: p in {1, 1.5, 2, 3, 4}, windows as torch's.

    Values: small integers for every ``p`` (sums of ``x**p`` are then exact, so their sign is
    too), arbitrary floats only for even ``p`` (nothing cancels); at least ``leading`` axes before
    the pooled ones.
    """
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    from .. import strategies as rst
    from ..conformance import _values

    def make(lo, hi, side):
        return rst.pooling_specs(op="lp", min_dims=lo, max_dims=min(hi, 3), max_side=side)

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

    return _sized(make, _narrowed(opt, (1, 2, 3))).flatmap(problem)


def _sized(make: Callable[[int, int, int], Any], opt: Any) -> Any:
    """The geometries of a run's stage, as :func:`refconv.check` sizes its own (``make(lo, hi, side)``).

    Stage "tiny": sides up to 3; otherwise sides up to ``max_side`` in every rank, or 1-D problems
    up to ``long_side`` when that is longer.
    """
    from hypothesis import strategies as st

    lo, hi = min(opt.ranks), max(opt.ranks)
    if getattr(opt, "stage", "full") == "tiny":
        return make(lo, hi, min(3, opt.max_side))
    options = [make(lo, hi, opt.max_side)]
    if opt.long_side > opt.max_side and lo == 1:
        options.append(make(1, 1, opt.long_side))
    return st.one_of(options)


def _narrowed(opt: Any, ranks: tuple[int, ...], long_side: bool = True) -> Any:
    """``opt`` with its ranks narrowed to the peer's (and no long 1-D problems if it has no 1-D)."""
    keep = tuple(r for r in opt.ranks if r in ranks) or (min(ranks),)
    changes = {"ranks": keep}
    if not long_side or 1 not in keep:
        changes["long_side"] = 0
    return dataclasses.replace(opt, **changes)


__all__ = [
    "PEERS",
    "ADAPTERS",
    "Adapter",
    "Finding",
    "no_subnormals",
    "PeerCall",
    "Unsupported",
    "adapter",
    "adapters",
    "available",
    "peer_mode",
    "refuse",
    "check",
    "resolve",
]
