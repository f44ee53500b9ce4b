"""The CDS Hooks service's HTTP server: a fixed pool of worker threads and a bounded waiting line.

Kept apart from the hook's logic (:mod:`clinical.cds_hooks`) so that each file stays readable;
:mod:`clinical.cds_hooks` re-exports :class:`BoundedHTTPServer`.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import sys
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

_BUSY_BODY = b'{"error": "the service is busy; retry in a moment"}'
BUSY_RESPONSE = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
    b"Retry-After: 1\r\nConnection: close\r\nContent-Length: "
    + str(len(_BUSY_BODY)).encode()
    + b"\r\n\r\n"
    + _BUSY_BODY
)


def log_fault(stage: str, instance: str | None, exc: BaseException) -> None:
    """Log an internal fault on stderr with the hookInstance (the client sees none of this)."""
    print(
        f"parareop cds-hooks: internal error in {stage} (hookInstance {instance or 'unknown'}): "
        f"{type(exc).__name__}",
        file=sys.stderr,
    )
    traceback.print_exception(exc, file=sys.stderr)


class BoundedHTTPServer(HTTPServer):
    """An HTTP server with a fixed pool of worker threads and a bounded waiting line.

    ``ThreadingHTTPServer`` starts one thread per connection: 100 idle connections are 100
    threads, and enough of them exhaust the process. Here at most ``workers`` connections are
    served at once and at most ``waiting`` more wait for a worker; a connection beyond that is
    answered ``503`` with ``Retry-After`` at once by the accepting thread. With the handler's
    read deadline, a worker is held by one connection for at most the timeout unless a
    request really is being planned.
    """

    request_queue_size = 128  # the listen backlog: bursts wait in the kernel, not in threads

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], workers: int, waiting: int
    ) -> None:
        if workers < 1 or waiting < 0:
            raise ValueError(f"workers must be >= 1 and waiting >= 0, not {workers} and {waiting}")
        self.workers, self.waiting = workers, waiting
        self._slots = threading.BoundedSemaphore(workers + waiting)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="parareop-cds")
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self._closing = False
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Hand the connection to a worker, or answer 503 when every worker and waiting place is taken."""
        if self._closing or not self._slots.acquire(blocking=False):
            self._refuse(request)
            return
        try:
            self._pool.submit(self._work, request, client_address)
        except RuntimeError:  # the pool is shut down: the server is closing
            self._slots.release()
            self._refuse(request)

    def _work(self, request: socket.socket, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        try:
            if not self._closing:
                self.finish_request(request, client_address)
        except Exception:  # noqa: BLE001 - as socketserver does: log and drop this connection
            self.handle_error(request, client_address)
        finally:
            with self._open_lock:
                self._open.discard(request)
            self.shutdown_request(request)
            self._slots.release()

    def _refuse(self, request: socket.socket) -> None:
        """Answer ``503`` without a worker; what the client already sent is drained, not read."""
        try:
            request.settimeout(1.0)
            request.sendall(BUSY_RESPONSE)
            request.setblocking(False)
            request.recv(65536)  # closing over unread bytes would reset the connection before the 503
        except OSError:
            pass
        self.shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if exc is not None and not isinstance(exc, ConnectionError | TimeoutError | ssl.SSLError):
            log_fault("connection", None, exc)  # a client gone (or speaking no TLS) is nothing to report

    def server_close(self) -> None:
        """Stop accepting, drop the open connections and let the workers end (none is waited for)."""
        self._closing = True
        super().server_close()
        with self._open_lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        self._pool.shutdown(wait=False)
