"""TLS in memory for both clients: ``ssl.MemoryBIO`` records, moved by their sockets.

An early answer (413 with a Fault for an oversized body, a 401) is often followed by
the server hanging up while the client still writes. An asyncio TLS stream closes
its transport on the failed write and the answer is lost with it (28 of 200 such
exchanges on loopback read as a reset); an ``SSLSocket`` whose write failed is, by
OpenSSL's rules, not to be read from again. Here the socket fails, not the TLS
state, and what arrived before the hang-up stays readable, as on plain HTTP, in
both shells. Imported only for https (``ssl`` is a heavy import).
"""

from __future__ import annotations

import ssl

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

__all__ = ["TLSChannel"]

_READ = 1 << 16


class TLSChannel:
    """One client-side TLS connection's state; the caller moves its bytes.

    ``outgoing()`` after every step gives the records to send; bytes from the
    socket go to ``received()``; ``read()`` gives the application data they
    carried. Certificate and host name are checked by ``context`` in the
    handshake (``ssl.SSLCertVerificationError``, an ``OSError``).
    """

    __slots__ = ("_in", "_obj", "_out")

    def __init__(self, context: ssl.SSLContext, hostname: str) -> None:
        self._in = ssl.MemoryBIO()
        self._out = ssl.MemoryBIO()
        self._obj = context.wrap_bio(self._in, self._out, server_hostname=hostname)

    def handshake(self) -> bool:
        """One step of the handshake: ``True`` once it is done."""
        try:
            self._obj.do_handshake()
        except ssl.SSLWantReadError:
            return False
        return True

    def outgoing(self) -> bytes:
        """The records waiting to be sent (``b""`` for none)."""
        return self._out.read()

    def wrap(self, data: bytes) -> bytes:
        """``data`` as records to send (with anything else waiting to go)."""
        view = memoryview(data)
        while view:
            view = view[self._obj.write(view) :]
        return self._out.read()

    def received(self, data: bytes) -> None:
        """Bytes read from the socket; ``b""`` when it ended."""
        if data:
            self._in.write(data)
        else:
            self._in.write_eof()

    def read(self) -> Optional[bytes]:
        """Application data received: ``None`` until some is here, ``b""`` at the end.

        The end is the server's close_notify or the socket's end without one
        (what servers do after an answer; a cut answer shows in its framing).
        """
        try:
            return self._obj.read(_READ)
        except ssl.SSLWantReadError:
            return None
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            return b""

    def buffered(self) -> bool:
        """Whether bytes are held that ``read()`` has not looked at yet."""
        return bool(self._obj.pending() or self._in.pending)
