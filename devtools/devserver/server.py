"""The dev server's one WSGI app and its threaded loopback server."""

from __future__ import annotations

import logging
import socketserver
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from devtools.devserver.cms import CMS_PREFIX, LocalBackend, Rebuilder, refusal_page
from devtools.devserver.lambda_bridge import call_function
from devtools.devserver.netlify_headers import headers_for
from devtools.devserver.rate_limit import RateLimit, too_many_requests
from devtools.devserver.static import serve
from functions.lambda_handler import handler
from functions.proxy import EXEMPT_PATHS

STANDIN_PREFIX = "/_stripe"
LISTEN_BACKLOG = 128  # connections the kernel holds for the dev server before it accepts them
log = logging.getLogger("devserver")


class DevApp:
    """Routes /api/* to the function, /_stripe/* to the stand-in (when simulating), /_cms/* to Decap's
    local backend (with --content) and the rest to output/, or to why the last rebuild was refused.
    /api/* is rate-limited per client as production's proxy rule is (default: its numbers), except Stripe's webhook."""

    def __init__(
        self,
        output: Path,
        standin: Callable[..., Iterable[bytes]] | None = None,
        backend: LocalBackend | None = None,
        rebuilder: Rebuilder | None = None,
        rate_limit: RateLimit | None = None,
        function: Callable[[dict, Any], dict] = handler,
    ):
        self.output = output.resolve()
        self.standin = standin
        self.backend = backend
        self.rebuilder = rebuilder
        self.rate_limit = rate_limit or RateLimit()
        self.function = function

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if path == "/api" or path.startswith("/api/"):
            if path not in EXEMPT_PATHS:
                # Netlify aggregates by ["ip", "domain"]: one count per client address and site.
                client = f"{environ.get('REMOTE_ADDR', '')} {environ.get('HTTP_HOST', '')}"
                wait = self.rate_limit.retry_after(client)
                if wait is not None:
                    log.warning(
                        "rate limit: %s is over %d requests in %gs",
                        client,
                        self.rate_limit.limit,
                        self.rate_limit.window,
                    )
                    return too_many_requests(start_response, wait)
            return call_function(_as_signed_proxy(environ), start_response, self.function)
        if self.standin is not None and (path == STANDIN_PREFIX or path.startswith(STANDIN_PREFIX + "/")):
            environ = dict(environ)
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + STANDIN_PREFIX
            environ["PATH_INFO"] = path[len(STANDIN_PREFIX) :] or "/"
            return self.standin(environ, start_response)
        if self.backend is not None and path.startswith(CMS_PREFIX + "/"):
            return self.backend(environ, start_response)
        if self.rebuilder is not None and self.rebuilder.problems and _is_page(path):
            body = refusal_page(self.rebuilder.problems)
            headers = {**headers_for(path), "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
            start_response("503 Service Unavailable", [*headers.items(), ("Content-Length", str(len(body)))])
            return [body]
        return serve(self.output, environ, start_response)


def _is_page(path: str) -> bool:
    """A page a person opens (not the CMS itself, a stylesheet or an image)."""
    return not path.startswith("/admin/") and (path.endswith("/") or path.endswith(".html"))


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    # The function calls the stand-in, and the stand-in's "Pay" calls the webhook, on this same server.
    daemon_threads = True
    allow_reuse_address = True
    # socketserver listens with a backlog of 5: a burst of 20 clients (a load test, Stripe's retries) saw the
    # kernel drop their connection attempts and retry them a second later. The kernel caps it at somaxconn.
    request_queue_size = LISTEN_BACKLOG


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)


def bind(host: str, port: int) -> ThreadingWSGIServer:
    """Bind first (port 0 picks a free one) so the stand-in can be told the real address."""
    return make_server(host, port, _unset_app, server_class=ThreadingWSGIServer, handler_class=QuietHandler)


@contextmanager
def serving_in_background(host: str = "127.0.0.1", port: int = 0) -> Iterator[ThreadingWSGIServer]:
    """A bound server answering on its own thread until the block ends (for tests); give it an app with set_app()."""
    server = bind(host, port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _unset_app(environ: dict, start_response) -> Iterable[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting\n"]


def _as_signed_proxy(environ: dict) -> dict:
    """As Netlify's signed proxy rule does: whatever X-Nf-Sign the client sent is replaced by one signed with
    PROXY_SIGNATURE_SECRET (make dev sets one), so the function's "only through the site" check runs locally."""
    import os
    import time

    from functions.proxy import sign_as_proxy

    passed = {k: v for k, v in environ.items() if k != "HTTP_X_NF_SIGN"}
    secret = os.environ.get("PROXY_SIGNATURE_SECRET", "").strip()
    if secret:
        passed["HTTP_X_NF_SIGN"] = sign_as_proxy(secret, time.time())
    return passed
