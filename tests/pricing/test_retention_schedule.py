"""The retention schedule is content: content/organiser.yaml's `retention:` is checked like the rest of the file,
editable in the CMS within the same limits, and the SAM template keeps logs for exactly its `log_days`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pricing import FeeTableError
from pricing.organiser import LOG_RETENTION_DAYS, Retention, load_organiser
from tests.fixture_site import FIXTURE_ORGANISER

ROOT = Path(__file__).resolve().parents[2]
ORGANISER = ROOT / "content" / "organiser.yaml"


def test_the_defaults_are_the_schedule_the_organiser_promised() -> None:
    assert Retention() == Retention(access_needs_days=30, delegate_months=24, sale_record_years=6, log_days=30)
    assert load_organiser(ORGANISER).retention == Retention()
    assert load_organiser(FIXTURE_ORGANISER).retention == Retention()


def test_a_file_without_a_schedule_gets_the_defaults(tmp_path: Path) -> None:
    text = ORGANISER.read_text(encoding="utf-8").split("\nretention:")[0]
    path = tmp_path / "organiser.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_organiser(path).retention == Retention()


MISTAKES = [
    ("access_needs_days: 30", "access_needs_days: 0", "retention.access_needs_days", "greater than or equal to 1"),
    ("sale_record_years: 6", "sale_record_years: 5", "retention.sale_record_years", "greater than or equal to 6"),
    ("log_days: 30", "log_days: 31", "retention.log_days", "one of the periods AWS keeps logs for"),
    ("delegate_months: 24", "delegate_months: 1\n  eye_colour: 3", "retention.eye_colour", ""),
    ("access_needs_days: 30", "access_needs_days: 90", "retention.delegate_months", "", "delegate_months: 1"),
]


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m[2] + ":" + m[1].split(":")[1].strip() for m in MISTAKES])
def test_a_mistake_in_the_schedule_names_the_file_and_field(tmp_path: Path, mistake: tuple[str, ...]) -> None:
    old, new, field, words, *also = mistake
    text = ORGANISER.read_text(encoding="utf-8").replace(old, new)
    if also:
        text = text.replace("delegate_months: 24", also[0])
    path = tmp_path / "organiser.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FeeTableError) as caught:
        load_organiser(path, "content/organiser.yaml")
    lines = [str(p) for p in caught.value.problems]
    assert any(line.startswith(f"content/organiser.yaml: {field}: ") and words in line for line in lines), lines


def _cms_retention_fields() -> dict[str, dict]:
    config = yaml.safe_load((ROOT / "theme" / "admin" / "config.yml").read_text(encoding="utf-8"))
    (organiser,) = [c for c in config["collections"] if c["name"] == "organiser"]
    (file,) = organiser["files"]
    (retention,) = [f for f in file["fields"] if f["name"] == "retention"]
    return {f["name"]: f for f in retention["fields"]}


def test_the_cms_edits_every_period_within_the_limits_the_build_checks() -> None:
    fields = _cms_retention_fields()
    assert set(fields) == set(Retention.model_fields)
    for name in ("access_needs_days", "delegate_months", "sale_record_years"):
        limits = {type(m).__name__: m for m in Retention.model_fields[name].metadata}
        assert fields[name]["widget"] == "number" and fields[name]["value_type"] == "int"
        assert fields[name]["min"] == limits["Ge"].ge and fields[name]["max"] == limits["Le"].le, name
        assert fields[name]["default"] == Retention.model_fields[name].default
    assert tuple(fields["log_days"]["options"]) == LOG_RETENTION_DAYS
    assert fields["log_days"]["default"] == Retention.model_fields["log_days"].default
