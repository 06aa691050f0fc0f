"""The ``refconv`` command line: ``refconv verify`` is the main job.

``refconv verify`` runs every check found by :func:`refconv.checks.discover` — the seed's claims
proven under ``proofs/`` (each with its negative control), the property checks and the figure
numbers — shows progress on stderr, prints a table of claims (seed reference, method, status,
time) and exits non-zero if any claim fails.  ``--report FILE`` writes the same table with the
seed's quotations: Markdown, or a standalone HTML page when ``FILE`` ends in ``.html``/``.htm``.
"""

from __future__ import annotations

import argparse
import fnmatch
import html
import os
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence

from ._validation import argument_error
from .checks import Check, discover

__all__ = ["write_report", "verify", "main"]


def _run_checks(checks: Sequence[Check], progress) -> list[tuple[Check, bool, str, float]]:
    rows = []
    for number, check in enumerate(checks, 1):
        progress(f"[{number}/{len(checks)}] {check.name} ... ")
        start = time.perf_counter()
        try:
            detail, ok = check.run(), True
        except Exception as exc:  # any failure of a claim is reported, not raised
            detail, ok = f"{type(exc).__name__}: {exc}".splitlines()[0][:300], False
            if progress is not _silent:
                traceback.print_exc(limit=3, file=sys.stderr)
        elapsed = time.perf_counter() - start
        progress(f"{'ok' if ok else 'FAIL'} ({elapsed:.2f}s)\n")
        rows.append((check, ok, detail, elapsed))
    return rows


def _silent(_text: str) -> None:
    pass


def _table(rows) -> str:
    head = ("claim", "seed", "method", "status", "time", "detail")
    body = [(c.name, c.seed, c.method, "PASS" if ok else "FAIL", f"{t:.2f}s", d) for c, ok, d, t in rows]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(5)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head[:5], widths)) + "  " + head[5]]
    lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 6)
    lines += ["  ".join(v.ljust(w) for v, w in zip(r[:5], widths)) + "  " + r[5] for r in body]
    return "\n".join(lines)


def _cell(text: str) -> str:
    """Text for one Markdown table cell: one line; pipes and emphasis characters escaped."""
    return re.sub(r"([\\`*_|<\[\]])", r"\\\1", " ".join(str(text).split()))


def _code(text: str) -> str:
    """A code span for one Markdown table cell (a detail such as ``a*w + b*x``): one line, pipes escaped."""
    return "`" + " ".join(str(text).split()).replace("`", "'").replace("|", "\\|") + "`" if text else ""


def _summary(rows) -> str:
    passed = sum(ok for _, ok, _, _ in rows)
    total = sum(t for _, _, _, t in rows)
    failed = [c.name for c, ok, _, _ in rows if not ok]
    return f"{passed} of {len(rows)} claims pass in {total:.1f}s" + (f"; FAILED: {', '.join(failed)}" if failed else "")


def _markdown(rows) -> str:
    from . import __version__

    out = [
        "# refconv verify report",
        "",
        f"refconv {__version__}. Every claim of the seed (chapter 9 of *Deep Learning*), with the seed's words, "
        "how it is established and whether it holds. A negative control applies a proof to a deliberately wrong "
        "claim and passes only if the proof rejects it.",
        "",
        f"**{_summary(rows)}.**",
        "",
        "| claim | seed | quotation | method | status | time | detail |",
        "|---|---|---|---|---|---|---|",
    ]
    for c, ok, d, t in rows:
        cells = [
            f"**{_cell(c.name)}**: {_cell(c.claim)}",
            _cell(c.seed),
            f"“{_cell(c.quote)}”" if c.quote else "",
            _cell(c.method),
            "PASS" if ok else "**FAIL**",
            f"{t:.2f}s",
            _code(d),
        ]
        out.append("| " + " | ".join(cells) + " |")
    out += ["", f"{sum(ok for _, ok, _, _ in rows)} of {len(rows)} claims pass."]
    return "\n".join(out) + "\n"


