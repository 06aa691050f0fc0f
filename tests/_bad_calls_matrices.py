"""Bad calls of refconv.matrices: the builders, the structure predicates and circulant eigenvalues.

Rows built with ``exactly(...)`` pin the whole message: the problem and the "expected" part too, so that
a message that loses its function name, its hint or its advice fails.  Each is written out from the
documented format ``<function>: <param>=<value!r> <what is wrong>; expected <what is allowed>``."""

import numpy as np
import scipy.sparse as sp
from _bad_calls_row import bad, exactly

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
_RAGGED = (
    "setting an array element with a sequence. The requested array has an inhomogeneous shape after 1 "
    "dimensions. The detected shape was (2,) + inhomogeneous part."
)
_SCALAR = "w=<ndarray shape=() dtype=int64> is a scalar; expected an array with at least one axis"
W33 = np.ones((2, 2), dtype=int)  # a 2-D kernel for a (3, 3) input
W33_MIXED = W33.astype(object)
W33_MIXED[-1, -1] = 0.5  # ints and one float: an object array that is neither exact nor float
WL1 = np.ones((1, 1, 2), dtype=int)  # (C_out=1, C_in=1, k=2) for a (1, 3) input
WL1_MIXED = WL1.astype(object)
WL1_MIXED[-1, -1, -1] = 0.5
_NOT_ARRAY = "is not an array; expected an array of numbers"
_BOOL = "is a bool array; expected numbers (cast with .astype(int) for 0/1)"
_MIXED = "holds float 0.5; expected an object array of int, Fraction or SymPy expressions (or a float dtype)"
_CSR = "format='csr' is not recognised; expected one of 'dense', 'sparse', 'sympy'"
try:
    SPARSE_3D = sp.coo_array(np.ones((2, 2, 2)))
except (TypeError, ValueError):  # scipy < 1.15 has no N-d sparse arrays
    SPARSE_3D = None

