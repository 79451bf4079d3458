"""Throughput: a per-account rate limit and a retry helper that keeps the exchange contract.

Gateways limit the messages per second of an account and answer a request
above the limit with a throughput fault (4006 "service unavailable", or HTTP
429/503); the request was not taken and must be sent again later. The retry
helper resends only what :func:`mm7codec.http.is_retryable` calls safe (not
delivered, or answered with a retryable status); a request whose outcome is
unknown is never resent unless the caller says so (``resend_unknown=True``,
for receivers known to deduplicate by TransactionID).

Clocks and sleeps are parameters, so tests drive them without waiting.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Awaitable, Callable, NamedTuple, Optional, Union

from ._errors import MM7Error
from ._exchange import HTTPError, Outcome, classify, is_retryable
from ._headers import header_value
from ._message import Message
from ._status import StatusCode

if TYPE_CHECKING:
    from types import TracebackType
    from typing import Type

    from ._aclient import AsyncClient
    from .http import Client

__all__ = ["RateLimiter", "RetryPolicy", "as_limiter", "asend_with_retry", "send_with_retry"]

# HTTP statuses that say "too fast / overloaded": wait at least throttle_delay.
_THROTTLE_HTTP = frozenset({429, 503})
# Longest Retry-After believed, so a peer cannot park a sender for a day.
_MAX_RETRY_AFTER = 300.0


class RateLimiter:
    """A token bucket: at most ``rate`` acquisitions per second, ``burst`` at once.

    One limiter per account: share it between every :class:`Client` (threads)
    and :class:`AsyncClient` (tasks) that send for that account. Each
    acquisition reserves the next free slot under a lock, so waiters are
    served in order and the limit holds across threads and event loops.
    :meth:`hold` pushes every later slot back (after a throughput fault).

    Raises:
        ValueError: ``rate`` or ``burst`` is not positive.
    """

    def __init__(
        self,
        rate: float,
        burst: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Optional[Callable[[float], Awaitable[None]]] = None,
    ) -> None:
        if not rate > 0 or not burst >= 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = float(rate)
        self.burst = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._async_sleep = async_sleep
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._updated = clock()
        self._not_before = self._updated

    def reserve(self) -> float:
        """Take the next slot: seconds to wait before using it (0: now)."""
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._updated)
            self._tokens = min(self.burst, self._tokens + elapsed * self.rate)
            self._updated = now
            self._tokens -= 1.0
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
            return max(wait, self._not_before - now)

    def hold(self, seconds: float) -> None:
        """No slot before ``seconds`` from now (a gateway said "too fast")."""
        with self._lock:
            self._not_before = max(self._not_before, self._clock() + seconds)

    def acquire(self) -> None:
        """Wait (blocking this thread) for the next slot."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)

    async def acquire_async(self) -> None:
        """Wait (without blocking the event loop) for the next slot."""
        wait = self.reserve()
        if wait > 0:
            if self._async_sleep is not None:
                await self._async_sleep(wait)
            else:
                import asyncio

                await asyncio.sleep(wait)


def as_limiter(rate_limit: Union[float, RateLimiter, None]) -> Optional[RateLimiter]:
    """``Client(rate_limit=...)``: a limiter, a rate in messages per second, or None."""
    if rate_limit is None or isinstance(rate_limit, RateLimiter):
        return rate_limit
    if isinstance(rate_limit, bool) or not isinstance(rate_limit, (int, float)):
        raise TypeError("rate_limit is messages per second (a number) or a RateLimiter")
    return RateLimiter(float(rate_limit))


