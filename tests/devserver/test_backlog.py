"""The dev server's listen backlog: a burst of 20 clients is queued by the kernel, none is dropped or refused."""

from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor

from devtools.devserver.server import LISTEN_BACKLOG, bind

CLIENTS = 20


def _answer(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "3")])
    return [b"ok\n"]


def _connect(port: int) -> socket.socket:
    # A generous ceiling: a connection attempt the kernel dropped is retried only after a second, then three.
    return socket.create_connection(("127.0.0.1", port), timeout=20)


def test_twenty_connections_at_once_are_all_queued_before_the_server_accepts_any():
    assert LISTEN_BACKLOG >= CLIENTS
    server = bind("127.0.0.1", 0)
    server.set_app(_answer)
    port = server.server_address[1]
    connections: list[socket.socket] = []
    try:
        # Not serving yet: only the kernel's queue can complete these handshakes, up to its backlog.
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            connections = list(pool.map(lambda _: _connect(port), range(CLIENTS)))
        assert len(connections) == CLIENTS
        for connection in connections:
            connection.sendall(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            answers = []
            for connection in connections:
                with connection.makefile("rb") as reply:
                    answers.append(reply.readline().split(b" ")[1])
            assert answers == [b"200"] * CLIENTS
        finally:
            server.shutdown()
            thread.join(timeout=10)
    finally:
        for connection in connections:
            connection.close()
        server.server_close()
