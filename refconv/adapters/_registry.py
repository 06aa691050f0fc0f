"""One adapter: the :class:`PeerCall` a translator returns, a peer's known :class:`Finding`, the
:class:`Adapter` record and the :func:`adapter` decorator that registers it in :data:`ADAPTERS`.

Their public home is :mod:`refconv.adapters`, which re-exports them (and runs their examples)."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validation import fail
from ._translate import Unsupported

__all__ = [
    "PeerCall",
    "Finding",
    "no_subnormals",
    "Devices",
    "Adapter",
    "ADAPTERS",
    "adapter",
    "OnDevice",
    "on_device",
    "recorded",
]

_HOME = "refconv.adapters"


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
    device : str or None
        The device the call runs on (``"cuda:0"``, ``"gpu:0"``), when one was asked for; None:
        the peer's default, and nothing recorded (translating then never imports the peer).
    flags : dict
        With a device: the peer's math flags in force when the call was made (TF32, determinism,
        default precision), by their dotted names.

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
    device: str | None = None
    flags: dict = field(default_factory=dict)

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
class Devices:
    """How a peer names its devices, and which math flags it computes under.

    An :class:`Adapter` with ``devices`` takes ``device=`` (its translator records the device and
    :attr:`flags` on the :class:`PeerCall`), and ``<adapter>.on(device)`` binds it to one device.

    Parameters
    ----------
    resolve : callable
        ``resolve(func, device) -> str``: the device's canonical name (``"cuda:0"``); a device the
        peer lacks raises ValueError naming ``device`` and listing the available ones (``func``
        is the function the message names).
    flags : callable
        ``flags() -> dict``: the math flags in force now, by their dotted names.

    See Also
    --------
    OnDevice : an adapter bound to one device.
    Adapter : carries its peer's ``devices``.

    Examples
    --------
    >>> only_cpu = Devices(lambda func, device: "cpu", lambda: {"fast_math": False})
    >>> only_cpu.resolve("mine.conv", "cpu"), only_cpu.flags()
    ('cpu', {'fast_math': False})
    """

    resolve: Callable[[str, Any], str]
    flags: Callable[[], dict]


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
    devices : Devices or None
        How the peer names its devices and reads its math flags; None for a peer without devices.

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
    devices: Devices | None = None

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
    devices: Devices | None = None,
) -> Callable[[Callable[..., PeerCall]], Callable[..., Any]]:
    """Register a translator (refconv's signature -> :class:`PeerCall`) as the adapter function.

    The returned function runs the translated call; ``.translate`` gives the call without running
    it and ``.adapter`` the :class:`Adapter`; with ``devices``, ``.on(device)`` gives it bound to a
    device (:class:`OnDevice`; the translator then takes a keyword ``device``).

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
    devices : Devices, optional
        The peer's devices; the translator must then take ``device=None`` (None: the peer's
        default, nothing recorded).

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
        info = Adapter(name, op, peer, translate, problems, dtypes, method, conventions, findings, devices)
        run.__doc__ = _documented(translate, op, peer)
        run.translate = translate
        run.adapter = info
        if devices is not None:

            def on(device: Any) -> OnDevice:
                return OnDevice(info, device)

            on.__doc__ = f"{name} bound to ``device`` (an :class:`OnDevice`); a device {peer} lacks is refused."
            run.on = on
        ADAPTERS[info.name] = info
        return run

    return register


def _documented(translate: Callable[..., PeerCall], op: str, peer: str) -> str:
    """The adapter function's docstring: the translator's, with its parameters (refconv's, for
    ``op``), what it returns and where to look next written in, before its Examples."""
    import inspect

    doc = inspect.cleandoc(translate.__doc__ or f"``{peer}``'s {op}, as :func:`refconv.{op}`.")
    head, marker, examples = doc.partition("\nExamples\n")
    params = [
        _DEVICE_PARAMETER if p == "device" else f"{p}\n    As in :func:`refconv.{op}`."
        for p in inspect.signature(translate).parameters
    ]
    sections = [
        "Parameters\n----------\n" + "\n".join(params),
        "Returns\n-------\nnumpy.ndarray\n    The peer's result, as a NumPy array.",
        f"See Also\n--------\nrefconv.{op} : the function whose signature this is.\n"
        "refconv.adapters.check : checks this adapter against refconv's exact reference.",
    ]
    return "\n\n".join([head.rstrip(), *sections]) + ("\n" + marker + examples if marker else "")


