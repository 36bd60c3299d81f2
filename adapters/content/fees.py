"""The fee table for the function, loaded from FEES_PATH and kept while the file is unchanged (warm Lambdas)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pricing import FeeTable, load_fee_table


def fee_table(path: Path) -> FeeTable:
    """Raise FeeTableError (or OSError) if the deployed table is broken; callers answer 503."""
    stat = path.stat()
    return _load(str(path), stat.st_mtime_ns, stat.st_size)


def category_label(path: Path, event: str, category: str) -> str:
    """The category's label in the fee table at `path`, or its id when the table no longer has it (or cannot be read).

    For pages and e-mails about a booking already made: they still go out after the fee table changes.
    """
    try:
        return fee_table(path).tariff_for(event).categories[category].label
    except Exception:  # a missing, broken or changed table must not stop a confirmation
        return category


@lru_cache(maxsize=4)
def _load(path: str, _mtime_ns: int, _size: int) -> FeeTable:
    return load_fee_table(path)
