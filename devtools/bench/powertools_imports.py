"""What Powertools for AWS Lambda adds to a cold start: its Logger, its idempotency utility and its event handler,
each imported in a fresh interpreter after a floor (BASE, by default `import stripe, pydantic, email_validator`),
interleaved, median of N rounds. `python -m devtools.bench.powertools_imports [PYTHON] [ROUNDS]`; BENCHMARKS.md,
"Issue 20: Powertools' cost at cold start", records a run.
"""

import os
import statistics
import subprocess
import sys

PY = sys.argv[1] if len(sys.argv) > 1 else sys.executable
BASE = os.environ.get("BASE", "import stripe, pydantic, email_validator; from pydantic import BaseModel")
CASES = {
    "floor": "",
    "logger": "from aws_lambda_powertools.logging import Logger; Logger(service='booking')",
    "idempotency": "from aws_lambda_powertools.utilities.idempotency import idempotent_function, DynamoDBPersistenceLayer",
    "event_handler": "from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver; LambdaFunctionUrlResolver()",
}
CHILD = """
import time, sys
t0 = time.perf_counter()
exec(sys.argv[1])
t1 = time.perf_counter()
exec(sys.argv[2])
t2 = time.perf_counter()
print((t1 - t0) * 1000, (t2 - t1) * 1000, "boto3" in sys.modules, "botocore" in sys.modules, len(sys.modules))
"""


def main() -> None:
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 11
    res: dict[str, list[float]] = {k: [] for k in CASES}
    flags: dict[str, tuple[str, str, str]] = {}
    for r in range(rounds):
        order = list(CASES) if r % 2 == 0 else list(reversed(CASES))
        for k in order:
            out = subprocess.run(
                [PY, "-c", CHILD, BASE, CASES[k]], capture_output=True, text=True, check=True
            ).stdout.split()
            res[k].append(float(out[1]))
            flags[k] = (out[2], out[3], out[4])
    print("load", os.getloadavg())
    for k, v in res.items():
        print(
            f"{k:14s} median extra import {statistics.median(v):7.1f} ms  (min {min(v):.1f})  boto3={flags[k][0]} botocore={flags[k][1]} modules={flags[k][2]}"
        )


if __name__ == "__main__":
    main()
