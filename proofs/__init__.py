"""refconv's proofs: one SymPy proof per claim of the seed, each with negative controls.

This folder is installed as the top-level package ``refconv_proofs`` (``pyproject.toml`` maps it),
so ``refconv verify`` finds the proofs through the installed distribution
(:func:`refconv.checks.proofs.collect`), from a wheel as from a checkout.  The file convention
is described in :mod:`refconv.checks.proofs`.
"""
