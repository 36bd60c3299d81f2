"""Warm path: the handler's own time per valid booking, the Stripe round trip taken out.

In one process, after a warm-up, each booking goes through `handle_event` (the Lambda adapter
without the environment) to the stand-in on loopback. Two clocks are wrapped around it:

- the HTTP transport (`stripe.RequestsClient.request`: connect, send, stand-in work, receive):
  handler own time = total - transport. This keeps our parameters, the SDK's request building
  and response parsing in "own time", so it is the stricter figure (the target is judged on it);
  The same difference in this thread's CPU time (time.thread_time) is reported beside it: it
  leaves out the moments another process had the CPU, which on a busy 2-core machine is most
  of the tail;
- the Stripe seam (`functions.bookings.create_checkout_session`): core time = total - seam - store
  transport, the validate/price/store/respond part without either round trip.

Every valid booking is stored (issue 20) before Stripe is called: the local DynamoDB engine runs in its
own process, and botocore's HTTP transport (`URLLib3Session.send`) has a clock of its own, taken out of
"own time" and "core" like Stripe's and reported beside it (the local engine is a Python server, much
slower than DynamoDB, so its round trips say nothing about AWS). The bookings are for the test site's
open event (tests/fixtures/site), so the bench does not depend on the shipped events' dates. Each run
(and the warm-up) books into a fresh table, as the engine slows when one fills up.

The stand-in runs in its own process (its threads would otherwise take our GIL mid-booking).
Each booking is different (a new delegate e-mail), so the stand-in makes a new session every time
rather than replaying an idempotent one. HTTP requests per booking are counted twice: calls of the
SDK's transport during each booking, and the stand-in's own access log against the bookings sent.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from devtools.bench.common import OPEN_EVENT, TEST_SITE_CONTENT, median, percentile, progress, reps
from devtools.bench.standin_process import standin_process
from devtools.bench.store_process import fresh_table, store_process
from devtools.stripe_standin.testing import TEST_API_KEY

if TYPE_CHECKING:
    from functions.settings import Settings

EVENT = OPEN_EVENT


def bench_settings(api_base: str, store_environ: dict[str, str]) -> Settings:
    """The function's settings for the bench: Stripe's stand-in at `api_base`, the store, the test site's fees."""
    from functions.settings import Settings

    return Settings(
        stripe_secret_key=TEST_API_KEY,
        stripe_webhook_secret="whsec_bench",
        site_url="https://events.example.org",
        stripe_api_base=api_base,
        fees_path=TEST_SITE_CONTENT / "fees.yaml",
        store_environ=store_environ,
    )


def booking_event(i: int, delegates: int) -> dict[str, Any]:
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
    from botocore.httpsession import URLLib3Session

    import functions.bookings
    from functions.lambda_handler import handle_event

    runs, per_run, warmup = reps(5, 2), reps(200, 30), reps(50, 10)
    transport, seam, store = _Clock(), _Clock(), _Clock()
    original_request = stripe.RequestsClient.request
    original_send = URLLib3Session.send
    original_seam = functions.bookings.create_checkout_session  # type: ignore[attr-defined]  # bookings imports it
    # Timing wrappers around the SDK's transport and the function's Stripe seam, put back in `finally`.
    stripe.RequestsClient.request = transport.wrap(original_request)  # type: ignore[method-assign]
    functions.bookings.create_checkout_session = seam.wrap(original_seam)  # type: ignore[attr-defined]
    URLLib3Session.send = store.wrap(original_send)
    results: dict[str, Any] = {"runs": runs, "bookings_per_run": per_run}
    try:
        with standin_process() as standin, store_process() as store_environ:
            i = 0
            logged_before = standin.requests()
            for delegates in (1, 20):
                progress(
                    f"warm path: {delegates} delegate(s): {runs} runs of {per_run} bookings after {warmup} to warm up"
                )
                per_run_stats = []
                requests_seen: set[int] = set()
                store_requests_seen: set[int] = set()
                statuses: set[int] = set()
                for r in range(-1, runs):
                    # A fresh table each run: the local engine slows as a table fills up (2,100 bookings in one
                    # took its round trips from about 15 ms to 185 ms), which would stretch the section, not the figures.
                    settings = bench_settings(standin.api_base, fresh_table(store_environ))
                    settings.store()  # the client is made once per warm Lambda: not inside a timed booking
                    own, core, trip, total, own_cpu, store_trip = [], [], [], [], [], []
                    for _ in range(warmup if r < 0 else per_run):
                        i += 1
                        event = booking_event(i, delegates)
                        transport.spent = seam.spent = transport.cpu = store.spent = store.cpu = 0.0
                        transport.calls = store.calls = 0
                        started, cpu = time.perf_counter(), time.thread_time()
                        answer = handle_event(event, settings)
                        elapsed, cpu_elapsed = time.perf_counter() - started, time.thread_time() - cpu
                        statuses.add(answer["statusCode"])
                        requests_seen.add(transport.calls)
                        store_requests_seen.add(store.calls)
                        total.append(elapsed * 1000)
                        own.append((elapsed - transport.spent - store.spent) * 1000)
                        own_cpu.append((cpu_elapsed - transport.cpu - store.cpu) * 1000)
                        core.append((elapsed - seam.spent - store.spent) * 1000)
                        trip.append(transport.spent * 1000)
                        store_trip.append(store.spent * 1000)
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
                            "store_transport_p50": percentile(store_trip, 50),
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
                    "store_requests_per_booking": sorted(store_requests_seen),
                }
            results["bookings_sent"] = i
            results["standin_logged_session_posts"] = standin.requests() - logged_before
    finally:
        stripe.RequestsClient.request = original_request  # type: ignore[method-assign]  # the wrapper undone
        functions.bookings.create_checkout_session = original_seam  # type: ignore[attr-defined]  # the wrapper undone
        URLLib3Session.send = original_send  # the wrapper undone
    return results
