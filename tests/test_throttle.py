"""Throughput (issue 16 item 6): the client-side rate limit and the retry helper.

The loopback test drives a receiver that admits at most N requests per second
per account and answers a 4006 Fault above it, as gateways do: the
rate-limited client with the retry helper delivers every message exactly once.
The retry helper leaves an outcome-unknown send alone. Clocks and sleeps are
injected wherever the test is about the arithmetic, so nothing waits on real
backoff.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter, deque
from typing import Any, Deque, List

import pytest
from faulty_servers import RawServer, free_port, mm7_answer, response_bytes

import mm7codec as mm7
from mm7codec.http import (
    AsyncClient,
    Client,
    HTTPError,
    Outcome,
    RateLimiter,
    RetryPolicy,
    TransportError,
    asend_with_retry,
    make_wsgi_app,
    send_with_retry,
)
from mm7codec.testing import ServerThread


def submit(transaction_id: str) -> mm7.Message:
    req = mm7.SubmitReq(
        sender_identification=mm7.SenderIdentification(vasp_id="vasp", vas_id="svc"),
        recipients=mm7.Recipients(to=[mm7.Address.number("15553199144")]),
        subject="throughput",
    )
    return mm7.Message(req, transaction_id, "REL-6-MM7-1-4", content=mm7.Part.text("hi"))


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: List[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


# --- the token bucket ---------------------------------------------------------------------------


def test_limiter_spaces_slots_at_the_rate_and_allows_the_burst() -> None:
    fake = FakeTime()
    limiter = RateLimiter(5.0, clock=fake.clock, sleep=fake.sleep)
    waits = [limiter.reserve() for _ in range(4)]
    assert waits == pytest.approx([0.0, 0.2, 0.4, 0.6])
    bursty = RateLimiter(4.0, burst=3, clock=fake.clock)
    assert [bursty.reserve() for _ in range(4)] == pytest.approx([0.0, 0.0, 0.0, 0.25])
    fake.now += 10  # idle time refills the bucket, never past the burst
    assert [bursty.reserve() for _ in range(4)] == pytest.approx([0.0, 0.0, 0.0, 0.25])


def test_acquire_sleeps_the_reserved_wait_and_hold_pushes_back() -> None:
    fake = FakeTime()
    limiter = RateLimiter(2.0, clock=fake.clock, sleep=fake.sleep, async_sleep=fake.async_sleep)
    limiter.acquire()
    limiter.acquire()
    assert fake.slept == pytest.approx([0.5])
    limiter.hold(3.0)
    asyncio.run(limiter.acquire_async())
    assert fake.slept[-1] == pytest.approx(3.0)


def test_acquire_async_uses_asyncio_sleep_by_default() -> None:
    limiter = RateLimiter(1000.0)

    async def go() -> None:
        for _ in range(3):
            await limiter.acquire_async()

    asyncio.run(go())


def test_limiter_is_shared_by_threads() -> None:
    fake = FakeTime()
    limiter = RateLimiter(10.0, clock=fake.clock)
    waits: List[float] = []
    lock = threading.Lock()

    def take() -> None:
        wait = limiter.reserve()
        with lock:
            waits.append(wait)

    threads = [threading.Thread(target=take) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Every thread got its own slot: 0, 0.1, ..., 1.9 (in some order).
    assert sorted(waits) == pytest.approx([i / 10 for i in range(20)])


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0)
    with pytest.raises(ValueError):
        RateLimiter(5, burst=0.5)
    with pytest.raises(TypeError):
        Client("http://127.0.0.1:9/mm7", rate_limit="fast")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Client("http://127.0.0.1:9/mm7", rate_limit=True)
    shared = RateLimiter(3)
    assert Client("http://127.0.0.1:9/mm7", rate_limit=shared).rate_limit is shared
    assert Client("http://127.0.0.1:9/mm7", rate_limit=7).rate_limit.rate == 7  # type: ignore[union-attr]


def test_backoff_grows_is_capped_and_jittered() -> None:
    policy = RetryPolicy(base_delay=1.0, multiplier=2.0, max_delay=5.0, jitter=0.5)
    assert [policy.delay(n, 0.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]
    assert policy.delay(2, 0.999) == pytest.approx(2.0 * (1 - 0.4995))


# --- a receiver with a throughput limit ---------------------------------------------------------


class Throttled:
    """A receiver admitting at most ``rate`` requests in any one-second window.

    Above it a 4006 Fault (not taken); below it the SubmitReq is taken and
    counted by TransactionID.
    """

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.accepted: Counter[str] = Counter()
        self.refused = 0
        self._times: Deque[float] = deque()
        self._lock = threading.Lock()
        self.server = ServerThread(make_wsgi_app(self.handle, side="relay"))

    def handle(self, message: mm7.Message) -> Any:
        with self._lock:
            now = time.monotonic()
            while self._times and now - self._times[0] >= 1.0:
                self._times.popleft()
            if len(self._times) >= self.rate:
                self.refused += 1
                return mm7.StatusCode.SERVICE_UNAVAILABLE
            self._times.append(now)
            self.accepted[message.transaction_id] += 1
            return message.response(mm7.StatusCode.SUCCESS, message_id=message.transaction_id)


RATE = 20
SENDERS = 4
EACH = 8  # 32 messages at 20/s: a burst well over the limit without the client's limiter


def test_rate_limited_client_with_retry_delivers_every_message_once() -> None:
    gateway = Throttled(RATE)
    policy = RetryPolicy(max_attempts=20, base_delay=0.05, throttle_delay=0.1, total=60)
    replies: List[mm7.Message] = []
    lock = threading.Lock()
    with gateway.server, Client(gateway.server.url, timeout=10, rate_limit=RATE) as client:

        def sender(n: int) -> None:
            for i in range(EACH):
                reply = send_with_retry(client, submit(f"tx-{n}-{i}"), policy)
                with lock:
                    replies.append(reply)

        threads = [threading.Thread(target=sender, args=(n,)) for n in range(SENDERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert len(replies) == SENDERS * EACH
    assert all(r.raise_for_status().status.code.is_success for r in replies)  # type: ignore[union-attr]
    wanted = {f"tx-{n}-{i}" for n in range(SENDERS) for i in range(EACH)}
    assert set(gateway.accepted) == wanted
    assert set(gateway.accepted.values()) == {1}  # exactly once each


def test_without_the_limit_the_gateway_refuses_and_the_retry_helper_still_delivers_once() -> None:
    gateway = Throttled(RATE)
    policy = RetryPolicy(max_attempts=50, base_delay=0.05, throttle_delay=0.1, total=60)
    with gateway.server, Client(gateway.server.url, timeout=10) as client:

        def sender(n: int) -> None:
            for i in range(EACH):
                send_with_retry(client, submit(f"tx-{n}-{i}"), policy).raise_for_status()

        threads = [threading.Thread(target=sender, args=(n,)) for n in range(SENDERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert gateway.refused > 0  # the burst was over the limit: 4006 Faults were answered
    assert len(gateway.accepted) == SENDERS * EACH
    assert set(gateway.accepted.values()) == {1}


def test_async_rate_limited_client_with_retry_delivers_every_message_once() -> None:
    gateway = Throttled(RATE)
    policy = RetryPolicy(max_attempts=20, base_delay=0.05, throttle_delay=0.1, total=60)

    async def go(url: str) -> List[mm7.Message]:
        async with AsyncClient(url, timeout=10, rate_limit=RATE) as client:
            messages = [submit(f"tx-a-{i}") for i in range(SENDERS * EACH)]
            return list(
                await asyncio.gather(*(asend_with_retry(client, m, policy) for m in messages))
            )

    with gateway.server:
        replies = asyncio.run(go(gateway.server.url))
    assert all(r.raise_for_status() for r in replies)
    assert len(gateway.accepted) == SENDERS * EACH
    assert set(gateway.accepted.values()) == {1}


# --- what is not resent ---------------------------------------------------------------------------


def _taken_then_gone(conn: socket.socket, server: RawServer) -> None:
    # Reads the request whole, then the worker dies: the outcome is unknown.
    while server.read_request(conn) is not None:
        return


def test_an_unknown_outcome_is_left_alone() -> None:
    fake = FakeTime()
    with RawServer(_taken_then_gone) as server, pytest.raises(TransportError) as info:
        client = Client(server.url, timeout=10)
        send_with_retry(client, submit("tx-unknown"), sleep=fake.sleep, clock=fake.clock)
    assert info.value.outcome is Outcome.UNKNOWN
    assert server.saw("tx-unknown") == 1 and server.connections == 1
    assert fake.slept == []


def test_resend_unknown_is_an_explicit_choice() -> None:
    fake = FakeTime()
    policy = RetryPolicy(max_attempts=3, resend_unknown=True)
    with RawServer(_taken_then_gone) as server, pytest.raises(TransportError):
        client = Client(server.url, timeout=10)
        send_with_retry(client, submit("tx-again"), policy, sleep=fake.sleep, clock=fake.clock)
    assert server.saw("tx-again") == 3
    assert len(fake.slept) == 2


def test_async_unknown_outcome_is_left_alone() -> None:
    fake = FakeTime()

    async def go(url: str) -> None:
        async with AsyncClient(url, timeout=10) as client:
            await asend_with_retry(
                client, submit("tx-au"), sleep=fake.async_sleep, clock=fake.clock
            )

    with RawServer(_taken_then_gone) as server, pytest.raises(TransportError) as info:
        asyncio.run(go(server.url))
    assert info.value.outcome is Outcome.UNKNOWN
    assert server.saw("tx-au") == 1 and fake.slept == []


def test_not_delivered_is_resent_with_backoff_up_to_the_cap() -> None:
    fake = FakeTime()
    policy = RetryPolicy(max_attempts=4, base_delay=1.0, jitter=0.0)
    client = Client(f"http://127.0.0.1:{free_port()}/mm7", timeout=5)
    with pytest.raises(TransportError) as info:
        send_with_retry(client, submit("tx-refused"), policy, sleep=fake.sleep, clock=fake.clock)
    assert info.value.outcome is Outcome.NOT_DELIVERED
    assert fake.slept == [1.0, 2.0, 4.0]


def test_total_time_caps_the_retries() -> None:
    fake = FakeTime()
    policy = RetryPolicy(max_attempts=100, base_delay=10.0, jitter=0.0, total=25.0)
    client = Client(f"http://127.0.0.1:{free_port()}/mm7", timeout=5)
    with pytest.raises(TransportError):
        send_with_retry(client, submit("tx-t"), policy, sleep=fake.sleep, clock=fake.clock)
    assert fake.slept == [10.0]  # the next wait (20 s) would pass the 25 s budget


def test_retry_after_is_honoured_and_holds_the_limiter() -> None:
    answers: List[bytes] = [
        response_bytes(503, b"busy", content_type="text/plain", extra=(("Retry-After", "7"),)),
    ]

    def script(conn: socket.socket, server: RawServer) -> None:
        while True:
            request = server.read_request(conn)
            if request is None:
                return
            conn.sendall(answers.pop(0) if answers else mm7_answer(request))

    fake = FakeTime()
    limiter = RateLimiter(100.0, clock=fake.clock, sleep=fake.sleep)
    answers.insert(
        0, response_bytes(503, b"busy", content_type="text/plain", extra=(("Retry-After", "soon"),))
    )
    with RawServer(script) as server, Client(server.url, timeout=10, rate_limit=limiter) as client:
        reply = send_with_retry(client, submit("tx-ra"), sleep=fake.sleep, clock=fake.clock)
    assert reply.raise_for_status().transaction_id == "tx-ra"
    assert fake.slept[0] == pytest.approx(1.0)  # not a number of seconds: the throttle delay
    assert fake.slept[1] == pytest.approx(7.0)
    assert server.saw("tx-ra") == 3


def test_answers_that_are_final_are_returned_at_once() -> None:
    def script(conn: socket.socket, server: RawServer) -> None:
        request = server.read_request(conn)
        if request is not None:
            conn.sendall(mm7_answer(request, status=4007, http_status=500))

    fake = FakeTime()
    with RawServer(script) as server, Client(server.url, timeout=10) as client:
        reply = send_with_retry(client, submit("tx-denied"), sleep=fake.sleep)
    assert int(reply.status.code) == 4007  # type: ignore[union-attr]
    assert fake.slept == []


def test_a_retryable_answer_is_returned_when_attempts_run_out() -> None:
    def script(conn: socket.socket, server: RawServer) -> None:
        while True:
            request = server.read_request(conn)
            if request is None:
                return
            conn.sendall(mm7_answer(request, status=4006, http_status=500))

    fake = FakeTime()
    policy = RetryPolicy(max_attempts=3, jitter=0.0, throttle_delay=2.0, base_delay=0.1)
    with RawServer(script) as server, Client(server.url, timeout=10) as client:
        reply = send_with_retry(client, submit("tx-busy"), policy, sleep=fake.sleep)
    assert int(reply.status.code) == 4006  # type: ignore[union-attr]
    assert fake.slept == [2.0, 2.0]  # the throttle delay, not the shorter backoff
    assert server.saw("tx-busy") == 3


def test_http_errors_that_are_not_retryable_are_raised() -> None:
    def script(conn: socket.socket, server: RawServer) -> None:
        request = server.read_request(conn)
        if request is not None:
            conn.sendall(response_bytes(404, b"no", content_type="text/plain"))

    with RawServer(script) as server, pytest.raises(HTTPError) as info:
        send_with_retry(Client(server.url, timeout=10), submit("tx-404"))
    assert info.value.http_status == 404 and server.saw("tx-404") == 1


# --- one retry plan for both helpers ------------------------------------------------------------


def _scripted(outcomes: List[Any]) -> Any:
    """What a client's send gives, in turn: a Message returned, an exception raised."""
    queue = deque(outcomes)

    def next_outcome(message: mm7.Message) -> mm7.Message:
        outcome = queue.popleft()
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome  # type: ignore[no-any-return]

    return next_outcome


