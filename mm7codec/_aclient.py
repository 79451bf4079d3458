"""The asyncio shell of the sender: ``AsyncClient`` moves bytes, ``_exchange`` decides.

The same steps as ``mm7codec.http.Client`` (request head, early answers, the
reply reader, ``interpret_reply``, the failure stages and the outcome they
mean), on the loop's socket calls (TLS through ``_tls``). Imported lazily by
``mm7codec.http``.
"""

from __future__ import annotations

import asyncio
import socket
import time
from typing import TYPE_CHECKING, Any, Iterator, Optional, Tuple, Union

from ._errors import DecodeError, LimitExceededError
from ._exchange import ClientBase, Exchange, ReplyReader, TransportError
from ._limits import Limits
from ._message import Message

if TYPE_CHECKING:
    import ssl

    from ._part import Part
    from ._pdu import PDU
    from ._tls import TLSChannel

__all__ = ["AsyncClient"]

_CHUNK = 1 << 16


class _Exchange:
    """Where one exchange is, so a deadline that fires anywhere names the right stage."""

    def __init__(self, limits: Limits) -> None:
        self.reply = ReplyReader(limits)
        self.complete = False  # the whole request was written
        self.connected = False
        self.send_error: Optional[BaseException] = None


class AsyncClient(ClientBase):
    """Sends MM7 requests to one URL over one kept-alive HTTP(S) connection, on asyncio.

    The arguments, methods, outcomes and errors of :class:`mm7codec.http.Client`,
    awaited: ``await client.send(message)``, ``submit``, ``exchange``,
    ``aclose``, and ``async with``. ``timeout`` is the deadline of each whole
    exchange (connect, send, wait and read together). TLS verifies
    certificates and host names unless ``context`` says otherwise. Tasks
    sharing one client send one request at a time on its connection.

    ``rate_limit`` (messages per second, or a :class:`RateLimiter` shared with
    other clients of the same account) spaces the requests of every task of
    this client; the wait for a slot is not part of ``timeout``.

    Encoding, and reading file-backed parts while sending, happen on the
    event loop (piece by piece, between writes); send very large files from
    a thread if other tasks must not wait for the disk. Cancelling a send
    drops the connection: once its request was written, the outcome is
    unknown, as for a deadline.

    Raises:
        ValueError: ``url`` is not an absolute http:// or https:// URL.
    """

    def _open(self) -> None:
        self._conn: Optional[_Connection] = None
        self._lock: Optional[asyncio.Lock] = None  # made on first use, inside the loop (3.9)

    # -- public --------------------------------------------------------------------------------

    async def send(self, message: Message) -> Message:
        """Send ``message``; the decoded answer (see :meth:`mm7codec.http.Client.send`)."""
        return (await self.exchange(message)).message

    async def submit(
        self,
        pdu: PDU,
        content: Optional[Part] = None,
        transaction_id: Optional[str] = None,
    ) -> Message:
        """Wrap a request PDU in a Message (a fresh TransactionID unless given) and send it."""
        return await self.send(self._new_message(pdu, content, transaction_id))

    async def exchange(self, message: Message) -> Exchange:
        """Like :meth:`send`, with the HTTP status, headers and elapsed time kept."""
        head, encoded = self._request(message)
        if self.rate_limit is not None:
            await self.rate_limit.acquire_async()
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            started = time.monotonic()
            state = _Exchange(self.limits)
            try:
                await asyncio.wait_for(
                    self._round_trip(head, encoded.iter_body(), state), self.timeout
                )
            except asyncio.TimeoutError:
                raise self._timed_out(state) from None
            except BaseException:
                # Cancelled or failed mid-exchange: half a request or an unread
                # answer may be on the connection, so it cannot carry another.
                self._drop()
                raise
            elapsed = time.monotonic() - started
        return self._exchanged(message, state.reply, state.complete, elapsed)

    async def aclose(self) -> None:
        """Close the kept-alive connection; the next request opens a new one."""
        self._drop()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- stream I/O only: every decision is in _exchange ---------------------------------------

    def _failure(self, stage: str, error: BaseException) -> TransportError:
        self._drop()
        return self._transport_failure(stage, error)

    def _timed_out(self, state: _Exchange) -> TransportError:
        if not state.connected:
            stage = "connect"
        elif not state.reply.started:
            stage = "wait" if state.complete else "send"
        else:
            stage = "read"
        # The builtin TimeoutError: asyncio's is another class before 3.11.
        return self._failure(stage, TimeoutError())

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    async def _connection(self) -> _Connection:
        if self._conn is not None:
            await asyncio.sleep(0)  # let the loop take in a close that already came
            if not self._conn.spoke():
                return self._conn
            # Closed (or spoken on) by the server while idle: dropped before a
            # byte is written, the one case where a new connection is safe.
            self._drop()
        try:
            sock = await _connect(self._host, self._port)
            if self._https:
                import ssl

                context = self._context or ssl.create_default_context()
                try:
                    conn: _Connection = await _TLSConnection.open(sock, context, self._host)
                except BaseException:
                    sock.close()
                    raise
            else:
                conn = _PlainConnection(sock)
        except OSError as exc:
            raise self._failure("connect", exc) from exc
        self._conn = conn
        return conn

    async def _round_trip(self, head: bytes, body: Iterator[bytes], state: _Exchange) -> None:
        conn = await self._connection()
        state.connected = True
        # One read is always pending while the request goes out: an early
        # answer (413, 401, a Fault) or a hang-up stops the sending.
        pending: asyncio.Future[bytes] = asyncio.ensure_future(conn.recv())
        try:
            await self._send(head, body, conn, pending, state)
            await self._receive(conn, pending, state)
        finally:
            pending.cancel()
        if not (state.complete and state.reply.keep_alive):
            self._drop()

    async def _send(
        self,
        head: bytes,
        body: Iterator[bytes],
        conn: _Connection,
        pending: asyncio.Future[bytes],
        state: _Exchange,
    ) -> None:
        try:
            for chunk in _chain(head, body):
                if pending.done():
                    return  # the peer spoke (or hung up) first: read it
                sending: asyncio.Future[None] = asyncio.ensure_future(conn.send(chunk))
                either: Tuple[asyncio.Future[Any], ...] = (sending, pending)
                try:
                    await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    # Also on a deadline or a cancel: no write may outlive the exchange.
                    if not sending.done():
                        sending.cancel()
                if not sending.done() or sending.cancelled():
                    # The peer spoke (or hung up) first: read it. A cancelled write is
                    # done only once its task has run again, so "not done" says it too
                    # (asking such a future for its result raised InvalidStateError).
                    return
                sending.result()
            state.complete = True
        except OSError as exc:
            # A broken pipe or reset may follow an early answer: read what came.
            state.send_error = exc

    async def _receive(
        self, conn: _Connection, pending: asyncio.Future[bytes], state: _Exchange
    ) -> None:
        reply = state.reply
        stage_if_silent = "wait" if state.complete else "send"
        try:
            while not reply.complete:
                data = await pending
                if not data:
                    reply.eof()
                    break
                reply.feed(data)
                if not reply.complete:
                    pending = asyncio.ensure_future(conn.recv())
        except OSError as exc:
            if not reply.started:
                raise self._failure(stage_if_silent, state.send_error or exc) from exc
            raise self._failure("read", exc) from exc
        except LimitExceededError:
            self._drop()
            raise
        except DecodeError as exc:
            # Not HTTP at all: like a cut answer, what the server did is not known.
            raise self._failure("read" if state.complete else "send", exc) from exc
        finally:
            pending.cancel()
        if not reply.complete:
            if not reply.started:
                error = state.send_error or ConnectionError("connection closed without an answer")
                raise self._failure(stage_if_silent, error)
            raise self._failure("read", ConnectionError("answer cut short"))


