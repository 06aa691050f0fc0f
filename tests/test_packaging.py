"""The distribution ships every package, the proofs included (.ci/run installs the wheel and runs verify)."""

import pathlib

import tomllib
from setuptools import find_packages

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_every_package_under_refconv_and_the_proofs_are_listed():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    assert listed == set(find_packages(str(ROOT), include=["refconv*"])) | {"refconv_proofs"}
    assert config["package-dir"] == {"refconv_proofs": "proofs"}
    assert (ROOT / "proofs" / "__init__.py").is_file()


def test_verify_finds_the_proofs_through_the_installed_package(monkeypatch):
    from refconv.checks import proofs

    monkeypatch.delenv("REFCONV_PROOFS", raising=False)
    names = proofs.installed()
    files = sorted(p.stem for p in (ROOT / "proofs").glob("proof_*.py"))
    assert [n.split(".", 1)[1] for n in names] == files and names[0].startswith("refconv_proofs.")
    checks = proofs.collect()
    assert len(checks) == 2 * len(files)


def test_the_oldest_dependencies_ci_installs_are_the_declared_lower_bounds():
    import re

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lower = dict(re.fullmatch(r"([a-z]+)>=([\d.]+)", d).groups() for d in declared)
    pins = {}
    for line in (ROOT / ".ci" / "oldest.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name] = version
    assert set(pins) == set(lower)
    assert pins == lower  # exactly the declared lower bounds
