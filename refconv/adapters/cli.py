"""``refconv check TARGET [--op OP] [--dtype ...]``: check one implementation from the shell.

TARGET is an adapter (``torch``, ``scipy.correlate2d``; a peer name alone checks all of its
adapters, or its adapter for ``--op``) or ``module:function``, a function with refconv's
signature for ``--op``.  ``--device DEVICE`` runs a torch, jax or cupy adapter there (``cpu``, ``cuda:1``,
``gpu:0``; a device the peer lacks is refused, listing those it has): the target is labelled
``name@device`` and the peer's math flags in force are printed under the table.  Progress goes to
stderr; the final table to stdout, then the repro of every failure.  Exit status: 0 when everything
checked conforms, 1 when something does not, 2 for a bad command line.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import numpy as np

from .._validation import argument_error
from . import ADAPTERS, PEERS, Unsupported, adapters, available, check, resolve
from ._registry import OnDevice, on_device

#: refconv's parameter names -> ``refconv check``'s arguments, for messages.
_OPTIONS = {
    "target": "TARGET",
    "op": "--op",
    "dtype": "--dtype",
    "max_examples": "--max-examples",
    "seed": "--seed",
    "like": "--like",
    "ranks": "--ranks",
    "skip_known": "--skip-known",
    "device": "--device",
    "table": "--layers",
    "size": "--size",
    "operands": "--operands",
}


def _bad_option(args: argparse.Namespace) -> str | None:
    """A message for an argument refconv's own checks would misname (None if all are fine):
    ``--like`` names an adapter (``check`` would call it ``target``), ``--dtype`` NumPy dtypes."""
    if args.like is not None:
        try:
            info = resolve(args.like, args.op)[1]
        except (ValueError, TypeError, ImportError) as exc:
            return f"refconv check: argument --like: {exc}"
        if info is None:
            return f"refconv check: argument --like: {args.like!r} is not an adapter; expected e.g. scipy.correlate"
    for name in args.dtype or ():
        try:
            np.dtype(name)
        except TypeError:
            return f"refconv check: argument --dtype: {name!r} is not a NumPy dtype; expected e.g. float32 float64"
    return None


def add_parser(sub: Any) -> None:
    """Add the ``check`` subcommand to ``refconv``'s subparsers.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="refconv")
    >>> add_parser(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["check", "torch", "--op", "conv", "--dtype", "float64"])
    >>> args.target, args.op, args.dtype, args.handler is run
    ('torch', 'conv', ['float64'], True)
    """
    p = sub.add_parser("check", help="check one implementation (an adapter or module:function); exit 1 if it fails")
    p.add_argument("target", metavar="TARGET", help="adapter (torch, scipy.correlate2d, ...) or module:function")
    p.add_argument("--op", help="the op: conv, conv_transpose, correlate, convolve, max_pool, avg_pool")
    p.add_argument(
        "--dtype", nargs="+", metavar="DTYPE", help="operand dtypes (default: float32 float64, those the peer has)"
    )
    p.add_argument("--max-examples", type=int, default=200, metavar="N", help="examples per dtype (default 200)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="Hypothesis seed (default 0)")
    p.add_argument("--like", metavar="ADAPTER", help="draw the problems ADAPTER supports (for a user's wrapper)")
    p.add_argument("--ranks", type=int, nargs="+", metavar="R", help="spatial ranks to draw (default: 1 2)")
    p.add_argument("--skip-known", action="store_true", help="avoid the adapter's known findings")
    p.add_argument("--device", metavar="DEVICE", help="run a torch, jax or cupy adapter on DEVICE (cpu, cuda:1, gpu:0)")
    p.add_argument("--layers", metavar="TABLE", help="check on real layers: resnet50, mobilenetv2, unet, wav2vec2, all")
    p.add_argument("--size", choices=("quick", "full"), default="quick", help="layer sizes for --layers")
    p.add_argument("--operands", choices=("normal", "adversarial"), default="normal", help="operands for --layers")
    p.add_argument(
        "--reduce", action="store_true", help="with --layers: reduce each failing layer to a small counterexample"
    )
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(handler=run)


def _targets(args: argparse.Namespace) -> list[tuple[str, Any]]:
    """``(label, target)`` pairs: every adapter of a bare peer name (without --op), else the one target;
    with ``--device``, each bound to it (:class:`OnDevice`, labelled ``name@device``)."""
    if args.target in PEERS and args.op is None:
        if not available(args.target):
            raise Unsupported(f"refconv check: {args.target} is not installed")
        from ..exact import OPS

        found = [(a.name, a.name) for a in adapters(args.target) if a.op in OPS]
    else:
        _, info = resolve(args.target, args.op)
        found = [(info.name if info is not None else args.target, args.target)]
    if args.device is None:
        return found
    bound = []
    for label, target in found:
        fn, info = resolve(target, args.op)
        on = on_device("check", fn if info is not None else label, info, args.device)
        bound.append((f"{label}@{on.device}", on))
    return bound


def _flags(targets: list[tuple[str, Any]]) -> list[str]:
    """One line per peer run on a device: the device and the math flags in force."""
    lines = {}
    for _, target in targets:
        if isinstance(target, OnDevice):
            flags = ", ".join(f"{k}={v!r}" for k, v in target.flags().items())
            lines.setdefault(target.adapter.peer, f"{target.adapter.peer} on {target.device}: {flags}")
    return list(lines.values())


def _row(label: str, dtype: str, result: Any, elapsed: float, space: Any) -> tuple[str, ...]:
    """One table row for a finished check; a failure that a known finding explains says so."""
    verdict = "PASS" if result.passed else "FAIL"
    note = "" if result.passed else result.reason
    if not result.passed and space is not None:
        case = (result.counterexample.args, result.counterexample.kwargs)
        known = [f for f in space.findings if not f.avoids(*case)]
        if known:
            note = f"known finding {known[0].name} ({known[0].link}); --skip-known avoids it"
    ratio = f"{result.worst_ratio:.3g}"
    return (label, result.op, dtype, verdict, str(result.examples), ratio, f"{elapsed:.1f}s", note)


def run(args: argparse.Namespace) -> int:
    """Run ``refconv check``; the exit status.

    Examples
    --------
    >>> from refconv.cli import main
    >>> main(["check", "numpy.convolve", "--dtype", "float64", "--max-examples", "5", "--quiet"])
    ... # doctest: +ELLIPSIS
    target          op        dtype    verdict  examples  worst |err|/bound  time  note
    --------------  --------  -------  -------  --------  -----------------  ----...
    numpy.convolve  convolve  float64  PASS     ...
    0
    """
    progress_on = not args.quiet
    if message := _bad_option(args):
        print(message, file=sys.stderr)
        return 2
    try:
        targets = _targets(args)
    except (ValueError, TypeError, ImportError) as exc:
        print(argument_error("check", exc, _OPTIONS), file=sys.stderr)
        return 2
    if args.layers:
        return _run_layers(args, targets)
    rows, failures = [], []
    for label, target in targets:
        _, info = resolve(target, args.op)
        space = ADAPTERS.get(args.like) if args.like else info
        dtypes = args.dtype or [d for d in ("float32", "float64") if space is None or d in space.dtypes]
        for dtype in dtypes:
            start = time.perf_counter()

            def progress(n: int, label=label, dtype=dtype) -> None:
                if progress_on and (n % 10 == 0 or n == 1):
                    sys.stderr.write(f"\r{label} {dtype}: {n} problems drawn")
                    sys.stderr.flush()

            try:
                result = check(
                    target,
                    args.op,
                    like=args.like,
                    dtype=dtype,
                    max_examples=args.max_examples,
                    seed=args.seed,
                    skip_known=args.skip_known,
                    progress=progress,
                    **({"ranks": tuple(args.ranks)} if args.ranks else {}),
                )
            except Unsupported as exc:
                rows.append((label, args.op or info.op, dtype, "UNSUPPORTED", "-", "-", "-", str(exc)))
                continue
            except (ValueError, TypeError) as exc:
                print("\n" + argument_error("check", exc, _OPTIONS), file=sys.stderr)
                return 2
            elapsed = time.perf_counter() - start
            if progress_on:
                sys.stderr.write(f"\r{label} {dtype}: {'ok' if result.passed else 'FAILED'} ({elapsed:.1f}s)\n")
            rows.append(_row(label, dtype, result, elapsed, space))
            if not result.passed:
                failures.append(result)
    print(_table(rows))
    for line in _flags(targets):
        print(line)
    for result in failures:
        print()
        print(result)
    if any(r[3] == "UNSUPPORTED" for r in rows) and all(r[3] == "UNSUPPORTED" for r in rows):
        return 2
    return 1 if failures else 0


def _run_layers(args: argparse.Namespace, targets: list[tuple[str, Any]]) -> int:
    """``--layers``: the target's conv and conv_transpose on a table of real layers
    (:func:`refconv.layer_tables.check_layers`), one report per dtype; the exit status."""
    from ..layer_tables import check_layers

    impl = {}
    for _, target in targets:
        fn, info = resolve(target, args.op)
        op = args.op or (info.op if info is not None else "conv")
        if op in ("conv", "conv_transpose"):
            impl[op] = fn
    if not impl:
        print(f"refconv check: argument --layers: {args.target!r} has no conv or conv_transpose", file=sys.stderr)
        return 2
    code = 0
    for dtype in args.dtype or ["float32"]:
        try:
            report = check_layers(
                impl,
                args.layers,
                size=args.size,
                dtype=dtype,
                seed=args.seed,
                operands=args.operands,
                reduce=args.reduce,
                progress=None if args.quiet else _layer_progress(dtype),
            )
        except (ValueError, TypeError) as exc:
            print(argument_error("check", exc, _OPTIONS), file=sys.stderr)
            return 2
        print(report)
        code = code or (0 if report.passed else 1)
    return code


def _layer_progress(dtype: str):
    """``check_layers``' progress, one line on stderr rewritten per layer."""

    def show(done: int, total: int, name: str) -> None:
        end = "\n" if done == total else ""
        sys.stderr.write(f"\rlayers {dtype}: {done}/{total} {name:<48}{end}")
        sys.stderr.flush()

    return show


def _table(rows: list[tuple]) -> str:
    head = ("target", "op", "dtype", "verdict", "examples", "worst |err|/bound", "time", "note")
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head) - 1)]
    lines = ["  ".join(str(h).ljust(w) for h, w in zip(head, widths)) + "  " + head[-1]]
    lines.append("  ".join("-" * w for w in widths) + "  ----")
    lines += ["  ".join(str(v).ljust(w) for v, w in zip(r, widths)) + "  " + r[-1] for r in rows]
    return "\n".join(lines)


__all__ = ["add_parser", "run"]
