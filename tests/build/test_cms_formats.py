"""The CMS reads and writes our files in their own formats: opening and saving any content file unchanged gives
back the same bytes, and a change touches only its own line (theme/admin/formats.js, run by Node)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.build.conftest import ROOT
from tests.fixture_site import FIXTURE_CONTENT

YAML_DIST = ROOT / "node_modules" / "yaml" / "browser" / "dist"

RUNNER = """
import { readFileSync } from "node:fs";
import { commentedYamlFormat, feeTableFormat, pelicanHeaderFormat } from "./formats.js";
const formats = { "fee-table": feeTableFormat, "commented-yaml": commentedYamlFormat, "pelican-header": pelicanHeaderFormat };
const [name, path, change] = process.argv.slice(2);
const format = formats[name];
const data = format.fromFile(readFileSync(path, "utf8"));
if (change) new Function("data", change)(data);
process.stdout.write(JSON.stringify({ data, text: format.toFile(JSON.parse(JSON.stringify(data))) }));
"""


@pytest.fixture(scope="module")
def formats(tmp_path_factory: pytest.TempPathFactory):
    if shutil.which("node") is None or not YAML_DIST.is_dir():
        reason = "needs Node.js and `npm ci` (node_modules/yaml)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason)
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("cms-formats")
    shutil.copy2(ROOT / "theme" / "admin" / "formats.js", folder / "formats.js")
    shutil.copytree(YAML_DIST, folder / "vendor" / "yaml")
    (folder / "package.json").write_text('{"type": "module"}', encoding="utf-8")
    (folder / "run.mjs").write_text(RUNNER, encoding="utf-8")

    def run(name: str, path: Path, change: str = "") -> dict:
        result = subprocess.run(
            ["node", str(folder / "run.mjs"), name, str(path), change], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    return run


CONTENT = [
    ("fee-table", ROOT / "content" / "fees.yaml"),
    ("commented-yaml", ROOT / "content" / "organiser.yaml"),
    *(("pelican-header", path) for path in sorted((ROOT / "content" / "events").glob("*.md"))),
    *(("pelican-header", path) for path in sorted((ROOT / "content" / "pages").glob("*.md"))),
]


@pytest.mark.parametrize(("name", "path"), CONTENT, ids=[p.relative_to(ROOT).as_posix() for _, p in CONTENT])
def test_saving_a_file_unchanged_writes_the_same_bytes(formats, name: str, path: Path) -> None:
    assert formats(name, path)["text"] == path.read_text(encoding="utf-8")


def test_a_price_change_touches_only_its_own_line(formats) -> None:
    path = FIXTURE_CONTENT / "fees.yaml"
    saved = formats("fee-table", path, 'data.tariffs[0].categories[1].net = "260.00";')["text"]
    before, after = path.read_text(encoding="utf-8").splitlines(), saved.splitlines()
    assert len(before) == len(after)
    assert [(a, b) for a, b in zip(before, after, strict=True) if a != b] == [
        ('        net: "250.00"', '        net: "260.00"')
    ]


def test_the_editor_sees_lists_and_the_file_keeps_its_maps(formats) -> None:
    path = FIXTURE_CONTENT / "fees.yaml"
    result = formats(
        "fee-table",
        path,
        'data.events.push({slug: "data-ethics-2027", tariff: "virtual", booking_closes: "2027-10-04 17:00",'
        " max_delegates: 12, sold_out: false});",
    )
    assert result["data"]["tariffs"][0]["id"] == "virtual"
    assert [e["slug"] for e in result["data"]["events"]][-1] == "data-ethics-2027"
    # A new entry reads as a person writes one: quoted date, no sold_out: false.
    assert (
        '  data-ethics-2027:\n    tariff: virtual\n    booking_closes: "2027-10-04 17:00"\n    max_delegates: 12\n'
        in (result["text"])
    )


def test_an_event_header_reads_as_pelican_reads_it(formats) -> None:
    data = formats("pelican-header", FIXTURE_CONTENT / "events" / "caldicott-police-2083.md")["data"]
    assert data["starts"] == "09:30" and data["hashtag"] == "#CaldicottPolice"
    assert data["also_of_interest"] == ["records-retention-2083"]
    assert data["body"].startswith("## Overview")
