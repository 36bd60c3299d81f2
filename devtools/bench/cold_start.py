"""Function cold start: a fresh interpreter that imports the Lambda handler and answers one booking.

Each kind against its floor, the libraries it cannot do without, in the same round: a valid booking
(stored in DynamoDB, then one Stripe call to the stand-in, both on loopback) against `python -c "import
stripe, pydantic, email_validator, boto3; boto3.client("dynamodb"); from pydantic import BaseModel"`
(issue 20), an invalid one (422, no store, no Stripe) against `python -c "import pydantic,
email_validator"`. `import pydantic` is lazy (it loads no model machinery), so the invalid floor is
also taken with `from pydantic import BaseModel`, and the valid floor without the store's part, as
references. Kinds are interleaved (order reversed every other round); every figure is the median. The
stand-in and the local DynamoDB engine run in their own processes; the stand-in's access log counts
the Checkout Session requests. Where this machine has Lambda's Python, the valid booking and its floor also run
as Lambda runs them: the bundle `make package` builds (wheels for the runtime, its bytecode, botocore's models
cut to DynamoDB's), on that Python. The bookings are for the test site's open event (tests/fixtures/site),
so the bench does not depend on the shipped events' dates.

Two clocks per run: spawn to exit (the wall time of the whole process), and spawn to the answer, which is
what Lambda pays for a cold start (its init and first invocation; a Lambda process is frozen and discarded,
never shut down, so it never pays the interpreter's exit). Each child stamps `time.monotonic()` (one clock for
every process on Linux) when it has its answer: the booking child when the handler returns, a floor when its
imports and client are done. The target is judged on the answer.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from devtools.bench.common import (
    OPEN_EVENT,
    PYTHON,
    ROOT,
    TEST_SITE_CONTENT,
    ChildRun,
    median,
    progress,
    reps,
    run_child,
)
from devtools.bench.standin_process import standin_process
from devtools.bench.store_process import store_process
from devtools.stripe_standin.testing import TEST_API_KEY
from pricing import fee_table_json
from pricing.organiser import organiser_json

EVENT = OPEN_EVENT
MODELS = "; from pydantic import BaseModel"  # what `import pydantic` defers: the machinery every model needs
# Issue 20: a valid booking is stored before Stripe is called, so its floor has boto3 and a DynamoDB client too.
FLOOR_VALID = 'import stripe, pydantic, email_validator, boto3; boto3.client("dynamodb")' + MODELS
FLOOR_VALID_WITHOUT_STORE = "import stripe, pydantic, email_validator" + MODELS  # the floor before issue 20
FLOOR_INVALID = "import pydantic, email_validator"

# The child: import the handler, answer one Lambda payload-2.0 event, report what it saw.
CHILD = """
import json, sys, time
t0 = time.perf_counter()
from functions.lambda_handler import handler
t1 = time.perf_counter()
body = sys.argv[1]
event = {"version": "2.0", "rawPath": "/api/bookings", "rawQueryString": "",
         "headers": {"content-type": "application/json", "accept": "application/json"},
         "requestContext": {"http": {"method": "POST", "path": "/api/bookings"}},
         "body": body, "isBase64Encoded": False}
answer = handler(event, None)
t2 = time.perf_counter()
answered_at, answered_cpu = time.monotonic(), time.process_time()
print(json.dumps({"status": answer["statusCode"], "answered_at": answered_at, "answered_cpu": answered_cpu,
                  "stripe_loaded": "stripe" in sys.modules,
                  "boto3_loaded": "boto3" in sys.modules,
                  "import_handler_ms": (t1 - t0) * 1000, "first_call_ms": (t2 - t1) * 1000,
                  "modules": len(sys.modules), "body": answer["body"][:300]}))
