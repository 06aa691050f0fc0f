"""Fast algorithms: the FFT bound (norm-wise per feature map) and the Winograd bound (componentwise)."""

from __future__ import annotations

__all__ = ["WINOGRAD"]

import math
from fractions import Fraction

import numpy as np

from .._validation import check_choice, fail
from .direct import _SAFETY, Bound
from .formats import gamma

#: Lavin & Gray (CVPR 2016) transforms ``(AT, G, BT)`` for correlation: ``y = AT[(G g) * (BT d)]``.
WINOGRAD = {
    "F(2,3)": (
        ((1, 1, 1, 0), (0, 1, -1, -1)),
        ((1, 0, 0), (0.5, 0.5, 0.5), (0.5, -0.5, 0.5), (0, 0, 1)),
        ((1, 0, -1, 0), (0, 1, 1, 0), (0, -1, 1, 0), (0, 1, 0, -1)),
    ),
    "F(4,3)": (
        ((1, 1, 1, 1, 1, 0), (0, 1, -1, 2, -2, 0), (0, 1, 1, 4, 4, 0), (0, 1, -1, 8, -8, 1)),
        (
            (1 / 4, 0, 0),
            (-1 / 6, -1 / 6, -1 / 6),
            (-1 / 6, 1 / 6, -1 / 6),
            (1 / 24, 1 / 12, 1 / 6),
            (1 / 24, -1 / 12, 1 / 6),
            (0, 0, 1),
        ),
        (
            (4, 0, -5, 0, 1, 0),
            (0, -4, -4, 1, 1, 0),
            (0, 4, -4, -1, 1, 0),
            (0, -2, -1, 2, 1, 0),
            (0, 2, -1, -2, 1, 0),
            (0, 4, 0, -5, 0, 1),
        ),
    ),
}


def _channel_form(func: str, form, ops, kwargs):
    """``(x_padded (N, C_in, *P), w (C_out, C_in/g, *K), groups, spec, lead)`` for a bilinear op.

    The padding (with its boundary copies) comes from the op's own spec and :func:`refconv._taps.pad`;
    ``lead`` is the leading shape of the op's output (feature maps).
    """
    from .._taps import pad
    from ..spec import plain_spec

    x, w, bias = ops
    if form.name in ("correlate", "convolve"):
        spec = plain_spec(form.function, x.shape, w.shape, **kwargs)
        xs, ws, groups, lead = x[None, None], (np.flip(w) if form.name == "convolve" else w)[None, None], 1, ()
    elif form.name == "conv":
        from ..layer import _conv_call

        call = _conv_call(form.function, x, w, bias, **kwargs)
        xs, ws, spec, groups = call.x, call.w, call.spec, call.groups
        lead = (xs.shape[0], w.shape[0]) if call.batched else (w.shape[0],)
    else:
        raise fail(func, "op", form.name, "has no fast-algorithm bound", "'conv', 'correlate' or 'convolve'")
    padded = pad(np.abs(xs.astype(np.float64)), spec, tuple(range(2, 2 + spec.ndim)))
    return padded, np.abs(ws.astype(np.float64)), groups, spec, lead


