"""The privacy page's retention section, rendered from content/organiser.yaml's `retention:` (theme/templates/
_retention.html), so the page promises exactly what the scheduled retention run does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from pricing import Problem

MARKER = "{retention_schedule}"
PARTIAL = "_retention.html"
PRIVACY_SLUG = "privacy"


def retention_problem(page: Any) -> Problem | None:
    """The privacy page must say where the schedule goes: without the marker it could promise something else."""
    if page.slug == PRIVACY_SLUG and MARKER not in page._content:
        return Problem(
            str(Path(page.source_path)),
            "(text)",
            f"must contain a line {MARKER} where the retention schedule from organiser.yaml is shown",
        )
    return None


def fill_retention(generator: Any) -> list[Problem]:
    """Put the schedule where a page says {retention_schedule} (as its own paragraph, or inline); the problems."""
    organiser = generator.settings["ORGANISER"]
    problems: list[Problem] = []
    rendered: Markup | None = None
    for page in [*generator.pages, *generator.hidden_pages, *generator.draft_pages]:
        problem = retention_problem(page)
        if problem is not None:
            problems.append(problem)
            continue
        if MARKER not in page._content:
            continue
        if rendered is None:
            template = generator.env.get_template(PARTIAL)
            rendered = Markup(template.render(retention=organiser.retention, ORGANISER=organiser))
        page._content = page._content.replace(f"<p>{MARKER}</p>", rendered).replace(MARKER, rendered)
    return problems
