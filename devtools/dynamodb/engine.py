"""Run the local engine (`python -m devtools.dynamodb`) as a child process, for `make dev` and the tests."""

from __future__ import annotations

import selectors
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from devtools.dynamodb import READY

START_TIMEOUT_SECONDS = 60  # two busy cores: moto imports in about a second on an idle machine
STOP_TIMEOUT_SECONDS = 10


class EngineError(Exception):
    """The engine did not start (or said why not on stderr)."""


@dataclass
class Engine:
    """A running engine: its endpoint (http://127.0.0.1:N) and process."""

    endpoint: str
    process: subprocess.Popen[str]

    def stop(self) -> None:
        """Stop it (SIGTERM: it saves --data first) and wait; kill it if it does not stop."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()


def start(*, host: str = "127.0.0.1", port: int = 0, table: str | None = None, data: Path | None = None) -> Engine:
    """Start the engine and return once it answers (and, with `table`, holds that table)."""
    command = [sys.executable, "-m", "devtools.dynamodb", "--host", host, "--port", str(port), "--stop-on-eof"]
    if table is not None:
        command += ["--table", table]
    if data is not None:
        command += ["--data", str(data)]
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2]
    )
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        ready = selector.select(timeout=START_TIMEOUT_SECONDS)
    line = process.stdout.readline() if ready else ""
    if not line.startswith(READY):
        Engine("", process).stop()
        raise EngineError(f"the local DynamoDB engine did not start (exit status {process.returncode})")
    return Engine(line[len(READY) :].strip(), process)