def _chain(head: bytes, body: Iterator[bytes]) -> Iterator[bytes]:
    yield head
    yield from body


async def _connect(host: str, port: int) -> socket.socket:
    loop = asyncio.get_running_loop()
    error: Optional[OSError] = None
    for family, kind, proto, _, address in await loop.getaddrinfo(
        host, port, type=socket.SOCK_STREAM
    ):
        sock = socket.socket(family, kind, proto)
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, address)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        except BaseException:
            sock.close()
            raise
        return sock
    raise error or OSError(f"no address for {host}")


class _PlainConnection:
    """A socket driven by the loop's ``sock_*`` calls.

    Not a stream transport: that one closes the socket on a failed write, and
    an early answer (413 + a Fault) followed by a reset would be lost with it.
    Here the answer stays readable after the write failed, as in ``Client``.
    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.loop = asyncio.get_running_loop()

    async def recv(self) -> bytes:
        return await self.loop.sock_recv(self.sock, _CHUNK)

    async def send(self, data: bytes) -> None:
        await self.loop.sock_sendall(self.sock, data)

    def spoke(self) -> bool:
        """Whether the idle connection got bytes or an EOF (a kept-alive one must not)."""
        import select

        try:
            ready, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(ready)

    def close(self) -> None:
        self.sock.close()


class _TLSConnection(_PlainConnection):
    """TLS from a :class:`TLSChannel` over the loop's socket calls: as on plain HTTP, an
    early answer followed by a reset is still read (see ``_tls``)."""

    def __init__(self, sock: socket.socket, channel: TLSChannel) -> None:
        super().__init__(sock)
        self.channel = channel

    @classmethod
    async def open(cls, sock: socket.socket, context: ssl.SSLContext, host: str) -> _TLSConnection:
        from ._tls import TLSChannel

        loop = asyncio.get_running_loop()
        channel = TLSChannel(context, host)
        while not channel.handshake():
            await loop.sock_sendall(sock, channel.outgoing())
            channel.received(await loop.sock_recv(sock, _CHUNK))
        await loop.sock_sendall(sock, channel.outgoing())
        return cls(sock, channel)

    async def recv(self) -> bytes:
        channel = self.channel
        while True:
            data = channel.read()
            if data is not None:
                return data
            channel.received(await self.loop.sock_recv(self.sock, _CHUNK))

    async def send(self, data: bytes) -> None:
        await self.loop.sock_sendall(self.sock, self.channel.wrap(data))

    def spoke(self) -> bool:
        """As for plain HTTP, but records without data (TLS 1.3 session tickets) are
        read and are not the server speaking."""
        channel = self.channel
        while True:
            data = channel.read()
            if data is not None:
                return True
            try:
                channel.received(self.sock.recv(_CHUNK))
            except BlockingIOError:
                return False
            except OSError:
                return True


if TYPE_CHECKING:
    _Connection = Union[_PlainConnection, _TLSConnection]