_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;max-width:110em}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.35em .5em;vertical-align:top;text-align:left}"
    "th{background:#f3f3f3}.pass{color:#126b12;font-weight:bold}.fail{color:#b00;font-weight:bold}"
    "blockquote{margin:0;font-style:italic}.detail{font-family:monospace;font-size:90%}"
)


def _html(rows) -> str:
    from . import __version__

    e = html.escape
    body = []
    for c, ok, d, t in rows:
        status = '<span class="pass">PASS</span>' if ok else '<span class="fail">FAIL</span>'
        quote = f"<blockquote>“{e(c.quote)}”</blockquote>" if c.quote else ""
        body.append(
            f'<tr id="{e(c.name)}"><td><b>{e(c.name)}</b><br>{e(c.claim)}</td><td>{e(c.seed)}</td><td>{quote}</td>'
            f'<td>{e(c.method)}</td><td>{status}</td><td>{t:.2f}s</td><td class="detail">{e(d)}</td></tr>'
        )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>refconv verify report</title>'
        f"<style>{_STYLE}</style></head><body>\n<h1>refconv verify report</h1>\n"
        f"<p>refconv {e(__version__)}. Every claim of the seed (chapter 9 of <i>Deep Learning</i>), with the "
        "seed's words, how it is established and whether it holds. A negative control applies a proof to a "
        "deliberately wrong claim and passes only if the proof rejects it.</p>\n"
        f"<p><b>{e(_summary(rows))}.</b></p>\n<table>\n<tr><th>claim</th><th>seed</th><th>quotation</th>"
        "<th>method</th><th>status</th><th>time</th><th>detail</th></tr>\n" + "\n".join(body) + "\n</table>\n"
        "</body></html>\n"
    )


def write_report(path: str, rows, extra: str = "") -> None:
    """Write the report: HTML when ``path`` ends in ``.html``/``.htm``, Markdown otherwise.

    ``extra`` (a Markdown section or an HTML fragment, e.g. the figures' links) is appended.
    """
    if path.lower().endswith((".html", ".htm")):
        text = _html(rows).replace("</body></html>", extra + "</body></html>")
    else:
        text = _markdown(rows) + (("\n" + extra) if extra else "")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def _output_file_problem(path: str) -> str | None:
    """Why ``path`` cannot be written as a file (None if it can), found by trying: an existing
    file is opened for appending (unchanged), a new one is created and removed again."""
    if os.path.isdir(path):
        return f"{path!r} is a directory; expected a file path"
    existed = os.path.exists(path)
    try:
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError as exc:
        return f"{path!r} cannot be written ({exc.strerror}); expected a file path in an existing, writable directory"
    if not existed:
        os.remove(path)
    return None


def _output_dir_problem(path: str) -> str | None:
    """Why ``path`` cannot serve as an output directory (None if it can): it must be a directory,
    or creatable as one, in which a file can be created.  A directory made here is kept (the
    command would make it anyway)."""
    if os.path.exists(path) and not os.path.isdir(path):
        return f"{path!r} exists and is not a directory; expected a directory path"
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        return f"{path!r} cannot be written ({exc.strerror}); expected a writable directory"
    return None


def _usage_error(command: str, option: str, problem: str) -> int:
    """Print argparse's form of a bad argument (``argument --report: ...``) and give its exit status, 2."""
    print(f"refconv {command}: argument {option}: {problem}", file=sys.stderr)
    return 2


