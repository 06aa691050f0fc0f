"""Checking an implementation on real layers: the per-layer report, the reducer, the heatmap."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .._validation import check_bool, check_choice, fail, is_int
from ..conformance._judge import Verdict, _compare, _reference
from ..conformance._run import _fails_as, _failure_class, _refconv_accepts, evaluate
from ..problem import Problem
from ..reduce import reduce as reduce_problem
from ._tables import _DTYPES, _OPERANDS, _SIZES, Layer, layers

__all__ = ["LayerResult", "LayersReport", "check_layers", "heatmap"]


@dataclass
class LayerResult:
    """How an implementation did on one layer (one row of a :class:`LayersReport`).

    Parameters
    ----------
    layer : Layer
        The layer checked.
    shape : tuple of int
        The input shape run (the layer's quick or full shape).
    verdict : Verdict
        :func:`refconv.conformance.judge`'s judgement: passed, or the worst output and why.
    outputs : int
        The number of outputs.
    over : int
        Outputs whose ``|error| / bound`` exceeds 1 (0 for a pass; all outputs for a result
        that is no answer: an exception, a wrong shape).
    worst_ratio : float
        The largest ``|error| / bound`` over the outputs (``inf`` where no answer came).
    seconds : float
        The implementation's time on the layer.
    reference_seconds : float
        The exact reference's and the bound's time.
    ratio_map : ndarray or None
        The worst ``|error| / bound`` at each position of the output plane (the maximum over
        batch and channels, and over depth for a 3-D layer): where the excess lies.  None
        where no answer came.
    counterexample : Reduction or None
        With ``check_layers(..., reduce=True)``, a failing layer's problem reduced by
        :func:`refconv.reduce.reduce` (the same failure, 1-minimal within the budget); its
        ``.problem`` is a small call that fails as the layer did.

    See Also
    --------
    check_layers : makes the rows.
    heatmap : draws ``ratio_map``.

    Examples
    --------
    >>> import refconv
    >>> r = check_layers(refconv.conv_transpose, "unet.up4.up").rows[0]
    >>> r.passed, r.over, r.fraction, r.outputs, r.ratio_map.shape
    (True, 0, 0.0, 65536, (32, 32))
    """

    layer: Layer
    shape: tuple
    verdict: Verdict
    outputs: int
    over: int
    worst_ratio: float
    seconds: float
    reference_seconds: float
    ratio_map: np.ndarray | None = field(default=None, repr=False)
    counterexample: Any = field(default=None, repr=False)

    @property
    def passed(self) -> bool:
        """The verdict: every output within the bound."""
        return self.verdict.passed

    @property
    def fraction(self) -> float:
        """``over / outputs``."""
        return self.over / self.outputs if self.outputs else 0.0

    def line(self) -> str:
        """One line of the report's table."""
        status = "ok  " if self.passed else "FAIL"
        where = "" if self.passed else f"  worst at {self.verdict.index}  {self.verdict.reason}"
        return (
            f"{status} {self.layer.name:<40} {self.over:>8} {self.fraction:>9.4f} {self.worst_ratio:>10.3g} "
            f"{self.seconds:>8.3f} {self.reference_seconds:>8.3f}{where}"
        )


@dataclass
class LayersReport:
    """What :func:`check_layers` found: one :class:`LayerResult` per layer, and a printable table.

    Parameters
    ----------
    rows : list of LayerResult
        One per layer, in the table's order.
    size, dtype, operands : str
        The run's settings.
    arithmetic : object
        The arithmetic the bound was for (None: the dtype's own).

    See Also
    --------
    check_layers : makes it.
    LayerResult : one row.

    Examples
    --------
    >>> import refconv
    >>> report = check_layers(refconv.conv_transpose, "unet")
    >>> report.passed, [row.over for row in report.rows], report.failed
    (True, [0, 0], [])
    >>> print(str(report).splitlines()[0])  # doctest: +NORMALIZE_WHITESPACE
    check_layers(size='quick', dtype='float32', operands='normal', arithmetic=None): 2 layers, 0 failed
    """

    rows: list
    size: str = "quick"
    dtype: str = "float32"
    operands: str = "normal"
    arithmetic: Any = None

    @property
    def passed(self) -> bool:
        """Every layer passed."""
        return all(row.passed for row in self.rows)

    @property
    def failed(self) -> list:
        """The names of the layers that failed."""
        return [row.layer.name for row in self.rows if not row.passed]

    def __str__(self) -> str:
        head = (
            f"check_layers(size={self.size!r}, dtype={self.dtype!r}, operands={self.operands!r}, "
            f"arithmetic={self.arithmetic!r}): {len(self.rows)} layers, {len(self.failed)} failed"
        )
        columns = f"     {'layer':<40} {'over':>8} {'fraction':>9} {'worst':>10} {'impl s':>8} {'ref s':>8}"
        reduced = [
            f"  {row.layer.name} reduced to {row.counterexample.problem.describe()}"
            for row in self.rows
            if row.counterexample is not None
        ]
        return "\n".join([head, columns, *(row.line() for row in self.rows), *reduced])


def check_layers(
    impl: Callable,
    table: Any = "all",
    *,
    size: str = "quick",
    dtype: Any = "float32",
    arithmetic: Any = None,
    seed: int = 0,
    operands: str = "normal",
    reduce: bool = False,
    max_shrinks: int = 5000,
    progress: Callable[[int, int, str], None] | None = None,
) -> LayersReport:
    """Check ``impl`` on real layers: outputs over the rigorous bound, worst ratio and time per layer.

    Each layer's operands are drawn from ``seed`` and the layer's name (the same operands on every
    run); the exact, correctly rounded reference and the bound are computed first, as
    :func:`refconv.conformance.judge` computes them, then ``impl`` runs once on copies and is
    judged by the same comparison.  No bias is passed (the layers' biases, where they have one,
    are folded into a following batch norm).

    Parameters
    ----------
    impl : callable or dict
        Called as refconv's function for the layer's op is:
        ``impl(x, w, None, stride=, padding=, dilation=, groups=)`` (``conv`` or
        ``conv_transpose``), e.g. :func:`refconv.adapters.torch.conv`; or a dict of such
        callables by op, ``{"conv": f, "conv_transpose": g}``, for tables with both ops
        (:data:`TABLES` has ``conv_transpose`` only in ``"unet"``).
    table : str or sequence of (str or Layer), default "all"
        As in :func:`layers`.
    size : {"quick", "full"}, default "quick"
        The layers' CI-sized or real input shapes (see :class:`Layer`).
    dtype : {"float16", "float32", "float64"}, default "float32"
        The operands' dtype, and the dtype the results are judged in.
    arithmetic : Arithmetic or str, optional
        The arithmetic the bound is for, as in :func:`refconv.error_bound` (default: the
        dtype's own).
    seed : int, default 0
        Seeds every layer's operands.
    operands : {"normal", "adversarial"}, default "normal"
        How operands are drawn (see the module's notes): standard normal, or positive with
        ``1010...`` below bfloat16's precision so that reduced-precision rounding adds up.
    reduce : bool, default False
        Reduce each failing layer's problem to a small counterexample that fails the same way
        (:func:`refconv.reduce.reduce`, as :func:`refconv.check` reduces its failures), kept in
        the row's ``counterexample``.
    max_shrinks : int, default 5000
        The reducer's budget of calls per failing layer.
    progress : callable, optional
        ``progress(done, total, name)``, called before each layer and once at the end
        (``done == total``): a full table is minutes of work.

    Returns
    -------
    LayersReport
        One :class:`LayerResult` per layer; ``str()`` of it is a table.

    See Also
    --------
    heatmap : draws where a layer's excess lies.
    refconv.check : searches random problems and reduces a failure.
    refconv.conformance.judge : the judgement of one result.

    Examples
    --------
    refconv's own float32 ``conv`` (float32 operands, computed exactly then rounded) passes;
    one that truncates its products to bfloat16 does not:

    >>> import refconv
    >>> table = ["mobilenetv2.features.1.conv.0.0", "resnet50.conv1"]
    >>> check_layers(refconv.conv, table).passed
    True
    >>> def bf16(a):
    ...     return (a.view(np.uint32) & np.uint32(0xFFFF0000)).view(np.float32)
    >>> report = check_layers(lambda x, w, b, **kw: refconv.conv(bf16(x), bf16(w), b, **kw), table)
    >>> report.failed == table, all(row.fraction > 0.5 for row in report.rows)
    (True, True)

    ``reduce=True`` turns a failing layer into a small call that fails the same way:

    >>> report = check_layers(lambda x, w, b, **kw: refconv.conv(bf16(x), bf16(w), b, **kw), table[:1], reduce=True)
    >>> small = report.rows[0].counterexample.problem
    >>> small.args[0].size <= 4 and small.args[1].size <= 4
    True
    """
    rows = layers(table)
    impls = _impls(impl, rows)
    size = check_choice("check_layers", "size", size, _SIZES)
    dtype_name = check_choice("check_layers", "dtype", np.dtype(dtype).name if _is_dtype(dtype) else dtype, _DTYPES)
    operands = check_choice("check_layers", "operands", operands, _OPERANDS)
    if not is_int(seed) or seed < 0:
        raise fail("check_layers", "seed", seed, "is not a non-negative int", "an int >= 0", TypeError)
    check_bool("check_layers", "reduce", reduce)
    if not is_int(max_shrinks) or max_shrinks < 0:
        raise fail("check_layers", "max_shrinks", max_shrinks, "is not a non-negative int", "an int >= 0", TypeError)
    if progress is not None and not callable(progress):
        raise fail(
            "check_layers", "progress", progress, "is not callable", "progress(done, total, name) or None", TypeError
        )
    results = []
    for done, layer in enumerate(rows):
        if progress is not None:
            progress(done, len(rows), layer.name)
        row = _check_one(impls[layer.op], layer, size, dtype_name, arithmetic, int(seed), operands)
        if reduce and not row.passed:
            problem = layer.problem(size, dtype_name, int(seed), operands)
            row = replace(row, counterexample=_reduced(impls[layer.op], problem, row.verdict, arithmetic, max_shrinks))
        results.append(row)
    if progress is not None:
        progress(len(rows), len(rows), "")
    return LayersReport(results, size, dtype_name, operands, arithmetic)


def _reduced(impl: Callable, problem: Problem, verdict: Verdict, arithmetic: Any, budget: int):
    """The failing layer's problem reduced as :func:`refconv.check` reduces its failures."""
    kind = _failure_class(verdict)
    dtype = problem.args[0].dtype

    def fails(candidate: Problem) -> bool:
        return _fails_as(evaluate(impl, candidate, dtype=dtype, arithmetic=arithmetic), kind)

    return reduce_problem(problem, fails, valid=_refconv_accepts, budget=budget)


def _impls(impl: Any, rows: tuple[Layer, ...]) -> dict:
    """The implementation of each op the rows need: one callable for all, or a mapping by op."""
    ops = sorted({layer.op for layer in rows})
    if callable(impl):
        return dict.fromkeys(ops, impl)
    if not isinstance(impl, Mapping) or not all(callable(impl.get(op)) for op in impl):
        raise fail(
            "check_layers", "impl", impl, "is not callable", "a function, or a dict of functions by op", TypeError
        )
    missing = [op for op in ops if op not in impl]
    if missing:
        raise fail("check_layers", "impl", impl, f"has no implementation of {missing}", f"a dict with keys {ops}")
    return dict(impl)


def _is_dtype(value: Any) -> bool:
    try:
        np.dtype(value)
    except TypeError:
        return False
    return value is not None


def _check_one(impl, layer: Layer, size: str, dtype: str, arithmetic: Any, seed: int, operands: str) -> LayerResult:
    problem = layer.problem(size, dtype, seed, operands)
    start = time.perf_counter()
    ref = _reference(problem, dtype=dtype, arithmetic=arithmetic)
    ref_seconds = time.perf_counter() - start
    outputs = int(np.prod(ref.shape))
    try:
        start = time.perf_counter()
        actual = problem.call(impl)
    except Exception as exc:  # the implementation raised: the layer failed, with the message
        seconds = time.perf_counter() - start
        verdict = Verdict(False, f"raised {type(exc).__name__}: {exc}", got=repr(exc), ratio=np.inf)
        return LayerResult(layer, problem.args[0].shape, verdict, outputs, outputs, np.inf, seconds, ref_seconds)
    seconds = time.perf_counter() - start
    verdict = _compare(actual, ref)
    got = np.asarray(actual)
    if got.shape != ref.shape or not isinstance(ref.bound, np.ndarray) or got.dtype.kind != "f":
        over = 0 if verdict.passed else outputs
        return LayerResult(layer, problem.args[0].shape, verdict, outputs, over, verdict.ratio, seconds, ref_seconds)
    ratio = _ratios(got, ref.y64, ref.bound)
    # The count reads the float64 ratio; the verdict decides outputs within 2**-52 of the bound
    # exactly, so a pass counts no output over it.
    over = 0 if verdict.passed else max(1, int(np.count_nonzero(ratio > 1)))
    plane = ratio.max(axis=(0, 1)) if ratio.ndim <= 4 else ratio.max(axis=tuple(range(ratio.ndim - 2)))
    return LayerResult(layer, problem.args[0].shape, verdict, outputs, over, verdict.ratio, seconds, ref_seconds, plane)


def _ratios(got: np.ndarray, y64: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """``|got - y64| / bound`` per output, as the judgement's worst ratio is computed (``inf`` for an
    error over a zero bound, or a non-finite answer to a finite value)."""
    g64 = got.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        err = np.where(np.isfinite(y64) & ~np.isfinite(g64), np.inf, np.where(np.isfinite(y64), np.abs(g64 - y64), 0))
        return np.where(bound > 0, err / bound, np.where(err > 0, np.inf, 0.0))


def heatmap(result: LayerResult, path: Any = None):
    """Draw a layer's worst ``|error| / bound`` over the output plane (matplotlib, imported here).

    Positions over the bound are outlined; a blocked kernel's tile edges show up as lines of
    larger (or smaller) ratios.  A 1-D layer is drawn as a strip.

    Parameters
    ----------
    result : LayerResult
        A row of :func:`check_layers`' report that has a ``ratio_map``.
    path : str or path-like, optional
        Where to save the figure (any format matplotlib writes, by the suffix).

    Returns
    -------
    matplotlib.figure.Figure
        The figure (not attached to pyplot: no window opens, nothing global changes).

    See Also
    --------
    check_layers : makes the rows.

    Examples
    --------
    >>> import refconv
    >>> row = check_layers(refconv.conv, "resnet50.conv1").rows[0]
    >>> fig = heatmap(row)
    >>> fig.axes[0].get_title()
    'resnet50.conv1: |error| / bound (worst 0.0474, 0 of 16384 over)'
    """
    if not isinstance(result, LayerResult):
        raise fail("heatmap", "result", result, "is not a LayerResult", "a row of check_layers(...).rows", TypeError)
    if result.ratio_map is None:
        raise fail("heatmap", "result", result.layer.name, "has no ratio map (no answer came)", "an answered layer")
    from matplotlib.figure import Figure

    plane = result.ratio_map if result.ratio_map.ndim == 2 else result.ratio_map[None, :]
    fig = Figure(figsize=(6, 5 if plane.shape[0] > 1 else 2.2), layout="constrained")
    ax = fig.add_subplot()
    finite = np.where(np.isfinite(plane), plane, np.nan)
    image = ax.imshow(finite, cmap="viridis", aspect="auto", interpolation="nearest")
    if (plane > 1).any() and min(plane.shape) > 1:  # a strip shows its excess by colour alone
        ax.contour(plane > 1, levels=[0.5], colors="red", linewidths=0.8)
    fig.colorbar(image, ax=ax, label="worst |error| / bound over batch and channels")
    ax.set_title(
        f"{result.layer.name}: |error| / bound (worst {result.worst_ratio:.3g}, {result.over} of {result.outputs} over)"
    )
    ax.set_xlabel("output column" if plane.shape[0] > 1 else "output position")
    ax.set_ylabel("output row" if plane.shape[0] > 1 else "")
    if path is not None:
        fig.savefig(path)
    return fig