ROWS = [
    # conv_matrix
    bad(conv_matrix, w1, (5,), format="csr")
    >> (ValueError, r"conv_matrix: format='csr' is not recognised; expected one of 'dense', 'sparse', 'sympy'"),
    bad(conv_matrix, w1, (5,), format="Sparse")
    >> (ValueError, r"format='Sparse' is not recognised \(names are lower case\); expected 'sparse'"),
    bad(conv_matrix, w1, (5,), format=None) >> (TypeError, r"conv_matrix: format=None is not a string"),
    bad(conv_matrix, FIG, (280, 320), format="dense")
    >> (
        ValueError,
        r"conv_matrix: format='dense' would build a 89,320 x 89,600 matrix of 8,003,072,000 entries "
        r"\(64,024,576,000 bytes of int64\).*DENSE_LIMIT.*expected format=\"sparse\", which stores 178,640",
    ),
    bad(conv_matrix, np.ones(1, int), (1005,), format="sympy")
    >> (ValueError, r"conv_matrix: format='sympy' would build .* 1,010,025 entries .*SYMPY_LIMIT.*format=\"sparse\""),
    bad(conv_matrix, w1, (5, 5))
    >> (ValueError, r"conv_matrix: input_shape=\(5, 5\) has 2 axes but w has 1 \(w.shape=\(2,\)\); expected 1 axes"),
    bad(conv_matrix, w1, "abc") >> (TypeError, r"conv_matrix: input_shape='abc' is not a shape"),
    bad(conv_matrix, w1, (0,)) >> (ValueError, r"conv_matrix: input_shape=\(0,\) has a length 0 < 1"),
    bad(conv_matrix, w1, (1,))
    >> (
        ValueError,
        r"conv_matrix: w shape \(2,\) does not fit input_shape \(1,\).*\(did you swap input_shape and w\?\)",
    ),
    bad(conv_matrix, 5, (1,)) >> (ValueError, r"conv_matrix: w=.* is a scalar"),
    bad(is_toeplitz, np.zeros((0, 0)))
    >> (ValueError, r"^is_toeplitz: A.shape=\(0, 0\) is empty; expected a matrix with at least one row and one column"),
    bad(is_circulant, sp.csr_array((0, 3))) >> (ValueError, r"^is_circulant: A.shape=\(0, 3\) is empty"),
    bad(conv_matrix, None, (1,)) >> (TypeError, r"conv_matrix: w=None is not an array"),
    bad(conv_matrix, np.array([1.0, 2.0], dtype=object), (5,)) >> (TypeError, r"conv_matrix: w=.* holds float 1.0"),
    bad(conv_matrix, w1, (5,), boundary="circular") >> (ValueError, r"conv_matrix: boundary='circular' .*'wrap'"),
    bad(conv_matrix, w1, (5,), stride=0) >> (ValueError, r"conv_matrix: stride=0 has an entry 0 < 1"),
    bad(conv_matrix, w1, (5,), mode="same_upper") >> (ValueError, r"conv_matrix: mode='same_upper'"),
    # layer_matrix
    bad(layer_matrix, w1, (1, 5)) >> (ValueError, r"layer_matrix: w=.* has 1 axes; expected \(C_out"),
    bad(layer_matrix, WL, (3, 5))
    >> (
        ValueError,
        r"layer_matrix: input_shape=\(3, 5\) has C_in = 3 channels but w.shape\[1\] \* groups = 1 \* 1 = 1",
    ),
    bad(layer_matrix, np.ones((3, 1, 2)), (2, 5), groups=2)
    >> (ValueError, r"layer_matrix: groups=2 does not divide C_out = w.shape\[0\] = 3"),
    bad(layer_matrix, WL, (2, 5), groups=0) >> (ValueError, r"layer_matrix: groups=0 is < 1"),
    bad(layer_matrix, WL, (2, 5), groups=1.0) >> (TypeError, r"layer_matrix: groups=1.0 is not an integer"),
    bad(layer_matrix, WL, (1, 5), padding_mode="wrap")
    >> (ValueError, r"layer_matrix: padding_mode='wrap' .*'circular'"),
    bad(layer_matrix, WL, (1, 5), padding="same", stride=2)
    >> (ValueError, r"layer_matrix: padding='same' is not supported with stride=\(2,\)"),
    bad(layer_matrix, WL, (1, 5, 5))
    >> (
        ValueError,
        r"layer_matrix: input_shape=\(1, 5, 5\) has 3 axes but w.shape=\(2, 1, 2\) needs \(C_in, \*spatial\)",
    ),
    bad(layer_matrix, np.ones((64, 64, 3, 3), int), (64, 40, 40), padding=1)
    >> (ValueError, r"layer_matrix: format='dense' would build a 102,400 x 102,400 matrix of 10,485,760,000 entries"),
    # circulants and eigenvalues
    bad(doubly_block_circulant, w1, (5,))
    >> (ValueError, r"doubly_block_circulant: w=.* has 1 axes; expected a 2-D kernel \(multilevel_circulant"),
    bad(multilevel_circulant, W2, (5,))
    >> (ValueError, r"multilevel_circulant: input_shape=\(5,\) has 1 axes but w has 2"),
    bad(circulant_eigenvalues, W2, (64, 64))
    >> (ValueError, r"circulant_eigenvalues: exact=True would need 524,288 exact SymPy terms .*expected exact=False"),
    bad(circulant_eigenvalues, np.ones(2), (4,), exact=True)
    >> (ValueError, r"circulant_eigenvalues: exact=True needs an exact w but w has dtype float64"),
    bad(circulant_eigenvalues, w1, (4,), exact="yes")
    >> (TypeError, r"circulant_eigenvalues: exact='yes' is not a bool or None"),
    # predicates
    bad(is_toeplitz, np.ones(3)) >> (ValueError, r"is_toeplitz: A=.* has 1 axes; expected a 2-D matrix"),
    bad(is_circulant, "abc") >> (TypeError, r"is_circulant: A='abc' is not a matrix"),
    bad(is_toeplitz, np.array([["a", "b"]])) >> (TypeError, r"is_toeplitz: A=.* has dtype <U1"),
    bad(is_doubly_block_toeplitz, np.ones((4, 6)), (3, 3))
    >> (ValueError, r"is_doubly_block_toeplitz: block_shape=\(3, 3\) does not tile A.shape=\(4, 6\)"),
    bad(is_doubly_block_circulant, np.ones((4, 6)), (2,))
    >> (ValueError, r"is_doubly_block_circulant: block_shape=\(2,\) has 1 entries"),
    bad(is_doubly_block_toeplitz, np.ones((4, 6)), "2x3")
    >> (TypeError, r"is_doubly_block_toeplitz: block_shape='2x3' is not a shape"),
    bad(is_multilevel_toeplitz, np.ones((4, 6)), (2, 2), (6,))
    >> (ValueError, r"is_multilevel_toeplitz: col_shape=\(6,\) has 1 levels but row_shape=\(2, 2\) has 2"),
    bad(is_multilevel_toeplitz, np.ones((4, 6)), (2, 3), (2, 3))
    >> (ValueError, r"is_multilevel_toeplitz: row_shape=\(2, 3\) has product 6 but A has 4 rows"),
    bad(is_multilevel_circulant, np.ones((4, 4)), (2, 3))
    >> (ValueError, r"is_multilevel_circulant: shape=\(2, 3\) has product 6 but A has 4 rows"),
    bad(conv_matrix, np.ones((1,) * 33), (1,) * 33)
    >> (
        ValueError,
        r"^conv_matrix: w=<ndarray ndim=33 size=1 dtype=float64> has 33 axes, more than refconv supports; expected "
        r"at most 16 axes",
    ),
    bad(conv_matrix, np.ones(3), (10**9,), format="sparse")
    >> (
        ValueError,
        r"^conv_matrix: input_shape=\(1000000000,\) needs an index table \(outputs x taps\) of shape "
        r"\(999999998, 3\), 2,999,999,994 cells",
    ),
    bad(layer_matrix, np.ones((2, 1, 3)), (1, 10**9), format="sparse")
    >> (
        ValueError,
        r"^layer_matrix: input_shape=\(1000000000,\) needs an index table \(outputs x taps\) of shape "
        r"\(1999999996, 3\)",
    ),
    bad(doubly_block_circulant, np.ones((2, 2)), (10**5, 10**5), format="sparse")
    >> (ValueError, r"^doubly_block_circulant: input_shape=\(100000, 100000\) needs an index table"),
    bad(circulant_eigenvalues, np.ones(3), (10**9,), exact=False)
    >> (ValueError, r"^circulant_eigenvalues: input_shape=\(1000000000,\) needs an index table"),
    bad(circulant_eigenvalues, np.array([10**400], dtype=object), (1,), exact=False)
    >> (ValueError, r"^circulant_eigenvalues: exact=False needs w as complex floats"),
    # ---- matrices
    bad(conv_matrix, 5, (3,)) >> (ValueError, exactly(f"conv_matrix: {_SCALAR}")),
    bad(multilevel_circulant, 5, (3,)) >> (ValueError, exactly(f"multilevel_circulant: {_SCALAR}")),
    bad(circulant_eigenvalues, 5, (3,)) >> (ValueError, exactly(f"circulant_eigenvalues: {_SCALAR}")),
    bad(doubly_block_circulant, [1, 2], (3,))
    >> (
        ValueError,
        exactly(
            "doubly_block_circulant: w=<ndarray shape=(2,) dtype=int64> has 1 axes; expected a 2-D kernel "
            "(multilevel_circulant takes any rank)"
        ),
    ),
    bad(circulant_eigenvalues, [1, 2], (3,), exact="yes")
    >> (TypeError, exactly("circulant_eigenvalues: exact='yes' is not a bool or None; expected True, False or None")),
    bad(circulant_eigenvalues, np.array([1.5, 2.0]), (3,), exact=True)
    >> (
        ValueError,
        exactly(
            "circulant_eigenvalues: exact=True needs an exact w but w has dtype float64; expected exact=False, "
            "or w as integers or an object array of Fractions"
        ),
    ),
    bad(circulant_eigenvalues, [1, 2], (3, 3))
    >> (
        ValueError,
        exactly("circulant_eigenvalues: input_shape=(3, 3) has 2 axes but w has 1 (w.shape=(2,)); expected 1 axes"),
    ),
    bad(layer_matrix, [[1, 2]], (1, 3))
    >> (
        ValueError,
        exactly(
            "layer_matrix: w=<ndarray shape=(1, 2) dtype=int64> has 2 axes; expected (C_out, C_in // groups, "
            "*kernel) with at least 3 axes"
        ),
    ),
    bad(layer_matrix, WL1, (1, 3), groups=1.5)
    >> (TypeError, exactly("layer_matrix: groups=1.5 is not an integer; expected an int >= 1")),
    bad(layer_matrix, WL1, (1, 3), groups=0)
    >> (ValueError, exactly("layer_matrix: groups=0 is < 1; expected an int >= 1")),
    bad(layer_matrix, np.ones((3, 1, 2)), (2, 3), groups=2)
    >> (
        ValueError,
        exactly("layer_matrix: groups=2 does not divide C_out = w.shape[0] = 3; expected a divisor of C_out and C_in"),
    ),
    bad(layer_matrix, np.ones((2, 1, 2)), (3, 3), groups=2)
    >> (
        ValueError,
        exactly(
            "layer_matrix: input_shape=(3, 3) has C_in = 3 channels but w.shape[1] * groups = 1 * 2 = 2; expected "
            "C_in == w.shape[1] * groups"
        ),
    ),
    bad(layer_matrix, WL1, (1, 3), padding_mode="constant")
    >> (
        ValueError,
        exactly(
            "layer_matrix: padding_mode='constant' is not a refconv name (numpy's 'constant' is torch's 'zeros'); "
            "expected one of 'zeros', 'reflect', 'replicate', 'circular'"
        ),
    ),
    bad(layer_matrix, WL1, (3,))
    >> (
        ValueError,
        exactly(
            "layer_matrix: input_shape=(3,) has 1 axes but w.shape=(1, 1, 2) needs (C_in, *spatial) with 1 spatial "
            "axes; expected 2 axes"
        ),
    ),
    bad(is_toeplitz, "abc")
    >> (
        TypeError,
        exactly("is_toeplitz: A='abc' is not a matrix; expected a 2-D NumPy array, scipy.sparse array or SymPy matrix"),
    ),
    bad(is_toeplitz, [[1, 2], [3]])
    >> (
        TypeError,
        exactly(f"is_toeplitz: A=[[1, 2], [3]] is not a rectangular matrix ({_RAGGED}); expected a 2-D matrix"),
    ),
    bad(is_circulant, np.ones((2, 2, 2)))
    >> (
        ValueError,
        exactly("is_circulant: A=<ndarray shape=(2, 2, 2) dtype=float64> has 3 axes; expected a 2-D matrix"),
    ),
    bad(is_toeplitz, np.array([["a", "b"]]))
    >> (
        TypeError,
        exactly("is_toeplitz: A=<ndarray shape=(1, 2) dtype=<U1> has dtype <U1; expected a numeric or object matrix"),
    ),
    bad(is_multilevel_circulant, np.eye(3), (2,))
    >> (
        ValueError,
        exactly(
            "is_multilevel_circulant: shape=(2,) has product 2 but A has 3 rows (A.shape=(3, 3)); expected level "
            "sizes whose product is the matrix size"
        ),
    ),
    bad(is_multilevel_toeplitz, np.eye(3), "ab", (3,))
    >> (TypeError, exactly("is_multilevel_toeplitz: row_shape='ab' is not a shape; expected a tuple of ints")),
    bad(is_multilevel_toeplitz, np.eye(3), (3,), "ab")
    >> (TypeError, exactly("is_multilevel_toeplitz: col_shape='ab' is not a shape; expected a tuple of ints")),
    bad(is_multilevel_toeplitz, np.eye(3), (3,), (3, 1))
    >> (
        ValueError,
        exactly(
            "is_multilevel_toeplitz: col_shape=(3, 1) has 2 levels but row_shape=(3,) has 1; expected one length "
            "per level in each"
        ),
    ),
    bad(is_multilevel_toeplitz, np.ones((3, 2)), (3,), (3,))
    >> (
        ValueError,
        exactly(
            "is_multilevel_toeplitz: col_shape=(3,) has product 3 but A has 2 columns (A.shape=(3, 2)); expected "
            "level sizes whose product is the matrix size"
        ),
    ),
    bad(is_doubly_block_toeplitz, np.eye(4), (3, 3))
    >> (
        ValueError,
        exactly(
            "is_doubly_block_toeplitz: block_shape=(3, 3) does not tile A.shape=(4, 4); expected a block shape "
            "dividing the matrix shape"
        ),
    ),
    bad(is_doubly_block_circulant, np.eye(4), (3, 3))
    >> (
        ValueError,
        exactly(
            "is_doubly_block_circulant: block_shape=(3, 3) does not tile A.shape=(4, 4); expected a block shape "
            "dividing the matrix shape"
        ),
    ),
    *(
        []
        if SPARSE_3D is None
        else [
            bad(is_toeplitz, SPARSE_3D)
            >> (
                ValueError,
                exactly(f"is_toeplitz: A={repr(SPARSE_3D)[:77]}... is a 3-D sparse array; expected a 2-D matrix"),
            )
        ]
    ),
    # every builder: w of text, of bools, of ints mixed with a float; and an unknown format
    bad(conv_matrix, "abc", (3, 3)) >> (TypeError, exactly(f"conv_matrix: w='abc' {_NOT_ARRAY}")),
    bad(conv_matrix, W33.astype(bool), (3, 3))
    >> (TypeError, exactly(f"conv_matrix: w=<ndarray shape=(2, 2) dtype=bool> {_BOOL}")),
    bad(conv_matrix, W33_MIXED, (3, 3))
    >> (TypeError, exactly(f"conv_matrix: w=<ndarray shape=(2, 2) dtype=object> {_MIXED}")),
    bad(conv_matrix, W33, (3, 3), format="csr") >> (ValueError, exactly(f"conv_matrix: {_CSR}")),
    bad(multilevel_circulant, "abc", (3, 3)) >> (TypeError, exactly(f"multilevel_circulant: w='abc' {_NOT_ARRAY}")),
    bad(multilevel_circulant, W33.astype(bool), (3, 3))
    >> (TypeError, exactly(f"multilevel_circulant: w=<ndarray shape=(2, 2) dtype=bool> {_BOOL}")),
    bad(multilevel_circulant, W33_MIXED, (3, 3))
    >> (TypeError, exactly(f"multilevel_circulant: w=<ndarray shape=(2, 2) dtype=object> {_MIXED}")),
    bad(multilevel_circulant, W33, (3, 3), format="csr") >> (ValueError, exactly(f"multilevel_circulant: {_CSR}")),
    bad(doubly_block_circulant, "abc", (3, 3)) >> (TypeError, exactly(f"doubly_block_circulant: w='abc' {_NOT_ARRAY}")),
    bad(doubly_block_circulant, W33.astype(bool), (3, 3))
    >> (TypeError, exactly(f"doubly_block_circulant: w=<ndarray shape=(2, 2) dtype=bool> {_BOOL}")),
    bad(doubly_block_circulant, W33_MIXED, (3, 3))
    >> (TypeError, exactly(f"doubly_block_circulant: w=<ndarray shape=(2, 2) dtype=object> {_MIXED}")),
    bad(doubly_block_circulant, W33, (3, 3), format="csr") >> (ValueError, exactly(f"doubly_block_circulant: {_CSR}")),
    bad(circulant_eigenvalues, "abc", (3, 3)) >> (TypeError, exactly(f"circulant_eigenvalues: w='abc' {_NOT_ARRAY}")),
    bad(circulant_eigenvalues, W33.astype(bool), (3, 3))
    >> (TypeError, exactly(f"circulant_eigenvalues: w=<ndarray shape=(2, 2) dtype=bool> {_BOOL}")),
    bad(circulant_eigenvalues, W33_MIXED, (3, 3))
    >> (TypeError, exactly(f"circulant_eigenvalues: w=<ndarray shape=(2, 2) dtype=object> {_MIXED}")),
    bad(layer_matrix, "abc", (1, 3)) >> (TypeError, exactly(f"layer_matrix: w='abc' {_NOT_ARRAY}")),
    bad(layer_matrix, WL1.astype(bool), (1, 3))
    >> (TypeError, exactly(f"layer_matrix: w=<ndarray shape=(1, 1, 2) dtype=bool> {_BOOL}")),
    bad(layer_matrix, WL1_MIXED, (1, 3))
    >> (TypeError, exactly(f"layer_matrix: w=<ndarray shape=(1, 1, 2) dtype=object> {_MIXED}")),
    bad(layer_matrix, WL1, (1, 3), format="csr") >> (ValueError, exactly(f"layer_matrix: {_CSR}")),
]
