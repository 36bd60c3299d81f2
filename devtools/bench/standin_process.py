"""The Stripe stand-in in its own process (`python -m devtools.stripe_standin --access-log`), so its work never holds our GIL."""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devtools.bench.common import PYTHON, ROOT, free_port


class StandInProcess:
    def __init__(self, url: str, log: Path) -> None:
        self.api_base = url
        self._log = log

    def requests(self, marker: str = "POST /v1/checkout/sessions") -> int:
        """HTTP requests the stand-in has logged so far that contain `marker`.

        The server writes a request's log line just after sending the response, so the count is
        read again until it has not changed for 50 ms.
        """
        count, stable_since = -1, time.monotonic()
        while True:
            now = sum(marker in line for line in self._log.read_text(errors="replace").splitlines())
            if now != count:
                count, stable_since = now, time.monotonic()
            elif time.monotonic() - stable_since >= 0.05:
                return count
            time.sleep(0.01)


@contextmanager
def standin_process() -> Iterator[StandInProcess]:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-standin-") as tmp:
        log = Path(tmp, "access.log")
        with open(log, "wb") as err:
            proc = subprocess.Popen(
                [PYTHON, "-m", "devtools.stripe_standin", "--port", str(port), "--access-log"],
                stdout=subprocess.PIPE,
                stderr=err,
                cwd=ROOT,
                text=True,
            )
            try:
                assert proc.stdout is not None
                banner = proc.stdout.readline()
                if "stand-in" not in banner:
                    raise RuntimeError(f"stripe_standin did not start: {banner!r} {log.read_text()[-2000:]}")
                url = f"http://127.0.0.1:{port}"
                time.sleep(0.05)
                yield StandInProcess(url, log)
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
