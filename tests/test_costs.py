"""conv_cost: figure 9.6's numbers, and every count checked against a built matrix, a closed form,
or a count of the operations the dense method actually performs."""

import math
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from refconv import correlate
from refconv import strategies as rst
from refconv.costs import ConvCost, conv_cost
from refconv.matrices import conv_matrix


def test_figure_9_6():
    cost = conv_cost((280, 320), (1, 2))
    assert isinstance(cost, ConvCost)
    assert cost.output_shape == (280, 319)
    # "319 x 280 x 3 = 267,960 floating point operations (two multiplications and one addition per output pixel)"
    assert (cost.multiplies, cost.additions) == (319 * 280 * 2, 319 * 280 * 1)
    assert cost.flops == 319 * 280 * 3 == 267_960
    assert cost.parameters == 2
    # "320 x 280 x 319 x 280, or over eight billion, entries"
    assert cost.dense_entries == 320 * 280 * 319 * 280 == 8_003_072_000
    # "four billion times more efficient for representing this transformation"
    assert cost.representation_ratio == Fraction(320 * 280 * 319 * 280, 2)
    assert 4e9 <= cost.representation_ratio < 4.1e9
    # "over sixteen billion floating point operations": n multiplications, n - 1 additions per row.
    assert cost.dense_flops == 319 * 280 * (2 * 320 * 280 - 1) > 16e9
    # "roughly 60,000 times more efficient computationally"
    assert cost.computation_ratio == Fraction(319 * 280 * (2 * 320 * 280 - 1), 319 * 280 * 3)
    assert abs(cost.computation_ratio - 60_000) < 0.01 * 60_000
    # "The matrix would still need to contain 2 x 319 x 280 = 178,640 entries", and "both matrix
    # multiplication and convolution would require the same number of floating point operations".
    assert cost.sparse_nnz == 2 * 319 * 280 == 178_640
    assert cost.sparse_flops == cost.flops


def specs(max_dims=3, max_side=6, **options):
    return rst.plain_specs(max_dims=max_dims, max_side=max_side, **options)


@given(specs())
def test_counts_match_the_built_matrix(s):
    cost = conv_cost(s.input_shape, s.kernel_shape, **s.kwargs)
    A = conv_matrix(np.ones(s.kernel_shape, dtype=np.int64), s.input_shape, format="sparse", **s.kwargs)
    assert cost.output_shape == s.spec.output_shape
    assert cost.dense_entries == A.shape[0] * A.shape[1]
    assert cost.dense_flops == A.shape[0] * (2 * A.shape[1] - 1)
    assert cost.sparse_nnz == A.nnz
    # A sparse product: one multiplication per stored entry, one addition per entry after a row's first.
    rows = np.diff(A.indptr)
    assert cost.sparse_flops == int(rows.sum() + (rows[rows > 0] - 1).sum())
    assert cost.parameters == math.prod(s.kernel_shape)
    assert cost.representation_ratio == Fraction(cost.dense_entries, cost.parameters)
    assert cost.computation_ratio == Fraction(cost.dense_flops, cost.flops)


@given(specs(modes=("valid",), boundaries=("constant",)))
def test_valid_mode_sparse_product_costs_what_convolution_costs(s):
    cost = conv_cost(s.input_shape, s.kernel_shape, **s.kwargs)
    assert cost.sparse_nnz == cost.multiplies and cost.sparse_flops == cost.flops


class Counted(Fraction):
    """A Fraction that counts the multiplications and additions performed on it."""

    multiplies = 0
    additions = 0

    def __mul__(self, other):
        Counted.multiplies += 1
        return Counted(Fraction.__mul__(self, other))

    __rmul__ = __mul__

    def __add__(self, other):
        Counted.additions += 1
        return Counted(Fraction.__add__(self, other))

    __radd__ = __add__

    @classmethod
    def reset(cls):
        cls.multiplies = cls.additions = 0


def _counted(shape):
    out = np.empty(shape, dtype=object)
    for i, idx in enumerate(np.ndindex(*shape)):
        out[idx] = Counted(i + 1)
    return out


@settings(max_examples=30)
@given(specs(max_dims=2, max_side=5))
def test_dense_method_performs_the_counted_dense_flops(s):
    x, w = _counted(s.input_shape), _counted(s.kernel_shape)
    correlate(x, w, method="dense", **s.kwargs)  # builds (and caches) the matrix
    Counted.reset()
    correlate(x, w, method="dense", **s.kwargs)
    cost = conv_cost(s.input_shape, s.kernel_shape, **s.kwargs)
    assert Counted.multiplies + Counted.additions == cost.dense_flops


@given(st.integers(1, 50), st.integers(1, 50))
def test_one_dimensional_closed_forms(extra, k):
    n = k + extra - 1
    cost = conv_cost((n,), (k,))
    out = n - k + 1
    assert cost.output_shape == (out,)
    assert (cost.multiplies, cost.additions, cost.sparse_nnz) == (out * k, out * (k - 1), out * k)
    assert cost.dense_entries == out * n


@given(specs())
def test_direct_counts_follow_the_output_of_correlate(s):
    # Each output of correlate multiplies every tap and adds the products: k and k - 1 per output.
    outputs = correlate(np.zeros(s.input_shape, dtype=np.int64), np.ones(s.kernel_shape, dtype=np.int64), **s.kwargs)
    cost = conv_cost(s.input_shape, s.kernel_shape, **s.kwargs)
    k = math.prod(s.kernel_shape)
    assert cost.output_shape == outputs.shape
    assert (cost.multiplies, cost.additions, cost.flops) == (
        outputs.size * k,
        outputs.size * (k - 1),
        outputs.size * (2 * k - 1),
    )