"""


# A floor's (or `pass`'s) "answer": the moment its imports and client are done, on the same clock as the child's,
# and the CPU time it had used by then.
ANSWERED = "; import time as _t; print(_t.monotonic(), _t.process_time())"


def answered_after(run: ChildRun) -> tuple[float, float]:
    """Seconds from spawning `run` to the answer it stamped (the booking child's JSON, or a floor's last line),
    and the CPU seconds (user + system) the child had used by then."""
    last = run.stdout.strip().splitlines()[-1]
    if last.startswith("{"):
        reported = json.loads(last)
        stamp, cpu = reported["answered_at"], reported["answered_cpu"]
    else:
        stamp, cpu = (float(part) for part in last.split())
    return float(stamp) - run.spawned, float(cpu)


def runtime_bundle(tmp: Path) -> tuple[str, Path] | str:
    """Lambda's Python and the function's bundle as `make package` builds it (wheels for the runtime, bytecode,
    botocore's models cut to DynamoDB's), built under `tmp`; or why the bench cannot run it here."""
    from devtools.deploy.package import LAMBDA_PYTHON, PackageError, build, find_python

    python = find_python(LAMBDA_PYTHON)
    if python is None:
        return f"no Python {LAMBDA_PYTHON} on this machine"
    try:
        return python, build(tmp / "dist", make_zip=False, log=lambda line: progress(line))
    except PackageError as exc:
        return f"the bundle could not be built: {str(exc).splitlines()[0]}"


def booking(i: int, valid: bool) -> str:
    email = f"delegate{i}@nhs.net" if valid else "not-an-email"
    return json.dumps(
        {
            "event": EVENT,
            "category": "public-sector",
            "payment": "card",
            "contact": {
                "name": "Priya Shah",
                "email": f"contact{i}@nhs.net",
                "organisation": "Leeds Teaching Hospitals NHS Trust",
            },
            "delegates": [{"name": f"Delegate {i}", "email": email, "job_title": "IG Lead"}],
            "accept_terms": True,
        }
    )


def function_environ(tmp: Path, api_base: str, store_environ: dict[str, str]) -> dict[str, str]:
    """The child's environment: Stripe's stand-in at `api_base`, the store, and content as the bundle ships it.

    As devtools/deploy/package.py ships them: the fee table and the organiser's details as JSON, the
    events' headers beside them; the test site's, whose events stay open. Written under `tmp`.
    """
    content = tmp / "content"
    shutil.copytree(TEST_SITE_CONTENT / "events", content / "events")
    (content / "fees.json").write_text(fee_table_json(TEST_SITE_CONTENT / "fees.yaml"), encoding="utf-8")
    (content / "organiser.json").write_text(organiser_json(TEST_SITE_CONTENT / "organiser.yaml"), encoding="utf-8")
    env = {
        **os.environ,
        **store_environ,
        "STRIPE_SECRET_KEY": TEST_API_KEY,
        "STRIPE_WEBHOOK_SECRET": "whsec_bench",
        "SITE_URL": "http://127.0.0.1:9",
        "STRIPE_API_BASE": api_base,
        "FEES_PATH": str(content / "fees.json"),
    }
    # Installed libraries carry .pyc files from pip; let our own modules have theirs too (the warm-up writes them).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def answer(env: dict[str, str], body: str) -> dict[str, Any]:
    """One cold booking in a fresh interpreter: what the child reported (status, libraries loaded, timings)."""
    result = run_child([PYTHON, "-c", CHILD, body], env=env, cwd=ROOT)
    if result.returncode != 0:
        raise RuntimeError(f"cold booking failed: {result.stderr[-2000:]}")
    reported: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return reported


def _import_profile(env: dict[str, str], body: str) -> list[dict[str, Any]]:
    """`python -X importtime` of one cold booking: self time summed per top-level package (ms), largest first.

    A module's self time includes running its body, so building pydantic models at import
    counts against the module that defines them (functions, pricing), not against pydantic.
    """
    run = run_child([PYTHON, "-X", "importtime", "-c", CHILD, body], env=env, cwd=ROOT)
    tops: dict[str, int] = {}
    for line in run.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)", line)
        if m:
            name = m.group(3).split(".")[0]
            tops[name] = tops.get(name, 0) + int(m.group(1))
    ranked = sorted(tops.items(), key=lambda kv: -kv[1])
    return [{"package": k, "ms": round(v / 1000, 1)} for k, v in ranked[:12]] + [
        {"package": "(all imports)", "ms": round(sum(tops.values()) / 1000, 1)}
    ]


def run() -> dict[str, Any]:
    n = reps(21, 5)
    with (
        standin_process() as standin,
        store_process() as store_environ,
        tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp,
    ):
        env = function_environ(Path(tmp), standin.api_base, store_environ)
        kinds = {
            "valid": lambda i: [PYTHON, "-c", CHILD, booking(i, True)],
            "floor_valid": lambda i: [PYTHON, "-c", FLOOR_VALID + ANSWERED],
            "invalid": lambda i: [PYTHON, "-c", CHILD, booking(i, False)],
            "floor_invalid": lambda i: [PYTHON, "-c", FLOOR_INVALID + ANSWERED],
            "pass": lambda i: [PYTHON, "-c", "pass" + ANSWERED],
            "import_stripe": lambda i: [PYTHON, "-c", "import stripe" + ANSWERED],
            # References, not floors: the valid floor before the store; the invalid one with pydantic's models.
            "floor_valid_without_store": lambda i: [PYTHON, "-c", FLOOR_VALID_WITHOUT_STORE + ANSWERED],
            "floor_invalid_models": lambda i: [PYTHON, "-c", FLOOR_INVALID + MODELS + ANSWERED],
        }
        places: dict[str, tuple[dict[str, str], Path]] = {kind: (env, ROOT) for kind in kinds}
        checks: dict[str, list[dict[str, Any]]] = {"valid": [], "invalid": []}
        runtime = runtime_bundle(Path(tmp))
        if not isinstance(runtime, str):  # the same booking and floor as Lambda runs them: the bundle on its Python
            python, bundle = runtime
            kinds["runtime_valid"] = lambda i: [python, "-c", CHILD, booking(i + 50_000, True)]
            kinds["runtime_floor_valid"] = lambda i: [python, "-c", FLOOR_VALID + ANSWERED]
            for kind in ("runtime_valid", "runtime_floor_valid"):
                places[kind] = ({**env, "PYTHONPATH": str(bundle)}, Path(tmp))
            checks["runtime_valid"] = []
        for kind, make in kinds.items():  # warm the page cache and .pyc files, not counted
            run_child(make(10_000), env=places[kind][0], cwd=places[kind][1])
        samples: dict[str, list[float]] = {k: [] for k in kinds}
        answers: dict[str, list[float]] = {k: [] for k in kinds}
        cpu: dict[str, list[float]] = {k: [] for k in kinds}
        requests_per_valid: list[int] = []
        progress(f"cold start: {n} interleaved runs of each of {', '.join(kinds)}")
        for i in range(n):
            order = list(kinds) if i % 2 == 0 else list(reversed(kinds))
            for kind in order:
                before = standin.requests()
                result = run_child(kinds[kind](i), env=places[kind][0], cwd=places[kind][1])
                if result.returncode != 0:
                    raise RuntimeError(f"cold start {kind} failed: {result.stderr[-2000:]}")
                samples[kind].append(result.seconds)
                to_answer, cpu_to_answer = answered_after(result)
                answers[kind].append(to_answer)
                cpu[kind].append(cpu_to_answer)
                if kind in checks:
                    checks[kind].append(json.loads(result.stdout.strip().splitlines()[-1]))
                if kind == "valid":
                    requests_per_valid.append(standin.requests() - before)
        profile = {
            "valid": _import_profile(env, booking(20_000, True)),
            "invalid": _import_profile(env, booking(20_001, False)),
        }
    med = {k: median(v) for k, v in samples.items()}

    def ratio(kind: str, floor: str, runs: dict[str, list[float]] = samples) -> float:
        # per round, so both sides share the machine's state
        return median([a / b for a, b in zip(runs[kind], runs[floor], strict=True)])

    return {
        "runs": n,
        "floors": {"valid": FLOOR_VALID, "invalid": FLOOR_INVALID, "valid_without_store": FLOOR_VALID_WITHOUT_STORE},
        "median_s": med,
        "median_answer_s": {k: median(v) for k, v in answers.items()},
        "valid_vs_floor_answer": ratio("valid", "floor_valid", answers),
        "invalid_vs_floor_answer": ratio("invalid", "floor_invalid", answers),
        "median_cpu_answer_s": {k: median(v) for k, v in cpu.items()},
        "valid_vs_floor_cpu_answer": ratio("valid", "floor_valid", cpu),
        "runtime": (
            runtime
            if isinstance(runtime, str)
            else {
                "python": runtime[0],
                "valid_vs_floor_answer": ratio("runtime_valid", "runtime_floor_valid", answers),
                "valid_vs_floor_cpu_answer": ratio("runtime_valid", "runtime_floor_valid", cpu),
                "valid_vs_floor": ratio("runtime_valid", "runtime_floor_valid"),
                "median_answer_s": {k: median(answers[k]) for k in ("runtime_valid", "runtime_floor_valid")},
                "statuses": sorted({c["status"] for c in checks["runtime_valid"]}),
            }
        ),
        "valid_vs_floor": ratio("valid", "floor_valid"),
        "invalid_vs_floor": ratio("invalid", "floor_invalid"),
        "floor_valid_vs_without_store": ratio("floor_valid", "floor_valid_without_store"),
        "valid_vs_floor_without_store": ratio("valid", "floor_valid_without_store"),
        "invalid_vs_floor_models": ratio("invalid", "floor_invalid_models"),
        "valid_vs_import_stripe": ratio("valid", "import_stripe"),
        "invalid_minus_pass_ms": (med["invalid"] - med["pass"]) * 1000,
        "invalid_vs_pass": ratio("invalid", "pass"),
        "valid_statuses": sorted({c["status"] for c in checks["valid"]}),
        "invalid_statuses": sorted({c["status"] for c in checks["invalid"]}),
        "invalid_imported_stripe": any(c["stripe_loaded"] for c in checks["invalid"]),
        "invalid_imported_boto3": any(c["boto3_loaded"] for c in checks["invalid"]),
        "valid_imported_boto3": all(c["boto3_loaded"] for c in checks["valid"]),
        "valid_imported_stripe": all(c["stripe_loaded"] for c in checks["valid"]),
        "stripe_requests_per_valid": sorted(set(requests_per_valid)),
        "valid_import_handler_ms": median([c["import_handler_ms"] for c in checks["valid"]]),
        "valid_first_call_ms": median([c["first_call_ms"] for c in checks["valid"]]),
        "invalid_import_handler_ms": median([c["import_handler_ms"] for c in checks["invalid"]]),
        "invalid_first_call_ms": median([c["first_call_ms"] for c in checks["invalid"]]),
        "modules_valid": median([c["modules"] for c in checks["valid"]]),
        "modules_invalid": median([c["modules"] for c in checks["invalid"]]),
        "import_profile": profile,
        "samples": samples,
        "answer_samples": answers,
        "cpu_answer_samples": cpu,
    }
