"""Validate the public API's docstrings with numpydoc's own validator.

    python tools/check_docstrings.py            # one line per problem, exit 1 if any
    python tools/check_docstrings.py --summary  # counts per check code

The public API is every name in ``refconv.__all__`` and in the ``__all__`` of each public
submodule (:data:`PUBLIC_MODULES`); constants (non-callables) are documented in their module's
docstring and are not validated.  :data:`CHECKS` are the numpydoc codes enforced; the same set
is handed to Sphinx (``numpydoc_validation_checks`` in ``docs/conf.py``), so the site build with
``-W`` and this script fail on the same docstrings.  The site also takes its API pages from here:
one page per object of :func:`public_objects` (under the path it returns) and one per module of
:data:`PUBLIC_MODULES` (``docs/_ext/refconv_docs.py``), and validates exactly those objects.
"""

from __future__ import annotations

import collections
import importlib
import inspect
import sys

#: numpydoc validation codes enforced on the public API.
CHECKS = {
    "GL08",  # the object has a docstring
    "SS01",  # a one-line summary
    "PR01",  # every parameter documented
    "PR02",  # no documented parameter that does not exist
    "PR07",  # every documented parameter has a description
    "RT01",  # a Returns section (functions that return something)
    "EX01",  # an Examples section
    "SA01",  # a See Also section
}

PUBLIC_MODULES = (
    "refconv",
    "refconv.adapters",
    "refconv.adapters.numpy",
    "refconv.adapters.scipy",
    "refconv.adapters.torch",
    "refconv.adapters.jax",
    "refconv.adapters.onnxruntime",
    "refconv.adapters.onnx",
    "refconv.adapters.onnx_reference",
    "refconv.adapters.astropy",
    "refconv.adapters.tinygrad",
    "refconv.adapters.skimage",
    "refconv.adapters.cupy",
    "refconv.bounds",
    "refconv.conformance",
    "refconv.conventions",
    "refconv.costs",
    "refconv.dask",
    "refconv.deform",
    "refconv.exact",
    "refconv.figures",
    "refconv.general",
    "refconv.layer",
    "refconv.layer_tables",
    "refconv.matrices",
    "refconv.padding",
    "refconv.pooling",
    "refconv.probes",
    "refconv.problem",
    "refconv.properties",
    "refconv.quantized",
    "refconv.receptive",
    "refconv.reduce",
    "refconv.spec",
    "refconv.strategies",
    "refconv.unfold",
    "refconv.unshared",
)


def public_objects() -> dict[str, object]:
    """Every public callable, keyed by its documented import path (first module that exports it)."""
    seen: dict[int, str] = {}
    found: dict[str, object] = {}
    for name in PUBLIC_MODULES:
        module = importlib.import_module(name)
        for attr in module.__all__:
            obj = getattr(module, attr)
            if not callable(obj) or id(obj) in seen:
                continue
            seen[id(obj)] = f"{name}.{attr}"
            found[f"{name}.{attr}"] = obj
    return found


def problems() -> list[tuple[str, str, str]]:
    """``(path, code, message)`` for every enforced numpydoc check that fails."""
    from numpydoc.validate import validate

    out = []
    for path, obj in public_objects().items():
        # numpydoc's validator imports by the defining module's path; the re-export is the same object.
        target = f"{obj.__module__}.{obj.__qualname__}" if inspect.isclass(obj) or inspect.isfunction(obj) else path
        try:
            report = validate(target)
        except Exception:  # objects numpydoc cannot import by qualname (e.g. strategies built by decorators)
            report = validate(path)
        for code, message in report["errors"]:
            if code in CHECKS and not (code == "RT01" and inspect.isclass(obj)):
                out.append((path, code, message))
    return out


def main(argv: list[str]) -> int:
    found = problems()
    if "--summary" in argv:
        print(collections.Counter(code for _, code, _ in found))
        print(len({p for p, _, _ in found}), "objects with problems of", len(public_objects()))
    else:
        for path, code, message in found:
            print(f"{path}: {code} {message}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
