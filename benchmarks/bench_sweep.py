"""Where each method wins: n x n float64 images, n = 16..512, k x k kernels, ``mode="valid"``.

``direct`` costs ~k**2 passes over the image; ``dense`` is one GEMV with an (n-k+1)**2 x n**2
matrix (built once per spec and cached by refconv, so only the product is timed); ``sparse`` a
CSR product with k**2 (n-k+1)**2 nonzeros; ``fft`` ~n**2 log n independent of k.  ``auto``
should track the fastest.  Dense is n/a past 2e7 matrix entries (160 MB): it has lost by then.
"""

from __future__ import annotations

from ._common import Bench, api, probe, rng

SIZES = [16, 32, 64, 128, 256, 512]
KERNELS = [3, 9]
METHODS = ["direct", "dense", "sparse", "fft", "auto"]
DENSE_LIMIT = 2e7


class Sweep(Bench):
    """Time of one n x n (x) k x k valid correlation by each method."""

    params = [METHODS, SIZES, KERNELS]
    param_names = ["method", "n", "kernel"]
    warmup_time = 0.05

    def setup(self, method, n, k):
        if method == "dense" and ((n - k + 1) * n) ** 2 > DENSE_LIMIT:
            raise NotImplementedError(f"dense matrix of {((n - k + 1) * n) ** 2:.1e} entries")
        r = rng(n + k)
        x, w = r.standard_normal((n, n)), r.standard_normal((k, k))
        correlate = api("correlate")
        # The first call builds and caches a matrix method's operator; timing starts after it.
        probe(correlate, x, w, method=method)
        self.f = lambda: correlate(x, w, method=method)

    def time_sweep(self, method, n, k):
        self.f()
