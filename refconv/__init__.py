"""refconv: an exact, verification-oriented reference for convolution and pooling.

Grounded in chapter 9 of *Deep Learning* (Goodfellow, Bengio and Courville).

Table of contents
-----------------
Plain functions (NumPy/SciPy conventions, any rank)
    :func:`correlate` (eq. 9.6), :func:`convolve` (kernel flipped), :func:`output_shape`.
The geometry
    :mod:`refconv.spec` normalises every argument form once; :mod:`refconv._taps` holds the
    index arithmetic; :mod:`refconv.methods` the algorithms that consume them.
The main job
    ``refconv verify`` (:mod:`refconv.cli`) checks every claim and prints a table.
"""

from .convolution import convolve, correlate
from .layer import conv, conv_transpose
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
]