def verify(args: argparse.Namespace) -> int:
    checks = [c for c in discover() if not args.only or any(fnmatch.fnmatch(c.name, p) for p in args.only)]
    if not checks:
        print(f"refconv verify: argument --only: {args.only} matches no claim", file=sys.stderr)
        return 2
    # Unusable output paths are found before the checks run (minutes), not after.
    if args.report and (problem := _output_file_problem(args.report)):
        return _usage_error("verify", "--report", problem)
    if args.figures and not args.report:
        return _usage_error("verify", "--figures", "is used only with --report; expected --report FILE too")
    if args.figures and (problem := _output_dir_problem(args.figures)):
        return _usage_error("verify", "--figures", problem)
    progress = _silent if args.quiet else (lambda text: (sys.stderr.write(text), sys.stderr.flush()))
    rows = _run_checks(checks, progress)
    print(_table(rows))
    failed = [c.name for c, ok, _, _ in rows if not ok]
    print("\n" + _summary(rows))
    if args.report:
        extra = ""
        if args.figures:
            from .figures import render, report_section  # matplotlib: an optional extra

            try:
                render(args.figures)
            except OSError as exc:  # the folder changed since it was checked
                return _usage_error("verify", "--figures", f"{args.figures!r} cannot be written ({exc})")
            extra = report_section(args.figures, args.report, html=args.report.lower().endswith((".html", ".htm")))
        try:
            write_report(args.report, rows, extra=extra)
        except OSError as exc:
            return _usage_error("verify", "--report", f"{args.report!r} cannot be written ({exc})")
        print(f"report written to {args.report}")
    return 1 if failed else 0


def _figures(args: argparse.Namespace) -> int:
    from .figures import render  # matplotlib is an optional extra: imported only for this command

    if problem := _output_dir_problem(args.out):
        return _usage_error("figures", "--out", problem)
    try:
        # render's progress lines announce every file written: the PNGs, then index.md, index.html, index.json.
        render(args.out, dpi=args.dpi, only=args.only, progress=print)
    except ImportError as exc:
        print(f"refconv figures: {exc}", file=sys.stderr)
        return 2
    except (ValueError, TypeError) as exc:
        print(argument_error("figures", exc, {"out_dir": "--out", "dpi": "--dpi", "only": "--only"}), file=sys.stderr)
        return 2
    except OSError as exc:  # the folder changed since it was checked
        return _usage_error("figures", "--out", f"{args.out!r} cannot be written ({exc})")
    return 0


_ENTRY = re.compile(r"(?P<sign>-?)(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<num>\d+(?:\.\d+)?)(?:/(?P<den>\d+))?)")


def _parse_entry(text: str, entry: str):
    """One kernel entry: a name (a SymPy symbol) or a number (``3``, ``-0.5``, ``2/3``; exact), parsed,
    never evaluated: the text of a command line is not Python."""
    import sympy

    match = _ENTRY.fullmatch(entry)
    if match is None:
        raise ValueError(
            f"KERNEL={text!r} has entry {entry!r}, which is neither a name nor a number; "
            "expected names like w or w_1 and numbers like 3, -0.5 or 2/3"
        )
    sign = -1 if match["sign"] else 1
    if match["name"]:
        return sign * sympy.Symbol(match["name"])
    if match["den"] is not None and int(match["den"]) == 0:
        raise ValueError(f"KERNEL={text!r} has entry {entry!r} with a zero denominator; expected a nonzero one")
    value = sympy.Rational(match["num"]) / (int(match["den"]) if match["den"] else 1)
    return sign * value


def _parse_kernel(text: str):
    """``"w x; y z"`` -> a 2x2 object array of SymPy symbols (numbers become exact SymPy numbers)."""
    import numpy as np

    rows = [row.replace(",", " ").split() for row in text.split(";")]
    if not rows or any(len(r) != len(rows[0]) or not r for r in rows):
        raise ValueError(
            f"KERNEL={text!r} is not rectangular; expected rows of equal length separated by ';', e.g. 'w x; y z'"
        )
    kernel = np.array([[_parse_entry(text, v) for v in r] for r in rows], dtype=object)
    return kernel[0] if len(rows) == 1 else kernel


def _parse_shape(text: str) -> tuple[int, ...]:
    """``"3x4"`` -> ``(3, 4)``, or a ValueError naming INPUT_SHAPE."""
    parts = text.lower().split("x")
    if not all(re.fullmatch(r"\d+", p.strip()) for p in parts):
        raise ValueError(f"INPUT_SHAPE={text!r} is not a shape; expected lengths joined by 'x', e.g. 3x4 or 5")
    return tuple(int(p) for p in parts)