def _grouped(a: np.ndarray, groups: int) -> np.ndarray:
    """``(N, C, ...)`` -> ``(N, G, C/G, ...)``."""
    return a.reshape(a.shape[:1] + (groups, a.shape[1] // groups) + a.shape[2:])


def _norm2(a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """2-norms over ``axes``, each scaled by a power of two at least its largest entry (exact), so
    that squaring neither overflows near the range nor underflows subnormals away."""
    top = np.abs(a).max(axis=axes, keepdims=True, initial=0.0)
    scale = np.ldexp(1.0, np.frexp(top)[1])  # 2**e > top (1 for an all-zero map)
    return (np.sqrt(((a / scale) ** 2).sum(axis=axes, keepdims=True)) * scale).squeeze(axes)


def _fft(form, ops, kwargs, arith) -> Bound:
    func = "error_bound"
    xp, w, groups, spec, lead = _channel_form(func, form, ops, kwargs)
    u = arith.accumulate.u(arith.accumulate_rounding)
    nd = spec.ndim
    axes = tuple(range(2, 2 + nd))
    t = sum(math.ceil(math.log2(max(2, g.padded + g.extent - 1))) for g in spec.axes)  # full linear length
    eta = u + float(gamma(4, u)) * (math.sqrt(2) + u)
    c_n = t * eta / (1 - t * eta)
    x2, x1 = _norm2(xp, axes), xp.sum(axis=axes)  # (N, C_in)
    w2, w1 = _norm2(w, axes), w.sum(axis=axes)  # (C_out, C_in/g)
    wg2, wg1 = _grouped(w2[None], groups)[0], _grouped(w1[None], groups)[0]  # (G, C_out/g, C_in/g)
    s = np.einsum("ngc,goc->ngo", _grouped(x2, groups), wg1) + np.einsum("ngc,goc->ngo", _grouped(x1, groups), wg2)
    s = s.reshape(s.shape[0], -1)  # (N, C_out)
    c = w.shape[1]
    value = (3 * c_n + math.sqrt(5) * u + float(gamma(c, u))) * s
    bias = ops[2]
    if bias is not None:
        # One more rounding per output: u (||y||_2 + sqrt(O) |b|), and ||y||_2 <= ||x||_1 ||w||_2 (Young) [derived].
        outputs = math.prod(spec.output_shape)
        value = (1 + u) * value + u * (s + math.sqrt(outputs) * np.abs(np.asarray(bias, np.float64))[None])
    size = xp.size + w.size + 10
    value = value * (1 + size * 2.0**-52) * _SAFETY
    # Every intermediate of the transforms, the channel sum and the unscaled inverse is at most
    # 2**t * sum_c ||x_c||_1 ||w_c||_1 in magnitude; where that (with a margin of 4) can pass the
    # accumulator's range, an FFT may overflow to inf with a finite exact result: no finite bound.
    reach = np.einsum("ngc,goc->ngo", _grouped(x1, groups), wg1).reshape(s.shape)
    with np.errstate(over="ignore"):
        overflow = reach * 2.0**t * 4 >= arith.accumulate.realmax
    value = np.where(overflow, np.inf, value).reshape(lead)
    source = (
        "norm-wise, radix-2 Cooley-Tukey (Higham 2002 Thm 24.2); linear convolution through a zero-padded FFT "
        "[derived], notes §2.1"
    )
    assumptions = (
        "model bound for mixed-radix, real-input or overlap-add FFTs (pocketfft, cuFFT)",
        f"twiddle error mu = u; t = {t} radix-2 stages",
        "per feature map: ||y^ - y||_2 over the map's outputs",
        "no underflow; a map whose intermediates may reach the accumulator's range has bound inf",
    )
    return Bound(np.asarray(value), "normwise", "fft", arith, source, assumptions, dict(c_N=c_n, t=t, S=s))


def _dyadic(v: float) -> bool:
    """Whether ``v`` is meant as a dyadic rational (1/2, 1/4) rather than a rounded 1/6 or 1/24."""
    den = Fraction(v).limit_denominator(2**20).denominator
    return den & (den - 1) == 0


def _winograd_transform(func: str, spec, transform) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(AT, G, BT)`` as float64 arrays: the named or given transform, checked against the problem."""
    nd = spec.ndim
    if nd > 2 or any(g.stride != 1 or g.dilation != 1 for g in spec.axes):
        raise fail(
            func,
            "method",
            "winograd",
            f"is bounded here for 1-D/2-D, stride 1, dilation 1 only (got {spec})",
            "method='direct' or 'fft' for this problem",
        )
    if transform is None:
        if any(k != 3 for k in spec.kernel_shape):
            raise fail(
                func,
                "transform",
                transform,
                f"has no default for kernel {spec.kernel_shape}",
                "the (AT, G, BT) matrices the implementation uses",
            )
        transform = "F(2,3)"
    if isinstance(transform, str):
        transform = WINOGRAD[check_choice(func, "transform", transform, tuple(WINOGRAD))]
    at, g_mat, bt = (np.asarray(m, dtype=np.float64) for m in transform)
    m_out, r = at.shape[0], g_mat.shape[1]
    alpha = m_out + r - 1
    if at.shape[1] != alpha or g_mat.shape[0] != alpha or bt.shape != (alpha, alpha):
        shapes = f"with shapes AT {at.shape}, G {g_mat.shape}, BT {bt.shape}"
        raise fail(
            func,
            "transform",
            "(AT, G, BT)",
            f"{shapes} is inconsistent",
            "AT (m, m+r-1), G (m+r-1, r), BT (m+r-1, m+r-1)",
        )
    if any(k != r for k in spec.kernel_shape):
        raise fail(
            func,
            "transform",
            transform,
            f"is for kernels of {r} taps, not {spec.kernel_shape}",
            "matching transform matrices",
        )
    return at, g_mat, bt


def _winograd_magnitude(xp, w, groups: int, spec, at, g_mat, bt) -> np.ndarray:
    """``|AT| [sum_c (|G||g_c||G|^T) . (|BT||d_c||BT|^T)] |AT|^T`` per output, ``(N, C_out, *out)``."""
    nd = spec.ndim
    m_out, r = at.shape[0], g_mat.shape[1]
    alpha = m_out + r - 1
    # Tiles of m outputs: zero-extend the padded input to whole tiles, as implementations do.
    outs = [g.out for g in spec.axes]
    tiles = [-(-o // m_out) for o in outs]
    ext = np.zeros(xp.shape[:2] + tuple(t * m_out + r - 1 for t in tiles))
    ext[(Ellipsis, *(slice(0, n) for n in xp.shape[2:]))] = xp
    d = ext
    for axis in range(nd):
        d = np.lib.stride_tricks.sliding_window_view(d, alpha, axis=2 + axis)
        d = d[(slice(None),) * (2 + axis) + (slice(None, None, m_out),)]
    # d: (N, C, T1[, T2], alpha[, alpha]).  Transform magnitudes: |BT| |d| |BT|^T and |G| |g| |G|^T.
    abt, ag, aat = np.abs(bt), np.abs(g_mat), np.abs(at)
    letters = "ab"[:nd]
    V, U = d, w
    for i in range(nd):
        V = np.moveaxis(np.tensordot(V, abt, axes=([V.ndim - nd + i], [1])), -1, V.ndim - nd + i)
        U = np.moveaxis(np.tensordot(U, ag, axes=([U.ndim - nd + i], [1])), -1, U.ndim - nd + i)
    tl = "tu"[:nd]
    Vg = _grouped(V, groups)  # (N, G, Cg, T.., alpha..)
    Ug = U.reshape((groups, U.shape[0] // groups) + U.shape[1:])  # (G, Cout/g, Cg, alpha..)
    S = np.einsum(f"ngc{tl}{letters},goc{letters}->ngo{tl}{letters}", Vg, Ug)
    Y = S
    for i in range(nd):
        Y = np.moveaxis(np.tensordot(Y, aat, axes=([Y.ndim - nd + i], [1])), -1, Y.ndim - nd + i)
    # (N, G, Co, T1[, T2], m[, m]) -> (N, C_out, T1*m[, T2*m]) cropped to the output.
    order = [0, 1, 2] + [p for i in range(nd) for p in (3 + i, 3 + nd + i)]
    Y = Y.transpose(order).reshape((Y.shape[0], -1) + tuple(t * m_out for t in tiles))
    Y = Y[(Ellipsis, *(slice(0, o) for o in outs))]
    return Y


def _winograd(form, ops, kwargs, arith, transform) -> Bound:
    func = "error_bound"
    xp, w, groups, spec, lead = _channel_form(func, form, ops, kwargs)
    nd = spec.ndim
    at, g_mat, bt = _winograd_transform(func, spec, transform)
    m_out, r = at.shape[0], g_mat.shape[1]
    alpha = m_out + r - 1
    k_a, k_g, k_b = (int(np.count_nonzero(m, axis=1).max()) for m in (at, g_mat, bt))
    rho_g = int(not all(_dyadic(v) for v in g_mat.ravel()))
    c = w.shape[1]
    K = nd * (k_a + k_g + k_b) + c + 1 + rho_g
    u = arith.accumulate.u(arith.accumulate_rounding)
    Y = _winograd_magnitude(xp, w, groups, spec, at, g_mat, bt)
    value = float(gamma(K, u)) * Y * (1 + (c + 4 * alpha * nd + 10) * 2.0**-52) * _SAFETY
    bias = ops[2]
    if bias is not None:
        # A bias added after the transform: one more rounding of |y + b| <= Y + |b| [derived].
        b = np.abs(np.asarray(bias, np.float64)).reshape((-1,) + (1,) * nd)
        value = (1 + u) * value + u * (Y + b) * _SAFETY
    value = value.reshape(lead + value.shape[2:])  # lead () drops the single (N, C) of a plain correlation
    source = (
        "componentwise Winograd bound [derived] from fl(Mv) = (M + dM)v, |dM| <= gamma_k|M| (Higham §3.5), notes §2.2"
    )
    assumptions = (
        f"transforms as given (m={m_out}, r={r}); K = {K}",
        "transform-domain sum over channels",
        "no underflow or overflow in the transforms",
    )
    return Bound(value, "componentwise", "winograd", arith, source, assumptions, dict(K=K, magnitude=Y))
