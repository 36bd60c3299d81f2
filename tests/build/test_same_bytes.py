"""The built pages and .ics files are byte for byte those of the reference build (tests/build/golden/*.json).

The references are SHA-256 digests of every file two builds write: the shipped content/ at SHIPPED_NOW,
and a generated site of many events whose fee-table entries vary in everything the booking form and the
fee table depend on (tariff, maximum delegates, a running early rate, closed and sold-out events). A change
meant to make the build faster must leave them alone; a change meant to change what the site shows
regenerates them, on purpose and in the same commit:

    .venv/bin/python -m tests.build.test_same_bytes

Left out: the sitemap's <lastmod> (the build's own clock) and /admin/ (copied from node_modules when npm
is installed, so it differs between machines).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tempfile
from pathlib import Path

import pytest

from devtools.bench.sitegen import SITE_NOW, write_event_site
from tests.build.conftest import ROOT, SHIPPED_NOW, Build, run_pelican

GOLDEN = Path(__file__).with_name("golden")
GENERATED_EVENTS = 48
_LASTMOD = re.compile(rb"<lastmod>[^<]*</lastmod>")


def _vary(content: Path) -> None:
    """Give the generated events' fee-table entries every shape the booking form and fee table render."""
    fees = (content / "fees.yaml").read_text(encoding="utf-8")
    fees = fees.replace(
        "events:\n",
        "  in-person:\n    label: In-person conference\n    categories:\n"
        '      member:\n        label: Members\n        net: "180.00"\n'
        '      standard:\n        label: Everyone else\n        net: "360.50"\n'
        "events:\n",
        1,
    )
    entries = fees.split("\n  bench-conference-")
    varied = [entries[0]]
    for i, entry in enumerate(entries[1:]):
        lines = entry.rstrip("\n").split("\n")
        if i % 4 == 1:
            lines = [line.replace("tariff: virtual", "tariff: in-person") for line in lines]
        if i % 5 in (1, 2):
            lines = [line.replace("max_delegates: 20", f"max_delegates: {i % 5}") for line in lines]
        if i % 3 == 0:
            lines.append('    early_booking: {until: "2027-02-15 23:59", percent: 10}')
        elif i % 7 == 3:
            lines.append('    early_booking: {until: "2027-01-20 12:00", percent: 25}')
        elif i % 13 == 6:
            lines = [re.sub(r'booking_closes: "[^"]*"', 'booking_closes: "2026-12-20 17:00"', line) for line in lines]
        if i % 11 == 5:
            lines.append("    sold_out: true")
        varied.append("\n".join(lines) + "\n")
    (content / "fees.yaml").write_text("\n  bench-conference-".join(varied), encoding="utf-8")


def digests(out: Path) -> dict[str, str]:
    """path -> SHA-256 of every file the build wrote, the sitemap's <lastmod> blanked, /admin/ left out."""
    found: dict[str, str] = {}
    for path in sorted(out.rglob("*")):
        name = path.relative_to(out).as_posix()
        if not path.is_file() or name.startswith("admin/"):
            continue
        data = path.read_bytes()
        if name == "sitemap.xml":
            data = _LASTMOD.sub(b"<lastmod></lastmod>", data)
        found[name] = hashlib.sha256(data).hexdigest()
    return found


def build_real(folder: Path) -> Build:
    return run_pelican(ROOT / "content", folder / "output", now=SHIPPED_NOW)


def build_generated(folder: Path) -> Build:
    content = write_event_site(folder / "generated", GENERATED_EVENTS, max_delegates=20)
    _vary(content)
    return run_pelican(content, folder / "generated" / "output", now=SITE_NOW)


BUILDS = {"real": build_real, "generated": build_generated}


@pytest.mark.parametrize("name", sorted(BUILDS))
def test_a_build_writes_the_reference_bytes(name: str, tmp_path: Path) -> None:
    build = BUILDS[name](tmp_path)
    assert build.returncode == 0, build.output
    expected = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    actual = digests(build.out)
    assert sorted(actual) == sorted(expected), "the build wrote other files than the reference build"
    changed = [path for path in expected if actual[path] != expected[path]]
    assert not changed, f"{len(changed)} files differ from the reference build, e.g. {changed[:5]}"


def test_the_generated_site_has_every_shape_of_booking_form(tmp_path: Path) -> None:
    """Guards the reference itself: its events differ in what the shared booking-form text is keyed on."""
    content = write_event_site(tmp_path / "generated", GENERATED_EVENTS, max_delegates=20)
    _vary(content)
    fees = (content / "fees.yaml").read_text(encoding="utf-8")
    for shape in ("tariff: in-person", "max_delegates: 1\n", "max_delegates: 2\n", "early_booking", "sold_out: true"):
        assert shape in fees
    assert 'booking_closes: "2026-12-20 17:00"' in fees


def main() -> None:
    """Write tests/build/golden/*.json from builds of the code as it is now."""
    GOLDEN.mkdir(exist_ok=True)
    for name, build_site in BUILDS.items():
        with tempfile.TemporaryDirectory() as tmp:
            build = build_site(Path(tmp))
            if build.returncode != 0:
                sys.exit(build.output)
            found = digests(build.out)
        (GOLDEN / f"{name}.json").write_text(json.dumps(found, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"{name}: {len(found)} files")


if __name__ == "__main__":
    main()
