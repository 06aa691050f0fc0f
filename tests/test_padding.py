"""``refconv.pad``: torch's ``F.pad`` and NumPy's ``np.pad`` on the one boundary table."""

from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from refconv import correlate, pad
from refconv.conventions import PAD_MODES

# ----------------------------------------------------------------------------------------------
# Hand-derived cases
# ----------------------------------------------------------------------------------------------


def test_torch_order_by_hand():
    x = np.arange(1, 7).reshape(2, 3)  # [[1, 2, 3], [4, 5, 6]]
    # (left, right) is the last axis, then (top, bottom); -1 on the right crops column 2.
    assert pad(x, (1, -1, 0, 1), value=9).tolist() == [[9, 1, 2], [9, 4, 5], [9, 9, 9]]
    assert pad(x, (0, 0, 1, 0), mode="replicate").tolist() == [[1, 2, 3], [1, 2, 3], [4, 5, 6]]
    assert pad(x, (2, 0), mode="circular").tolist() == [[2, 3, 1, 2, 3], [5, 6, 4, 5, 6]]
    assert pad([1, 2, 3, 4], (2, 1), mode="reflect").tolist() == [3, 2, 1, 2, 3, 4, 3]
    assert pad(x, ()).tolist() == x.tolist()


def test_numpy_order_by_hand():
    x = np.arange(1, 7).reshape(2, 3)
    assert pad(x, ((1, 0), (0, 2)), mode="edge", convention="numpy").tolist() == [
        [1, 2, 3, 3, 3],
        [1, 2, 3, 3, 3],
        [4, 5, 6, 6, 6],
    ]
    # One pair for every axis, and an int for every side.
    assert pad(x, (0, 1), convention="numpy").tolist() == [[1, 2, 3, 0], [4, 5, 6, 0], [0, 0, 0, 0]]
    assert pad([1, 2], 1, mode="symmetric", convention="numpy").tolist() == [1, 1, 2, 2]
    # numpy repeats the reflection past the input; torch's limit does not apply here.
    assert pad([1, 2, 3], (5, 0), mode="reflect", convention="numpy").tolist() == [2, 1, 2, 3, 2, 1, 2, 3]


def test_negative_pads_follow_torch():
    x = [1, 2, 3, 4]
    # reflect/edge index the original input (torch: (-2, 2) reflect gives [3, 4, 3, 2]) ...
    assert pad(x, (-2, 2), mode="reflect").tolist() == [3, 4, 3, 2]
    assert pad(x, (-3, 1), mode="replicate").tolist() == [4, 4]
    # ... circular crops first, then wraps what is left (torch: (-1, 2) gives [2, 3, 4, 2, 3]).
    assert pad(x, (-1, 2), mode="circular").tolist() == [2, 3, 4, 2, 3]
    assert pad(x, (-4, 0)).tolist() == []


def test_exact_values():
    x = np.array([1, 2], dtype=object)
    assert pad(x, (1, 1), value=Fraction(1, 3)).tolist() == [Fraction(1, 3), 1, 2, Fraction(1, 3)]
    s = sympy.Symbol("s")
    assert pad(x, (0, 1), value=s).tolist() == [1, 2, s]
    big = pad(np.array([2**62]), (1, 0), value=-(2**63))
    assert big.dtype == np.int64 and big.tolist() == [-(2**63), 2**62]
    assert pad(np.array([1], dtype=np.uint8), (1, 0), value=255.0).tolist() == [255, 1]
    assert pad(np.array([1.0], dtype=np.float32), (1, 0), value=0.1).dtype == np.float32
    # An empty axis padded with a constant is all fill.
    assert pad(np.zeros((0, 2), dtype=int), (0, 0, 1, 1), value=7).tolist() == [[7, 7], [7, 7]]


def test_pad_is_what_correlate_pads():
    # correlate(x, ones, mode=pads, boundary=b) == correlate(pad(x, pads, b), ones): one padder.
    x = np.arange(1, 6)
    for mode in ("reflect", "symmetric", "edge", "wrap"):
        padded = pad(x, (2, 3), mode=mode, convention="numpy")
        assert (correlate(x, [1, 1], mode=(2, 3), boundary=mode) == correlate(padded, [1, 1])).all()
    assert (correlate(x, [1, 1], mode=(2, 3), cval=4) == correlate(pad(x, (2, 3), value=4), [1, 1])).all()


# ----------------------------------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------------------------------

_small = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


@given(hnp.arrays(np.int64, _small, elements=st.integers(-99, 99)), st.data())
def test_crop_undoes_constant_pad(x, data):
    pads = [data.draw(st.integers(0, 3)) for _ in range(2 * x.ndim)]
    back = [-p for p in pads]
    assert (pad(pad(x, pads, value=5), back) == x).all()


