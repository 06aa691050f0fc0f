"""refconv: an exact, verification-oriented reference for convolution and pooling.

Grounded in chapter 9 of *Deep Learning* (Goodfellow, Bengio and Courville).

Table of contents
-----------------
Plain functions (NumPy/SciPy conventions, any rank)
    :func:`correlate` (eq. 9.6), :func:`convolve` (kernel flipped), :func:`output_shape`.
Convolution as a matrix (§9.1, figure 9.6)
    :func:`conv_matrix`, :func:`layer_matrix`, :func:`doubly_block_circulant`,
    :func:`multilevel_circulant`, :func:`circulant_eigenvalues`; structure predicates
    :func:`is_toeplitz`, :func:`is_circulant`, :func:`is_doubly_block_toeplitz`,
    :func:`is_doubly_block_circulant` (:mod:`refconv.matrices`); :func:`conv_cost`.
Pooling (§9.3, figure 9.8)
    :func:`max_pool`, :func:`avg_pool`, :func:`lp_pool`, :func:`weighted_pool` and their global
    forms; :func:`pooled_unchanged_fraction` (:mod:`refconv.pooling`).
Seed properties (§9.1-9.3, figures 9.2-9.5)
    :mod:`refconv.properties` (reusable checks for any implementation) and
    :mod:`refconv.strategies` (Hypothesis strategies), loaded on first use;
    :func:`receptive_field` (figure 9.4); :func:`locally_connected` and
    :func:`locally_connected_matrix`, the unshared layer of §9.2.
The oracle (float implementations)
    :func:`exact` (correctly rounded exact result of float inputs), :func:`error_bound`
    (rigorous bounds: direct, Winograd, FFT; mixed-precision presets), :func:`check` and
    :func:`assert_conforms` (the conformance checker, loaded on first use).
The geometry
    :mod:`refconv.spec` normalises every argument form once; :mod:`refconv._taps` holds the
    index arithmetic; :mod:`refconv.methods` the algorithms that consume them.
The main job
    ``refconv verify`` (:mod:`refconv.cli`) checks every claim and prints a table.
"""

from .bounds import Arithmetic, Bound, error_bound
from .conventions import BOUNDARIES, BOUNDARY_NAMES, PARAMETER_NAMES
from .convolution import convolve, correlate
from .costs import ConvCost, conv_cost
from .deform import deform_conv
from .exact import exact
from .general import conv_channels_last, conv_general_dilated
from .layer import conv, conv_transpose
from .matrices import (
    StructureCheck,
    circulant_eigenvalues,
    conv_matrix,
    doubly_block_circulant,
    is_circulant,
    is_doubly_block_circulant,
    is_doubly_block_toeplitz,
    is_multilevel_circulant,
    is_multilevel_toeplitz,
    is_toeplitz,
    layer_matrix,
    multilevel_circulant,
)
from .padding import pad
from .pooling import (
    adaptive_avg_pool,
    adaptive_max_pool,
    avg_pool,
    fractional_max_pool,
    global_avg_pool,
    global_lp_pool,
    global_max_pool,
    global_weighted_pool,
    lp_pool,
    max_pool,
    max_unpool,
    pooled_unchanged_fraction,
    weighted_pool,
)
from .quantized import conv_integer, qlinear_conv
from .receptive import ReceptiveField, receptive_field
from .spec import AxisGeometry, ConvSpec, output_shape
from .unfold import fold, unfold
from .unshared import locally_connected, locally_connected_matrix, locally_connected_weight_shape

__version__ = "0.1.0"

__all__ = [
    "correlate",
    "convolve",
    "conv",
    "conv_transpose",
    "conv_general_dilated",
    "conv_channels_last",
    "output_shape",
    "ConvSpec",
    "AxisGeometry",
    "BOUNDARIES",
    "BOUNDARY_NAMES",
    "PARAMETER_NAMES",
    "conv_matrix",
    "layer_matrix",
    "doubly_block_circulant",
    "multilevel_circulant",
    "circulant_eigenvalues",
    "is_toeplitz",
    "is_circulant",
    "is_doubly_block_toeplitz",
    "is_doubly_block_circulant",
    "is_multilevel_toeplitz",
    "is_multilevel_circulant",
    "StructureCheck",
    "conv_cost",
    "deform_conv",
    "ConvCost",
    "max_pool",
    "avg_pool",
    "lp_pool",
    "weighted_pool",
    "global_max_pool",
    "global_avg_pool",
    "global_lp_pool",
    "global_weighted_pool",
    "pooled_unchanged_fraction",
    "adaptive_avg_pool",
    "adaptive_max_pool",
    "max_unpool",
    "fractional_max_pool",
    "unfold",
    "fold",
    "pad",
    "conv_integer",
    "qlinear_conv",
    "receptive_field",
    "ReceptiveField",
    "locally_connected",
    "locally_connected_matrix",
    "locally_connected_weight_shape",
    "exact",
    "error_bound",
    "Bound",
    "Arithmetic",
    "check",
    "CheckResult",
    "assert_conforms",
]

#: Names loaded on first use: the conformance checker imports Hypothesis.
_LAZY = {"check": "conformance", "CheckResult": "conformance", "assert_conforms": "conformance"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    # refconv.strategies imports Hypothesis; load it (and refconv.properties) on first use only.
    if name in ("strategies", "properties", "adapters"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