#: refconv's parameter names -> ``refconv matrix``'s arguments, for messages.
_MATRIX_OPTIONS = {
    "w": "KERNEL",
    "input_shape": "INPUT_SHAPE",
    "mode": "--mode",
    "stride": "--stride",
    "dilation": "--dilation",
    "boundary": "--boundary",
}


def _matrix(args: argparse.Namespace) -> int:
    """Print the symbolic matrix of a correlation (and, with --apply, its outputs on symbols)."""
    import numpy as np
    import sympy

    from .convolution import correlate
    from .matrices import conv_matrix

    try:
        kernel = _parse_kernel(args.kernel)
        shape = _parse_shape(args.input_shape)
        kw = dict(mode=args.mode, stride=args.stride, dilation=args.dilation, boundary=args.boundary)
        matrix = conv_matrix(kernel, shape, format="sympy", **kw)
    except (ValueError, TypeError, sympy.SympifyError) as exc:
        print(argument_error("matrix", exc, _MATRIX_OPTIONS), file=sys.stderr)
        return 2
    print(f"conv_matrix(w={args.kernel!r}, input_shape={shape}, {', '.join(f'{k}={v!r}' for k, v in kw.items())}):")
    print(sympy.pretty(matrix, wrap_line=False))
    if args.apply:
        names = (
            sympy.symbols(f"x0:{int(np.prod(shape))}")
            if np.prod(shape) > 26
            else sympy.symbols(" ".join("abcdefghijklmnopqrstuvwxyz"[: int(np.prod(shape))]))
        )
        image = np.array(names, dtype=object).reshape(shape)
        print("\ninput:")
        print(sympy.pretty(sympy.Matrix(image.reshape(shape[0], -1))))
        print("\ncorrelate(input, w):")
        out = correlate(image, kernel, **kw)
        print(sympy.pretty(sympy.Matrix(out.reshape(out.shape[0], -1)), wrap_line=False))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="refconv", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_verify = sub.add_parser("verify", help="check every claim of the seed; exit 1 if any fails")
    p_verify.add_argument(
        "--report",
        metavar="FILE",
        help="also write the report with the seed's quotations (Markdown; HTML if FILE ends in .html)",
    )
    p_verify.add_argument("--only", action="append", metavar="GLOB", help="run only claims matching GLOB")
    p_verify.add_argument(
        "--figures",
        metavar="DIR",
        help="with --report (required): also draw the seed's figures into DIR (needs matplotlib) and link them "
        "from the report",
    )
    p_verify.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p_verify.set_defaults(handler=verify)
    p_figures = sub.add_parser("figures", help="draw the seed's figures from refconv's computations (needs matplotlib)")
    p_figures.add_argument(
        "--out", required=True, metavar="DIR", help="write one PNG per figure, index.md, index.html and index.json here"
    )
    p_figures.add_argument("--dpi", type=int, default=110, help="resolution of the PNGs (default 110)")
    p_figures.add_argument("--only", action="append", metavar="GLOB", help="draw only figures matching GLOB")
    p_figures.set_defaults(handler=_figures)
    p_matrix = sub.add_parser(
        "matrix",
        help="print the symbolic matrix of a correlation, e.g. figure 9.1: refconv matrix 'w x; y z' 3x4 --apply",
    )
    p_matrix.add_argument("kernel", help="kernel rows separated by ';', entries symbols or numbers: 'w x; y z'")
    p_matrix.add_argument("input_shape", help="input shape, e.g. 3x4")
    p_matrix.add_argument("--mode", default="valid", choices=("valid", "same", "full"))
    p_matrix.add_argument("--stride", type=int, default=1)
    p_matrix.add_argument("--dilation", type=int, default=1)
    p_matrix.add_argument("--boundary", default="constant")
    p_matrix.add_argument("--apply", action="store_true", help="also show correlate() on an input of symbols")
    p_matrix.set_defaults(handler=_matrix)
    from .adapters.cli import add_parser as add_check_parser  # `refconv check TARGET --op OP`

    add_check_parser(sub)
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
