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

===============  =============================================================================
module           adapters (``module.function``; the op each implements)
===============  =============================================================================
``numpy``        ``correlate``, ``convolve`` (``numpy.correlate``/``numpy.convolve``, 1-D)
``scipy``        ``correlate``, ``convolve`` (``scipy.signal``, direct), ``fftconvolve``,
                 ``oaconvolve``, ``correlate2d``, ``convolve2d``, ``ndimage_correlate``,
                 ``ndimage_convolve``
``torch``        ``conv``, ``conv_transpose``, ``max_pool``, ``avg_pool``, ``lp_pool``
``jax``          ``conv``, ``conv_transpose`` (``lax.conv_general_dilated``), ``max_pool``,
                 ``avg_pool`` (``lax.reduce_window``)
``onnxruntime``  ``conv``, ``conv_transpose``, ``max_pool``, ``avg_pool``, ``lp_pool`` (one-node
                 ONNX models run by ONNX Runtime's CPU provider)
``astropy``      ``convolve``, ``convolve_fft`` (``astropy.convolution``; odd kernels, centred)
``tinygrad``     ``conv``, ``max_pool``, ``avg_pool`` (``Tensor.conv2d``/``max_pool2d``/``avg_pool2d``)
``skimage``      ``max_pool``, ``avg_pool`` (``skimage.measure.block_reduce``: stride = kernel)
===============  =============================================================================

``onnx_reference`` has the five ``onnxruntime`` adapters, the same models run by
``onnx.reference.ReferenceEvaluator``.

Run one with ``refconv check TARGET --op OP`` or :func:`check`; ``refconv verify`` checks every
installed peer (:mod:`refconv.checks.peers`).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validation import check_choice, fail
from ..conformance import check as check_conformance
from ..strategies._spaces import STRATEGIES, ProblemSpace
from ._translate import Unsupported, peer_mode, refuse

#: peer -> (the Python packages it needs, what it is)
PEERS: dict[str, tuple[tuple[str, ...], str]] = {
    "numpy": (("numpy",), "numpy.correlate / numpy.convolve"),
    "scipy": (("scipy",), "scipy.signal and scipy.ndimage"),
    "torch": (("torch",), "PyTorch (torch.nn.functional)"),
    "jax": (("jax", "jaxlib"), "JAX (jax.lax)"),
    "onnxruntime": (("onnx", "onnxruntime"), "ONNX models run by ONNX Runtime (CPU)"),
    "onnx_reference": (("onnx",), "ONNX models run by onnx.reference.ReferenceEvaluator"),
    "astropy": (("astropy",), "astropy.convolution (convolve, convolve_fft)"),
    "tinygrad": (("tinygrad",), "tinygrad (Tensor.conv2d, max_pool2d, avg_pool2d)"),
    "skimage": (("skimage",), "scikit-image (skimage.measure.block_reduce)"),
}


def available(peer: str) -> bool:
    """Whether ``peer``'s packages are installed (nothing is imported).

    Parameters
    ----------
    peer : str
        A key of :data:`PEERS`.

    Returns
    -------
    bool
        Every package the peer needs is importable.

    See Also
    --------
    adapters : the adapters of a peer, installed or not.

    Examples
    --------
    >>> available("numpy")
    True
    """
    packages, _ = PEERS[check_choice("available", "peer", peer, tuple(PEERS))]
    return all(importlib.util.find_spec(p) is not None for p in packages)


def _availability(peer: str) -> Callable[[], bool]:
    """The ``available()`` of one adapter module: :func:`available` for ``peer``, documented."""

    def available_here() -> bool:
        return available(peer)

    available_here.__name__ = available_here.__qualname__ = "available"
    available_here.__module__ = f"{__name__}.{peer}"
    packages, title = PEERS[peer]
    available_here.__doc__ = f"""Whether {title} is installed ({", ".join(packages)}; nothing is imported).

    Returns
    -------
    bool
        True when every package the peer needs is importable.

    See Also
    --------
    refconv.adapters.available : the same question for any peer.

    Examples
    --------
    >>> from refconv.adapters import available, {peer}
    >>> {peer}.available() == available({peer!r})
    True
    """
    return available_here


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
    """The peer call a refconv call translates to: printable, and run by calling it.

    Parameters
    ----------
    function : str
        The peer function's dotted name, as printed (``"torch.nn.functional.conv1d"``).
    arguments : tuple of str
        The positional arguments as they are printed (``("x", "w")``).
    keywords : dict
        The keyword arguments, printed with ``repr``.
    run : callable
        Runs the call with no arguments and returns the peer's result.

    See Also
    --------
    Adapter : the adapter whose ``translate`` returns it.
    adapter : registers a translator.

    Examples
    --------
    >>> call = PeerCall("np.correlate", ("x", "w"), {"mode": "valid"}, lambda: np.correlate([1, 2, 3], [1, 10]))
    >>> call
    np.correlate(x, w, mode='valid')
    >>> call()
    array([21, 32])
    """

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

    Parameters
    ----------
    name : str
        A short identifier (``"onnxruntime-same-upper"``).
    summary : str
        What the peer does differently, in one sentence.
    link : str
        Where it is reported upstream (an issue URL), or ``""``.
    avoids : callable
        ``avoids(args, kwargs) -> bool``: True for a problem the finding cannot touch.

    See Also
    --------
    no_subnormals : an ``avoids`` for peers that flush subnormals.
    Adapter : lists its peer's findings.

    Examples
    --------
    >>> f = Finding("ftz", "flushes subnormal products to zero", "", no_subnormals)
    >>> f.avoids((np.array([1.0, 2.0]),), {}), f.avoids((np.array([1e-310]),), {})
    (True, False)
    """

    name: str
    summary: str
    link: str
    avoids: Callable[[tuple, dict], bool] = field(repr=False, compare=False)


def no_subnormals(args: tuple, kwargs: dict) -> bool:
    """No operand element is nonzero below ``sqrt(tiny)``: no product or input is subnormal.

    A :class:`Finding`'s ``avoids`` for peers that flush subnormals to zero.

    Parameters
    ----------
    args : tuple
        The problem's positional arguments (non-float ones are ignored).
    kwargs : dict
        Its keywords (unused: the test reads operands only).

    Returns
    -------
    bool
        True when no float operand has a nonzero element below ``sqrt(tiny)`` of its dtype.

    See Also
    --------
    Finding : what it avoids.

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

    Parameters
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

    See Also
    --------
    adapter : builds and registers one.
    adapters : every registered adapter.

    Examples
    --------
    >>> info = adapters("numpy", "correlate")[0]
    >>> info.name, info.op, info.method
    ('numpy.correlate', 'correlate', 'direct')
    >>> info.supports((np.ones(3), np.ones(2)), {"stride": 2})
    False
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

    Parameters
    ----------
    op : str
        The refconv op the peer function implements (``"correlate"``, ``"conv"``, ...).
    peer : str
        The peer's name; the adapter registers as ``"<peer>.<translator's name>"``.
    problems : callable
        ``problems(options)``: the Hypothesis strategy of ``(args, kwargs)`` the peer supports.
    dtypes : tuple of str, optional
        Operand dtypes the peer computes in.
    method : str, optional
        The peer's algorithm class (``"direct"`` or ``"fft"``), which picks its error bound.
    conventions : str, optional
        The conventions the adapter translates, in one line.
    findings : tuple of Finding, optional
        Known nonconformances of the peer on this op.

    Returns
    -------
    callable
        A decorator: it takes the translator and returns the adapter function.

    See Also
    --------
    Adapter : what is registered.
    PeerCall : what a translator returns.
    refconv.adapters.check : checks a registered adapter.

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
        run.__doc__ = _documented(translate, op, peer)
        run.translate = translate
        run.adapter = info
        ADAPTERS[info.name] = info
        return run

    return register


def _documented(translate: Callable[..., PeerCall], op: str, peer: str) -> str:
    """The adapter function's docstring: the translator's, with its parameters (refconv's, for
    ``op``), what it returns and where to look next written in, before its Examples."""
    import inspect

    doc = inspect.cleandoc(translate.__doc__ or f"``{peer}``'s {op}, as :func:`refconv.{op}`.")
    head, marker, examples = doc.partition("\nExamples\n")
    params = [f"{p}\n    As in :func:`refconv.{op}`." for p in inspect.signature(translate).parameters]
    sections = [
        "Parameters\n----------\n" + "\n".join(params),
        "Returns\n-------\nnumpy.ndarray\n    The peer's result, as a NumPy array.",
        f"See Also\n--------\nrefconv.{op} : the function whose signature this is.\n"
        "refconv.adapters.check : checks this adapter against refconv's exact reference.",
    ]
    return "\n\n".join([head.rstrip(), *sections]) + ("\n" + marker + examples if marker else "")


def adapters(peer: str | None = None, op: str | None = None) -> list[Adapter]:
    """Every adapter (of ``peer``, for ``op``), installed peers or not, in registration order.

    Parameters
    ----------
    peer : str, optional
        A key of :data:`PEERS`; default: every peer.
    op : str, optional
        An op; default: every op.

    Returns
    -------
    list of Adapter
        The matching adapters (importing their modules, not their peers).

    See Also
    --------
    available : whether a peer is installed.
    resolve : one adapter by name.

    Examples
    --------
    >>> [a.name for a in adapters("numpy")]
    ['numpy.correlate', 'numpy.convolve']
    """
    for name in [peer] if peer is not None else list(PEERS):
        _peer_module(check_choice("adapters", "peer", name, tuple(PEERS)))
    return [a for a in ADAPTERS.values() if (peer is None or a.peer == peer) and (op is None or a.op == op)]


# ---------------------------------------------------------------------------------------------
# Checking an adapter
# ---------------------------------------------------------------------------------------------


def resolve(target: Any, op: str | None = None) -> tuple[Callable, Adapter | None]:
    """The function and :class:`Adapter` named by ``target``.

    ``target`` is an adapter function, an adapter name (``"scipy.correlate2d"``), a peer name
    (``"torch"``: its first adapter for ``op``), ``"module:function"`` (a user's function with
    refconv's signature; no adapter, so every problem is drawn) or a callable.

    Parameters
    ----------
    target : str or callable
        What to resolve (see above).
    op : str, optional
        The op, to pick a peer's adapter by.

    Returns
    -------
    tuple of (callable, Adapter or None)
        The function to call, and its adapter (None for a function that is not one).

    See Also
    --------
    check : checks what it resolves.

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
    where : callable, optional
        ``where(args, kwargs) -> bool``: a further narrowing of the space.
    skip_known : bool
        Leave out problems that a known :class:`Finding` of the adapter touches.
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

    See Also
    --------
    refconv.check : the checker, with the adapter's space as ``problems=``.
    resolve : what ``target`` names.

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
        base = STRATEGIES[op](opt) if space is None else space.problems(opt)
        return base.filter(lambda case: belongs(*case)).map(counted)

    if op not in STRATEGIES:
        raise fail(func, "op", op, "is not checked by refconv.check", f"one of {sorted(STRATEGIES)}")
    problems = ProblemSpace(draw, lambda problem, opt: belongs(problem.args, problem.kwargs))
    return check_conformance(
        impl, op, problems=problems, dtype=dt, max_examples=max_examples, seed=seed, shrink=shrink, **options
    )


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
