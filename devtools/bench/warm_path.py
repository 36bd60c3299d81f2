"""Warm path: the handler's own time per valid booking, the Stripe round trip taken out.

In one process, after a warm-up, each booking goes through `handle_event` (the Lambda adapter
without the environment) to the stand-in on loopback. Two clocks are wrapped around it:

- the HTTP transport (`stripe.RequestsClient.request`: connect, send, stand-in work, receive):
  handler own time = total - transport. This keeps our parameters, the SDK's request building
  and response parsing in "own time", so it is the stricter figure (the target is judged on it);
  The same difference in this thread's CPU time (time.thread_time) is reported beside it: it
  leaves out the moments another process had the CPU, which on a busy 2-core machine is most
  of the tail;
- the Stripe seam (`functions.bookings.create_checkout_session`): core time = total - seam,
  the pure validate/price/respond part.

The stand-in runs in its own process (its threads would otherwise take our GIL mid-booking).
Each booking is different (a new delegate e-mail), so the stand-in makes a new session every time
rather than replaying an idempotent one. HTTP requests per booking are counted twice: calls of the
SDK's transport during each booking, and the stand-in's own access log against the bookings sent.
"""

from __future__ import annotations

import json
import time
from typing import Any

from devtools.bench.common import median, percentile, progress, reps
from devtools.bench.standin_process import standin_process
from devtools.stripe_standin.testing import TEST_API_KEY

EVENT = "caldicott-police-2027"


def _event(i: int, delegates: int) -> dict[str, Any]:
    body = json.dumps(
        {
            "event": EVENT,
            "category": "public-sector",
            "payment": "card",
            "contact": {
                "name": "Priya Shah",
                "email": f"contact{i}@nhs.net",
                "organisation": "Leeds Teaching Hospitals NHS Trust",
            },
            "delegates": [
                {
                    "name": f"Delegate {i}-{d}",
                    "email": f"d{i}.{d}@nhs.net",
                    "job_title": "IG Lead",
                    "organisation": "NHS",
                }
                for d in range(delegates)
            ],
            "accept_terms": True,
        }
    )
    return {
        "version": "2.0",
        "rawPath": "/api/bookings",
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "accept": "application/json"},
        "requestContext": {"http": {"method": "POST", "path": "/api/bookings"}},
        "body": body,
        "isBase64Encoded": False,
    }


class _Clock:
    """Adds up the time spent inside one wrapped callable during the current booking."""

    def __init__(self) -> None:
        self.spent = 0.0
        self.cpu = 0.0
        self.calls = 0

    def wrap(self, fn):
        def timed(*args, **kwargs):
            self.calls += 1
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spent += time.perf_counter() - started
                self.cpu += time.thread_time() - cpu

        return timed


def run() -> dict[str, Any]:
    import stripe

    import functions.bookings
    from functions.lambda_handler import handle_event
    from functions.settings import Settings

    runs, per_run, warmup = reps(5, 2), reps(200, 30), reps(50, 10)
    transport, seam = _Clock(), _Clock()
    original_request = stripe.RequestsClient.request
    original_seam = functions.bookings.create_checkout_session  # type: ignore[attr-defined]  # bookings imports it
    # Timing wrappers around the SDK's transport and the function's Stripe seam, put back in `finally`.
    stripe.RequestsClient.request = transport.wrap(original_request)  # type: ignore[method-assign]
    functions.bookings.create_checkout_session = seam.wrap(original_seam)  # type: ignore[attr-defined]
    results: dict[str, Any] = {"runs": runs, "bookings_per_run": per_run}
    try:
        with standin_process() as standin:
            settings = Settings(
                stripe_secret_key=TEST_API_KEY,
                stripe_webhook_secret="whsec_bench",
                site_url="https://events.example.org",
                stripe_api_base=standin.api_base,
            )
            i = 0
            logged_before = standin.requests()
            for delegates in (1, 20):
                progress(
                    f"warm path: {delegates} delegate(s): {runs} runs of {per_run} bookings after {warmup} to warm up"
                )
                per_run_stats = []
                requests_seen: set[int] = set()
                statuses: set[int] = set()
                for r in range(-1, runs):
                    own, core, trip, total, own_cpu = [], [], [], [], []
                    for _ in range(warmup if r < 0 else per_run):
                        i += 1
                        event = _event(i, delegates)
                        transport.spent = seam.spent = transport.cpu = 0.0
                        transport.calls = 0
                        started, cpu = time.perf_counter(), time.thread_time()
                        answer = handle_event(event, settings)
                        elapsed, cpu_elapsed = time.perf_counter() - started, time.thread_time() - cpu
                        statuses.add(answer["statusCode"])
                        requests_seen.add(transport.calls)
                        total.append(elapsed * 1000)
                        own.append((elapsed - transport.spent) * 1000)
                        own_cpu.append((cpu_elapsed - transport.cpu) * 1000)
                        core.append((elapsed - seam.spent) * 1000)
                        trip.append(transport.spent * 1000)
                    if r < 0:
                        continue
                    per_run_stats.append(
                        {
                            "own_p50": percentile(own, 50),
                            "own_p99": percentile(own, 99),
                            "own_cpu_p50": percentile(own_cpu, 50),
                            "own_cpu_p99": percentile(own_cpu, 99),
                            "core_p50": percentile(core, 50),
                            "core_p99": percentile(core, 99),
                            "transport_p50": percentile(trip, 50),
                            "total_p50": percentile(total, 50),
                            "total_p99": percentile(total, 99),
                        }
                    )
                results[f"delegates_{delegates}"] = {
                    key: median([s[key] for s in per_run_stats]) for key in per_run_stats[0]
                } | {
                    "per_run": per_run_stats,
                    "statuses": sorted(statuses),
                    "stripe_requests_per_booking": sorted(requests_seen),
                }
            results["bookings_sent"] = i
            results["standin_logged_session_posts"] = standin.requests() - logged_before
    finally:
        stripe.RequestsClient.request = original_request  # type: ignore[method-assign]  # the wrapper undone
        functions.bookings.create_checkout_session = original_seam  # type: ignore[attr-defined]  # the wrapper undone
    return results
