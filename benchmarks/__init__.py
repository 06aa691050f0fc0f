"""asv benchmarks for refconv: see benchmarks/README.md for the workloads and expected ratios."""