@given(hnp.arrays(np.int64, _small, elements=st.integers(-99, 99)), st.data())
def test_orders_are_reverses_of_each_other(x, data):
    pairs = [(data.draw(st.integers(-1, 3)), data.draw(st.integers(0, 3))) for _ in range(x.ndim)]
    assume(all(n + lo + hi >= 1 for n, (lo, hi) in zip(x.shape, pairs)))
    flat = [v for pair in reversed(pairs) for v in pair]
    mode = data.draw(st.sampled_from(["constant", "edge", "symmetric"]))
    # Copying modes need a cell left after the crop to copy (an empty axis is refused by name).
    assume(mode == "constant" or all(n + lo >= 1 for n, (lo, _) in zip(x.shape, pairs)))
    assert (pad(x, flat, mode=mode) == pad(x, pairs, mode=mode, convention="numpy")).all()


# ----------------------------------------------------------------------------------------------
# Cross-checks: numpy.pad and torch.nn.functional.pad
# ----------------------------------------------------------------------------------------------

NUMPY_MODES = ("constant", "wrap", "reflect", "symmetric", "edge")


@given(
    hnp.arrays(np.int64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4), elements=st.integers(-9, 9)),
    st.sampled_from(NUMPY_MODES),
    st.data(),
)
def test_agrees_with_numpy(x, mode, data):
    pairs = [(data.draw(st.integers(0, 6)), data.draw(st.integers(0, 6))) for _ in range(x.ndim)]
    if mode != "constant":  # numpy cannot extend an empty axis by copying, nor can refconv
        assume(all(n > 0 or lo == hi == 0 for n, (lo, hi) in zip(x.shape, pairs)))
    value = data.draw(st.integers(-9, 9)) if mode == "constant" else 0
    kw = {"constant_values": value} if mode == "constant" else {}
    theirs = np.pad(x, pairs, mode=mode, **kw)
    ours = pad(x, pairs, mode=mode, value=value, convention="numpy")
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape and (ours == theirs).all()


@st.composite
def _torch_problem(draw):
    """A call torch accepts: non-constant modes pad the last m (1..3) of m+1 or m+2 axes, reflect
    pads below the length, circular once around what is left, and a copying mode keeps a cell."""
    mode = draw(st.sampled_from(["constant", "reflect", "replicate", "circular"]))
    m = draw(st.integers(1, 3))
    rank = draw(st.integers(m, m + 2) if mode == "constant" else st.integers(m + 1, m + 2))
    shape = tuple(draw(st.integers(0 if mode == "constant" else 1, 4)) for _ in range(rank))
    flat = []
    for n in reversed(shape[rank - m :]):
        if mode == "constant":
            lo = draw(st.integers(-n, 4))
            hi = draw(st.integers(-(n + min(lo, 0)), 4))
        elif mode == "reflect":
            lo, hi = draw(st.integers(-(n - 1), n - 1)), draw(st.integers(-(n - 1), n - 1))
        elif mode == "replicate":
            lo, hi = draw(st.integers(-(n - 1), 4)), draw(st.integers(-(n - 1), 4))
        else:
            lo, hi = draw(st.integers(-(n - 1), n)), draw(st.integers(-(n - 1), n))
            kept = n + min(lo, 0) + min(hi, 0)
            assume(kept >= 1 and max(lo, hi) <= kept)
        assume(n + lo + hi >= (0 if mode == "constant" else 1))
        flat += [lo, hi]
    return shape, tuple(flat), mode


@given(_torch_problem(), st.integers(-9, 9))
def test_agrees_with_torch(problem, value):
    torch = pytest.importorskip("torch")
    shape, flat, mode = problem
    x = np.arange(1, 1 + int(np.prod(shape)), dtype=np.float64).reshape(shape)
    value = value if mode == "constant" else 0
    kw = {"value": float(value)} if mode == "constant" else {}
    theirs = torch.nn.functional.pad(torch.from_numpy(x), flat, mode=mode, **kw).numpy()
    ours = pad(x, flat, mode=mode, value=value)
    assert ours.shape == theirs.shape and (ours == theirs).all()
    assert (pad(x.astype(np.int64), flat, mode=mode, value=value) == theirs).all()


def test_torch_refuses_what_refconv_refuses():
    # torch's limits, at the boundary: reflect pad == length, circular beyond once around.
    torch = pytest.importorskip("torch")
    t = torch.arange(3.0).reshape(1, 3)
    for flat, mode in (((3, 0), "reflect"), ((4, 0), "circular"), ((-4, 0), "constant")):
        with pytest.raises((RuntimeError, ValueError)):
            torch.nn.functional.pad(t, flat, mode=mode)
        with pytest.raises(ValueError, match="pad: pad="):
            pad(t.numpy(), flat, mode=mode)


def test_mode_table():
    assert PAD_MODES == {
        "constant": "constant",
        "wrap": "wrap",
        "reflect": "reflect",
        "symmetric": "symmetric",
        "edge": "edge",
        "replicate": "edge",
        "circular": "wrap",
    }
