"""A build opens each event file once: the plugin checks the header Pelican's reader kept, not a second reading."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.build.conftest import run_pelican
from tests.build.instrumented import instrumented_build
from tests.fixture_site import FIXTURE_CONTENT

COUNT_OPENS = """
import builtins, collections, io, os

found = collections.Counter()
real_open = io.open

def counting_open(file, *args, **kwargs):
    if isinstance(file, (str, os.PathLike)) and os.fspath(file).endswith(".md"):
        found[os.path.basename(os.fspath(file))] += 1
    return real_open(file, *args, **kwargs)

builtins.open = io.open = counting_open
"""


def test_each_event_file_is_opened_once(tmp_path: Path) -> None:
    opens = instrumented_build(COUNT_OPENS, FIXTURE_CONTENT, tmp_path)
    events = sorted(path.name for path in (FIXTURE_CONTENT / "events").glob("*.md"))
    assert events and {name: opens.get(name) for name in events} == dict.fromkeys(events, 1)


def test_an_event_pelican_cannot_read_is_still_named_by_the_plugin(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, content)
    event = content / "events" / "caldicott-police-2083.md"
    event.write_bytes(event.read_text(encoding="utf-8").replace("Title: ", "Title: Caf\u00e9 ", 1).encode("latin-1"))
    build = run_pelican(content, tmp_path / "output")
    assert build.returncode == 1
    assert "events/caldicott-police-2083.md: (file): cannot be read" in build.output, build.output
