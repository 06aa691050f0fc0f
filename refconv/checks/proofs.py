"""The proofs under ``proofs/``, registered with ``refconv verify``: each proof and its negative controls.

Hypothesis samples; proofs settle.  ``proofs/`` holds one file per claim of the seed,
``proofs/proof_<claim>.py``, and every such file follows one convention:

``NAME, CLAIM, SEED, QUOTE, METHOD``
    strings: a short name, the claim in one line, the seed reference (section, equation or
    figure), the seed's own words, and how it is proven (symbolic / exhaustive up to a stated N).
``prove() -> str``
    the proof.  It returns a one-line detail and raises ``AssertionError`` when the claim fails
    for refconv's objects.  Proofs call refconv's operators through their modules at call time
    (``refconv.correlate``, ``refconv.matrices.conv_matrix``), so the objects proven are the
    ones installed — and a deliberately broken (monkeypatched) operator makes the proof fail.
``NEGATIVE_CONTROLS``
    a tuple of functions: the same proof applied to a *wrong* claim (an unflipped kernel, a
    zero boundary where wrap is needed, ...).  Each must raise ``AssertionError``; one that
    passes shows a proof that cannot tell a true claim from a false one.
``test_proof``, ``test_negative_controls``
    the pytest entry points (``python_files`` in pyproject.toml collects ``proof_*.py``).

Each file becomes two checks: ``proof-<NAME>`` runs ``prove()``;
``proof-<NAME>-negative`` runs every negative control and passes only if each one fails.

Where they come from: the repository's ``proofs/`` folder is installed as the top-level package
``refconv_proofs`` (in the wheel and the sdist, and mapped by an editable install), so the
proofs are found through the installed distribution (:mod:`importlib.resources`), never through
a path relative to a checkout.  ``REFCONV_PROOFS`` names a folder of proof files to run
instead (a teacher's own proofs, say); those are loaded by path.  When no proof is found, or a
file does not load, a failing check says so: ``refconv verify`` never reports the proofs as
passing without running them.
"""

from __future__ import annotations

import importlib
import importlib.resources
import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from . import Check

__all__ = ["CHECKS", "collect", "installed", "load", "proofs_dir", "run_negative_controls"]

#: Attributes every proof file defines.
REQUIRED = ("NAME", "CLAIM", "SEED", "QUOTE", "METHOD", "prove", "NEGATIVE_CONTROLS")


#: The installed package that holds ``proofs/``.
PACKAGE = "refconv_proofs"


def proofs_dir() -> Path:
    """The folder of proof files: ``$REFCONV_PROOFS``, else the installed ``refconv_proofs`` package.

    Examples
    --------
    >>> sorted(proofs_dir().glob("proof_*.py"))[0].name
    'proof_adjoint.py'
    """
    env = os.environ.get("REFCONV_PROOFS")
    if env:
        return Path(env)
    return Path(str(importlib.resources.files(PACKAGE)))


def _checked(module: ModuleType, filename: str) -> ModuleType:
    missing = [attr for attr in REQUIRED if not hasattr(module, attr)]
    if missing:
        raise AttributeError(f"{filename} lacks {', '.join(missing)} (see refconv.checks.proofs)")
    return module


def load(path: Path) -> ModuleType:
    """Import one proof file by path, as module ``refconv_user_proofs.<stem>``; check its convention."""
    name = f"refconv_user_proofs.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py path always has a loader
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look modules up by name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return _checked(module, path.name)


def installed() -> list[str]:
    """The proof modules of the installed ``refconv_proofs`` package, in file-name order.

    Examples
    --------
    >>> installed()[:2]
    ['refconv_proofs.proof_adjoint', 'refconv_proofs.proof_block_circulant']
    """
    files = importlib.resources.files(PACKAGE)
    names = sorted(f.name for f in files.iterdir() if f.name.startswith("proof_") and f.name.endswith(".py"))
    return [f"{PACKAGE}.{name[:-3]}" for name in names]


def run_negative_controls(controls) -> str:
    """Run each negative control; each must raise ``AssertionError``.

    Returns a one-line detail naming how many wrong claims were rejected and the first message;
    raises ``AssertionError`` naming any control that passed (or that failed some other way).

    Examples
    --------
    >>> def wrong():
    ...     assert 1 + 1 == 3, "1 + 1 is 2"
    >>> run_negative_controls([wrong])
    '1/1 wrong claims rejected; wrong: 1 + 1 is 2'
    >>> run_negative_controls([lambda: None])
    Traceback (most recent call last):
    AssertionError: negative control <lambda> passed: the proof does not reject this wrong claim
    """
    messages = []
    for control in controls:
        label = getattr(control, "__name__", repr(control))
        try:
            control()
        except AssertionError as exc:
            messages.append(f"{label}: {str(exc).splitlines()[0] if str(exc) else 'AssertionError'}")
            continue
        except Exception as exc:
            raise AssertionError(
                f"negative control {label} raised {type(exc).__name__}: {exc}, not the proof's AssertionError"
            ) from exc
        raise AssertionError(f"negative control {label} passed: the proof does not reject this wrong claim")
    if not messages:
        raise AssertionError("no negative control: every proof needs at least one")
    return f"{len(messages)}/{len(messages)} wrong claims rejected; " + messages[0][:200]


def _failing(message: str) -> Callable[[], str]:
    def run() -> str:
        raise AssertionError(message)

    return run


def _checks_of(module: ModuleType) -> list[Check]:
    controls = tuple(module.NEGATIVE_CONTROLS)
    wrong = "; ".join((c.__doc__ or c.__name__).strip().splitlines()[0] for c in controls)
    return [
        Check(f"proof-{module.NAME}", module.CLAIM, module.SEED, module.METHOD, module.prove, module.QUOTE),
        Check(
            f"proof-{module.NAME}-negative",
            f"Negative control for proof-{module.NAME}: the same proof rejects {wrong}",
            module.SEED,
            "negative control (must fail)",
            lambda: run_negative_controls(module.NEGATIVE_CONTROLS),
            module.QUOTE,
        ),
    ]


def collect(folder: Path | None = None) -> list[Check]:
    """Two checks per proof: of ``folder`` (or ``$REFCONV_PROOFS``) by path, else of the installed package."""
    env = os.environ.get("REFCONV_PROOFS")
    folder = Path(env) if folder is None and env else folder
    if folder is not None:
        files = sorted(folder.glob("proof_*.py")) if folder.is_dir() else []
        where = f"{folder}"
        hint = "REFCONV_PROOFS names a folder of proof_*.py files"
        loaders = [(path.stem, lambda path=path: load(path)) for path in files]
    else:
        where = f"the installed package {PACKAGE}"
        hint = "reinstall refconv: its distribution ships proofs/ as refconv_proofs"
        try:
            names = installed()
        except ModuleNotFoundError:
            names = []
        loaders = [
            (name.rsplit(".", 1)[1], lambda name=name: _checked(importlib.import_module(name), name + ".py"))
            for name in names
        ]
    if not loaders:
        return [
            Check(
                "proofs",
                f"The proofs in {where} run",
                "all",
                "symbolic proofs",
                _failing(f"no proof_*.py found in {where}; {hint}"),
            )
        ]
    found: list[Check] = []
    for label, loader in loaders:
        try:
            found.extend(_checks_of(loader()))
        except Exception as exc:  # a proof that does not load is a failing claim, not a crash
            message = f"{label}.py does not load: {type(exc).__name__}: {exc}"
            found.append(
                Check(f"proof-{label.removeprefix('proof_')}", message, "?", "symbolic proof", _failing(message))
            )
    return found


CHECKS = collect()
