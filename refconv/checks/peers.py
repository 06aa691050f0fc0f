"""Checks of the installed peers: each adapter on a few generated problems, and each recorded finding.

A peer that is not installed passes as skipped, with a note.  A finding's check asserts that the
peer still behaves as the README records; if a peer fixes it, the check fails so that the record
is updated.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .. import adapters
from ..exact import OPS
from . import Check

__all__ = ["CHECKS"]

#: problems per adapter and dtype; JAX compiles each new shape (~0.1 s), so it gets fewer.
_EXAMPLES = {"jax": 2}
_METHOD = "refconv.adapters.check: generated problems, exact reference, rigorous bound (known findings avoided)"


def _quiet_torch(run: Callable[[], str]) -> str:
    """Run with torch on one thread when it is loaded: tiny tensors, shared cores."""
    import sys
    import warnings

    torch = sys.modules.get("torch")
    threads = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(1)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Using padding='same'")
            return run()
    finally:
        if torch is not None:
            torch.set_num_threads(threads)


def _peer_check(peer: str) -> Callable[[], str]:
    def run() -> str:
        if not adapters.available(peer):
            return f"SKIPPED: {peer} is not installed (pip install {' '.join(adapters.PEERS[peer][0])})"
        if peer == "cupy" and not adapters.cupy.devices():  # cupy computes only on a CUDA device
            return "SKIPPED: cupy is installed but sees no CUDA device"

        examples = _EXAMPLES.get(peer, 4)

        def each() -> str:
            done = []
            for a in adapters.adapters(peer):
                if a.op not in OPS:
                    continue
                dtypes = [d for d in ("float32", "float64") if d in a.dtypes]
                for dtype in dtypes:
                    r = adapters.check(a.name, dtype=dtype, max_examples=examples, seed=1, skip_known=True)
                    assert r.passed, str(r).splitlines()[:4]
                done.append(f"{a.name.split('.', 1)[1]} ({'/'.join(d.replace('float', 'f') for d in dtypes)})")
            return f"{peer}: conforms on {examples} problems per dtype: " + ", ".join(done)

        return _quiet_torch(each)

    return run


def scipy_1968() -> str:
    # Even kernel, one pair of operands: correlate's "same" pads one cell before, correlate2d's after.
    import scipy.signal

    x, w = np.arange(1.0, 10.0).reshape(3, 3), np.array([[1.0, 2.0], [3.0, 4.0]])
    a, b = scipy.signal.correlate(x, w, mode="same"), scipy.signal.correlate2d(x, w, mode="same")
    assert a[0, 0] == 4 * 1 and b[0, 0] == 1 * 1 + 2 * 2 + 3 * 4 + 4 * 5, (a, b)
    from ..conventions import same_pads

    assert same_pads("scipy.signal", (3, 3), (2, 2)) == ((1, 0), (1, 0))
    assert same_pads("scipy.correlate2d", (3, 3), (2, 2)) == ((0, 1), (0, 1))
    return f"correlate 'same'[0,0] = {a[0, 0]:g}, correlate2d 'same'[0,0] = {b[0, 0]:g} (scipy#1968)"


def ndimage_tiny_weights() -> str:
    x, w = np.array([2.0**60]), np.array([2.0**-60])
    got = adapters.scipy.ndimage_correlate(x, w, mode="same")[0]
    assert got == 0.0, got  # the exact product is 1
    return f"ndimage.correlate([2**60], [2**-60]) = {got:g}, exact 1 ({adapters.scipy.TINY_WEIGHTS.link})"


def torch_lp_pool() -> str:
    if not adapters.available("torch"):
        return "SKIPPED: torch is not installed"
    from ..pooling import lp_pool, lp_pool_torch

    def run() -> str:
        x = np.array([[3.0, 4.0, 2.0, 2.0, 5.0]])
        got = adapters.torch.lp_pool(x, 2, 2, ceil_mode=True)
        assert np.allclose(got, lp_pool_torch(x, 2, 2, ceil_mode=True), rtol=1e-15, atol=0)
        assert math.isclose(got[0, 2], math.sqrt(2 * 25), rel_tol=1e-15) and lp_pool(x, 2, 2, ceil_mode=True)[0, 2] == 5
        signed = adapters.torch.lp_pool(np.array([[-1.0, 2.0, -3.0, 4.0]]), 1, 2)
        assert signed.tolist() == [[1.0, 1.0]], signed
        return (
            f"torch = lp_pool_torch; vs the norm: ceil window [5] -> {got[0, 2]:.4f} (norm 5), p=1 [-1,2] -> 1 (norm 3)"
        )

    return _quiet_torch(run)


def xla_subnormals() -> str:
    if not adapters.available("jax"):
        return "SKIPPED: jax is not installed"
    tiny = 2.0**-1040
    got = adapters.jax.conv(np.array([[[1.0]]]), np.array([[[tiny]]]))[0, 0, 0]
    assert got == 0.0, got
    return f"lax.conv_general_dilated([1.0], [2**-1040]) = {got:g} ({adapters.jax.SUBNORMALS.link})"


CHECKS = [
    Check(
        f"peer-{peer}",
        f"every {peer} adapter ({adapters.PEERS[peer][1]}) gives results within refconv's bound",
        "eq. 9.4-9.6, §9.3",
        _METHOD,
        _peer_check(peer),
    )
    for peer in adapters.PEERS
] + [
    Check(
        "finding-scipy-1968",
        "scipy.signal.correlate2d's 'same' splits an even kernel's padding unlike scipy.signal.correlate's",
        "eq. 9.6 (zero padding, §9.5)",
        "hand case A = 1..9, K = [[1,2],[3,4]] and the conventions map",
        scipy_1968,
    ),
    Check(
        "finding-ndimage-tiny-weights",
        "scipy.ndimage.correlate treats weights with |w| <= 2**-52 as zero",
        "eq. 9.6",
        "exact product 2**60 * 2**-60 = 1",
        ndimage_tiny_weights,
    ),
    Check(
        "finding-torch-lp-pool",
        "torch's lp_pool is lp_pool_torch (no abs, ceil windows scaled by K), not the p-norm",
        "§9.3 (L2 norm pooling)",
        "hand cases against refconv.pooling.lp_pool_torch and refconv.lp_pool",
        torch_lp_pool,
    ),
    Check(
        "finding-xla-subnormals",
        "XLA on CPU flushes subnormals to zero in convolutions",
        "eq. 9.4",
        "1 * 2**-1040 (exact, subnormal)",
        xla_subnormals,
    ),
]
