"""Real layer shapes, and checking an implementation on them: :func:`check_layers`, :func:`heatmap`.

Bugs in convolution kernels live at layer sizes: tiling, split-K reductions, vectorised tails,
and the device's arithmetic (TF32, bfloat16) over thousands of taps.  :data:`TABLES` holds the
shapes of real layers, each row a :class:`Layer` with its source (the paper and the torchvision
or fairseq module it is read from):

=================  ==========================================================================
``"resnet50"``     ResNet-50 (He et al. 2016, torchvision ``resnet50``, v1.5: stride in the
                   3x3): the 7x7 stride-2 stem, 1x1 and 3x3 bottleneck convolutions of every
                   stage, the stride-2 3x3s and the stride-2 1x1 downsampling projections
``"mobilenetv2"``  MobileNetV2 (Sandler et al. 2018, torchvision ``mobilenet_v2``): the stem,
                   depthwise 3x3 (stride 1 and 2, ``groups = channels``), pointwise 1x1
                   expansions and projections
``"unet"``         UNet's 2x2 stride-2 up-convolution (Ronneberger et al. 2015), as
                   ``nn.ConvTranspose2d(c, c // 2, 2, stride=2)`` (milesial/Pytorch-UNet)
``"wav2vec2"``     the wav2vec 2.0 feature encoder (Baevski et al. 2020; fairseq
                   ``conv_feature_layers``): kernel 10 stride 5 on the waveform, then kernel 3
                   and kernel 2 stride 2 at 512 channels
``"video3d"``      3x3x3 convolutions of a 3-D ResNet (Tran et al. 2018, torchvision ``r3d_18``)
=================  ==========================================================================

Every row has two input shapes.  ``size="full"`` is the real one, at a batch of 8 images (4
waveforms of one second at 16 kHz, 2 clips of 16 frames); ``size="quick"`` is CI-sized: batch 1
and the spatial sides cut (channels, kernels, strides, pads and groups stay as they are, so the
reduction depth of every output is the real one), so that the exact reference of each layer
takes well under a second.  ``"all"`` is every table, in the order above.

:func:`check_layers` draws seeded random operands per layer, computes the exact, correctly
rounded reference and the rigorous bound once (:mod:`refconv.conformance`'s judgement, which
reads :mod:`refconv.exact` and :mod:`refconv.bounds`), runs the implementation, and reports per
layer the outputs over the bound (count and fraction), the worst ``|error| / bound``, the time,
and where the excess lies: a map of the worst ratio over the output plane, which
:func:`heatmap` draws (tile edges of a blocked kernel show up as lines).

Operands
--------
``operands="normal"`` draws ``x`` and ``w`` from the standard normal distribution (signed, as
real activations before a nonlinearity and real weights are).  Rounding errors of random signed
operands cancel like a random walk (``~sqrt(n)``) while the rigorous bound grows like ``n`` with
the ``n`` taps of an output, so on deep layers (a 3x3 convolution over 512 channels: 4,608
taps) an implementation that rounds its operands to TF32 stays inside the float32 bound.
``operands="adversarial"`` draws positive operands whose bits below bfloat16's and TF32's
precision are ``1010...``: any rounding of them to a shorter significand errs in the same
direction for every operand, the errors add up like ``n``, and reduced-precision products are
caught on every layer of the tables; a correct float32 implementation still passes.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._validation import check_choice, fail, is_int
from .conformance._judge import Verdict, _compare, _reference
from .problem import Problem

__all__ = ["Layer", "TABLES", "LayerResult", "LayersReport", "check_layers", "heatmap", "layers"]

_SIZES = ("quick", "full")
_DTYPES = ("float16", "float32", "float64")
_OPERANDS = ("normal", "adversarial")


@dataclass(frozen=True)
class Layer:
    """One real layer: its op, shapes, geometry and source.

    Parameters
    ----------
    name : str
        ``<table>.<module path>``, the path as in the source's model (``resnet50.layer1.0.conv2``).
    op : {"conv", "conv_transpose"}
        The refconv op the layer is (PyTorch's ``ConvNd`` or ``ConvTransposeNd``).
    input_shape : tuple of int
        The real input ``(N, C_in, *spatial)`` (``size="full"``).
    quick_input_shape : tuple of int
        The CI-sized input: batch 1, spatial sides cut, channels as in ``input_shape``.
    weight_shape : tuple of int
        ``(C_out, C_in / groups, *kernel)`` for ``conv``, ``(C_in, C_out / groups, *kernel)`` for
        ``conv_transpose``.
    stride, padding, dilation, groups : int
        As in :func:`refconv.conv` (one value for every spatial axis).
    source : str
        Where the shape is read from: the paper and the model's module.

    See Also
    --------
    TABLES : the bundled rows.
    check_layers : checks an implementation on them.

    Examples
    --------
    >>> stem = TABLES["resnet50"][0]
    >>> stem.name, stem.input_shape, stem.weight_shape, stem.stride, stem.padding
    ('resnet50.conv1', (8, 3, 224, 224), (64, 3, 7, 7), 2, 3)
    >>> stem.shape("quick"), stem.kwargs()
    ((1, 3, 32, 32), {'stride': 2, 'padding': 3, 'dilation': 1, 'groups': 1})
    """

    name: str
    op: str
    input_shape: tuple
    quick_input_shape: tuple
    weight_shape: tuple
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    groups: int = 1
    source: str = ""

    def shape(self, size: str = "quick") -> tuple:
        """The input shape for ``size`` (``"quick"`` or ``"full"``)."""
        return self.quick_input_shape if size == "quick" else self.input_shape

    def kwargs(self) -> dict:
        """The call's keyword arguments, as :func:`refconv.conv` / :func:`refconv.conv_transpose` take them."""
        return {"stride": self.stride, "padding": self.padding, "dilation": self.dilation, "groups": self.groups}

    def problem(self, size: str = "quick", dtype: Any = "float32", seed: int = 0, operands: str = "normal") -> Problem:
        """The layer's call on seeded random operands (no bias), as the checker runs it."""
        rng = np.random.default_rng([seed, zlib.crc32(self.name.encode())])
        dt = np.dtype(dtype)
        x = _draw(rng, self.shape(size), dt, operands)
        w = _draw(rng, self.weight_shape, dt, operands)
        return Problem(self.op, (x, w, None), self.kwargs())


def _draw(rng: np.random.Generator, shape: tuple, dtype: np.dtype, operands: str) -> np.ndarray:
    a = rng.standard_normal(shape)
    if operands == "normal":
        return a.astype(dtype)
    # Positive, in [1/8, 8): a float32 significand with random top 7 fraction bits (all of
    # bfloat16's) and 1010... below them, so that rounding to bfloat16 (16 bits dropped: 0xAAAA
    # of 0x10000) or to TF32/float16 significands (13 dropped: 0x0AAA of 0x2000) errs one way.
    mag = np.clip(np.abs(a), 0.125, 7.9).astype(np.float32)
    bits = (mag.view(np.uint32) & np.uint32(0xFFFF0000)) | np.uint32(0xAAAA)
    return bits.view(np.float32).astype(dtype)


def _rows(table: str, full_batch: int, rows: Sequence[tuple]) -> tuple[Layer, ...]:
    """Rows ``(path, op, C_in, full spatial, quick spatial, weight, stride, pad, groups, source)``."""
    out = []
    for path, op, c_in, full, quick, weight, stride, pad, groups, source in rows:
        out.append(
            Layer(
                f"{table}.{path}",
                op,
                (full_batch, c_in, *full),
                (1, c_in, *quick),
                weight,
                stride,
                pad,
                1,
                groups,
                source,
            )
        )
    return tuple(out)


_RN = "He et al. 2016, arXiv:1512.03385, Table 1; torchvision.models.resnet50"
_MB = "Sandler et al. 2018, arXiv:1801.04381, Table 2; torchvision.models.mobilenet_v2"
_UN = "Ronneberger et al. 2015, arXiv:1505.04597 (up-conv 2x2); milesial/Pytorch-UNet unet_parts.Up"
_W2 = "Baevski et al. 2020, arXiv:2006.11477, sec. 4.2; fairseq wav2vec2 conv_feature_layers"
_V3 = "Tran et al. 2018, arXiv:1711.11248 (R3D); torchvision.models.video.r3d_18"

#: The bundled layer tables, by name: each a tuple of :class:`Layer` rows.
TABLES: dict[str, tuple[Layer, ...]] = {
    "resnet50": _rows(
        "resnet50",
        8,
        [
            ("conv1", "conv", 3, (224, 224), (32, 32), (64, 3, 7, 7), 2, 3, 1, _RN),
            ("layer1.0.conv1", "conv", 64, (56, 56), (16, 16), (64, 64, 1, 1), 1, 0, 1, _RN),
            ("layer1.0.conv2", "conv", 64, (56, 56), (12, 12), (64, 64, 3, 3), 1, 1, 1, _RN),
            ("layer1.0.conv3", "conv", 64, (56, 56), (16, 16), (256, 64, 1, 1), 1, 0, 1, _RN),
            ("layer2.0.conv2", "conv", 128, (56, 56), (12, 12), (128, 128, 3, 3), 2, 1, 1, _RN),
            ("layer2.0.downsample.0", "conv", 256, (56, 56), (12, 12), (512, 256, 1, 1), 2, 0, 1, _RN),
            ("layer3.1.conv1", "conv", 1024, (14, 14), (6, 6), (256, 1024, 1, 1), 1, 0, 1, _RN),
            ("layer3.1.conv2", "conv", 256, (14, 14), (4, 4), (256, 256, 3, 3), 1, 1, 1, _RN),
            ("layer4.0.conv2", "conv", 512, (14, 14), (3, 3), (512, 512, 3, 3), 2, 1, 1, _RN),
            ("layer4.1.conv2", "conv", 512, (7, 7), (2, 2), (512, 512, 3, 3), 1, 1, 1, _RN),
            ("layer4.1.conv3", "conv", 512, (7, 7), (3, 3), (2048, 512, 1, 1), 1, 0, 1, _RN),
        ],
    ),
    "mobilenetv2": _rows(
        "mobilenetv2",
        8,
        [
            ("features.0.0", "conv", 3, (224, 224), (32, 32), (32, 3, 3, 3), 2, 1, 1, _MB),
            ("features.1.conv.0.0", "conv", 32, (112, 112), (24, 24), (32, 1, 3, 3), 1, 1, 32, _MB),
            ("features.1.conv.1", "conv", 32, (112, 112), (16, 16), (16, 32, 1, 1), 1, 0, 1, _MB),
            ("features.2.conv.0.0", "conv", 16, (112, 112), (16, 16), (96, 16, 1, 1), 1, 0, 1, _MB),
            ("features.2.conv.1.0", "conv", 96, (112, 112), (24, 24), (96, 1, 3, 3), 2, 1, 96, _MB),
            ("features.2.conv.2", "conv", 96, (56, 56), (16, 16), (24, 96, 1, 1), 1, 0, 1, _MB),
            ("features.14.conv.1.0", "conv", 576, (14, 14), (8, 8), (576, 1, 3, 3), 2, 1, 576, _MB),
            ("features.17.conv.2", "conv", 960, (7, 7), (4, 4), (320, 960, 1, 1), 1, 0, 1, _MB),
            ("features.18.0", "conv", 320, (7, 7), (4, 4), (1280, 320, 1, 1), 1, 0, 1, _MB),
        ],
    ),
    "unet": _rows(
        "unet",
        8,
        [
            ("up1.up", "conv_transpose", 1024, (32, 32), (2, 2), (1024, 512, 2, 2), 2, 0, 1, _UN),
            ("up4.up", "conv_transpose", 128, (256, 256), (16, 16), (128, 64, 2, 2), 2, 0, 1, _UN),
        ],
    ),
    "wav2vec2": _rows(
        "wav2vec2",
        4,
        [
            ("feature_extractor.conv_layers.0", "conv", 1, (16000,), (2000,), (512, 1, 10), 5, 0, 1, _W2),
            ("feature_extractor.conv_layers.1", "conv", 512, (3199,), (17,), (512, 512, 3), 2, 0, 1, _W2),
            ("feature_extractor.conv_layers.6", "conv", 512, (99,), (16,), (512, 512, 2), 2, 0, 1, _W2),
        ],
    ),
    "video3d": _rows(
        "video3d",
        2,
        [
            ("layer1.0.conv1.0", "conv", 64, (16, 56, 56), (4, 8, 8), (64, 64, 3, 3, 3), 1, 1, 1, _V3),
            ("layer2.0.conv1.0", "conv", 64, (16, 56, 56), (4, 8, 8), (128, 64, 3, 3, 3), 2, 1, 1, _V3),
        ],
    ),
}


def layers(table: Any = "all") -> tuple[Layer, ...]:
    """The rows of ``table``: a table's name, ``"all"``, or a list of names and :class:`Layer` rows.

    Parameters
    ----------
    table : str or sequence of (str or Layer)
        A key of :data:`TABLES`, ``"all"`` (every table), a layer's full name
        (``"resnet50.conv1"``), or a list of these and of :class:`Layer` rows.

    Returns
    -------
    tuple of Layer
        The rows, in order, each once.

    See Also
    --------
    TABLES : the bundled tables.
    check_layers : checks an implementation on the rows.

    Examples
    --------
    >>> [layer.name for layer in layers("unet")]
    ['unet.up1.up', 'unet.up4.up']
    >>> len(layers("all")) == sum(len(rows) for rows in TABLES.values())
    True
    >>> [layer.groups for layer in layers(["mobilenetv2.features.1.conv.0.0", "resnet50.conv1"])]
    [32, 1]
    """
    entries = [table] if isinstance(table, (str, Layer)) else table
    if not isinstance(entries, Sequence):
        raise fail("check_layers", "table", table, "is not a table", "a table's name, 'all', or a list", TypeError)
    if not entries:
        raise fail("check_layers", "table", table, "is empty", "at least one table or layer")
    by_name = {layer.name: layer for rows in TABLES.values() for layer in rows}
    found: list[Layer] = []
    for entry in entries:
        if isinstance(entry, Layer):
            found.append(entry)
        elif not isinstance(entry, str):
            raise fail("check_layers", "table", entry, "is not a table's name or a Layer", "str or Layer", TypeError)
        elif entry == "all":
            found += [layer for rows in TABLES.values() for layer in rows]
        elif entry in TABLES:
            found += TABLES[entry]
        elif entry in by_name:
            found.append(by_name[entry])
        else:
            raise fail(
                "check_layers", "table", entry, "is not recognised", f"one of {sorted(TABLES)}, 'all' or a layer"
            )
    return tuple(dict.fromkeys(found))


@dataclass
class LayerResult:
    """How an implementation did on one layer (one row of a :class:`LayersReport`).

    Parameters
    ----------
    layer : Layer
        The layer checked.
    shape : tuple of int
        The input shape run (the layer's quick or full shape).
    verdict : Verdict
        :func:`refconv.conformance.judge`'s judgement: passed, or the worst output and why.
    outputs : int
        The number of outputs.
    over : int
        Outputs whose ``|error| / bound`` exceeds 1 (0 for a pass; all outputs for a result
        that is no answer: an exception, a wrong shape).
    worst_ratio : float
        The largest ``|error| / bound`` over the outputs (``inf`` where no answer came).
    seconds : float
        The implementation's time on the layer.
    reference_seconds : float
        The exact reference's and the bound's time.
    ratio_map : ndarray or None
        The worst ``|error| / bound`` at each position of the output plane (the maximum over
        batch and channels, and over depth for a 3-D layer): where the excess lies.  None
        where no answer came.

    See Also
    --------
    check_layers : makes the rows.
    heatmap : draws ``ratio_map``.

    Examples
    --------
    >>> import refconv
    >>> r = check_layers(refconv.conv_transpose, "unet.up4.up").rows[0]
    >>> r.passed, r.over, r.fraction, r.outputs, r.ratio_map.shape
    (True, 0, 0.0, 65536, (32, 32))
    """

    layer: Layer
    shape: tuple
    verdict: Verdict
    outputs: int
    over: int
    worst_ratio: float
    seconds: float
    reference_seconds: float
    ratio_map: np.ndarray | None = field(default=None, repr=False)

    @property
    def passed(self) -> bool:
        """The verdict: every output within the bound."""
        return self.verdict.passed

    @property
    def fraction(self) -> float:
        """``over / outputs``."""
        return self.over / self.outputs if self.outputs else 0.0

    def line(self) -> str:
        """One line of the report's table."""
        status = "ok  " if self.passed else "FAIL"
        where = "" if self.passed else f"  worst at {self.verdict.index}  {self.verdict.reason}"
        return (
            f"{status} {self.layer.name:<40} {self.over:>8} {self.fraction:>9.4f} {self.worst_ratio:>10.3g} "
            f"{self.seconds:>8.3f} {self.reference_seconds:>8.3f}{where}"
        )


@dataclass
class LayersReport:
    """What :func:`check_layers` found: one :class:`LayerResult` per layer, and a printable table.

    Parameters
    ----------
    rows : list of LayerResult
        One per layer, in the table's order.
    size, dtype, operands : str
        The run's settings.
    arithmetic : object
        The arithmetic the bound was for (None: the dtype's own).

    See Also
    --------
    check_layers : makes it.
    LayerResult : one row.

    Examples
    --------
    >>> import refconv
    >>> report = check_layers(refconv.conv_transpose, "unet")
    >>> report.passed, [row.over for row in report.rows], report.failed
    (True, [0, 0], [])
    >>> print(str(report).splitlines()[0])  # doctest: +NORMALIZE_WHITESPACE
    check_layers(size='quick', dtype='float32', operands='normal', arithmetic=None): 2 layers, 0 failed
    """

    rows: list
    size: str = "quick"
    dtype: str = "float32"
    operands: str = "normal"
    arithmetic: Any = None

    @property
    def passed(self) -> bool:
        """Every layer passed."""
        return all(row.passed for row in self.rows)

    @property
    def failed(self) -> list:
        """The names of the layers that failed."""
        return [row.layer.name for row in self.rows if not row.passed]

    def __str__(self) -> str:
        head = (
            f"check_layers(size={self.size!r}, dtype={self.dtype!r}, operands={self.operands!r}, "
            f"arithmetic={self.arithmetic!r}): {len(self.rows)} layers, {len(self.failed)} failed"
        )
        columns = f"     {'layer':<40} {'over':>8} {'fraction':>9} {'worst':>10} {'impl s':>8} {'ref s':>8}"
        return "\n".join([head, columns, *(row.line() for row in self.rows)])


def check_layers(
    impl: Callable,
    table: Any = "all",
    *,
    size: str = "quick",
    dtype: Any = "float32",
    arithmetic: Any = None,
    seed: int = 0,
    operands: str = "normal",
) -> LayersReport:
    """Check ``impl`` on real layers: outputs over the rigorous bound, worst ratio and time per layer.

    Each layer's operands are drawn from ``seed`` and the layer's name (the same operands on every
    run); the exact, correctly rounded reference and the bound are computed first, as
    :func:`refconv.conformance.judge` computes them, then ``impl`` runs once on copies and is
    judged by the same comparison.  No bias is passed (the layers' biases, where they have one,
    are folded into a following batch norm).

    Parameters
    ----------
    impl : callable or dict
        Called as refconv's function for the layer's op is:
        ``impl(x, w, None, stride=, padding=, dilation=, groups=)`` (``conv`` or
        ``conv_transpose``), e.g. :func:`refconv.adapters.torch.conv`; or a dict of such
        callables by op, ``{"conv": f, "conv_transpose": g}``, for tables with both ops
        (:data:`TABLES` has ``conv_transpose`` only in ``"unet"``).
    table : str or sequence of (str or Layer), default "all"
        As in :func:`layers`.
    size : {"quick", "full"}, default "quick"
        The layers' CI-sized or real input shapes (see :class:`Layer`).
    dtype : {"float16", "float32", "float64"}, default "float32"
        The operands' dtype, and the dtype the results are judged in.
    arithmetic : Arithmetic or str, optional
        The arithmetic the bound is for, as in :func:`refconv.error_bound` (default: the
        dtype's own).
    seed : int, default 0
        Seeds every layer's operands.
    operands : {"normal", "adversarial"}, default "normal"
        How operands are drawn (see the module's notes): standard normal, or positive with
        ``1010...`` below bfloat16's precision so that reduced-precision rounding adds up.

    Returns
    -------
    LayersReport
        One :class:`LayerResult` per layer; ``str()`` of it is a table.

    See Also
    --------
    heatmap : draws where a layer's excess lies.
    refconv.check : searches random problems and reduces a failure.
    refconv.conformance.judge : the judgement of one result.

    Examples
    --------
    refconv's own float32 ``conv`` (float32 operands, computed exactly then rounded) passes;
    one that truncates its products to bfloat16 does not:

    >>> import refconv
    >>> table = ["mobilenetv2.features.1.conv.0.0", "resnet50.conv1"]
    >>> check_layers(refconv.conv, table).passed
    True
    >>> def bf16(a):
    ...     return (a.view(np.uint32) & np.uint32(0xFFFF0000)).view(np.float32)
    >>> report = check_layers(lambda x, w, b, **kw: refconv.conv(bf16(x), bf16(w), b, **kw), table)
    >>> report.failed == table, all(row.fraction > 0.5 for row in report.rows)
    (True, True)
    """
    rows = layers(table)
    impls = _impls(impl, rows)
    size = check_choice("check_layers", "size", size, _SIZES)
    dtype_name = check_choice("check_layers", "dtype", np.dtype(dtype).name if _is_dtype(dtype) else dtype, _DTYPES)
    operands = check_choice("check_layers", "operands", operands, _OPERANDS)
    if not is_int(seed) or seed < 0:
        raise fail("check_layers", "seed", seed, "is not a non-negative int", "an int >= 0", TypeError)
    results = [_check_one(impls[layer.op], layer, size, dtype_name, arithmetic, int(seed), operands) for layer in rows]
    return LayersReport(results, size, dtype_name, operands, arithmetic)


def _impls(impl: Any, rows: tuple[Layer, ...]) -> dict:
    """The implementation of each op the rows need: one callable for all, or a mapping by op."""
    ops = sorted({layer.op for layer in rows})
    if callable(impl):
        return dict.fromkeys(ops, impl)
    if not isinstance(impl, Mapping) or not all(callable(impl.get(op)) for op in impl):
        raise fail(
            "check_layers", "impl", impl, "is not callable", "a function, or a dict of functions by op", TypeError
        )
    missing = [op for op in ops if op not in impl]
    if missing:
        raise fail("check_layers", "impl", impl, f"has no implementation of {missing}", f"a dict with keys {ops}")
    return dict(impl)


def _is_dtype(value: Any) -> bool:
    try:
        np.dtype(value)
    except TypeError:
        return False
    return value is not None


def _check_one(impl, layer: Layer, size: str, dtype: str, arithmetic: Any, seed: int, operands: str) -> LayerResult:
    problem = layer.problem(size, dtype, seed, operands)
    start = time.perf_counter()
    ref = _reference(problem, dtype=dtype, arithmetic=arithmetic)
    ref_seconds = time.perf_counter() - start
    outputs = int(np.prod(ref.shape))
    try:
        start = time.perf_counter()
        actual = problem.call(impl)
    except Exception as exc:  # the implementation raised: the layer failed, with the message
        seconds = time.perf_counter() - start
        verdict = Verdict(False, f"raised {type(exc).__name__}: {exc}", got=repr(exc), ratio=np.inf)
        return LayerResult(layer, problem.args[0].shape, verdict, outputs, outputs, np.inf, seconds, ref_seconds)
    seconds = time.perf_counter() - start
    verdict = _compare(actual, ref)
    got = np.asarray(actual)
    if got.shape != ref.shape or not isinstance(ref.bound, np.ndarray) or got.dtype.kind != "f":
        over = 0 if verdict.passed else outputs
        return LayerResult(layer, problem.args[0].shape, verdict, outputs, over, verdict.ratio, seconds, ref_seconds)
    ratio = _ratios(got, ref.y64, ref.bound)
    # The count reads the float64 ratio; the verdict decides outputs within 2**-52 of the bound
    # exactly, so a pass counts no output over it.
    over = 0 if verdict.passed else max(1, int(np.count_nonzero(ratio > 1)))
    plane = ratio.max(axis=(0, 1)) if ratio.ndim <= 4 else ratio.max(axis=tuple(range(ratio.ndim - 2)))
    return LayerResult(layer, problem.args[0].shape, verdict, outputs, over, verdict.ratio, seconds, ref_seconds, plane)


def _ratios(got: np.ndarray, y64: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """``|got - y64| / bound`` per output, as the judgement's worst ratio is computed (``inf`` for an
    error over a zero bound, or a non-finite answer to a finite value)."""
    g64 = got.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        err = np.where(np.isfinite(y64) & ~np.isfinite(g64), np.inf, np.where(np.isfinite(y64), np.abs(g64 - y64), 0))
        return np.where(bound > 0, err / bound, np.where(err > 0, np.inf, 0.0))


def heatmap(result: LayerResult, path: Any = None):
    """Draw a layer's worst ``|error| / bound`` over the output plane (matplotlib, imported here).

    Positions over the bound are outlined; a blocked kernel's tile edges show up as lines of
    larger (or smaller) ratios.  A 1-D layer is drawn as a strip.

    Parameters
    ----------
    result : LayerResult
        A row of :func:`check_layers`' report that has a ``ratio_map``.
    path : str or path-like, optional
        Where to save the figure (any format matplotlib writes, by the suffix).

    Returns
    -------
    matplotlib.figure.Figure
        The figure (not attached to pyplot: no window opens, nothing global changes).

    See Also
    --------
    check_layers : makes the rows.

    Examples
    --------
    >>> import refconv
    >>> row = check_layers(refconv.conv, "resnet50.conv1").rows[0]
    >>> fig = heatmap(row)
    >>> fig.axes[0].get_title()
    'resnet50.conv1: |error| / bound (worst 0.0474, 0 of 16384 over)'
    """
    if not isinstance(result, LayerResult):
        raise fail("heatmap", "result", result, "is not a LayerResult", "a row of check_layers(...).rows", TypeError)
    if result.ratio_map is None:
        raise fail("heatmap", "result", result.layer.name, "has no ratio map (no answer came)", "an answered layer")
    from matplotlib.figure import Figure

    plane = result.ratio_map if result.ratio_map.ndim == 2 else result.ratio_map[None, :]
    fig = Figure(figsize=(6, 5 if plane.shape[0] > 1 else 2.2), layout="constrained")
    ax = fig.add_subplot()
    finite = np.where(np.isfinite(plane), plane, np.nan)
    image = ax.imshow(finite, cmap="viridis", aspect="auto", interpolation="nearest")
    if (plane > 1).any() and min(plane.shape) > 1:  # a strip shows its excess by colour alone
        ax.contour(plane > 1, levels=[0.5], colors="red", linewidths=0.8)
    fig.colorbar(image, ax=ax, label="worst |error| / bound over batch and channels")
    ax.set_title(
        f"{result.layer.name}: |error| / bound (worst {result.worst_ratio:.3g}, {result.over} of {result.outputs} over)"
    )
    ax.set_xlabel("output column" if plane.shape[0] > 1 else "output position")
    ax.set_ylabel("output row" if plane.shape[0] > 1 else "")
    if path is not None:
        fig.savefig(path)
    return fig
