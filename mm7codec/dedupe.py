"""Duplicate deliveries: run the handler once per delivery, answer every resend.

A gateway resends whatever it did not see acknowledged (HTTP 200 + the
matching ``...Rsp`` with 1000) within its deadline, so the same DeliverReq or
DeliveryReportReq can arrive twice: after a timeout, a lost answer, or while
the first copy is still being handled by another worker. A store remembers
which deliveries were handled, under the key :func:`delivery_key` gives.

The interface (:class:`DedupeStore`) has three calls, made with an ``owner``
token unique to the request (``uuid4().hex``):

- ``claim(key, owner)`` -> :class:`Claim`: ``NEW`` (the caller owns the
  delivery now), ``DONE`` (handled and acknowledged before) or ``BUSY``
  (another request holds it right now);
- ``confirm(key, owner)``: the handler succeeded and the 1000 answer is built;
  remember the delivery for the store's retention;
- ``release(key, owner)``: the handler failed; forget the claim, if it is
  still this owner's, so the gateway's next resend runs the handler again.

The receiver's call sequence (what ``make_wsgi_app(..., dedupe=store)`` and
``make_asgi_app`` do; :func:`begin` and :class:`Ticket` wrap it):

1. decode the whole request (a body that did not arrive whole is refused
   before any claim) and build the 1000 answer;
2. ``ticket = begin(store, message)``;
3. ``DONE``: answer that 1000 again without calling the handler;
   ``BUSY``: answer a Fault 4006 (:data:`BUSY_STATUS`, HTTP 503) so the
   gateway retries later, never 1000, since the first copy may still fail;
   ``NEW``: call the handler;
4. if the answer is the success ``...Rsp`` with 1000 and it encodes:
   ``ticket.confirm()``, then send it; anything else (an exception, another
   status, an answer that does not encode): ``ticket.release()``, then send
   the Fault.

Confirming before the answer is written is deliberate: if the connection dies
while answering, the resend finds ``DONE`` and is acknowledged without a
second handler run, which is right because the handler did run.

A claim is a lease (``lease`` seconds): a worker killed inside the handler
holds the key at most that long, and the gateway's next resend (Sinch: five
minutes later) runs the handler again. Handlers must finish well inside the
lease (they must answer within the gateway's 10 s anyway). A store that
forgets (evicted, expired, restarted) makes a resend run the handler a second
time; it never loses a message. So handlers stay idempotent where they can.

:class:`MemoryDedupe` is the default: per process, bounded, with TTLs. With
several workers or hosts behind one URL, use a shared store; the Redis recipe
(``SET key NX PX``) is in ``docs/recipes.md`` and ``examples/redis_dedupe.py``.
The store's calls are synchronous and short; an asyncio server calls a
network store in a thread.
"""

from __future__ import annotations

import collections
import enum
import hashlib
import threading
import time
import urllib.parse
import uuid
from typing import Callable, NamedTuple, Optional, OrderedDict, Protocol

from ._message import Message
from ._pdu import DeliveryReportReq, ReadReplyReq
from ._status import StatusCode

__all__ = [
    "BUSY_HTTP_STATUS",
    "BUSY_STATUS",
    "Claim",
    "DedupeStore",
    "MemoryDedupe",
    "Ticket",
    "begin",
    "delivery_key",
]

#: The answer to a copy that arrives while the first one is in a handler:
#: "try again later", which every gateway resends. Never 1000: the first copy
#: may still fail.
BUSY_STATUS = StatusCode.SERVICE_UNAVAILABLE
BUSY_HTTP_STATUS = 503

#: Keys longer than this are hashed, so a hostile TransactionID cannot make a
#: store keep (or Redis index) kilobytes per entry.
_MAX_KEY = 200


class Claim(enum.Enum):
    """What :meth:`DedupeStore.claim` found."""

    NEW = "new"
    """The caller owns the delivery: run the handler, then confirm or release."""
    DONE = "done"
    """Handled and acknowledged before: answer 1000 again, do not run the handler."""
    BUSY = "busy"
    """Held by another request right now: answer so the gateway retries later."""


class DedupeStore(Protocol):
    """Where handled deliveries are remembered; shared by every worker that serves one URL.

    Implementations must make ``claim`` atomic across everything that shares
    the store (one ``SET NX`` in Redis, one ``INSERT`` under a unique key in
    SQL). ``confirm`` records the key as done whoever holds it (the handler
    did run); ``release`` deletes it only while ``owner`` still holds the claim.
    """

    def claim(self, key: str, owner: str) -> Claim:
        """Claim ``key`` for ``owner``: NEW, DONE or BUSY."""
        ...

    def confirm(self, key: str, owner: str) -> None:
        """``key`` was handled and acknowledged: answer DONE to it from now on."""
        ...

    def release(self, key: str, owner: str) -> None:
        """The handler failed: drop ``owner``'s claim so a resend runs it again."""
        ...


