"""Fixtures shared by every test folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from pricing import FeeTable, load_fee_table

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def fees() -> FeeTable:
    return load_fee_table(ROOT / "content" / "fees.yaml")
