"""The ``refconv`` command line: ``refconv verify`` is the main job.

``refconv verify`` runs every check found by :func:`refconv.checks.discover`, shows progress on
stderr, prints a table of claims (seed reference, method, status, time) and exits non-zero if
any claim fails.  ``--report FILE`` writes the same table as Markdown with the seed's quotations.
"""

from __future__ import annotations

import argparse
import fnmatch
import sys
import time
import traceback
from collections.abc import Sequence

from .checks import Check, discover


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


def _markdown(rows) -> str:
    out = [
        "# refconv verify report",
        "",
        "| claim | seed | quotation | method | status | time | detail |",
        "|---|---|---|---|---|---|---|",
    ]
    for c, ok, d, t in rows:
        cells = [
            c.name + ": " + c.claim,
            c.seed,
            f"“{c.quote}”" if c.quote else "",
            c.method,
            "PASS" if ok else "**FAIL**",
            f"{t:.2f}s",
            d,
        ]
        out.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    passed = sum(ok for _, ok, _, _ in rows)
    out += ["", f"{passed} of {len(rows)} claims pass."]
    return "\n".join(out) + "\n"


def verify(args: argparse.Namespace) -> int:
    checks = [c for c in discover() if not args.only or any(fnmatch.fnmatch(c.name, p) for p in args.only)]
    if not checks:
        print(f"refconv verify: --only {args.only} matches no claim", file=sys.stderr)
        return 2
    progress = _silent if args.quiet else (lambda text: (sys.stderr.write(text), sys.stderr.flush()))
    rows = _run_checks(checks, progress)
    print(_table(rows))
    failed = [c.name for c, ok, _, _ in rows if not ok]
    print(
        f"\n{len(rows) - len(failed)} of {len(rows)} claims pass" + (f"; FAILED: {', '.join(failed)}" if failed else "")
    )
    if args.report:
        with open(args.report, "w", encoding="utf-8") as fh:
            fh.write(_markdown(rows))
        print(f"report written to {args.report}")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="refconv", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_verify = sub.add_parser("verify", help="check every claim of the seed; exit 1 if any fails")
    p_verify.add_argument("--report", metavar="FILE", help="also write a Markdown report with quotations")
    p_verify.add_argument("--only", action="append", metavar="GLOB", help="run only claims matching GLOB")
    p_verify.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p_verify.set_defaults(handler=verify)
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
