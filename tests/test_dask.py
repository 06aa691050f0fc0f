"""refconv.dask equals the in-memory result exactly, for every chunking and geometry."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

da = pytest.importorskip("dask.array")

import refconv  # noqa: E402
import refconv.dask as rdask  # noqa: E402
import refconv.pooling  # noqa: E402

BOUNDARIES = ("constant", "wrap", "reflect", "symmetric", "edge")


@st.composite
def chunkings(draw, shape):
    """Chunks per axis: sizes 1..n, so chunks smaller than the halo and uneven last chunks occur."""
    out = []
    for n in shape:
        sizes, left = [], n
        while left:
            size = draw(st.integers(1, left))
            sizes.append(size)
            left -= size
        out.append(tuple(sizes))
    return tuple(out)


@st.composite
def plain_cases(draw, dtype=np.int64, elements=None):
    elements = st.integers(-1000, 1000) if elements is None else elements
    ndim = draw(st.integers(1, 2))
    shape = draw(hnp.array_shapes(min_dims=ndim, max_dims=ndim, min_side=1, max_side=13))
    kshape = tuple(draw(st.integers(1, min(n, 4))) for n in shape)
    x = draw(hnp.arrays(dtype, shape, elements=elements))
    w = draw(hnp.arrays(dtype, kshape, elements=elements))
    kw = dict(
        mode=draw(st.sampled_from(["valid", "same", "full"])),
        stride=draw(st.integers(1, 4)),
        dilation=draw(st.integers(1, 2)),
        boundary=draw(st.sampled_from(BOUNDARIES)),
    )
    if kw["mode"] == "valid" and any((k - 1) * kw["dilation"] + 1 > n for n, k in zip(shape, kshape)):
        kw["dilation"] = 1
    return x, w, kw, draw(chunkings(shape))


@given(plain_cases(), st.booleans())
@settings(max_examples=40)
def test_correlate_and_convolve_equal_in_memory(case, flip):
    x, w, kw, chunks = case
    f, g = (refconv.convolve, rdask.convolve) if flip else (refconv.correlate, rdask.correlate)
    expected = f(x, w, **kw)
    got = g(da.from_array(x, chunks=chunks), w, **kw).compute(scheduler="sync")
    assert got.dtype == expected.dtype
    assert np.array_equal(got, expected)


def test_fractions_and_python_ints_are_exact():
    x = np.array([Fraction(i, 7) for i in range(-5, 12)], dtype=object)
    w = np.array([Fraction(1, 3), Fraction(-2, 5), 3], dtype=object)
    got = rdask.correlate(da.from_array(x, chunks=2), w, mode="same", stride=3).compute(scheduler="sync")
    assert got.tolist() == refconv.correlate(x, w, mode="same", stride=3).tolist()
    big = np.array([2**62, -(2**62), 2**62, 5], dtype=np.int64)
    got = rdask.correlate(da.from_array(big, chunks=1), np.array([3, 3])).compute(scheduler="sync")
    assert got.dtype == object and got.tolist() == [0, 0, 3 * 2**62 + 15]


def test_an_exact_bias_keeps_the_result_exact():
    # Integer x and w with a Fraction bias: the blocks are Fractions, never cast to int64 (once 0).
    x = np.array([[[1, 2, 3]], [[4, 5, 6]]])
    w = np.array([[[1, -1]]])
    got = rdask.conv(da.from_array(x, chunks=(1, 1, 2)), w, np.array([Fraction(1, 2)], dtype=object)).compute()
    assert got.dtype == object
    assert got.tolist() == [[[Fraction(1 - 2) + Fraction(1, 2)] * 2]] * 2  # 1-2+1/2, 2-3+1/2; 4-5+1/2, ...
    big = np.array([2**62], dtype=object)  # 2**62 + 2*2**61: past int64, exact Python ints
    got = rdask.conv(np.full((1, 2, 1), 2**61), np.ones((1, 2, 1), dtype=int), big).compute()
    assert got.tolist() == [[[2**63]]]


def test_max_pool_refuses_a_window_of_padding_only_for_exact_x_as_in_memory():
    # Columns: one input column, taps at -1 and +1 (dilation 2, padding 1): window (0, 0) and its
    # whole column of windows read padding only, which has no exact -inf.
    x = np.arange(2).reshape(2, 1)
    geometry = dict(stride=1, padding=(1, 1), dilation=(1, 2))
    match = r"^max_pool: dilation=\(1, 2\) with padding=\(1, 1\) leaves window \(0, 0\) holding padding only"
    with pytest.raises(ValueError, match=match):
        refconv.max_pool(x, (2, 2), **geometry)
    with pytest.raises(ValueError, match=match):
        rdask.max_pool(da.from_array(x, chunks=1), (2, 2), **geometry)  # at once, not at compute()
    # Float x has -inf, as torch: the same windows give -inf in both.
    got = rdask.max_pool(da.from_array(x * 1.0, chunks=1), (2, 2), **geometry).compute()
    assert np.array_equal(got, refconv.max_pool(x * 1.0, (2, 2), **geometry))
    assert got.tolist() == [[-np.inf], [-np.inf], [-np.inf]]


def test_avg_pool_over_axes_listed_out_of_order():
    # Window 3 along axis 0 (ceil mode: rows {0, 1, 2} and {3}, the overhang not counted), window 1
    # along axis 1; axes=(1, 0) lists them backwards.  Column means: (0+2+4)/3, (1+3+5)/3; row 3: 6, 7.
    x = np.arange(8).reshape(4, 2)
    kw = dict(ceil_mode=True, axes=(1, 0))
    got = rdask.avg_pool(da.from_array(x, chunks=(2, 1)), (1, 3), **kw).compute()
    assert got.tolist() == [[2, 3], [6, 7]]
    assert got.tolist() == refconv.avg_pool(x, (1, 3), **kw).tolist()


@st.composite
def layer_cases(draw):
    n, groups = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    shape = (n, c_in, draw(st.integers(2, 11)), draw(st.integers(2, 9)))
    k = (draw(st.integers(1, min(3, shape[2]))), draw(st.integers(1, min(3, shape[3]))))
    x = draw(hnp.arrays(np.int64, shape, elements=st.integers(-99, 99)))
    w = draw(hnp.arrays(np.int64, (c_out, c_in // groups, *k), elements=st.integers(-99, 99)))
    bias = draw(st.none() | hnp.arrays(np.int64, (c_out,), elements=st.integers(-99, 99)))
    kw = dict(
        stride=(draw(st.integers(1, 3)), draw(st.integers(1, 3))),
        padding=draw(st.integers(0, 2)),
        groups=groups,
        padding_mode=draw(st.sampled_from(["zeros", "circular", "replicate"])),
    )
    return x, w, bias, kw, draw(chunkings(shape))


@given(layer_cases())
@settings(max_examples=25)
def test_conv_equals_in_memory(case):
    x, w, bias, kw, chunks = case
    expected = refconv.conv(x, w, bias, **kw)
    got = rdask.conv(da.from_array(x, chunks=chunks), w, bias, **kw).compute(scheduler="sync")
    assert np.array_equal(got, expected)


@given(st.data())
@settings(max_examples=25)
def test_max_pool_equals_in_memory(data):
    shape = data.draw(hnp.array_shapes(min_dims=2, max_dims=2, min_side=2, max_side=12))
    x = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(-50, 50)))
    k = data.draw(st.integers(1, min(3, *shape)))  # a window inside the smallest side
    kw = dict(
        stride=data.draw(st.integers(1, 3)),
        padding=data.draw(st.integers(0, k // 2)),
        ceil_mode=data.draw(st.booleans()),
    )
    chunks = data.draw(chunkings(shape))
    expected = refconv.pooling.max_pool(x, (k, k), **kw)
    got = rdask.max_pool(da.from_array(x, chunks=chunks), (k, k), **kw).compute(scheduler="sync")
    assert np.array_equal(got, expected)


def test_stride_aligned_chunks_by_hand():
    # 1-D, n=10, k=3, s=2, valid: outputs read cells 2o..2o+2, so the halo is 3 - 2 = 1.
    x = da.from_array(np.arange(10), chunks=(4, 4, 2))
    y = rdask.correlate(x, [1, 1, 1], stride=2)
    assert y.chunks == ((2, 2),)
    assert y.compute().tolist() == [0 + 1 + 2, 2 + 3 + 4, 4 + 5 + 6, 6 + 7 + 8]


def test_numpy_input_is_wrapped_and_bad_input_is_refused():
    assert rdask.correlate(np.arange(5), [1, 1]).compute().tolist() == [1, 3, 5, 7]
    with pytest.raises(TypeError, match=r"correlate: x='abc' is not an array"):
        rdask.correlate("abc", [1])


def test_out_of_core_demo_runs_small(capsys):
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).parents[1] / "tools" / "dask_out_of_core.py"
    spec = importlib.util.spec_from_file_location("dask_out_of_core", path)
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    report = demo.main(["--side", "300", "--chunk", "70", "--no-cluster"])
    assert report["checksum_ok"] and report["chunk_ok"]
    assert report["result_shape"] == [298, 298]


@st.composite
def pool_cases(draw, dtype):
    shape = draw(hnp.array_shapes(min_dims=2, max_dims=3, min_side=2, max_side=11))
    elements = st.integers(-50, 50) if dtype == np.int64 else st.floats(-50, 50, width=64)
    x = draw(hnp.arrays(dtype, shape, elements=elements))
    k = draw(st.integers(1, min(3, *shape[-2:])))
    kw = dict(stride=draw(st.integers(1, 3)), ceil_mode=draw(st.booleans()))
    return x, (k, k), kw, draw(chunkings(shape))


@given(pool_cases(np.int64) | pool_cases(np.float64), st.booleans(), st.sampled_from([None, 3]))
@settings(max_examples=30)
def test_avg_pool_equals_in_memory(case, include_pad, divisor):
    x, k, kw, chunks = case
    kw = dict(kw, padding=k[0] // 2, count_include_pad=include_pad, divisor_override=divisor)
    expected = refconv.pooling.avg_pool(x, k, **kw)
    got = rdask.avg_pool(da.from_array(x, chunks=chunks), k, **kw).compute(scheduler="sync")
    assert got.tolist() == expected.tolist()  # bit-identical floats, equal Fractions


@given(pool_cases(np.int64), st.sampled_from([1, 2, 3]))
@settings(max_examples=15)
def test_lp_pool_equals_in_memory(case, p):
    x, k, kw, chunks = case
    expected = refconv.pooling.lp_pool(x, p, k, **kw)
    got = rdask.lp_pool(da.from_array(x, chunks=chunks), p, k, **kw).compute(scheduler="sync")
    assert got.tolist() == expected.tolist()


@given(st.data())
@settings(max_examples=25)
def test_max_pool_of_exact_objects_with_padding_equals_in_memory(data):
    shape = data.draw(hnp.array_shapes(min_dims=2, max_dims=2, min_side=2, max_side=9))
    x = np.empty(shape, dtype=object)
    cells = st.fractions(min_value=-20, max_value=20, max_denominator=7) | st.integers(-(10**30), 10**30)
    x[...] = [[data.draw(cells) for _ in range(shape[1])] for _ in range(shape[0])]
    k = data.draw(st.integers(1, min(3, *shape)))
    kw = dict(
        stride=data.draw(st.integers(1, 3)),
        padding=data.draw(st.integers(0, k // 2)),
        ceil_mode=data.draw(st.booleans()),
    )
    expected = refconv.pooling.max_pool(x, (k, k), **kw)
    got = rdask.max_pool(da.from_array(x, chunks=data.draw(chunkings(shape))), (k, k), **kw)
    got = got.compute(scheduler="sync")
    assert got.dtype == object and got.tolist() == expected.tolist()


def test_max_pool_of_fractions_with_padding_by_hand():
    x = np.array([Fraction(-3, 2), Fraction(-7), Fraction(-1, 3), Fraction(-5)], dtype=object)
    # padding 1: windows (pad, -3/2, -7), (-1/3, -5, pad) with k=3, s=2 -> -3/2, -1/3; padding never wins.
    got = rdask.max_pool(da.from_array(x, chunks=1), 3, stride=2, padding=1).compute(scheduler="sync")
    assert got.tolist() == [Fraction(-3, 2), Fraction(-1, 3)]


def test_max_pool_of_symbols_with_padding_is_refused_by_name():
    import sympy

    x = np.array([sympy.Symbol("a"), sympy.Symbol("b")], dtype=object)
    with pytest.raises(TypeError, match=r"^max_pool: x=dask.array<.* holds values that cannot be ordered"):
        rdask.max_pool(x, 2, padding=1)


@given(
    hnp.arrays(np.float16, st.integers(2, 20), elements=st.floats(-65504, 65504, width=16)),
    st.integers(1, 4),
    st.booleans(),
    st.data(),
)
@settings(max_examples=25)
def test_float16_avg_and_lp_pool_equal_in_memory(x, k, ceil_mode, data):
    chunks = data.draw(chunkings(x.shape))
    for pool, args in ((refconv.pooling.avg_pool, ()), (refconv.pooling.lp_pool, (2,))):
        expected = pool(x, *args, min(k, x.size), ceil_mode=ceil_mode)
        lazy = getattr(rdask, pool.__name__)(
            da.from_array(x, chunks=chunks), *args, min(k, x.size), ceil_mode=ceil_mode
        )
        got = lazy.compute(scheduler="sync")
        assert got.dtype == expected.dtype == np.float16
        assert got.tobytes() == expected.tobytes()


def test_foreign_and_byte_swapped_inputs_go_through_the_operand_checks():
    assert rdask.correlate([1, 2, 3], [1, 1]).compute().tolist() == [3, 5]
    swapped = rdask.max_pool(da.from_array(np.array([1.0, 5.0, 2.0, 0.0], dtype=">f8"), chunks=2), 2)
    assert swapped.dtype.isnative and swapped.compute().tolist() == [5.0, 2.0]
    with pytest.raises(TypeError, match=r"^correlate: x=.* holds 0.5\*a, a SymPy Float"):
        import sympy

        rdask.correlate(np.array([sympy.Float(0.5) * sympy.Symbol("a"), 1], dtype=object), [1])


def test_max_pool_of_an_empty_exact_array_with_padding_is_empty_as_in_memory():
    # Thorough fuzz: the least value of no cells raised NumPy's "zero-size array to reduction".
    x = np.empty((0, 1), dtype=object)
    got = rdask.max_pool(x, 2, stride=1, padding=1).compute()
    assert got.shape == refconv.max_pool(x, 2, stride=1, padding=1).shape == (0, 2)


def test_a_long_reflect_pad_of_a_one_chunk_axis_is_gathered_inside_the_chunk():
    # Thorough fuzz: stride and padding 1,597 (0-d uint64 arrays) with padding_mode="reflect" on
    # a 2x1 input built a dask shuffle graph over every padded index and passed the 20 s alarm.
    # A one-chunk axis is now gathered inside its chunk: one task, and the in-memory result.
    x = np.arange(3 * 2 * 2 * 1, dtype=np.float64).reshape(3, 2, 2, 1)
    w = np.ones((3, 2, 2, 1))
    kw = dict(stride=np.uint64(97), padding=np.array(97, dtype=np.uint64), dilation=3, padding_mode="reflect")
    lazy = rdask.conv(x, w, **kw)
    assert len(lazy.__dask_graph__()) < 50
    assert np.array_equal(lazy.compute(scheduler="synchronous"), refconv.conv(x, w, **kw))


def test_unbatched_conv_and_bad_calls_go_through_the_in_memory_normaliser():
    # One normaliser (refconv.spec.LayerCall): an unbatched (C_in, *spatial) input is taken as in
    # memory, and a bad call is refused at once with refconv.conv's words, not when computed.
    x = np.arange(12).reshape(2, 6)
    w = np.array([[[1, 2]], [[3, -1]]])
    lazy = rdask.conv(da.from_array(x, chunks=(1, 2)), w, [5, -5], groups=2, padding=1, padding_mode="circular")
    assert lazy.shape == (2, 7)
    expected = refconv.conv(x, w, [5, -5], groups=2, padding=1, padding_mode="circular")
    assert lazy.compute().tolist() == expected.tolist()
    with pytest.raises(ValueError, match=r"^conv: groups=2 does not divide C_out = w.shape\[0\] = 1"):
        rdask.conv(da.from_array(x, chunks=2), np.ones((1, 1, 2)), groups=2)