def delivery_key(message: Message) -> Optional[str]:
    """The key under which a resend of ``message`` finds the first copy (None: no key).

    - DeliveryReportReq / ReadReplyReq: MessageID, recipient, MMStatus (and
      the relay's MMSRelayServerID when present). One MessageID gets a report
      per recipient and several per recipient over time (Forwarded, then
      Retrieved or Expired), each a delivery of its own; a resend carries the
      same three values even where a gateway gives each attempt a new
      TransactionID. Two reports that agree on all three say the same thing,
      so answering the second without the handler loses nothing. Without a
      MessageID the TransactionID is used, as below.
    - Everything else (DeliverReq above all): the PDU name, MMSRelayServerID
      and TransactionID. A DeliverReq has no MessageID; TransactionIDs are
      the sender's, unique among its transactions and kept on its resends.

    Components are percent-encoded and joined with ``:``; keys longer than
    200 characters become ``sha256:`` + a hex digest.
    """
    pdu = message.pdu
    relay = getattr(pdu, "mms_relay_server_id", None) or ""
    if isinstance(pdu, (DeliveryReportReq, ReadReplyReq)) and pdu.message_id:
        recipient = pdu.recipient.value if pdu.recipient is not None else ""
        parts = [pdu.WIRE_NAME, relay, pdu.message_id, recipient, pdu.mm_status or ""]
    elif message.transaction_id:
        parts = [pdu.WIRE_NAME, relay, message.transaction_id]
    else:
        return None
    key = ":".join(urllib.parse.quote(part, safe="") for part in parts)
    if len(key) > _MAX_KEY:
        key = "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return key


class Ticket(NamedTuple):
    """One request's claim, from :func:`begin`: its state and the two ways to end it."""

    store: Optional[DedupeStore]
    key: Optional[str]
    owner: str
    state: Claim

    def confirm(self) -> None:
        """The handler succeeded and the 1000 answer is built: remember it."""
        if self.store is not None and self.key is not None and self.state is Claim.NEW:
            self.store.confirm(self.key, self.owner)

    def release(self) -> None:
        """The handler failed or refused: let a resend run it again."""
        if self.store is not None and self.key is not None and self.state is Claim.NEW:
            self.store.release(self.key, self.owner)


def begin(store: Optional[DedupeStore], message: Message) -> Ticket:
    """Claim ``message``'s delivery in ``store`` (no store, or no key: always NEW)."""
    owner = uuid.uuid4().hex
    key = delivery_key(message) if store is not None else None
    if store is None or key is None:
        return Ticket(None, None, owner, Claim.NEW)
    return Ticket(store, key, owner, store.claim(key, owner))


class _Entry(NamedTuple):
    owner: Optional[str]  # None once confirmed
    expires: float


class MemoryDedupe:
    """The in-process :class:`DedupeStore`: thread-safe, bounded, with TTLs.

    ``retention``: how long a confirmed delivery is remembered (default one
    day; a gateway's resends span minutes to hours). ``lease``: how long a
    claim lasts if neither confirmed nor released (default 60 s: longer than
    any handler may take, shorter than a gateway's retry interval).
    ``max_entries``: at most this many keys; past it the oldest is forgotten
    (a resend of it would run the handler again, the safe direction).

    One process only: behind several workers or hosts, a resend that lands
    elsewhere is not seen here; use a shared store then.
    """

    def __init__(
        self,
        *,
        retention: float = 86400.0,
        lease: float = 60.0,
        max_entries: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if retention <= 0 or lease <= 0 or max_entries < 1:
            raise ValueError("retention and lease must be > 0, max_entries >= 1")
        self.retention = retention
        self.lease = lease
        self.max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        # Oldest write first, so eviction and expiry pop from the front.
        self._entries: OrderedDict[str, _Entry] = collections.OrderedDict()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def claim(self, key: str, owner: str) -> Claim:
        with self._lock:
            now = self._clock()
            self._expire(now)
            entry = self._entries.get(key)
            if entry is not None and entry.expires <= now:
                del self._entries[key]
                entry = None
            if entry is None:
                self._put(key, _Entry(owner, now + self.lease))
                return Claim.NEW
            if entry.owner is None:
                return Claim.DONE
            return Claim.NEW if entry.owner == owner else Claim.BUSY

    def confirm(self, key: str, owner: str) -> None:
        with self._lock:
            self._put(key, _Entry(None, self._clock() + self.retention))

    def release(self, key: str, owner: str) -> None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.owner == owner:
                del self._entries[key]

    def _put(self, key: str, entry: _Entry) -> None:
        self._entries.pop(key, None)
        self._entries[key] = entry
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def _expire(self, now: float) -> None:
        # Leases are shorter than retention, so an expired entry can sit behind
        # a live one; it is dropped when looked up or evicted, and never answers.
        entries = self._entries
        while entries:
            first = next(iter(entries.values()))
            if first.expires > now:
                break
            entries.popitem(last=False)
