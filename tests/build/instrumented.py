"""A real Pelican build in a child process with a few lines run first, e.g. to count calls; what they count comes back as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.build.conftest import NOW, ROOT

# The prelude binds `found` (anything JSON can write); it is written out however the build ends.
_CHILD = """
import json, sys
import pelican
{prelude}
try:
    pelican.main(sys.argv[2:])
finally:
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        json.dump(found, out)
"""


def instrumented_build(prelude: str, content: Path, tmp_path: Path) -> Any:
    report = tmp_path / "found.json"
    argv = ["--settings", "pelicanconf.py", "--output", str(tmp_path / "output"), "--delete-output-directory"]
    result = subprocess.run(
        [sys.executable, "-c", _CHILD.format(prelude=prelude), str(report), str(content), *argv],
        cwd=ROOT,
        env={**os.environ, "SITE_NOW": NOW, "SITE_URL": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(report.read_text(encoding="utf-8"))
