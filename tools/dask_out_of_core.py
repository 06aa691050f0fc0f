"""Correlate an image whose float64 result would not fit in this machine's memory.

The input is generated lazily (an integer pattern stored as float64, so every product and every
partial sum is an exactly representable integer), correlated with refconv.dask on a
``dask.distributed.LocalCluster`` whose workers have a memory limit, and reduced to a checksum
without ever materialising the result.  Two independent checks:

* one output chunk is recomputed in memory with :func:`refconv.correlate` from the matching input
  slice and compared exactly;
* the checksum equals ``sum_t w[t] * sum(x over the window of tap t)``, computed with plain Dask
  reductions (no convolution involved).

Usage::

    python tools/dask_out_of_core.py --side 57000 --workers 2 --memory-limit 3GiB

``--side 57000`` gives a 56998 x 56998 float64 result: 26.0 GB, more than the 24 GiB here.
"""

from __future__ import annotations

import argparse
import json
import threading
import time

import numpy as np


def pattern(block_info=None):
    """The input block at ``block_info``'s location: ``(3*i + 5*j) % 11``, as float64."""
    loc = block_info[None]["array-location"]
    i = np.arange(*loc[0])[:, None]
    j = np.arange(*loc[1])[None, :]
    return ((3 * i + 5 * j) % 11).astype(np.float64)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=57000)
    parser.add_argument("--chunk", type=int, default=4096)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="3GiB")
    parser.add_argument("--no-cluster", action="store_true", help="use the threaded scheduler (tests)")
    args = parser.parse_args(argv)

    import dask
    import dask.array as da

    import refconv
    import refconv.dask as rdask

    n = args.side
    w = np.array([[1.0, -2.0, 1.0], [2.0, 0.0, -2.0], [1.0, 3.0, -1.0]])
    x = da.map_blocks(
        pattern,
        chunks=((args.chunk,) * (n // args.chunk) + ((n % args.chunk,) if n % args.chunk else ()),) * 2,
        dtype=np.float64,
        meta=np.empty((0, 0)),
    )
    y = rdask.correlate(x, w)
    result_bytes = int(np.prod(y.shape)) * 8

    # Independent checksum: sum over taps of w[t] times the sum of x over the cells tap t reads.
    # Those windows miss at most two rows and two columns of x, so each window sum is the total
    # minus thin edge strips (inclusion-exclusion): one pass over x, no convolution involved.
    oi, oj = y.shape
    kr, kc = w.shape
    total, top, bottom, left, right = dask.compute(
        x.sum(), x[: kr - 1], x[n - kr + 1 :], x[:, : kc - 1], x[:, n - kc + 1 :]
    )
    rows = {i: top[i] for i in range(kr - 1)} | {n - kr + 1 + i: bottom[i] for i in range(kr - 1)}
    cols = {j: left[:, j] for j in range(kc - 1)} | {n - kc + 1 + j: right[:, j] for j in range(kc - 1)}

    def window_sum(a: int, b: int) -> float:
        out_rows = [i for i in rows if not a <= i < a + oi]
        out_cols = [j for j in cols if not b <= j < b + oj]
        missing = sum(rows[i].sum() for i in out_rows) + sum(cols[j].sum() for j in out_cols)
        return total - missing + sum(rows[i][j] for i in out_rows for j in out_cols)

    expected = sum(w[a, b] * window_sum(a, b) for a in range(kr) for b in range(kc))

    client = cluster = None
    if not args.no_cluster:
        from dask.distributed import Client, LocalCluster

        cluster = LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            memory_limit=args.memory_limit,
            dashboard_address=None,
            processes=True,
        )
        client = Client(cluster)
    samples: list[int] = []
    stop = threading.Event()

    def sample_memory() -> None:  # the cluster's total worker memory, twice a second
        while not stop.wait(0.5):
            workers = client.scheduler_info()["workers"].values()
            samples.append(sum(info["metrics"]["memory"] for info in workers))

    sampler = threading.Thread(target=sample_memory, daemon=True)
    if client is not None:
        sampler.start()
    start = time.perf_counter()
    got, squares = dask.compute(y.sum(), (y * y).sum())
    want = expected
    elapsed = time.perf_counter() - start
    stop.set()

    # One output chunk, recomputed in memory from its input slice.
    r0, c0 = y.chunks[0][0], y.chunks[1][0]
    chunk = y[:r0, :c0].compute()
    in_memory = refconv.correlate(x[: r0 + 2, : c0 + 2].compute(), w)
    if client is not None:
        sampler.join()
        client.close()
        cluster.close()
    report = {
        "result_shape": list(y.shape),
        "result_bytes": result_bytes,
        "checksum": float(got),
        "expected_checksum": float(want),
        "checksum_ok": bool(got == want),
        "sum_of_squares": float(squares),
        "chunk_ok": bool(np.array_equal(chunk, in_memory)),
        "seconds": round(elapsed, 1),
        "workers": args.workers,
        "memory_limit": args.memory_limit,
        "peak_cluster_memory_bytes": max(samples, default=None),
    }
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
