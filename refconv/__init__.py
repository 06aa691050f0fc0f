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
The geometry
    :mod:`refconv.spec` normalises every argument form once; :mod:`refconv._taps` holds the
    index arithmetic; :mod:`refconv.methods` the algorithms that consume them.
The main job
    ``refconv verify`` (:mod:`refconv.cli`) checks every claim and prints a table.
"""

from .convolution import convolve, correlate
from .costs import ConvCost, conv_cost
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
from .spec import BOUNDARIES, BOUNDARY_NAMES, PARAMETER_NAMES, AxisGeometry, ConvSpec, output_shape

__version__ = "0.1.0"

__all__ = [
    "correlate",
    "convolve",
    "conv",
    "conv_transpose",
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
    "ConvCost",
]
