"""The FFT method, for float and complex inputs only.

Correlation is convolution with the flipped kernel, and the DFT turns convolution into a
pointwise product (the convolution theorem; refconv's proofs check it exactly for small
circulants).  The padded input (same boundary rule as every method: :func:`refconv._taps.pad`)
is convolved with the flipped, zero-dilated kernel in "valid" mode, then subsampled by the
stride.

* one channel: :func:`scipy.signal.oaconvolve` (overlap-add; it chooses block sizes and falls
  back to a single FFT when the operands are of similar size);
* channels: one real (or complex) FFT per input and per weight plane at a fast length
  (:func:`scipy.fft.next_fast_len`), the sum over input channels taken in the frequency domain,
  one inverse FFT per output plane.

Accuracy: the result is not exact and not summed in a fixed order; its error is bounded
norm-wise per feature map (see :func:`refconv.error_bound` with ``method="fft"``), not
componentwise, so small outputs next to large ones can have a large relative error.
"""

from __future__ import annotations

import numpy as np
import scipy.fft
import scipy.signal

from .._taps import pad
from ..spec import ConvSpec


def correlate_fft(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """Cross-correlate channel-form float operands through the FFT (see the module docstring)."""
    if x.dtype.kind not in "fc" or w.dtype.kind not in "fc":
        raise TypeError(
            f"correlate: method='fft' got dtypes {x.dtype} and {w.dtype}; expected float or complex "
            "inputs (exact inputs use method='direct', 'dense' or 'sparse')"
        )
    nd = spec.ndim
    spatial = tuple(range(3, 3 + nd))
    padded = pad(x, spec, spatial)
    kernel = _dilated_flipped(w, spec)
    if x.shape[0] == x.shape[1] == x.shape[2] == w.shape[1] == 1:  # one plane (layer batches have more)
        full = scipy.signal.oaconvolve(padded[0, 0, 0], kernel[0, 0, 0], mode="valid")[None, None, None]
    else:
        full = _frequency_domain(padded, kernel, spatial)
    y = full[(Ellipsis, *(slice(0, (g.out - 1) * g.stride + 1, g.stride) for g in spec.axes))]
    return np.ascontiguousarray(y, dtype=np.result_type(x, w))


def _dilated_flipped(w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """The kernel with ``d-1`` zeros between taps, reversed on every spatial axis."""
    if any(d > 1 for d in spec.dilation):
        dilated = np.zeros(w.shape[:3] + tuple(g.extent for g in spec.axes), dtype=w.dtype)
        dilated[(Ellipsis, *(slice(None, None, d) for d in spec.dilation))] = w
        w = dilated
    return w[(Ellipsis, *(slice(None, None, -1),) * spec.ndim)]


def _frequency_domain(padded: np.ndarray, kernel: np.ndarray, spatial: tuple[int, ...]) -> np.ndarray:
    in_shape, k_shape = padded.shape[3:], kernel.shape[3:]
    full = [n + k - 1 for n, k in zip(in_shape, k_shape)]
    fshape = [scipy.fft.next_fast_len(n, real=True) for n in full]
    real = padded.dtype.kind == "f" and kernel.dtype.kind == "f"
    forward, inverse = (scipy.fft.rfftn, scipy.fft.irfftn) if real else (scipy.fft.fftn, scipy.fft.ifftn)
    X = forward(padded, fshape, axes=spatial)  # (B, G, Ci, *F)
    W = forward(kernel, fshape, axes=spatial)  # (G, Co, Ci, *F)
    Y = np.einsum("bgi...,goi...->bgo...", X, W)
    y = inverse(Y, fshape, axes=spatial)
    # "valid" part of the full convolution: indices k-1 .. n-1.
    return y[(Ellipsis, *(slice(k - 1, n) for n, k in zip(in_shape, k_shape)))]
