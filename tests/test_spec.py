"""The spec: normal form, output_shape, "same" splits, ceil_mode, the name tables, the memory budget.

Expectations are derived by hand (as arithmetic in the test, never copied from the code under test).
"""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import refconv
from refconv import BOUNDARY_NAMES, PARAMETER_NAMES, output_shape, spec
from refconv.spec import AxisGeometry, _builders, layer_spec, plain_spec, same_pads


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
    g = plain_spec("t", (4, 5), (2, 3), mode="same", stride=(1, 2))
    assert hash(g) == hash(plain_spec("t", (4, 5), (2, 3), mode="same", stride=(1, 2)))
    with pytest.raises(AttributeError):
        g.boundary = "wrap"
    assert g.kernel_shape == (2, 3) and g.taps == 6 and g.stride == (1, 2)


def test_numpy_integer_arguments_accepted():
    assert output_shape(np.array([9]), (np.int64(3),), stride=np.int32(2)) == (4,)


def test_name_tables_cover_every_boundary_and_key_parameter():
    assert [row[0] for row in BOUNDARY_NAMES] == ["constant", "wrap", "reflect", "symmetric", "edge"]
    refconv_params = {row[0].split(" ")[0] for row in PARAMETER_NAMES}
    assert {"stride", "dilation", "groups", "bias", "output_padding"} <= refconv_params
    assert all(len(row) == 5 for row in PARAMETER_NAMES)


# ---- the builders: caching, defaults, "same" rules, ceil mode --------------------------------------------


@pytest.mark.performance_contract
def test_public_spec_builders_are_memoized():
    # The builders' docstrings: specs are cached on simple (hashable) arguments; cache_clear() empties it.
    for builder, args in (
        (spec.plain_spec, ("f", (5, 4), (2, 2))),
        (spec.layer_spec, ("f", (5,), (2,))),
        (spec.pool_spec, ("f", (6,), (2,))),
    ):
        builder.cache_clear()
        first = builder(*args)
        assert builder(*args) is first
        # A list spelling is a different (but equal) key: equal specs, built again.
        again = builder(args[0], list(args[1]), list(args[2]))
        assert again == first
        builder.cache_clear()
        assert builder(*args) is not first and builder(*args) == first
    # Nested tuples and lists of tuples are simple arguments too.
    spec.plain_spec.cache_clear()
    pads = spec.plain_spec("f", (5,), (2,), mode=((1, 0),))
    assert spec.plain_spec("f", (5,), (2,), mode=((1, 0),)) is pads and pads.pads == ((1, 0),)
    listed = spec.plain_spec("f", (5,), (2,), mode=[(1, 0)])
    assert spec.plain_spec("f", (5,), (2,), mode=[(1, 0)]) is listed and listed == pads


def test_the_spec_cache_never_answers_for_an_argument_validation_refuses():
    # 1, 1.0 and True hash alike, but only 1 is a stride: after stride=1 is cached, the others are
    # still refused, bare or in a tuple.  NumPy integers are accepted, each for its own value.
    for builder, args in (
        (spec.plain_spec, ("f", (5,), (2,))),
        (spec.layer_spec, ("f", (5,), (2,))),
        (spec.pool_spec, ("f", (6,), (2,))),
    ):
        builder.cache_clear()
        assert builder(*args, stride=1).stride == (1,) and builder(*args, stride=(1,)).stride == (1,)
        for refused in (1.0, True, (1.0,), (True,)):
            with pytest.raises(TypeError, match="^f: stride=" + re.escape(repr(refused)) + " is not an integer"):
                builder(*args, stride=refused)
        assert builder(*args, stride=(np.int64(1),)).stride == (1,)
        assert builder(*args, stride=(np.int64(2),)).stride == (2,)
        assert builder(*args, stride=np.int64(2)).stride == (2,)