_DEVICE_PARAMETER = """device : str or device object, optional
    Where the peer computes (``"cuda:1"``, ``"gpu:0"``, ...): operands go there and the result
    comes back as NumPy; the call records the device and the math flags in force.  A device the
    peer lacks is refused (ValueError).  Default: the peer's default device, nothing recorded."""


class OnDevice:
    """An adapter function bound to one device: operands go there, results come back as NumPy.

    ``<adapter>.on(device)`` makes it (or :func:`on_device`); it is called, translated and checked
    as the adapter is (same signature, same problem space), and each :class:`PeerCall` it makes
    records the device and the peer's math flags in force.

    Parameters
    ----------
    info : Adapter
        The adapter to bind; its peer must have :class:`Devices`.
    device : str or device object
        The device, as the peer names it; refused (ValueError naming ``device``, listing the
        available ones) when the peer lacks it.
    func : str, optional
        The function named in a refusal (default: the adapter's name).

    See Also
    --------
    on_device : the same, for any resolved target (refusing peers without devices).
    Devices : how a peer resolves its devices.

    Examples
    --------
    >>> from refconv.adapters import torch
    >>> not torch.available() or torch.conv.on("cpu").device == "cpu"
    True
    """

    def __init__(self, info: Adapter, device: Any, func: str = "") -> None:
        if info.devices is None:
            raise fail(
                func or info.name, "device", device, f"is not taken by {info.name}", "an adapter of torch, jax or cupy"
            )
        self.device = info.devices.resolve(func or info.name, device)
        self.adapter = dataclasses.replace(info, translate=functools.partial(info.translate, device=self.device))
        self.__name__ = self.__qualname__ = info.name.split(".", 1)[1]
        self.__module__ = info.translate.__module__
        self.__doc__ = f"{info.name} on {self.device}: operands go there, the result comes back as NumPy."

    def translate(self, *args: Any, **kwargs: Any) -> PeerCall:
        """The :class:`PeerCall` on this device (not run), recording the device and the flags."""
        return self.adapter.translate(*args, **kwargs)

    def flags(self) -> dict:
        """The peer's math flags in force now, by their dotted names."""
        return self.adapter.devices.flags()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.translate(*args, **kwargs)()

    def __repr__(self) -> str:
        return f"{self.__module__}.{self.__name__}.on({self.device!r})"


def on_device(func: str, target: Callable, info: Adapter | None, device: Any) -> Callable:
    """``target`` bound to ``device``: ``target`` itself for ``device=None``, else an :class:`OnDevice`.

    Parameters
    ----------
    func : str
        The function named in a refusal (``"check"``).
    target : callable
        The resolved function (an adapter, or a user's function).
    info : Adapter or None
        Its adapter (None for a user's function, which takes no device).
    device : str, device object or None
        The device; None leaves ``target`` as it is.

    Returns
    -------
    callable
        ``target``, or the adapter bound to ``device``.

    Raises
    ------
    ValueError
        ``target`` is not an adapter of a peer with devices, or the peer lacks ``device``.

    See Also
    --------
    OnDevice : what it returns for a device.

    Examples
    --------
    >>> from refconv.adapters import numpy
    >>> on_device("check", numpy.correlate, numpy.correlate.adapter, None) is numpy.correlate
    True
    >>> on_device("check", numpy.correlate, numpy.correlate.adapter, "cuda")
    Traceback (most recent call last):
    ...
    ValueError: check: device='cuda' is not taken by numpy.correlate; expected an adapter of torch, jax or cupy
    """
    if device is None:
        return target
    if info is None:
        raise fail(func, "device", device, f"is not taken by {target!r}", "an adapter of torch, jax or cupy")
    return OnDevice(info, device, func)


def recorded(call: PeerCall, devices: Devices, device: str | None) -> PeerCall:
    """``call`` with ``device`` and the flags in force recorded (unchanged for ``device=None``)."""
    return call if device is None else dataclasses.replace(call, device=device, flags=devices.flags())


for _public in (PeerCall, Finding, no_subnormals, Devices, Adapter, adapter, OnDevice, on_device):
    _public.__module__ = _HOME
