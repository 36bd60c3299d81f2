"""Fixtures for deployment: netlify.toml parsed, the SAM template read, and Lambda bundles built once per session."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "functions" / "template.yaml"


@pytest.fixture(scope="session")
def netlify() -> dict[str, Any]:
    return tomllib.loads((ROOT / "netlify.toml").read_text(encoding="utf-8"))


class _CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation's short intrinsic tags (!Ref, !Sub, ...) as {"Ref": ...} / {"Fn::Sub": ...}."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=_CfnLoader)


def _build(out: Path, *args: str) -> tuple[Path, str]:
    result = subprocess.run(
        [sys.executable, str(ROOT / "devtools" / "deploy" / "package.py"), "--out", str(out), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"package.py failed:\n{result.stdout}\n{result.stderr}"
    return out / "booking-function", result.stdout


def lambda_python_or_reason() -> tuple[str | None, str]:
    """The runtime's CPython here, or why there is none (the CI machine must have it, as this one does under pyenv)."""
    from devtools.deploy.package import LAMBDA_PYTHON

    python = find_lambda_python(LAMBDA_PYTHON)
    return (
        python,
        f"no CPython {LAMBDA_PYTHON} on this machine (pyenv install {LAMBDA_PYTHON}, or python{LAMBDA_PYTHON} on PATH)",
    )


@pytest.fixture(scope="session")
def lambda_bundle(tmp_path_factory) -> tuple[Path, str]:
    """The bundle exactly as `make package` builds it for Lambda (CPython 3.13, x86_64), with its zip and bytecode.
    Without CPython 3.13 here it is built without bytecode, except under CI=true, where that is a failure."""
    python, _ = lambda_python_or_reason()
    without = () if python is not None or os.environ.get("CI") == "true" else ("--no-bytecode",)
    return _build(tmp_path_factory.mktemp("lambda"), *without)


@pytest.fixture(scope="session")
def local_bundle(tmp_path_factory) -> Path:
    """The same bundle with wheels for the interpreter running these tests, so this machine can import it."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    machine = sysconfig.get_platform().split("-", 1)[-1]  # "x86_64" or "aarch64" on Linux
    bundle, _ = _build(
        tmp_path_factory.mktemp("local"),
        "--python-version",
        version,
        "--platform",
        f"manylinux2014_{machine}",
        "--no-zip",
    )
    return bundle


def find_lambda_python(version: str) -> str | None:
    """A working CPython of the Lambda runtime's version on this machine, if there is one (pyenv or PATH)."""
    from devtools.deploy.package import find_python

    return find_python(version)
