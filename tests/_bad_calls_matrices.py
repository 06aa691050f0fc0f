"""Bad calls of the matrix builders, structure predicates, circulant eigenvalues and conv_cost."""

import numpy as np
import pytest
import scipy.sparse as sp

from refconv import correlate
from refconv.costs import conv_cost
from refconv.matrices import (
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

w1 = np.array([1, 2])
W2 = np.ones((2, 2), dtype=int)
WL = np.ones((2, 1, 2), dtype=int)  # (C_out=2, C_in/groups=1, k=2)
FIG = np.array([[-1, 1]])


def row(call, exc, match, id):
    return pytest.param(call, exc, match, id=id)


ROWS = [
    # conv_matrix
    row(
        lambda: conv_matrix(w1, (5,), format="csr"),
        ValueError,
        r"conv_matrix: format='csr' is not recognised; expected one of 'dense', 'sparse', 'sympy'",
        "matrix-format",
    ),
    row(
        lambda: conv_matrix(w1, (5,), format="Sparse"),
        ValueError,
        r"format='Sparse' is not recognised \(names are lower case\); expected 'sparse'",
        "matrix-format-case",
    ),
    row(
        lambda: conv_matrix(w1, (5,), format=None),
        TypeError,
        r"conv_matrix: format=None is not a string",
        "matrix-format-none",
    ),
    row(
        lambda: conv_matrix(FIG, (280, 320), format="dense"),
        ValueError,
        r"conv_matrix: format='dense' would build a 89,320 x 89,600 matrix of 8,003,072,000 entries "
        r"\(64,024,576,000 bytes of int64\).*DENSE_LIMIT.*expected format=\"sparse\", which stores 178,640",
        "matrix-dense-figure-9.6",
    ),
    row(
        lambda: conv_matrix(np.ones(1, int), (1005,), format="sympy"),
        ValueError,
        r"conv_matrix: format='sympy' would build .* 1,010,025 entries .*SYMPY_LIMIT.*format=\"sparse\"",
        "matrix-sympy-too-large",
    ),
    row(
        lambda: conv_matrix(w1, (5, 5)),
        ValueError,
        r"conv_matrix: input_shape=\(5, 5\) has 2 axes but w has 1 \(w.shape=\(2,\)\); expected 1 axes",
        "matrix-rank",
    ),
    row(
        lambda: conv_matrix(w1, "abc"),
        TypeError,
        r"conv_matrix: input_shape='abc' is not a shape",
        "matrix-input-shape-str",
    ),
    row(
        lambda: conv_matrix(w1, (0,)),
        ValueError,
        r"conv_matrix: input_shape=\(0,\) has a length 0 < 1",
        "matrix-input-shape-zero",
    ),
    row(
        lambda: conv_matrix(w1, (1,)),
        ValueError,
        r"conv_matrix: w shape \(2,\) does not fit input_shape \(1,\).*\(did you swap input_shape and w\?\)",
        "matrix-kernel-too-long",
    ),
    row(lambda: conv_matrix(5, (1,)), ValueError, r"conv_matrix: w=.* is a scalar", "matrix-scalar-w"),
    row(
        lambda: is_toeplitz(np.zeros((0, 0))),
        ValueError,
        r"^is_toeplitz: A.shape=\(0, 0\) is empty; expected a matrix with at least one row and one column",
        "matrix-toeplitz-empty",
    ),
    row(
        lambda: is_circulant(sp.csr_array((0, 3))),
        ValueError,
        r"^is_circulant: A.shape=\(0, 3\) is empty",
        "matrix-circulant-empty",
    ),
    row(lambda: conv_matrix(None, (1,)), TypeError, r"conv_matrix: w=None is not an array", "matrix-w-none"),
    row(
        lambda: conv_matrix(np.array([1.0, 2.0], dtype=object), (5,)),
        TypeError,
        r"conv_matrix: w=.* holds float 1.0",
        "matrix-w-object-float",
    ),
    row(
        lambda: conv_matrix(w1, (5,), boundary="circular"),
        ValueError,
        r"conv_matrix: boundary='circular' .*'wrap'",
        "matrix-boundary-torch",
    ),
    row(
        lambda: conv_matrix(w1, (5,), stride=0),
        ValueError,
        r"conv_matrix: stride=0 has an entry 0 < 1",
        "matrix-stride",
    ),
    row(lambda: conv_matrix(w1, (5,), mode="same_upper"), ValueError, r"conv_matrix: mode='same_upper'", "matrix-mode"),
    # layer_matrix
    row(
        lambda: layer_matrix(w1, (1, 5)),
        ValueError,
        r"layer_matrix: w=.* has 1 axes; expected \(C_out",
        "matrix-layer-w-rank",
    ),
    row(
        lambda: layer_matrix(WL, (3, 5)),
        ValueError,
        r"layer_matrix: input_shape=\(3, 5\) has C_in = 3 channels but w.shape\[1\] \* groups = 1 \* 1 = 1",
        "matrix-layer-channels",
    ),
    row(
        lambda: layer_matrix(np.ones((3, 1, 2)), (2, 5), groups=2),
        ValueError,
        r"layer_matrix: groups=2 does not divide C_out = w.shape\[0\] = 3",
        "matrix-layer-groups-cout",
    ),
    row(
        lambda: layer_matrix(WL, (2, 5), groups=0),
        ValueError,
        r"layer_matrix: groups=0 is < 1",
        "matrix-layer-groups-zero",
    ),
    row(
        lambda: layer_matrix(WL, (2, 5), groups=1.0),
        TypeError,
        r"layer_matrix: groups=1.0 is not an integer",
        "matrix-layer-groups-float",
    ),
    row(
        lambda: layer_matrix(WL, (1, 5), padding_mode="wrap"),
        ValueError,
        r"layer_matrix: padding_mode='wrap' .*'circular'",
        "matrix-layer-padding-mode",
    ),
    row(
        lambda: layer_matrix(WL, (1, 5), padding="same", stride=2),
        ValueError,
        r"layer_matrix: padding='same' is not supported with stride=\(2,\)",
        "matrix-layer-same-stride",
    ),
    row(
        lambda: layer_matrix(WL, (1, 5, 5)),
        ValueError,
        r"layer_matrix: input_shape=\(1, 5, 5\) has 3 axes but w.shape=\(2, 1, 2\) needs \(C_in, \*spatial\)",
        "matrix-layer-input-rank",
    ),
    row(
        lambda: layer_matrix(np.ones((64, 64, 3, 3), int), (64, 40, 40), padding=1),
        ValueError,
        r"layer_matrix: format='dense' would build a 102,400 x 102,400 matrix of 10,485,760,000 entries",
        "matrix-layer-too-large",
    ),
    # circulants and eigenvalues
    row(
        lambda: doubly_block_circulant(w1, (5,)),
        ValueError,
        r"doubly_block_circulant: w=.* has 1 axes; expected a 2-D kernel \(multilevel_circulant",
        "matrix-dbc-rank",
    ),
    row(
        lambda: multilevel_circulant(W2, (5,)),
        ValueError,
        r"multilevel_circulant: input_shape=\(5,\) has 1 axes but w has 2",
        "matrix-circulant-rank",
    ),
    row(
        lambda: circulant_eigenvalues(W2, (64, 64)),
        ValueError,
        r"circulant_eigenvalues: exact=True would need 524,288 exact SymPy terms .*expected exact=False",
        "matrix-eigen-too-large",
    ),
    row(
        lambda: circulant_eigenvalues(np.ones(2), (4,), exact=True),
        ValueError,
        r"circulant_eigenvalues: exact=True needs an exact w but w has dtype float64",
        "matrix-eigen-float",
    ),
    row(
        lambda: circulant_eigenvalues(w1, (4,), exact="yes"),
        TypeError,
        r"circulant_eigenvalues: exact='yes' is not a bool or None",
        "matrix-eigen-exact-type",
    ),
    # predicates
    row(
        lambda: is_toeplitz(np.ones(3)),
        ValueError,
        r"is_toeplitz: A=.* has 1 axes; expected a 2-D matrix",
        "matrix-pred-1d",
    ),
    row(lambda: is_circulant("abc"), TypeError, r"is_circulant: A='abc' is not a matrix", "matrix-pred-str"),
    row(
        lambda: is_toeplitz(np.array([["a", "b"]])),
        TypeError,
        r"is_toeplitz: A=.* has dtype <U1",
        "matrix-pred-unicode",
    ),
    row(
        lambda: is_doubly_block_toeplitz(np.ones((4, 6)), (3, 3)),
        ValueError,
        r"is_doubly_block_toeplitz: block_shape=\(3, 3\) does not tile A.shape=\(4, 6\)",
        "matrix-pred-block-tile",
    ),
    row(
        lambda: is_doubly_block_circulant(np.ones((4, 6)), (2,)),
        ValueError,
        r"is_doubly_block_circulant: block_shape=\(2,\) has 1 entries",
        "matrix-pred-block-length",
    ),
    row(
        lambda: is_doubly_block_toeplitz(np.ones((4, 6)), "2x3"),
        TypeError,
        r"is_doubly_block_toeplitz: block_shape='2x3' is not a shape",
        "matrix-pred-block-str",
    ),
    row(
        lambda: is_multilevel_toeplitz(np.ones((4, 6)), (2, 2), (6,)),
        ValueError,
        r"is_multilevel_toeplitz: col_shape=\(6,\) has 1 levels but row_shape=\(2, 2\) has 2",
        "matrix-pred-levels",
    ),
    row(
        lambda: is_multilevel_toeplitz(np.ones((4, 6)), (2, 3), (2, 3)),
        ValueError,
        r"is_multilevel_toeplitz: row_shape=\(2, 3\) has product 6 but A has 4 rows",
        "matrix-pred-product",
    ),
    row(
        lambda: is_multilevel_circulant(np.ones((4, 4)), (2, 3)),
        ValueError,
        r"is_multilevel_circulant: shape=\(2, 3\) has product 6 but A has 4 rows",
        "matrix-pred-circulant-shape",
    ),
    # conv_cost and the matrix methods
    row(
        lambda: conv_cost((5,), (6,)),
        ValueError,
        r"conv_cost: kernel_shape \(6,\) does not fit input_shape \(5,\)",
        "matrix-cost-too-long",
    ),
    row(
        lambda: conv_cost((5,), (2, 2)),
        ValueError,
        r"conv_cost: kernel_shape=\(2, 2\) has 2 axes but input_shape=\(5,\) has 1",
        "matrix-cost-rank",
    ),
    row(lambda: conv_cost("5", (2,)), TypeError, r"conv_cost: input_shape='5' is not a shape", "matrix-cost-shape"),
    row(
        lambda: conv_cost((5,), (2,), boundary="zeros"),
        ValueError,
        r"conv_cost: boundary='zeros'",
        "matrix-cost-boundary",
    ),
    row(
        lambda: correlate(np.zeros((280, 320), int), FIG, method="dense"),
        ValueError,
        r"correlate: method='dense' would build .*8,003,072,000 entries.*expected method=\"sparse\" or \"direct\"",
        "matrix-method-dense-too-large",
    ),
    row(
        lambda: conv_matrix(np.ones((1,) * 33), (1,) * 33),
        ValueError,
        r"^conv_matrix: w=<ndarray ndim=33 size=1 dtype=float64> has 33 axes, more than refconv supports; expected "
        r"at most 16 axes",
        "matrix-rank-33",
    ),
]
