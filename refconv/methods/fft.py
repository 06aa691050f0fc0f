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
  one inverse FFT per output plane.  Output channels are processed in chunks whose weight
  spectra and products stay under :data:`CHUNK_BYTES` (a layer of 128 -> 128 channels with
  15x15 kernels on 256x256 would otherwise hold 16,384 weight spectra, 5.5 GB, at once); each
  output channel's arithmetic is the same whatever the chunk.  A kernel plane is transformed
  axis by axis, the last axis first, so its zero padding is never materialised.

Memory: :func:`working_set` models the bytes the method holds at once besides the padded input
and the output (input spectra, one chunk); :mod:`refconv.methods` checks it against the budget
of :mod:`refconv.spec` before running.

Accuracy: the result is not exact and not summed in a fixed order; its error is bounded
norm-wise per feature map (see :func:`refconv.error_bound` with ``method="fft"``), not
componentwise, so small outputs next to large ones can have a large relative error.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.fft
import scipy.signal

from .._taps import pad
from ..spec import ConvSpec

__all__ = ["CHUNK_BYTES", "correlate_fft", "working_set"]

#: Bytes of weight spectra, products and inverse transforms one chunk of output channels may hold.
CHUNK_BYTES = 1 << 28


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
    dtype = np.result_type(x, w)
    keep = tuple(slice(0, (g.out - 1) * g.stride + 1, g.stride) for g in spec.axes)
    if _one_plane(x.shape, w.shape):  # one plane (layer batches have more)
        full = scipy.signal.oaconvolve(padded[0, 0, 0], kernel[0, 0, 0], mode="valid")[None, None, None]
        return np.ascontiguousarray(full[(Ellipsis, *keep)], dtype=dtype)
    out = np.empty(x.shape[:2] + w.shape[1:2] + spec.output_shape, dtype=dtype)
    _frequency_domain(padded, kernel, spatial, keep, out, _chunk(x.shape, w.shape, spec, dtype))
    return out


def _one_plane(x_shape: tuple, w_shape: tuple) -> bool:
    return x_shape[0] == x_shape[1] == x_shape[2] == w_shape[1] == 1


def _dilated_flipped(w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """The kernel with ``d-1`` zeros between taps, reversed on every spatial axis."""
    if any(d > 1 for d in spec.dilation):
        dilated = np.zeros(w.shape[:3] + tuple(g.extent for g in spec.axes), dtype=w.dtype)
        dilated[(Ellipsis, *(slice(None, None, d) for d in spec.dilation))] = w
        w = dilated
    return w[(Ellipsis, *(slice(None, None, -1),) * spec.ndim)]


def _lengths(spec: ConvSpec) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Padded input lengths, kernel extents and the fast FFT lengths of their full convolution."""
    in_shape = tuple(g.padded + g.overhang for g in spec.axes)
    k_shape = tuple(g.extent for g in spec.axes)
    fshape = tuple(scipy.fft.next_fast_len(n + k - 1, real=True) for n, k in zip(in_shape, k_shape))
    return in_shape, k_shape, fshape


def _sizes(spec: ConvSpec, dtype: np.dtype) -> tuple[int, int, int, int]:
    """Bytes per plane of: the padded input, a spectrum, an inverse transform, an output."""
    dtype = np.dtype(dtype)
    real = dtype.kind == "f"
    item = dtype.itemsize
    work = max(item, 4 if real else 8)  # scipy.fft computes float16 in float32
    spectral = work * 2 if real else work  # complex of the same precision
    in_shape, _, fshape = _lengths(spec)
    bins = math.prod(fshape[:-1]) * (fshape[-1] // 2 + 1 if real else fshape[-1])
    return item * math.prod(in_shape), spectral * bins, work * math.prod(fshape), item * math.prod(spec.output_shape)


def _chunk(x_shape: tuple, w_shape: tuple, spec: ConvSpec, dtype) -> int:
    """Output channels per chunk: as many as keep the chunk under :data:`CHUNK_BYTES`, at least 1."""
    B, G, Ci, Co = x_shape[0], x_shape[1], x_shape[2], w_shape[1]
    _, spectrum, inverse, _ = _sizes(spec, dtype)
    per_channel = G * (2 * Ci * spectrum + B * spectrum + B * inverse)
    return max(1, min(Co, CHUNK_BYTES // max(per_channel, 1)))


def working_set(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> int:
    """Bytes the FFT method holds at once besides its operands, padded input and output (each
    budgeted on its own by :func:`refconv.spec.check_spec_cells`; see the module docstring).

    The input spectra (twice, while they are transformed) and, at the same time, one chunk:
    its weight spectra (twice), their products with the input spectra and their inverse
    transforms.  One plane (:func:`scipy.signal.oaconvolve`): both operands' spectra and the
    full result.
    """
    dtype = np.result_type(x, w)
    B, G, Ci = x.shape[0], x.shape[1], x.shape[2]
    _, spectrum, inverse, _ = _sizes(spec, dtype)
    if _one_plane(x.shape, w.shape):
        return 2 * spectrum + inverse
    c = _chunk(x.shape, w.shape, spec, dtype)
    inputs = B * G * Ci * spectrum
    chunk = G * c * (2 * Ci * spectrum + B * spectrum + B * inverse)
    return inputs + max(inputs, chunk)


def _spectrum(a: np.ndarray, fshape: tuple[int, ...], axes: tuple[int, ...], real: bool) -> np.ndarray:
    """``rfftn(a, fshape)`` (``fftn`` when complex), axis by axis from the last, so the zero
    padding of the leading axes is added only after the last axis is transformed."""
    out = (scipy.fft.rfft if real else scipy.fft.fft)(a, n=fshape[-1], axis=axes[-1])
    for n, axis in zip(fshape[-2::-1], axes[-2::-1]):
        out = scipy.fft.fft(out, n=n, axis=axis)
    return out


def _frequency_domain(padded, kernel, spatial, keep, out, chunk: int) -> None:
    """Write the stride-subsampled "valid" convolution of ``padded`` and ``kernel`` into ``out``,
    ``chunk`` output channels at a time."""
    in_shape, k_shape = padded.shape[3:], kernel.shape[3:]
    fshape = tuple(scipy.fft.next_fast_len(n + k - 1, real=True) for n, k in zip(in_shape, k_shape))
    real = padded.dtype.kind == "f" and kernel.dtype.kind == "f"
    inverse = scipy.fft.irfftn if real else scipy.fft.ifftn
    # "valid" part of the full convolution: indices k-1 .. n-1, then the stride.
    valid = tuple(slice(k - 1, n) for n, k in zip(in_shape, k_shape))
    X = _spectrum(padded, fshape, spatial, real)  # (B, G, Ci, *F)
    for start in range(0, kernel.shape[1], chunk):
        W = _spectrum(kernel[:, start : start + chunk], fshape, spatial, real)  # (G, c, Ci, *F)
        Y = np.einsum("bgi...,goi...->bgo...", X, W)
        del W
        y = inverse(Y, fshape, axes=spatial)
        del Y
        out[:, :, start : start + chunk] = y[(Ellipsis, *valid)][(Ellipsis, *keep)]
