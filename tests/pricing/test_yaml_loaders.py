"""The fast (libyaml) reader of the fee table must read exactly what the pure-Python one reads."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pricing import DEFAULT_FEES_PATH
from pricing.yaml_document import FastLoader, UniqueKeyLoader


def _both(text: str) -> tuple[object, object]:
    results = []
    for loader in (FastLoader, UniqueKeyLoader):
        try:
            results.append(("ok", yaml.load(text, Loader=loader)))
        except yaml.YAMLError as exc:
            results.append(("error", type(exc).__name__ == "_DuplicateKey"))
    return results[0], results[1]


def test_the_real_fee_table_reads_the_same_with_both_loaders():
    fast, python = _both(DEFAULT_FEES_PATH.read_text(encoding="utf-8"))
    assert fast == python and fast[0] == "ok"


_line = st.sampled_from(
    [
        "a: 1",
        'b: "295.00"',
        "c: 2027-01-01 12:00",
        "  d: x",
        "  e: [1, 2]",
        "a: again",
        "f: yes",
        "g: 1.5",
        "h: ~",
        "- item",
        "i: 'quoted: text'",
        "j: {k: v}",
        "  - nested",
        "l: 0x1F",
        "m: 1_000",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_line, max_size=8))
def test_any_small_document_reads_the_same_or_fails_the_same(lines):
    fast, python = _both("\n".join(lines) + "\n")
    if fast[0] == "ok":
        assert fast == python
    elif fast[1]:  # a duplicate key is refused by both
        assert python == fast