class ScriptedClient:
    def __init__(self, outcomes: List[Any]) -> None:
        self.rate_limit = None
        self.send = _scripted(outcomes)


class AsyncScriptedClient:
    def __init__(self, outcomes: List[Any]) -> None:
        self.rate_limit = None
        self._next = _scripted(outcomes)

    async def send(self, message: mm7.Message) -> mm7.Message:
        return self._next(message)  # type: ignore[no-any-return]


def _both(outcomes: List[Any], policy: RetryPolicy) -> List[Any]:
    """(what it ended with, the sleeps) for the sync and the async helper alike."""
    ends = []
    for kind in ("sync", "async"):
        fake = FakeTime()
        steady = {"clock": fake.clock, "random": lambda: 0.5}
        message = submit("tx-plan")
        try:
            if kind == "sync":
                client: Any = ScriptedClient(outcomes)
                end: Any = send_with_retry(client, message, policy, sleep=fake.sleep, **steady)
            else:
                client = AsyncScriptedClient(outcomes)
                run = asend_with_retry(client, message, policy, sleep=fake.async_sleep, **steady)
                end = asyncio.run(run)
        except Exception as exc:
            end = exc
        ends.append((end, fake.slept))
    assert ends[0][1] == ends[1][1]
    assert type(ends[0][0]) is type(ends[1][0])
    return ends[0]  # type: ignore[no-any-return]


def test_the_sync_and_async_helpers_take_the_same_steps() -> None:
    message = submit("tx-plan")
    busy = message.error_response(4006)
    done = message.response(message_id="m-1")
    refused = TransportError("refused", host="h", port=1)
    cut = TransportError("cut", host="h", port=1, request_sent=True)
    policy = RetryPolicy(max_attempts=4, base_delay=1.0, jitter=0.5, throttle_delay=3.0)
    # Resent after a throttle answer and a refused connection, then answered.
    end, slept = _both([busy, refused, done], policy)
    assert end.pdu == done.pdu and slept == [3.0, 2.0 * 0.75]
    # An unknown outcome is final: raised at once.
    end, slept = _both([refused, cut, done], policy)
    assert end is cut and slept == [0.75]
    # Attempts run out on a retryable answer: the last one is returned.
    end, slept = _both([busy] * 4, policy)
    assert end.pdu == busy.pdu and slept == [3.0, 3.0, 3.0]
    # Not an MM7Error: a bug, not an outcome; it propagates without a resend.
    end, slept = _both([refused, KeyError("bug"), done], policy)
    assert isinstance(end, KeyError) and slept == [0.75]
