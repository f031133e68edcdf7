"""A fault-injecting TCP proxy in front of the S3 server (toxiproxy's job; its Go binary is not
on the registries this machine may use).

Every `every`-th connection gets an HTTP `503 Slow Down` as S3 answers under load, then is
closed; the others are piped through to the server untouched.
"""

from __future__ import annotations

import contextlib
import socket
import threading

from faults.s3 import free_port

SLOW_DOWN = (
    b"HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: 0\r\n"
    b"Connection: close\r\n\r\n"
)


class FaultProxy:
    """127.0.0.1:`port` forwarding to 127.0.0.1:`upstream`, failing every `every`-th connection."""

    def __init__(self, upstream: int, every: int) -> None:
        self.upstream = upstream
        self.every = every
        self.port = free_port()
        self.connections = 0
        self.failed = 0
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._stopped.set()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            if self.connections % self.every == 0:
                self.failed += 1
                threading.Thread(target=_refuse, args=(client,), daemon=True).start()
            else:
                threading.Thread(target=self._forward, args=(client,), daemon=True).start()

    def _forward(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(("127.0.0.1", self.upstream))
        except OSError:
            client.close()
            return
        threading.Thread(target=_pipe, args=(server, client), daemon=True).start()
        _pipe(client, server)


def _refuse(client: socket.socket) -> None:
    with client:
        client.settimeout(5)
        try:
            client.recv(65536)  # the request's head, so the client sees an answer to it
            client.sendall(SLOW_DOWN)
        except OSError:
            pass


def _pipe(source: socket.socket, target: socket.socket) -> None:
    """Copy bytes from `source` to `target` until either side closes."""
    try:
        while chunk := source.recv(65536):
            target.sendall(chunk)
    except OSError:
        pass
    finally:
        for end in (source, target):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()
