"""A small threaded WSGI server for the stand-in (tests and `python -m devtools.stripe_standin`), plus a path-prefix mount."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer


class _QuietServerHandler(ServerHandler):
    """wsgiref's handler, minus the traceback print when a client has already gone (timeouts, drops)."""

    request_handler: WSGIRequestHandler | None = None  # the request's handler, so the app can reach its socket

    def log_exception(self, exc_info: Any) -> None:
        if isinstance(exc_info[1], OSError):
            return
        super().log_exception(exc_info)


class StandInRequestHandler(WSGIRequestHandler):
    """Hands the client socket to the app (so "drop" can close it) and keeps the access log off by default."""

    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        environ["stripe_standin.socket"] = self.connection
        return environ

    def handle(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.send_error(414)
            return
        if not self.parse_request():
            return
        handler = _QuietServerHandler(
            self.rfile,
            self.wfile,  # type: ignore[arg-type]  # typeshed wants IO[bytes]; wsgiref's own handler passes this file too
            self.get_stderr(),
            self.get_environ(),
            multithread=True,
        )
        handler.request_handler = self
        assert isinstance(self.server, WSGIServer)
        app = self.server.get_app()
        assert app is not None  # set before the server starts serving
        handler.run(app)

    def log_message(self, format: str, *args: Any) -> None:
        if getattr(self.server, "access_log", False):
            super().log_message(format, *args)


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """One thread per request, never waited for on close (a held "timeout" request must not block shutdown)."""

    daemon_threads = True
    block_on_close = False
    access_log = False


def make_server(host: str = "127.0.0.1", port: int = 0, access_log: bool = False) -> ThreadingWSGIServer:
    """Bind (port 0: a free port) without an app yet; call `.set_app()` once the public URL is known."""
    server = ThreadingWSGIServer((host, port), StandInRequestHandler)
    server.access_log = access_log
    return server


def mount(app: Callable, prefix: str) -> Callable:
    """Serve `app` under `prefix` (e.g. "/_stripe"), moving the prefix into SCRIPT_NAME as WSGI expects."""
    prefix = "/" + prefix.strip("/")

    def mounted(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path != prefix and not path.startswith(prefix + "/"):
            body = b"Not found: the Stripe stand-in lives under " + prefix.encode() + b"\n"
            start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body]
        environ = dict(
            environ, SCRIPT_NAME=environ.get("SCRIPT_NAME", "") + prefix, PATH_INFO=path[len(prefix) :] or "/"
        )
        return app(environ, start_response)

    return mounted