def test_builder_defaults():
    # layer_spec: padding 0, stride 1, dilation 1, constant boundary, floor mode.
    g = spec.layer_spec("f", (5,), (3,))
    assert g.pads == ((0, 0),) and g.stride == (1,) and g.dilation == (1,) and g.boundary == "constant"
    assert g.output_shape == (5 - 3 + 1,)
    # plain_spec: valid, stride 1, dilation 1, constant.
    g = spec.plain_spec("f", (5,), (3,))
    assert (g.pads, g.stride, g.dilation, g.boundary) == (((0, 0),), (1,), (1,), "constant")
    # transpose_spec: stride 1, dilation 1, no padding: n = (m-1)*1 + 1*(k-1) + 1 = m + k - 1.
    g = spec.transpose_spec("f", (4,), (3,))
    assert g.input_shape == (4 + 3 - 1,) and g.pads == ((0, 0),) and g.stride == (1,)
    # pool_spec: stride = kernel, no padding, dilation 1.
    g = spec.pool_spec("f", (7,), (3,))
    assert g.stride == (3,) and g.pads == ((0, 0),) and g.output_shape == ((7 - 3) // 3 + 1,)


def test_same_padding_splits_by_the_named_rule_only():
    assert spec.same_pads(4, "centred") == (2, 1)  # 3 cells: the larger half before
    assert spec.same_pads(4, "torch") == (1, 2)  # the larger half after
    with pytest.raises(ValueError, match="rule='TORCH' is not recognised"):
        spec.same_pads(4, "TORCH")
    # The layer convention is torch's, the plain one centred: k = 4 pads 3 cells.
    assert spec.layer_spec("f", (5,), (4,), padding="same").pads == ((1, 2),)
    assert spec.plain_spec("f", (5,), (4,), mode="same").pads == ((2, 1),)


def test_output_shape_passes_ceil_mode_and_dilation_on_both_conventions():
    # n=6, k=3, s=2, pads (1, 1): span 8-3 = 5; floor 5//2+1 = 3, ceil ceil(5/2)+1 = 4 (the last
    # window starts at 3*2 = 6 < n+lo = 7, so it is kept).
    assert refconv.output_shape((6,), (3,), mode=1, stride=2) == (3,)
    assert refconv.output_shape((6,), (3,), mode=1, stride=2, ceil_mode=True) == (4,)
    assert refconv.output_shape((6,), (3,), padding=1, stride=2, ceil_mode=True) == (4,)
    # Dilation 2 spans 2*(3-1)+1 = 5 cells: 7 - 5 + 1 = 3 outputs on both conventions.
    assert refconv.output_shape((7,), (3,), mode="valid", dilation=2) == (3,)
    assert refconv.output_shape((7,), (3,), padding=0, dilation=2) == (3,)


def test_ceil_mode_drops_a_window_starting_in_the_right_padding():
    # n=4, k=2, s=2, pads (1, 1): span 6-2 = 4, ceil 4/2+1 = 3 windows at 0, 2, 4 in padded
    # coordinates; the one at 4 starts at input index 4-1 = 3 < n: kept.
    assert AxisGeometry(4, 2, 2, 1, 1, 1, True).out == 3
    # n=3, k=2, s=2, pads (1, 1): span 5-2 = 3, ceil(3/2)+1 = 3, but the third window starts at
    # padded 4 = n+lo: only padding, dropped -> 2 (torch's rule).
    assert AxisGeometry(3, 2, 2, 1, 1, 1, True).out == 2
    # The overhang is how far the last kept window reaches past the padded input: (3-1)*2+2-6 = 0.
    assert AxisGeometry(4, 2, 2, 1, 1, 1, True).overhang == 0
    assert AxisGeometry(5, 2, 2, 1, 0, 0, True).overhang == (3 - 1) * 2 + 2 - 5


# ---- the memory budget ------------------------------------------------------------------------------------


def test_check_cells_allows_exactly_the_limit_beyond_the_operands(monkeypatch):
    monkeypatch.setattr(spec, "CELL_LIMIT", 7)
    spec.check_cells("f", "mode", 1, "a padded input", (10,), given=3)  # 10 = 3 + 7: allowed
    spec.check_cells("f", "mode", 1, "a padded input", (7,))  # no operands: 7 allowed
    with pytest.raises(ValueError, match=r"^f: mode=1 needs a padded input of shape \(11,\), 11 cells"):
        spec.check_cells("f", "mode", 1, "a padded input", (11,), given=3)
    with pytest.raises(ValueError, match=r"^f: mode=1 needs a padded input of shape \(8,\), 8 cells"):
        spec.check_cells("f", "mode", 1, "a padded input", (8,))


def test_check_spec_cells_counts_the_ceil_overhang_and_the_output(monkeypatch):
    # n=6, k=3, s=2, pads (1, 1), ceil: padded 8 cells plus an overhang of 1 = 9.
    g = spec.pool_spec("f", (6,), (3,), stride=2, padding=1, ceil_mode=True)
    monkeypatch.setattr(spec, "CELL_LIMIT", 9)
    spec.check_spec_cells("f", "padding", 1, g)
    monkeypatch.setattr(spec, "CELL_LIMIT", 8)
    with pytest.raises(ValueError, match=r"^f: padding=1 needs a padded input of shape \(9,\), 9 cells"):
        spec.check_spec_cells("f", "padding", 1, g)
    # Many output channels: the output (1, 100, 5) outgrows the padded input (1, 1, 5).
    monkeypatch.setattr(spec, "CELL_LIMIT", 100)
    message = (
        "conv: padding=0 needs an output of shape (1, 100, 5), 500 cells, over the limit of 100 cells beyond the "
        "operands' 105 (refconv.spec.CELL_LIMIT); expected a smaller problem, or a larger refconv.spec.CELL_LIMIT"
    )
    with pytest.raises(ValueError) as info:
        refconv.conv(np.ones((1, 1, 5)), np.ones((100, 1, 1)))
    assert str(info.value) == message


def test_check_working_set_allows_exactly_the_limit_and_names_the_method(monkeypatch):
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


@given(forward_layer())
def test_adjoint_phases_are_the_definition_cell_by_cell(case):
    from refconv.spec import adjoint_phases

    n, k, s, d, pads = case
    fwd = layer_spec("t", n, k, padding=pads, stride=s, dilation=d)
    phases = adjoint_phases(fwd)
    # By the definition, per axis: input cell i receives y[o] * w[t] for o*s + t*d - lo == i.
    wanted = [
        {
            i: pairs
            for i in range(g.n)
            if (
                pairs := {(o, t) for o in range(g.out) for t in range(g.k) if o * g.stride + t * g.dilation - g.lo == i}
            )
        }
        for g in fwd.axes
    ]
    if not all(wanted):  # an axis where no cell receives anything: no cell of the whole receives anything
        assert phases == ()
        return
    for axis, g in enumerate(fwd.axes):
        got = {}
        for a, taps, cells in [(p.spec.axes[axis], p.taps[axis], p.cells[axis]) for p in phases]:
            assert a.stride == 1 and a.k == len(taps) and len(range(g.n)[cells]) == a.out
            # Phase output j reads padded cell j + jj*dilation, that is y[j + jj*dilation - lo], through taps[jj].
            for j, i in enumerate(range(g.n)[cells]):
                pairs = {(j + jj * a.dilation - a.lo, t) for jj, t in enumerate(taps)}
                got[i] = {(o, t) for o, t in pairs if 0 <= o < g.out}
        assert {i: p for i, p in got.items() if p} == wanted[axis]
    # The phases partition the cells that receive anything: the product of the axes' phases.
    cells = [
        {idx for idx in np.ndindex(*n) if all(i in range(nn)[c] for i, nn, c in zip(idx, n, p.cells))} for p in phases
    ]
    assert sum(map(len, cells)) == len(set().union(*cells))


def test_a_phase_whose_cells_meet_no_output_is_left_out():
    # By hand (the thorough profile's case): one input cell, kernel 2 at dilation 2, padding 1.
    # The one output reads padded cells 0 and 2, input cells -1 and 1: cell 0 receives nothing,
    # so there is no phase (a phase there would multiply the weights by padding zeros).
    from refconv.spec import adjoint_phases

    assert adjoint_phases(layer_spec("t", (1,), (2,), padding=((1, 1),), dilation=(2,))) == ()
    # Stride 2, kernel 1, padding 1: outputs read cells -1 and 1; the even phase has no cell.
    assert adjoint_phases(layer_spec("t", (1,), (1,), padding=((1, 1),), stride=(2,))) == ()
    # Dilation 1: output 0 reads cells -1 and 0, so cell 0 takes tap 1 (the phase kernel [w1, w0]).
    (phase,) = adjoint_phases(layer_spec("t", (1,), (2,), padding=((1, 1),)))
    assert phase.taps == ((1, 0),) and phase.cells == (slice(0, 1, 1),)


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
    from refconv import conventions

    assert spec.BOUNDARIES is conventions.BOUNDARIES and spec.BOUNDARY_NAMES is conventions.BOUNDARY_NAMES
    assert spec.PARAMETER_NAMES is conventions.PARAMETER_NAMES and spec.same_pads is conventions.same_split
    assert spec.pool_spec("f", (4,), (2,)).output_shape == (2,)


# ---- pad_rule="onnx": the first window without an input cell -----------------------------------------


def _first_empty_by_hand(n, k, s, d, lo, hi):
    """Brute force: the first output whose taps o*s + t*d - lo (t < k) all miss [0, n), or None."""
    out = (n + lo + hi - d * (k - 1) - 1) // s + 1
    for o in range(out):
        if not any(0 <= o * s + t * d - lo < n for t in range(k)):
            return o
    return None


@given(
    st.integers(1, 6), st.integers(1, 4), st.integers(1, 4), st.integers(1, 9), st.integers(0, 12), st.integers(0, 12)
)
def test_onnx_pad_rule_refuses_the_first_empty_window(n, k, s, d, lo, hi):
    # Dilations past n let the taps step over the whole input, so empty windows need not be a prefix
    # or suffix; the refusal must name the first one, and pads leaving none must be accepted.
    if n + lo + hi < d * (k - 1) + 1:
        return  # the window does not fit: refused for kernel_size, not for padding
    first = _first_empty_by_hand(n, k, s, d, lo, hi)
    if first is None:
        assert spec.pool_spec("f", (n,), (k,), stride=s, dilation=d, padding=((lo, hi),), pad_rule="onnx")
    else:
        with pytest.raises(ValueError, match=rf"^f: padding=.* leaves output {first} on axis 0 without an input cell"):
            spec.pool_spec("f", (n,), (k,), stride=s, dilation=d, padding=((lo, hi),), pad_rule="onnx")


@given(st.integers(1, 60).flatmap(lambda m: st.tuples(*[st.integers(0, m - 1)] * 4, st.just(m))))
def test_first_in_residues_is_the_first_x_by_brute_force(args):
    # The smallest x >= 0 with low <= (a*x + b) mod m <= high: the residues repeat with period m,
    # so x in [0, m) is every candidate.
    a, b, one, two, m = args
    low, high = min(one, two), max(one, two)
    expected = next((x for x in range(m) if low <= (a * x + b) % m <= high), None)
    assert _builders._first_in_residues(a, b, m, low, high) == expected


def test_first_in_residues_past_int64_by_hand():
    # 3x mod m = 2**100 with m = 2**100 + 1 means 3x = 2**100 + j*m for some j >= 0.  j = 0: 2**100 = 1
    # (mod 3), no x.  j = 1: 3x = 2**101 + 1, and 2**101 = 2 (mod 3) makes it a multiple: the first x.
    m = 2**100 + 1
    assert _builders._first_in_residues(3, 0, m, 2**100, 2**100) == (2**101 + 1) // 3
    assert _builders._first_in_residues(2**99, 0, 2**100, 1, 2**99 - 1) is None  # multiples of 2**99 only


@pytest.mark.parametrize(
    ("n", "k", "s", "d", "lo", "hi", "first"),
    [
        # taps -4,-2,0 | -3,-1,1: output 1 misses the one input cell (the scan period is d/gcd(s, d) = 2)
        (1, 3, 1, 2, 4, 5, 1),
        # s=2, d=3: starts -6, -4: taps -6,-3,0 | -4,-1,2; the period is 3 windows, not d // s = 1
        (1, 3, 2, 3, 6, 6, 1),
        # only output 0 exists (taps -3, 0); output 1 (taps -2, 1) would miss but is not an output
        (1, 2, 1, 3, 3, 0, None),
        # the empty windows are the suffix 2, 3, 4 (they start at or past n = 2): the first is 2
        (2, 1, 1, 1, 0, 3, 2),
        # with lo = 1 the suffix starts at the first window past n + lo = 3: taps 2, 3 (output 3)
        (2, 2, 1, 1, 1, 4, 3),
        # a = o - d, taps a and a + d: output o misses iff a < 0 and o >= n; over 2**20 windows are scanned
        (1_499_999, 2, 1, 1_500_000, 1_500_000, 10, 1_499_999),
        # lengths past int64: taps -10**30, 0 | 1 - 10**30, 1; output 1 misses [0, 1)
        (1, 2, 1, 10**30, 10**30, 5, 1),
        # a stride past int64 alone: one window, taps -2, 0, which holds the input cell 0
        (1, 2, 2**64, 2, 2, 0, None),
        # stride 2: windows start at 0, 2; the last (one tap at 2) misses [0, 1): the first empty is 1
        (1, 1, 2, 1, 0, 2, 1),
        # a window of one tap at -1 (lo = 1 is not a multiple of d = 2): output 0 is empty
        (2, 1, 1, 2, 1, 0, 0),
        # d = n: taps -2, 0 | -1, 1 cannot step over the input, both windows hold a cell
        (2, 2, 1, 2, 2, 0, None),
        # s=3, d=4: taps -2,2 | 1,5 | 4,8 | 7,11 over [0, 3): output 2 is the first empty one, at the
        # input's end (the first window stepping over it in the left padding would be output 3)
        (3, 2, 3, 4, 2, 9, 2),
    ],
)
def test_onnx_pad_rule_first_empty_window_by_hand(n, k, s, d, lo, hi, first):
    call = {"stride": s, "dilation": d, "padding": ((lo, hi),), "pad_rule": "onnx"}
    if first is None:
        assert spec.pool_spec("f", (n,), (k,), **call).output_shape == ((n + lo + hi - d * (k - 1) - 1) // s + 1,)
    else:
        with pytest.raises(ValueError, match=rf"^f: padding=.* leaves output {first} on axis 0 without an input cell"):
            spec.pool_spec("f", (n,), (k,), **call)


def test_pool_spec_messages_repeat_the_one_entry_form_as_given():
    # A 1-D pool's (0,) is already one entry per axis: the message repeats the user's value.
    with pytest.raises(ValueError) as info:
        spec.pool_spec("f", (5,), (2,), stride=(0,))
    assert str(info.value) == "f: stride=(0,) has an entry 0 < 1; expected ints >= 1"


# ---- the memory budget: what is counted and how it is said ----------------------------------------------


def test_held_cells_counts_the_logical_size_of_what_is_not_strided():
    import types

    from refconv.spec import held_cells

    assert held_cells(2.5) == 1  # a scalar: one cell
    assert held_cells(types.SimpleNamespace(shape=(3, 4))) == 12  # a lazy array without strides
    assert held_cells(types.SimpleNamespace(shape=(3, 0))) == 0


def test_budget_bytes_is_eight_bytes_per_cell(monkeypatch):
    assert spec.budget_bytes() == 800_000_000
    monkeypatch.setattr(spec, "CELL_LIMIT", 7)
    assert spec.budget_bytes() == 56


def test_check_working_set_says_gib_and_no_alternative_when_none_fits():
    with pytest.raises(ValueError) as info:
        spec.check_working_set("conv", "fft", 3 * 2**30, 0)
    assert str(info.value) == (
        "conv: method='fft' needs a working set of 3,221,225,472 bytes (3.0 GiB), over the limit of 800,000,000 "
        "bytes: 100,000,000 cells of 8 bytes beyond the operands' 0 (refconv.spec.CELL_LIMIT); expected a smaller "
        "problem, or a larger refconv.spec.CELL_LIMIT"
    )


# ---- LayerCall: its hook, its defaults and its whole messages ---------------------------------------------


def test_layer_call_checks_x_with_the_callers_hook():
    from refconv.spec import LayerCall

    seen = []

    def as_x(func, x):
        seen.append(func)
        return np.asarray(x, dtype=object)  # not what the default check would make of a float list

    call = LayerCall.conv("g", [[1.0, 2.0, 3.0]], np.ones((1, 1, 2)), as_x=as_x)
    t = LayerCall.conv_transpose("h", [[1.0, 2.0]], np.ones((1, 1, 2)), as_x=as_x)
    assert seen == ["g", "h"] and call.x.dtype == object and t.x.dtype == object


def test_layer_call_transpose_defaults_are_stride_1_and_groups_1():
    from refconv.spec import LayerCall

    # stride 1, groups 1: (C_in=2, C_out/groups=3, k=2) on length 4 gives (1, 3, 4 + 2 - 1).
    t = LayerCall.conv_transpose("f", np.ones((1, 2, 4)), np.ones((2, 3, 2)))
    assert (t.groups, t.c_out, t.out_shape) == (1, 3, (1, 3, 5))


@pytest.mark.parametrize(
    ("make", "x", "w", "kwargs", "message"),
    [
        ("conv", (1, 1, 5), (1, 1, 3), {"groups": "2"}, "f: groups='2' is not an integer; expected an int >= 1"),
        (
            "conv",
            (1, 1, 5),
            (0, 1, 3),
            {},
            "f: w.shape=(0, 1, 3) has an axis of length 0; expected channel and kernel lengths >= 1",
        ),
        (
            "conv",
            (5,),
            (1, 1, 3),
            {},
            "f: x.shape=(5,) has 1 axes but w.shape=(1, 1, 3) has 1 kernel axes; expected x of 3 axes "
            "(N, C, *spatial) or 2 axes (C, *spatial, unbatched)",
        ),
        (
            "conv",
            (1, 0, 5),
            (1, 1, 3),
            {},
            "f: x.shape=(1, 0, 5) has a channel or spatial axis of length 0; expected channel and spatial "
            "lengths >= 1 (only the batch axis may be empty)",
        ),
        (
            "conv",
            (1, 2, 5),
            (1, 2, 2),
            {"groups": 3},
            "f: groups=3 does not divide C_in = x.shape[1] = 2; expected groups dividing both C_in and C_out",
        ),
        (
            "conv",
            (3, 5),
            (2, 2, 3),
            {},
            "f: x.shape=(3, 5) has C_in = 3 channels (read as unbatched (C_in, *spatial)) but w.shape=(2, 2, 3) "
            "with groups=1 takes w.shape[1]*groups = 2*1 = 2; expected x.shape[1] == w.shape[1]*groups "
            "(the weight is (C_out, C_in/groups, *kernel))",
        ),
        (
            "conv_transpose",
            (1, 3, 5),
            (3, 1, 2),
            {"groups": 2},
            "f: groups=2 does not divide C_in = x.shape[1] = 3; expected groups dividing C_in",
        ),
        (
            "conv_transpose",
            (1, 3, 5),
            (2, 1, 2),
            {},
            "f: x.shape=(1, 3, 5) has C_in = 3 channels but w.shape[0] = 2; expected x.shape[1] == w.shape[0] "
            "(the transposed weight is (C_in, C_out/groups, *kernel))",
        ),
    ],
)
def test_layer_call_refusals_word_for_word(make, x, w, kwargs, message):
    from refconv.spec import LayerCall

    with pytest.raises((ValueError, TypeError)) as info:
        getattr(LayerCall, make)("f", np.ones(x), np.ones(w), **kwargs)
    assert str(info.value) == message
