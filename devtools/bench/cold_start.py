"""Function cold start: a fresh interpreter that imports the Lambda handler and answers one booking.

Each kind against its floor, the libraries it cannot do without, in the same round: a valid booking
(one Stripe call to the stand-in on loopback) against `python -c "import stripe, pydantic,
email_validator"`, an invalid one (422, no Stripe) against `python -c "import pydantic,
email_validator"`. `import pydantic` is lazy (it loads no model machinery), so each floor is also
taken with `from pydantic import BaseModel` as a reference. Kinds are interleaved (order reversed
every other round); every figure is the median. The stand-in runs in its own process; its access
log counts the Checkout Session requests.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from devtools.bench.common import PYTHON, ROOT, median, progress, reps, run_child
from devtools.bench.standin_process import standin_process
from devtools.stripe_standin.testing import TEST_API_KEY

EVENT = "caldicott-police-2027"
FLOOR_VALID = "import stripe, pydantic, email_validator"
FLOOR_INVALID = "import pydantic, email_validator"
MODELS = "; from pydantic import BaseModel"  # what `import pydantic` defers: the machinery every model needs

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
print(json.dumps({"status": answer["statusCode"], "stripe_loaded": "stripe" in sys.modules,
                  "import_handler_ms": (t1 - t0) * 1000, "first_call_ms": (t2 - t1) * 1000,
                  "modules": len(sys.modules), "body": answer["body"][:300]}))
"""


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
    with standin_process() as standin:
        env = {
            **os.environ,
            "STRIPE_SECRET_KEY": TEST_API_KEY,
            "STRIPE_WEBHOOK_SECRET": "whsec_bench",
            "SITE_URL": "http://127.0.0.1:9",
            "STRIPE_API_BASE": standin.api_base,
        }
        env.pop("FEES_PATH", None)
        # Installed libraries carry .pyc files from pip; let our own modules have theirs too (the warm-up writes them).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        kinds = {
            "valid": lambda i: [PYTHON, "-c", CHILD, booking(i, True)],
            "floor_valid": lambda i: [PYTHON, "-c", FLOOR_VALID],
            "invalid": lambda i: [PYTHON, "-c", CHILD, booking(i, False)],
            "floor_invalid": lambda i: [PYTHON, "-c", FLOOR_INVALID],
            "pass": lambda i: [PYTHON, "-c", "pass"],
            "import_stripe": lambda i: [PYTHON, "-c", "import stripe"],
            # References, not floors: the same libraries with pydantic's model machinery loaded.
            "floor_valid_models": lambda i: [PYTHON, "-c", FLOOR_VALID + MODELS],
            "floor_invalid_models": lambda i: [PYTHON, "-c", FLOOR_INVALID + MODELS],
        }
        for make in kinds.values():  # warm the page cache and .pyc files, not counted
            run_child(make(10_000), env=env, cwd=ROOT)
        samples: dict[str, list[float]] = {k: [] for k in kinds}
        checks: dict[str, list[dict[str, Any]]] = {"valid": [], "invalid": []}
        requests_per_valid: list[int] = []
        progress(f"cold start: {n} interleaved runs of each of {', '.join(kinds)}")
        for i in range(n):
            order = list(kinds) if i % 2 == 0 else list(reversed(kinds))
            for kind in order:
                before = standin.requests()
                result = run_child(kinds[kind](i), env=env, cwd=ROOT)
                if result.returncode != 0:
                    raise RuntimeError(f"cold start {kind} failed: {result.stderr[-2000:]}")
                samples[kind].append(result.seconds)
                if kind in checks:
                    checks[kind].append(json.loads(result.stdout.strip().splitlines()[-1]))
                if kind == "valid":
                    requests_per_valid.append(standin.requests() - before)
        profile = {
            "valid": _import_profile(env, booking(20_000, True)),
            "invalid": _import_profile(env, booking(20_001, False)),
        }
    med = {k: median(v) for k, v in samples.items()}

    def ratio(kind: str, floor: str) -> float:  # per round, so both sides share the machine's state
        return median([a / b for a, b in zip(samples[kind], samples[floor], strict=True)])

    return {
        "runs": n,
        "median_s": med,
        "valid_vs_floor": ratio("valid", "floor_valid"),
        "invalid_vs_floor": ratio("invalid", "floor_invalid"),
        "valid_vs_floor_models": ratio("valid", "floor_valid_models"),
        "invalid_vs_floor_models": ratio("invalid", "floor_invalid_models"),
        "valid_vs_import_stripe": ratio("valid", "import_stripe"),
        "invalid_minus_pass_ms": (med["invalid"] - med["pass"]) * 1000,
        "invalid_vs_pass": ratio("invalid", "pass"),
        "valid_statuses": sorted({c["status"] for c in checks["valid"]}),
        "invalid_statuses": sorted({c["status"] for c in checks["invalid"]}),
        "invalid_imported_stripe": any(c["stripe_loaded"] for c in checks["invalid"]),
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
    }
