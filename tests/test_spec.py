"""The spec: normal form, output_shape, "same" splits, ceil_mode, the name tables."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refconv import BOUNDARY_NAMES, PARAMETER_NAMES, output_shape
from refconv.spec import AxisGeometry, layer_spec, plain_spec, same_pads


def test_output_length_formula_by_hand():
    # (n + lo + hi - d*(k-1) - 1) // s + 1
    assert AxisGeometry(n=10, k=3, stride=2, dilation=2, lo=1, hi=2).out == (10 + 1 + 2 - 2 * 2 - 1) // 2 + 1
    assert output_shape((280, 320), (1, 2)) == (280, 319)
    assert output_shape((5,), (2,), mode="full") == (5 + 2 - 1,)
    assert output_shape((7, 9), (3, 3), padding=((1, 0), (2, 2)), stride=(2, 3)) == (
        (7 + 1 - 3) // 2 + 1,
        (9 + 4 - 3) // 3 + 1,
    )


def test_same_splits():
    assert same_pads(2, "centred") == (1, 0) and same_pads(2, "torch") == (0, 1)
    assert same_pads(5, "centred") == same_pads(5, "torch") == (2, 2)
    # torch's observed split for k=4: 1 before, 2 after; k=2, d=3 -> extent 4 likewise.
    assert layer_spec("t", (5,), (4,), padding="same").pads == ((1, 2),)
    assert layer_spec("t", (5,), (2,), padding="same", dilation=3).pads == ((1, 2),)
    assert plain_spec("t", (5,), (4,), mode="same").pads == ((2, 1),)


def test_ceil_mode_rule():
    # torch obs: L=6, k=3, s=2, p=1 -> 4 outputs with ceil_mode; 3 without.
    assert output_shape((6,), (3,), padding=1, stride=2, ceil_mode=True) == (4,)
    assert output_shape((6,), (3,), padding=1, stride=2) == (3,)
    # L=6, k=1, s=2: ceil gives ceil(5/2)+1 = 4, but the last window would start at 6 >= L + 0: dropped.
    assert output_shape((6,), (1,), stride=2, ceil_mode=True) == (3,)
    # k > L with ceil: L=3, k=4, s=2, p=2 (torch obs: max -> 3 outputs)
    assert output_shape((3,), (4,), padding=2, stride=2, ceil_mode=True) == (3,)


@given(
    st.integers(1, 30), st.integers(1, 6), st.integers(1, 4), st.integers(1, 3), st.integers(0, 4), st.integers(0, 4)
)
def test_out_counts_windows_inside_padded_input(n, k, s, d, lo, hi):
    g = AxisGeometry(n, k, s, d, lo, hi)
    # Count window starts by brute force: start o*s, window ends at o*s + d*(k-1) <= padded - 1.
    starts = [o for o in range(0, n + lo + hi + 1) if o % s == 0 and o + d * (k - 1) <= n + lo + hi - 1]
    assert max(g.out, 0) == len(starts)
    if g.out >= 1:
        assert g.overhang == 0


@given(st.integers(1, 30), st.integers(1, 6), st.integers(1, 4), st.integers(0, 3))
def test_ceil_mode_never_starts_in_right_padding(n, k, s, p):
    p = min(p, k // 2)  # torch's pooling precondition: pad <= k/2
    g = AxisGeometry(n, k, s, 1, p, p, ceil_mode=True)
    assert g.out >= AxisGeometry(n, k, s, 1, p, p).out
    if g.out >= 1:
        assert (g.out - 1) * s < n + p  # last window starts inside input + left pad
        assert g.overhang < k


def test_spec_is_frozen_and_hashable():
    spec = plain_spec("t", (4, 5), (2, 3), mode="same", stride=(1, 2))
    assert hash(spec) == hash(plain_spec("t", (4, 5), (2, 3), mode="same", stride=(1, 2)))
    with pytest.raises(AttributeError):
        spec.boundary = "wrap"
    assert spec.kernel_shape == (2, 3) and spec.taps == 6 and spec.stride == (1, 2)


def test_numpy_integer_arguments_accepted():
    assert output_shape(np.array([9]), (np.int64(3),), stride=np.int32(2)) == (4,)


def test_name_tables_cover_every_boundary_and_key_parameter():
    assert [row[0] for row in BOUNDARY_NAMES] == ["constant", "wrap", "reflect", "symmetric", "edge"]
    refconv_params = {row[0].split(" ")[0] for row in PARAMETER_NAMES}
    assert {"stride", "dilation", "groups", "bias", "output_padding"} <= refconv_params
    assert all(len(row) == 5 for row in PARAMETER_NAMES)


def test_check_working_set_allows_exactly_the_limit_and_names_the_method(monkeypatch):
    from refconv import spec

    monkeypatch.setattr(spec, "CELL_LIMIT", 10)
    spec.check_working_set("conv", "fft", 8 * (3 + 10), 3)  # exactly the limit: allowed
    with pytest.raises(
        ValueError,
        match=r"^conv: method='fft' needs a working set of 105 bytes \(0\.0 GiB\), over the limit of 104 bytes: "
        r"10 cells of 8 bytes beyond the operands' 3 \(refconv.spec.CELL_LIMIT\); expected method='direct', "
        r"a smaller problem, or a larger refconv.spec.CELL_LIMIT$",
    ):
        spec.check_working_set("conv", "fft", 105, 3, "method='direct'")


def test_held_cells_counts_broadcast_axes_once():
    from refconv.spec import held_cells

    assert held_cells(np.broadcast_to(np.ones((1, 3)), (1000, 3))) == 3
    assert held_cells(np.ones((2, 3, 4)).transpose(2, 0, 1)) == 24


# ---- the adjoint geometry and the layer-call normaliser (issue 19) ----------------------------------------


@st.composite
def forward_layer(draw):
    """A forward conv: spatial shape, kernel, stride, dilation, explicit per-side pads."""
    ndim = draw(st.integers(1, 3))
    k = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    s = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    d = tuple(draw(st.integers(1, 2)) for _ in range(ndim))
    pads = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(ndim))
    n = tuple(max(1, dd * (kk - 1) + 1 - lo - hi) + draw(st.integers(0, 5)) for kk, dd, (lo, hi) in zip(k, d, pads))
    return n, k, s, d, pads


@given(forward_layer(), st.data())
def test_adjoint_spec_restores_the_input_shape_and_is_the_adjoint(case, data):
    from refconv import conv, conv_transpose
    from refconv.spec import adjoint_spec, transpose_spec

    n, k, s, d, pads = case
    fwd = layer_spec("t", n, k, padding=pads, stride=s, dilation=d)
    a = adjoint_spec(fwd)
    # By hand: the cells the last window never reaches, (n + lo + hi - extent) mod s.
    assert a.output_padding == tuple((g.padded - g.extent) % g.stride for g in fwd.axes)
    assert a.padding == pads
    back = transpose_spec(
        "t", fwd.output_shape, k, padding=a.padding, output_padding=a.output_padding, stride=s, dilation=d
    )
    assert back.input_shape == n and back.output_shape == fwd.output_shape
    # Its pads are the same for the transposed call's own forward geometry (one adjoint).
    assert adjoint_spec(back).pads == tuple(
        (dd * (kk - 1) - lo, dd * (kk - 1) - hi) for kk, dd, (lo, hi) in zip(k, d, back.pads)
    )
    x = np.array(data.draw(st.lists(st.integers(-9, 9), min_size=int(np.prod(n)), max_size=int(np.prod(n))))).reshape(
        1, 1, *n
    )
    w = np.arange(1, int(np.prod(k)) + 1).reshape(1, 1, *k)
    y = conv(x, w, padding=pads, stride=s, dilation=d)
    u = np.arange(y.size).reshape(y.shape) - 3
    t = conv_transpose(u, w, padding=a.padding, output_padding=a.output_padding, stride=s, dilation=d)
    assert t.shape == x.shape
    assert int((y * u).sum()) == int((x * t).sum())


def test_adjoint_spec_of_a_transposed_call_gives_back_its_output_padding():
    from refconv.spec import adjoint_spec, transpose_spec

    # padding 0, output_padding 1, stride 2: the forward high pad is -1; the adjoint says 0 and 1 again.
    fwd = transpose_spec("t", (3,), (2,), output_padding=1, stride=2)
    assert fwd.pads == ((0, -1),)
    assert adjoint_spec(fwd).padding == ((0, 0),) and adjoint_spec(fwd).output_padding == (1,)
    # padding 2, output_padding 1: forward high pad 1, no output padding needed.
    fwd = transpose_spec("t", (3,), (3,), padding=2, output_padding=1, stride=2)
    assert adjoint_spec(fwd).padding == ((2, 1),) and adjoint_spec(fwd).output_padding == (0,)


def test_layer_call_normalises_shapes_and_padding_mode():
    from refconv.spec import LayerCall

    call = LayerCall.conv(
        "conv", np.ones((4, 6)), np.ones((2, 2, 3)), [1, 2], groups=2, padding="same", padding_mode="replicate"
    )
    assert call.x.shape == (1, 4, 6) and not call.batched and call.groups == 2
    assert (call.n, call.c_in, call.c_out, call.out_shape) == (1, 4, 2, (1, 2, 6))
    assert call.spec == layer_spec("conv", (6,), (3,), padding="same", boundary="edge")
    t = LayerCall.conv_transpose("conv_transpose", np.ones((2, 4, 3)), np.ones((4, 3, 2)), stride=2, groups=2)
    assert t.transposed and t.batched and (t.c_in, t.c_out, t.out_shape) == (4, 6, (2, 6, 6))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"padding_mode": "constant"},
            r"^conv: padding_mode='constant' is not a refconv name \(numpy's 'constant' is torch's 'zeros'\)",
        ),
        ({"groups": 3}, r"^conv: groups=3 does not divide C_in = x.shape\[1\] = 2"),
        ({"bias": np.ones(3)}, r"^conv: bias.shape=\(3,\) does not match the 1 output channels"),
        ({"padding": "same", "stride": 2}, r"^conv: padding='same' is not supported with stride=\(2,\)"),
    ],
)
def test_one_wording_for_every_layer_refusal(kwargs, match):
    # refconv.conv, the oracle's conv and refconv.dask.conv refuse through one normaliser.
    import refconv

    x, w = np.ones((1, 2, 5)), np.ones((1, 2, 2))
    callers = [refconv.conv, lambda *a, **k: refconv.exact("conv", *a, **k)]
    try:
        import refconv.dask

        callers.append(refconv.dask.conv)
    except ImportError:  # pragma: no cover - without the dask extra
        pass
    for f in callers:
        with pytest.raises(ValueError, match=match):
            f(x, w, **kwargs)


def test_legacy_names_stay_importable_from_spec():
    from refconv import conventions, spec

    assert spec.BOUNDARIES is conventions.BOUNDARIES and spec.BOUNDARY_NAMES is conventions.BOUNDARY_NAMES
    assert spec.PARAMETER_NAMES is conventions.PARAMETER_NAMES and spec.same_pads is conventions.same_split
    assert spec.pool_spec("f", (4,), (2,)).output_shape == (2,)
