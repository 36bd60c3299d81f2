"""What the proposed build fixes would buy, measured before anyone edits the plugin.

`python -m devtools.bench.what_if [EVENTS] [ROUNDS] [FIXES ...]` builds a generated site of EVENTS events
(default 1000) several ways, interleaved, ROUNDS times (default 3): our build as it is, our build
with each comma-separated set of FIXES (default: all three) applied as monkeypatches in the
Pelican process (nothing in the repository changes), and stock Pelican. Not part of `make bench`.
All three were then made in the code (0b73121, 1713e24, 011bfe4); on a tree that has them, the
patches change nothing (or, for `quote`, are skipped). The fixes are:

  fmt     pricing.format_pence memoised (it calls babel's format_currency ~540 times per event)
  header  event_site.metadata.read_header converts only the header block, not the whole document
  quote   event_site.booking prices each (tariff, max_delegates, category, n, payment) once, shared
          by every event with that tariff (the quotes differ only in their `event` field)
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from devtools.bench.common import PYTHON, ROOT, median, progress, run_child
from devtools.bench.sitegen import SITE_NOW, write_event_site, write_plain_site

# Runs inside the Pelican child: apply the named fixes, then hand over to Pelican's own main().
PATCHED_PELICAN = """
import dataclasses, functools, sys
fixes = sys.argv[1].split(",")
sys.argv = ["pelican"] + sys.argv[2:]
import pricing, pricing.money
if "fmt" in fixes:
    cached = functools.lru_cache(maxsize=None)(pricing.money.format_pence)
    pricing.money.format_pence = pricing.format_pence = cached
if "header" in fixes:
    import markdown
    import pelican.plugins.event_site.metadata as metadata
    def read_header(path):
        head = path.read_text(encoding="utf-8").split("\\n\\n", 1)[0]
        md = markdown.Markdown(extensions=["markdown.extensions.meta"])
        md.convert(head)
        return {key: " ".join(lines).strip() for key, lines in md.Meta.items()}
    metadata.read_header = read_header
import pelican.plugins.event_site.booking as booking
if "quote" in fixes and not hasattr(booking, "quote"):
    sys.stderr.write("what_if: event_site.booking no longer calls quote() per event (fixed in 1713e24); 'quote' is a no-op\n")
elif "quote" in fixes:
    real, memo = booking.quote, {}
    def quote(fees, slug, category, n, payment="card"):
        entry = fees.events[slug]
        key = (id(fees), entry.tariff, entry.max_delegates, category, n, payment)
        if key not in memo:
            memo[key] = real(fees, slug, category, n, payment)
        q = memo[key]
        return q if q.event == slug else dataclasses.replace(q, event=slug)
    booking.quote = quote
from pelican import main
main()
"""

ALL_FIXES = "fmt,header,quote"


def main(argv: list[str]) -> int:
    events = int(argv[0]) if argv else 1000
    pairs = int(argv[1]) if len(argv) > 1 else 3
    variants = argv[2:] or [ALL_FIXES]
    env = {**os.environ, "SITE_NOW": SITE_NOW}
    with tempfile.TemporaryDirectory(prefix="bench-whatif-") as tmp:
        content = write_event_site(Path(tmp, "ours"), events)
        plain_content, plain_settings = write_plain_site(Path(tmp, "plain"), events)
        out = Path(tmp, "output")
        commands = {"ours": [PYTHON, "-c", PATCHED_PELICAN, "none"]}
        commands.update({f"ours+{v}": [PYTHON, "-c", PATCHED_PELICAN, v] for v in variants})
        kinds = [*commands, "plain"]
        samples: dict[str, list[tuple[float, float]]] = {k: [] for k in kinds}
        for i in range(pairs):
            for kind in kinds if i % 2 == 0 else list(reversed(kinds)):
                shutil.rmtree(out, ignore_errors=True)
                if kind == "plain":
                    args = [
                        PYTHON,
                        "-m",
                        "pelican",
                        str(plain_content),
                        "-s",
                        str(plain_settings),
                        "-o",
                        str(out),
                        "-q",
                    ]
                    run = run_child(args, env=env, cwd=plain_settings.parent)
                else:
                    args = commands[kind] + [str(content), "-s", "pelicanconf.py", "-o", str(out), "-q"]
                    run = run_child(args, env=env, cwd=ROOT)
                if run.returncode != 0:
                    raise SystemExit(f"{kind} failed:\n{run.stderr[-2000:]}")
                samples[kind].append((run.seconds, run.maxrss_mib))
                progress(f"what-if {events} events, round {i + 1}: {kind} {run.seconds:.2f}s, {run.maxrss_mib:.0f} MiB")
    plain = median([s for s, _ in samples["plain"]])
    print(f"| build of {events:,} events ({pairs} rounds, median) | seconds | ÷ plain | peak MiB |")
    print("| --- | --- | --- | --- |")
    for kind, values in samples.items():
        seconds = median([s for s, _ in values])
        print(f"| {kind} | {seconds:.2f} | {seconds / plain:.2f}× | {median([m for _, m in values]):.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