class RetryPolicy(NamedTuple):
    """How :func:`send_with_retry` resends.

    ``max_attempts`` sends at most (the first one included); ``total`` seconds
    from the first send, after which no new attempt starts. The delay before
    attempt n+1 is ``base_delay * multiplier**(n-1)``, capped at ``max_delay``,
    less a random fraction up to ``jitter`` (so many senders do not resend in
    step). A throughput answer (4006, HTTP 429/503) waits at least
    ``throttle_delay`` or its ``Retry-After`` and holds the client's rate
    limiter for as long. ``resend_unknown``: resend also when the outcome is
    unknown (the request may have been taken: only for a peer that drops
    duplicates by TransactionID).
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    multiplier: float = 2.0
    max_delay: float = 30.0
    jitter: float = 0.5
    total: float = 120.0
    throttle_delay: float = 1.0
    resend_unknown: bool = False

    def delay(self, attempt: int, fraction: float) -> float:
        """The wait after failed attempt ``attempt`` (1-based); ``fraction`` in [0, 1)."""
        raw = min(self.max_delay, self.base_delay * self.multiplier ** (attempt - 1))
        return raw * (1.0 - self.jitter * fraction)


def _throttled(outcome: Union[Message, BaseException]) -> bool:
    if isinstance(outcome, Message):
        status = outcome.status
        return status is not None and status.code == StatusCode.SERVICE_UNAVAILABLE
    if isinstance(outcome, HTTPError):
        return outcome.http_status in _THROTTLE_HTTP
    return False


def _retry_after(outcome: Union[Message, BaseException]) -> float:
    if not isinstance(outcome, HTTPError):
        return 0.0
    text = (header_value(outcome.headers, "Retry-After") or "").strip()
    if text.isdigit() and text.isascii() and len(text) < 8:
        return min(float(text), _MAX_RETRY_AFTER)
    return 0.0  # an HTTP-date: rare from gateways, the throttle delay covers it


class _Plan:
    """The retry steps with no I/O, shared by the sync and async helpers.

    Each attempt runs as ``with plan: plan.outcome = send(...)`` (an
    :class:`MM7Error` raised there becomes the outcome); then
    :meth:`wait_before_next` gives the wait before resending, or None when
    :meth:`result` is final. The helpers only send and sleep.
    """

    def __init__(
        self,
        policy: RetryPolicy,
        limiter: Optional[RateLimiter],
        clock: Callable[[], float],
        random: Callable[[], float],
    ) -> None:
        self.policy = policy
        self.limiter = limiter
        self.clock = clock
        self.random = random
        self.started = clock()
        self.attempt = 0
        self.outcome: Union[Message, MM7Error, None] = None

    def __enter__(self) -> _Plan:
        self.attempt += 1
        self.outcome = None
        return self

    def __exit__(
        self,
        kind: Optional[Type[BaseException]],
        error: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> bool:
        if isinstance(error, MM7Error):
            self.outcome = error
            return True  # decided by wait_before_next, raised by result if final
        return False

    def wait_before_next(self) -> Optional[float]:
        """Seconds to wait before resending, or None: the outcome is final."""
        outcome = self.outcome
        assert outcome is not None, "an attempt sets its outcome"
        policy = self.policy
        if not is_retryable(outcome) and not (
            policy.resend_unknown and classify(outcome) is Outcome.UNKNOWN
        ):
            return None
        if self.attempt >= policy.max_attempts:
            return None
        delay = policy.delay(self.attempt, self.random())
        if _throttled(outcome):
            delay = max(delay, policy.throttle_delay, _retry_after(outcome))
            if self.limiter is not None:
                self.limiter.hold(delay)
        if self.clock() - self.started + delay > policy.total:
            return None
        return delay

    def result(self) -> Message:
        """The final outcome: the answer, or the error raised."""
        outcome = self.outcome
        if isinstance(outcome, MM7Error):
            raise outcome
        assert outcome is not None, "an attempt sets its outcome"
        return outcome


def _random() -> float:
    import random  # here: only a retry needs it

    return random.random()


def send_with_retry(
    client: Client,
    message: Message,
    policy: Optional[RetryPolicy] = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    random: Callable[[], float] = _random,
) -> Message:
    """Send ``message`` with ``client``, resending what is safe to resend.

    Resent (the same Message, so the same TransactionID): a failure whose
    outcome is ``NOT_DELIVERED`` and retryable (connection refused, a reset
    before the request was written whole, HTTP 5xx/429), and an answer with a
    retryable status (4006 throttling, 3000-class). Not resent: success,
    other answers (returned for ``raise_for_status()``), programming errors,
    and an ``UNKNOWN`` outcome (a cut or late answer), unless
    ``policy.resend_unknown``. When attempts or time run out, the last
    answer is returned or the last error raised.
    """
    plan = _Plan(policy or RetryPolicy(), client.rate_limit, clock, random)
    while True:
        with plan:
            plan.outcome = client.send(message)
        delay = plan.wait_before_next()
        if delay is None:
            return plan.result()
        sleep(delay)


async def asend_with_retry(
    client: AsyncClient,
    message: Message,
    policy: Optional[RetryPolicy] = None,
    *,
    sleep: Optional[Callable[[float], Awaitable[None]]] = None,
    clock: Callable[[], float] = time.monotonic,
    random: Callable[[], float] = _random,
) -> Message:
    """:func:`send_with_retry` for an :class:`AsyncClient` (waits with ``asyncio.sleep``)."""
    import asyncio

    wait = sleep or asyncio.sleep
    plan = _Plan(policy or RetryPolicy(), client.rate_limit, clock, random)
    while True:
        with plan:
            plan.outcome = await client.send(message)
        delay = plan.wait_before_next()
        if delay is None:
            return plan.result()
        await wait(delay)
