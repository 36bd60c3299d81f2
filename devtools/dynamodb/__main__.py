"""`python -m devtools.dynamodb [--host H] [--port N] [--table NAME] [--data FILE]`: a local DynamoDB on HTTP.

moto's server, with two changes that matter here. Requests are handled one at a time: moto's DynamoDB
backend takes no lock, and its TransactWriteItems copies a whole table to roll back with, so two
concurrent requests could both pass a condition or undo each other's writes. One lock around the backend
makes every conditional write and transaction atomic, as DynamoDB's are. And a transaction retried with
the same ClientRequestToken is not applied twice (DynamoDB's idempotency, which moto lacks).

With --table the table is created from functions/template.yaml; with --data it is also loaded from FILE (if
the file exists) and written back to FILE when the engine stops (SIGTERM or Ctrl+C), so `make dev` keeps its
bookings between runs. The first line on stdout, once it answers, is `dynamodb: listening on http://H:N`.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import signal
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from devtools.dynamodb import READY

TOKENS_KEPT = 10_000  # DynamoDB remembers a token for 10 minutes; this many transactions is plenty for a test run

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class OneAtATime:
    """A WSGI app that lets one request at a time into `app` and reads its whole answer inside the lock.

    It also keeps DynamoDB's promise moto does not: a TransactWriteItems repeated with the same
    ClientRequestToken (botocore sends one, and the same one again when it retries after a timeout) is
    answered as the first time and not applied twice; the same token with other items is refused with
    IdempotentParameterMismatchException.
    """

    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._answers: OrderedDict[str, tuple[bytes, str, list[tuple[str, str]], list[bytes]]] = OrderedDict()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        token, request = self._transaction_token(environ)
        with self._lock:
            if token is not None and token in self._answers:
                first_request, status, headers, body = self._answers[token]
                if first_request != request:
                    return _mismatch(start_response)
                start_response(status, headers)
                return body
            answered: list[Any] = []

            def keep(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
                answered[:] = [status, headers]
                return start_response(status, headers, *exc_info)

            answer = self._app(environ, keep)
            try:
                body = list(answer)
            finally:
                close = getattr(answer, "close", None)
                if close is not None:
                    close()
            if token is not None and answered:
                self._answers[token] = (request, answered[0], list(answered[1]), body)
                while len(self._answers) > TOKENS_KEPT:
                    self._answers.popitem(last=False)
            return body

    @staticmethod
    def _transaction_token(environ: dict[str, Any]) -> tuple[str | None, bytes]:
        """A TransactWriteItems request's ClientRequestToken and body (the body is put back for the app)."""
        if environ.get("HTTP_X_AMZ_TARGET", "").rsplit(".", 1)[-1] != "TransactWriteItems":
            return None, b""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        request = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(request)
        try:
            token = json.loads(request).get("ClientRequestToken")
        except ValueError:
            return None, request
        return (token if isinstance(token, str) else None), request


def _mismatch(start_response: StartResponse) -> list[bytes]:
    body = json.dumps(
        {
            "__type": "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
            "message": "The ClientRequestToken was used before with other items",
        }
    ).encode()
    start_response(
        "400 Bad Request", [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(body)))]
    )
    return [body]


def serve(host: str, port: int) -> BaseWSGIServer:
    """Bind moto's DynamoDB app behind the lock; the caller runs serve_forever()."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

    class _Quiet(MotoRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """One line per request would drown `make dev`'s own log."""

    app = OneAtATime(DomainDispatcherApplication(create_backend_app))
    return make_server(host, port, app, threaded=True, request_handler=_Quiet)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devtools.dynamodb", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: 0, a free one; the ready line says which)")
    parser.add_argument("--table", default=None, help="create this table from functions/template.yaml's BookingsTable")
    parser.add_argument(
        "--data", type=Path, default=None, help="with --table: load the table from FILE and save it there on exit"
    )
    parser.add_argument(
        "--stop-on-eof",
        action="store_true",
        help="stop when stdin closes (engine.start() passes a pipe: the engine ends with the process that started it)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.data is not None and args.table is None:
        print("dynamodb: --data needs --table", file=sys.stderr)
        return 2
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    try:
        server = serve(args.host, args.port)
    except OSError as exc:
        print(f"dynamodb: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 2
    endpoint = f"http://{args.host}:{server.server_port}"
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    signal.signal(signal.SIGINT, lambda signum, frame: stop.set())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    if args.stop_on_eof:
        threading.Thread(target=_stop_on_eof, args=(stop,), daemon=True).start()
    client = None
    try:
        if args.table is not None:
            from devtools.dynamodb import snapshot
            from devtools.dynamodb.table import create_table

            client = snapshot.local_client(endpoint)
            create_table(client, args.table)
            if args.data is not None and args.data.is_file():
                count = snapshot.load(client, args.table, args.data)
                print(f"dynamodb: {count} items loaded from {args.data}", file=sys.stderr)
        print(READY + endpoint, flush=True)
        stop.wait()
    finally:
        if client is not None and args.data is not None:
            from devtools.dynamodb import snapshot

            count = snapshot.save(client, args.table, args.data)
            print(f"dynamodb: {count} items saved to {args.data}", file=sys.stderr)
        server.shutdown()
        server.server_close()
    return 0


def _stop_on_eof(stop: threading.Event) -> None:
    sys.stdin.read()
    stop.set()


if __name__ == "__main__":
    sys.exit(main())
