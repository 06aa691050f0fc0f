"""The bundled tables of real layer shapes (the package docstring describes them)."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import fail
from ..problem import Problem

__all__ = ["Layer", "TABLES", "layers"]

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
