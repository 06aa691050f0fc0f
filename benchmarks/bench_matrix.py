"""Convolution as a matrix: building ``refconv.conv_matrix`` dense and sparse (CSR).

Peak memory and time of one build, and the stored counts (dense entries, CSR nonzeros) of an
n x n image with a 3x3 kernel, "valid": (n-2)**2 * n**2 entries against 9 (n-2)**2 nonzeros.
Dense is n/a past 2e7 entries.  ``peakmem`` includes the interpreter with NumPy, SciPy and
SymPy imported (~100 MB), the same at every commit.
"""

from __future__ import annotations

import numpy as np

from ._common import Bench, api, rng

SIZES = [32, 64, 256]
FORMATS = ["dense", "sparse"]
DENSE_LIMIT = 2e7


class MatrixBuild(Bench):
    """Build the matrix of an n x n (x) 3x3 valid correlation."""

    params = [FORMATS, SIZES]
    param_names = ["format", "n"]

    def setup(self, fmt, n):
        if fmt == "dense" and ((n - 2) * n) ** 2 > DENSE_LIMIT:
            raise NotImplementedError(f"dense matrix of {((n - 2) * n) ** 2:.1e} entries")
        conv_matrix = api("conv_matrix")
        w = rng(n).standard_normal((3, 3))
        self.build = lambda: conv_matrix(w, (n, n), format=fmt)

    def time_build(self, fmt, n):
        self.build()

    def peakmem_build(self, fmt, n):
        self.build()

    def track_stored(self, fmt, n):
        a = self.build()
        return float(a.nnz if fmt == "sparse" else np.size(a))

    track_stored.unit = "stored numbers"


def timeraw_import_refconv():
    """Wall time of ``import refconv`` in a fresh interpreter."""
    return "import refconv"
