"""The privacy page's "How long we keep it" is built from content/organiser.yaml's retention schedule: change a
period in the file and the page says the new one; a privacy page with no place for it stops the build."""

from __future__ import annotations

from pathlib import Path

from tests.build.conftest import run_pelican, text


def _retention_text(page: str) -> str:
    start = page.index("How long we keep it")
    return text(page[start : page.index("Your rights", start)])


def test_the_built_privacy_page_shows_the_schedule(site) -> None:
    shown = _retention_text(site.page("privacy/index.html"))
    assert "Access needs are removed 30 days after the event" in shown
    assert "job titles are kept for 24 months after the event" in shown
    assert "are kept for 6 years after the event, then anonymised" in shown
    assert "logs are kept for 30 days" in shown
    assert "{retention_schedule}" not in site.page("privacy/index.html")
    assert "six years after the event for accounting purposes, then deleted" not in shown


def test_changing_a_period_in_the_file_changes_the_page(content: Path, tmp_path: Path) -> None:
    organiser = content / "organiser.yaml"
    changed = organiser.read_text(encoding="utf-8").replace("access_needs_days: 30", "access_needs_days: 14")
    organiser.write_text(changed.replace("delegate_months: 24", "delegate_months: 36"), encoding="utf-8")
    build = run_pelican(content, tmp_path / "output")
    assert build.returncode == 0, build.output
    shown = _retention_text(build.page("privacy/index.html"))
    assert "Access needs are removed 14 days after the event" in shown
    assert "job titles are kept for 36 months after the event" in shown
    assert "30 days after the event" not in shown


def test_a_privacy_page_without_the_schedule_stops_the_build(content: Path, tmp_path: Path) -> None:
    page = content / "pages" / "privacy.md"
    page.write_text(
        page.read_text(encoding="utf-8").replace("{retention_schedule}", "We keep everything for ever."),
        encoding="utf-8",
    )
    build = run_pelican(content, tmp_path / "output")
    assert build.returncode != 0
    assert "Traceback" not in build.output
    assert f"{page}: (text): must contain a line {{retention_schedule}}" in build.output
    assert not (tmp_path / "output" / "privacy" / "index.html").exists()
