"""Claim 2: figure 9.1 — the six symbolic outputs of a 3x4 input and a 2x2 kernel, "valid".

Seed, §9.1, figure 9.1:

    "An example of 2-D convolution without kernel-flipping. In this case we restrict the output
    to only positions where the kernel lies entirely within the image, called "valid"
    convolution in some contexts."

The figure's input is ``a b c d / e f g h / i j k l``, its kernel ``w x / y z``, and its output
boxes read ``aw + bx + ey + fz``, ``bw + cx + fy + gz``, ``cw + dx + gy + hz``, ``ew + fx + iy +
jz``, ``fw + gx + jy + kz``, ``gw + hx + ky + lz``.

What is proven: the six boxes, typed here from the figure (not computed), equal — as SymPy
polynomials — (i) equation 9.6 evaluated from its definition, (ii) ``refconv.correlate(I, K,
mode="valid")``, (iii) the layer form ``refconv.conv`` on ``(1, 1, 3, 4)``, and (iv) the
symbolic matrix ``refconv.matrices.conv_matrix(K, (3, 4), format="sympy")`` times the
flattened image.  The output has exactly 2x3 entries: the kernel fits at (3-2+1) x (4-2+1)
positions.

Negative controls (each must fail): the same comparison against ``refconv.convolve`` (the
figure is *without* kernel flipping), and against ``mode="same"`` (not "valid").
"""

from __future__ import annotations

import numpy as np
import sympy

import refconv
import refconv.matrices

NAME = "figure-9.1"
CLAIM = "Figure 9.1: valid 2-D cross-correlation of a 3x4 input with a 2x2 kernel gives the six symbolic sums"
SEED = "§9.1, fig. 9.1"
QUOTE = (
    "An example of 2-D convolution without kernel-flipping. In this case we restrict the output to only "
    'positions where the kernel lies entirely within the image, called "valid" convolution in some contexts.'
)
METHOD = "symbolic (SymPy): figure typed in, compared with eq. 9.6, correlate, conv and the SymPy matrix"

# The output boxes of figure 9.1, as printed (row-major).
FIGURE = (
    ("a*w + b*x + e*y + f*z", "b*w + c*x + f*y + g*z", "c*w + d*x + g*y + h*z"),
    ("e*w + f*x + i*y + j*z", "f*w + g*x + j*y + k*z", "g*w + h*x + k*y + l*z"),
)


def _operands() -> tuple[np.ndarray, np.ndarray]:
    image = np.array(sympy.symbols("a b c d e f g h i j k l"), dtype=object).reshape(3, 4)
    kernel = np.array(sympy.symbols("w x y z"), dtype=object).reshape(2, 2)
    return image, kernel


def _equation_9_6(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``S(i, j) = sum_m sum_n I(i + m, j + n) K(m, n)`` where the kernel lies inside the image."""
    rows, cols = image.shape[0] - kernel.shape[0] + 1, image.shape[1] - kernel.shape[1] + 1
    out = np.zeros((rows, cols), dtype=object)
    for i in range(rows):
        for j in range(cols):
            for m in range(kernel.shape[0]):
                for n in range(kernel.shape[1]):
                    out[i, j] += image[i + m, j + n] * kernel[m, n]
    return out


def _figure_proof(operator) -> int:
    image, kernel = _operands()
    figure = np.array([[sympy.sympify(box) for box in row] for row in FIGURE], dtype=object)
    got = np.asarray(operator(image, kernel))
    assert got.shape == figure.shape, f"output shape {got.shape}, the figure has {figure.shape}"
    for (r, c), box in np.ndenumerate(figure):
        assert sympy.expand(got[r, c] - box) == 0, f"output ({r}, {c}) is {got[r, c]}, the figure shows {box}"
    return figure.size


def _via_correlate(image, kernel):
    return refconv.correlate(image, kernel, mode="valid")


def _via_equation(image, kernel):
    return _equation_9_6(image, kernel)


def _via_layer(image, kernel):
    return refconv.conv(image[None, None], kernel[None, None])[0, 0]


def _via_matrix(image, kernel):
    A = refconv.matrices.conv_matrix(kernel, image.shape, format="sympy")
    return np.array(A * sympy.Matrix(image.ravel()), dtype=object).reshape(2, 3)


def prove() -> str:
    """Run the proof; return a one-line detail, raise AssertionError if it fails."""
    boxes = [_figure_proof(op) for op in (_via_equation, _via_correlate, _via_layer, _via_matrix)]
    assert boxes == [6] * 4
    image, kernel = _operands()
    first = _via_correlate(image, kernel)[0, 0]
    return f"6/6 boxes equal eq. 9.6, correlate, conv and the SymPy matrix; S[0,0] = {first}"


def _with_flipping() -> None:
    """Wrong claim: figure 9.1 is convolution *with* kernel flipping."""
    _figure_proof(lambda image, kernel: refconv.convolve(image, kernel, mode="valid"))


def _same_mode() -> None:
    """Wrong claim: the figure's output is the "same"-size correlation."""
    _figure_proof(lambda image, kernel: refconv.correlate(image, kernel, mode="same"))


NEGATIVE_CONTROLS = (_with_flipping, _same_mode)


def test_proof():
    assert prove()


def test_negative_controls():
    import pytest

    for control in NEGATIVE_CONTROLS:
        with pytest.raises(AssertionError):
            control()
