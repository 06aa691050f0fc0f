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
``cupy``         ``correlate``, ``convolve``, ``fftconvolve``, ``oaconvolve``, ``correlate2d``,
                 ``convolve2d``, ``ndimage_correlate``, ``ndimage_convolve`` (``cupyx.scipy``: the
                 ``scipy`` adapters' calls on a CUDA device)
===============  =============================================================================

``onnx_reference`` has the five ``onnxruntime`` adapters, the same models run by
``onnx.reference.ReferenceEvaluator``.

Run one with ``refconv check TARGET --op OP`` or :func:`check`; ``refconv verify`` checks every
installed peer (:mod:`refconv.checks.peers`).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

import numpy as np

from .._validation import check_choice, fail
from ..conformance import check as check_conformance
from ..strategies._spaces import STRATEGIES, ProblemSpace
from ._registry import ADAPTERS, Adapter, Devices, Finding, OnDevice, PeerCall, adapter, no_subnormals, on_device
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
    "cupy": (("cupy",), "CuPy on a CUDA device (cupyx.scipy.signal and cupyx.scipy.ndimage)"),
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
    device: Any = None,
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
    device : str or device, optional
        Run the adapter on this device (torch: ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``;
        jax: ``"cpu"``, ``"gpu:0"``, ...; cupy: ``"cuda"``, ``"cuda:1"``, an int), as
        ``adapter.on(device)``; the result records the device and the math flags in force
        (``result.device``, ``result.flags``).  An absent device is refused before anything is drawn.
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
    impl = on_device(func, impl, info, device)
    if device is not None:
        info = impl.adapter
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
    result = check_conformance(
        impl, op, problems=problems, dtype=dt, max_examples=max_examples, seed=seed, shrink=shrink, **options
    )
    if device is not None:
        result.device, result.flags = impl.device, impl.flags()
    return result


__all__ = [
    "PEERS",
    "ADAPTERS",
    "Adapter",
    "Devices",
    "OnDevice",
    "on_device",
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
