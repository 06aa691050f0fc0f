"""Checks of the oracle: exact float references, rigorous bounds, and the conformance checker."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from . import Check

__all__ = ["CHECKS"]

_SEED = 20261125


def exact_reference() -> str:
    from ..convolution import correlate
    from ..exact import exact

    rng = np.random.default_rng(_SEED)
    count = 0
    for _ in range(6):
        x = rng.standard_normal(9) * 2.0 ** rng.integers(-30, 30, 9)
        w = rng.standard_normal(3)
        as_fraction = np.vectorize(Fraction, otypes=[object])
        frac = correlate(as_fraction(x), as_fraction(w))
        got = exact("correlate", x, w)
        expected = [float(v) for v in frac]  # CPython rounds a Fraction to float64 correctly
        assert got.tolist() == expected, (got.tolist(), expected)
        count += len(expected)
    witness = exact("correlate", np.array([1.0, 2.0**-24, 2.0**-60]), np.ones(3), dtype=np.float32)
    assert witness.tolist() == [1 + 2.0**-23], witness  # through float64 it would be 1.0
    return f"{count} float64 outputs equal Fraction-computed values; 1 + 2**-24 + 2**-60 rounds once to 1 + 2**-23"


def _ratios(impl, x, w, **kw):
    from ..bounds import error_bound
    from ..exact import exact

    e = exact("conv", x, w, dtype=np.float64, **kw)
    b = error_bound(x, w, op="conv", **kw).value
    return np.abs(impl(x, w, **kw).astype(np.float64) - e) / b


def bound_is_useful() -> str:
    from ..layer import conv

    rng = np.random.default_rng(_SEED + 1)
    x = rng.standard_normal((2, 16, 10, 10)).astype(np.float32)
    w = rng.standard_normal((16, 16, 3, 3)).astype(np.float32)
    found = {"refconv direct": _ratios(lambda a, b, **k: conv(a, b, method="direct", **k), x, w, padding=1)}
    from ..adapters import available

    if available("torch"):  # torch is an optional peer, called through its adapter
        from ..adapters.torch import conv as torch_conv

        found["torch"] = _ratios(torch_conv, x, w, padding=1)

    def f16_products(a, b, **k):
        # Products rounded to float16 (as a mis-configured kernel might), summed in float32.
        cols = np.lib.stride_tricks.sliding_window_view(np.pad(a, ((0, 0), (0, 0), (1, 1), (1, 1))), (3, 3), (2, 3))
        prods = np.einsum("ncijkl,ockl->noijckl", cols, b).astype(np.float16).astype(np.float32)
        return prods.reshape(prods.shape[:4] + (-1,)).sum(axis=-1)

    bad = _ratios(f16_products, x, w, padding=1)
    for name, r in found.items():
        assert r.max() <= 1, f"{name}: max |error|/bound = {r.max()}"
    assert bad.max() > 1, f"float16 products not caught: max ratio {bad.max()}"
    parts = [f"{name}: median {np.median(r):.1e}, max {r.max():.1e}" for name, r in found.items()]
    return f"float32 C=16, 3x3 conv, |error|/bound: {'; '.join(parts)}; float16 products: max {bad.max():.0f} (caught)"


def checker_shrinks() -> str:
    from ..conformance import check
    from ..convolution import convolve, correlate

    def direct(x, w, **kw):
        return correlate(x, w, method="direct", **kw)

    ok = check(direct, "correlate", dtype="float64", max_examples=20)
    assert ok.passed, str(ok)
    bad = check(convolve, "correlate", dtype="float64", max_examples=60)
    assert not bad.passed and bad.minimal, str(bad)
    x, w = bad.counterexample.args
    assert x.size == 2 and w.size == 2, str(bad)  # the smallest problem a flip can show on
    return (
        f"refconv passes {ok.examples} examples; a flipped kernel is caught and reduced to a 1-minimal "
        f"counterexample of {bad.counterexample.size} cells (x={x.tolist()}, w={w.tolist()})"
    )


def fast_algorithms() -> str:
    from ..bounds import error_bound
    from ..convolution import correlate
    from ..exact import exact

    rng = np.random.default_rng(_SEED + 2)
    x = rng.standard_normal(512).astype(np.float32)
    x[256:] *= 1e4
    w = rng.standard_normal(15).astype(np.float32)
    e = exact("correlate", x, w, dtype=np.float64)
    y = correlate(x, w, method="fft")
    normwise = error_bound(x, w, op="correlate", method="fft").value
    direct = error_bound(x, w, op="correlate").value
    assert np.linalg.norm(y - e) <= normwise
    broken = float(np.mean(np.abs(y - e) > direct))
    assert broken > 0, "expected the FFT to break the componentwise direct bound somewhere"
    return (
        f"FFT: ||error||/norm-wise bound = {np.linalg.norm(y - e) / normwise:.1e}; "
        f"{100 * broken:.0f}% of outputs exceed the direct (componentwise) bound"
    )


CHECKS = [
    Check(
        "oracle-exact",
        "The exact reference for float inputs is the exact result rounded once (never twice)",
        "eq. 9.6 (float inputs)",
        "exact rationals vs Fractions",
        exact_reference,
    ),
    Check(
        "oracle-bound",
        "Correct float32 convolutions stay within the rigorous bound; float16 products do not",
        "eq. 9.6 (float inputs)",
        "rigorous bound, seeded floats",
        bound_is_useful,
    ),
    Check(
        "oracle-check",
        "The conformance checker passes refconv and reduces a wrong convolution to a 1-minimal counterexample",
        "eq. 9.6",
        "canonical probes + Hypothesis search, deterministic 1-minimal reduction",
        checker_shrinks,
    ),
    Check(
        "oracle-fft",
        "FFT convolution meets its norm-wise bound but not the componentwise direct one",
        "eq. 9.6 (float inputs)",
        "rigorous bound, seeded floats",
        fast_algorithms,
    ),
]
