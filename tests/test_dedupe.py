"""mm7codec.dedupe: which key a resend shares with its first copy, and the store's three calls.

The Redis recipe (examples/redis_dedupe.py) runs against a real redis-server
started here on 127.0.0.1; without one the Redis tests skip with the reason,
except under CI=true (scripts/check.sh installs it), where that is a failure.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import socket
import subprocess
import threading
from pathlib import Path
from typing import Iterator, List

import pytest

import mm7codec as mm7
from mm7codec.dedupe import (
    BUSY_HTTP_STATUS,
    BUSY_STATUS,
    Claim,
    DedupeStore,
    MemoryDedupe,
    Ticket,
    begin,
    delivery_key,
)

REPO = Path(__file__).resolve().parent.parent


def deliver(transaction_id: str = "tx-mo-1", relay: str = "relay-a") -> mm7.Message:
    req = mm7.DeliverReq(
        mms_relay_server_id=relay,
        sender=mm7.Address.number("15553199144"),
        recipients=mm7.Recipients(to=[mm7.Address.short_code("12345")]),
    )
    return mm7.Message(req, transaction_id, "REL-6-MM7-1-4", content=mm7.Part.text("hi"))


def report(
    transaction_id: str = "tx-dr-1",
    message_id: str = "msg-1",
    recipient: str = "15553199144",
    status: str = "Retrieved",
) -> mm7.Message:
    req = mm7.DeliveryReportReq(
        message_id=message_id,
        recipient=mm7.Address.number(recipient),
        sender=mm7.Address.short_code("12345"),
        date="2026-12-04T10:00:00Z",
        mm_status=status,
    )
    return mm7.Message(req, transaction_id, "REL-6-MM7-1-4")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- keys ------------------------------------------------------------------------------------


def test_a_resent_deliver_req_has_the_key_of_the_first_copy() -> None:
    assert delivery_key(deliver("tx-1")) == delivery_key(deliver("tx-1"))
    assert delivery_key(deliver("tx-1")) == "DeliverReq:relay-a:tx-1"
    assert delivery_key(deliver("tx-1")) != delivery_key(deliver("tx-2"))
    # Two relays may reuse each other's TransactionIDs.
    assert delivery_key(deliver("tx-1", "relay-a")) != delivery_key(deliver("tx-1", "relay-b"))


def test_a_report_is_keyed_by_message_recipient_and_status_not_transaction() -> None:
    first = delivery_key(report("tx-1"))
    assert first == "DeliveryReportReq::msg-1:15553199144:Retrieved"
    # A gateway that numbers each attempt afresh still resends the same report.
    assert delivery_key(report("tx-2")) == first
    # Later reports on the same message and other recipients are deliveries of their own.
    assert delivery_key(report(status="Expired")) != first
    assert delivery_key(report(recipient="15550000000")) != first
    assert delivery_key(report(message_id="msg-2")) != first


def test_a_read_reply_is_keyed_like_a_report() -> None:
    req = mm7.ReadReplyReq(
        message_id="msg-9",
        recipient=mm7.Address.number("15553199144"),
        sender=mm7.Address.short_code("12345"),
        time_stamp="2026-12-04T10:00:00Z",
        mm_status="Read",
    )
    key = delivery_key(mm7.Message(req, "tx-rr", "REL-6-MM7-1-4"))
    assert key == "ReadReplyReq::msg-9:15553199144:Read"


def test_a_report_without_message_id_falls_back_to_the_transaction() -> None:
    req = mm7.DeliveryReportReq(mm_status="Retrieved")
    assert delivery_key(mm7.Message(req, "tx-x", "REL-6-MM7-1-4")) == "DeliveryReportReq::tx-x"


def test_key_components_cannot_collide_through_the_separator() -> None:
    assert delivery_key(deliver("b", relay="a:")) != delivery_key(deliver(":b", relay="a"))
    assert delivery_key(deliver("a b/c", relay="")) == "DeliverReq::a%20b%2Fc"


def test_a_huge_transaction_id_gives_a_short_key() -> None:
    key = delivery_key(deliver("x" * 5000))
    assert key is not None and key.startswith("sha256:") and len(key) == 7 + 64
    assert key != delivery_key(deliver("x" * 5001))


def test_a_message_without_transaction_id_has_no_key() -> None:
    assert delivery_key(deliver("")) is None
    ticket = begin(MemoryDedupe(), deliver(""))
    assert ticket.state is Claim.NEW and ticket.key is None


# --- the in-memory store ---------------------------------------------------------------------


def test_first_copy_is_new_a_concurrent_copy_busy_a_confirmed_one_done() -> None:
    store = MemoryDedupe()
    assert store.claim("k", "first") is Claim.NEW
    assert store.claim("k", "second") is Claim.BUSY
    assert store.claim("k", "first") is Claim.NEW  # the owner asking again
    store.confirm("k", "first")
    assert store.claim("k", "third") is Claim.DONE
    assert len(store) == 1


def test_a_failed_handler_releases_so_the_resend_runs_it_again() -> None:
    store = MemoryDedupe()
    assert store.claim("k", "first") is Claim.NEW
    store.release("k", "second")  # not the owner: no effect
    assert store.claim("k", "third") is Claim.BUSY
    store.release("k", "first")
    assert store.claim("k", "fourth") is Claim.NEW
    store.release("absent", "anyone")


def test_a_claim_lapses_after_its_lease_when_its_worker_died() -> None:
    clock = FakeClock()
    store = MemoryDedupe(lease=60.0, clock=clock)
    store.confirm("older", "x")  # a live entry in front of the claim
    assert store.claim("k", "dead-worker") is Claim.NEW
    clock.now += 59.0
    assert store.claim("k", "resend") is Claim.BUSY
    clock.now += 1.0
    assert store.claim("k", "resend") is Claim.NEW


def test_a_confirmed_delivery_is_forgotten_after_retention() -> None:
    clock = FakeClock()
    store = MemoryDedupe(retention=3600.0, lease=10.0, clock=clock)
    store.claim("old", "a")
    store.confirm("old", "a")
    store.claim("pending", "b")  # a younger entry behind, expiring first
    clock.now += 3599.0
    assert store.claim("old", "c") is Claim.DONE
    clock.now += 1.0
    assert store.claim("old", "c") is Claim.NEW
    assert store.claim("pending", "d") is Claim.NEW


def test_expired_entries_are_dropped_from_the_front() -> None:
    clock = FakeClock()
    store = MemoryDedupe(retention=100.0, lease=100.0, clock=clock)
    for n in range(10):
        store.claim(f"k{n}", "a")
        store.confirm(f"k{n}", "a")
    clock.now += 100.0
    store.claim("fresh", "b")
    assert len(store) == 1


def test_the_store_is_bounded_and_forgets_the_oldest() -> None:
    store = MemoryDedupe(max_entries=3)
    for n in range(5):
        assert store.claim(f"k{n}", "a") is Claim.NEW
        store.confirm(f"k{n}", "a")
    assert len(store) == 3
    # Forgotten means the handler may run again: the safe direction.
    assert store.claim("k0", "b") is Claim.NEW
    assert store.claim("k4", "b") is Claim.DONE


def test_bad_settings_are_refused() -> None:
    for options in ({"retention": 0.0}, {"lease": -1.0}, {"max_entries": 0}):
        with pytest.raises(ValueError):
            MemoryDedupe(**options)  # type: ignore[arg-type]


def test_concurrent_copies_exactly_one_wins() -> None:
    store = MemoryDedupe()
    barrier = threading.Barrier(16)
    results: List[Claim] = []
    lock = threading.Lock()

    def race(owner: str) -> None:
        barrier.wait()
        state = store.claim("k", owner)
        with lock:
            results.append(state)

    threads = [threading.Thread(target=race, args=(f"o{n}",)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(state.value for state in results) == ["busy"] * 15 + ["new"]


# --- tickets: the receiver's call sequence -----------------------------------------------------


def run_once(store: DedupeStore, message: mm7.Message, handler_ok: bool, ran: List[str]) -> str:
    """The sequence a receiver follows (module docstring), reduced to what it answers."""
    ticket = begin(store, message)
    if ticket.state is Claim.DONE:
        return "1000"
    if ticket.state is Claim.BUSY:
        return f"{BUSY_HTTP_STATUS} {int(BUSY_STATUS)}"
    ran.append(message.transaction_id)
    if handler_ok:
        ticket.confirm()
        return "1000"
    ticket.release()
    return "500 3000"


def test_the_call_sequence_runs_the_handler_once_per_delivery() -> None:
    store = MemoryDedupe()
    ran: List[str] = []
    assert run_once(store, deliver("t1"), False, ran) == "500 3000"
    assert run_once(store, deliver("t1"), True, ran) == "1000"
    assert run_once(store, deliver("t1"), True, ran) == "1000"
    assert ran == ["t1", "t1"]  # the failed run, then one success, then no more

    held = begin(store, deliver("t2"))
    assert run_once(store, deliver("t2"), True, ran) == "503 4006"
    held.confirm()
    assert run_once(store, deliver("t2"), True, ran) == "1000"
    assert ran == ["t1", "t1"]


def test_a_ticket_without_a_store_does_nothing() -> None:
    ticket = begin(None, deliver())
    assert ticket == Ticket(None, None, ticket.owner, Claim.NEW)
    ticket.confirm()
    ticket.release()


def test_only_a_new_ticket_confirms_or_releases() -> None:
    store = MemoryDedupe()
    first = begin(store, deliver("t"))
    second = begin(store, deliver("t"))
    assert (first.state, second.state) == (Claim.NEW, Claim.BUSY)
    assert first.owner != second.owner
    second.release()  # BUSY: must not drop the first copy's claim
    assert store.claim(first.key or "", "x") is Claim.BUSY
    second.confirm()  # BUSY: must not mark done what has not been handled
    assert store.claim(first.key or "", "x") is Claim.BUSY


# --- the Redis recipe against a real redis-server -----------------------------------------------


def _load_recipe() -> type:
    spec = importlib.util.spec_from_file_location("redis_dedupe", REPO / "examples/redis_dedupe.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.RedisDedupe  # type: ignore[no-any-return]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def redis_port() -> Iterator[int]:
    server = shutil.which("redis-server")
    if server is None:
        reason = "redis-server not installed (apt-get install redis-server); Redis recipe untested"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    pytest.importorskip("redis", reason="the redis client is a dev extra")
    import redis

    port = _free_port()
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert proc.stdout is not None
        # It says when it listens; reading its log waits without a sleep.
        log = b""
        while b"Ready to accept connections" not in log:
            line = proc.stdout.readline()
            if not line:
                pytest.fail(f"redis-server exited at start: {log.decode(errors='replace')}")
            log += line
        # Keep draining its log so a full pipe can never stall it.
        threading.Thread(target=proc.stdout.read, daemon=True).start()
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=5)
        assert client.ping()
        client.close()
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def redis_store(redis_port: int, request: pytest.FixtureRequest) -> Iterator[object]:
    import redis

    client = redis.Redis(host="127.0.0.1", port=redis_port, socket_timeout=5)
    client.flushall()
    yield _load_recipe()(client, prefix=f"t:{request.node.name}:")
    client.close()


def test_redis_store_keeps_the_contract(redis_store: DedupeStore) -> None:
    store = redis_store
    assert store.claim("k", "first") is Claim.NEW
    assert store.claim("k", "second") is Claim.BUSY
    assert store.claim("k", "first") is Claim.NEW
    store.release("k", "second")
    assert store.claim("k", "third") is Claim.BUSY
    store.release("k", "first")
    assert store.claim("k", "fourth") is Claim.NEW
    store.confirm("k", "fourth")
    assert store.claim("k", "fifth") is Claim.DONE
    store.release("k", "fourth")  # a confirmed key stays confirmed
    assert store.claim("k", "sixth") is Claim.DONE


def test_redis_claims_are_leases_and_confirmations_are_kept(redis_port: int) -> None:
    import redis

    client = redis.Redis(host="127.0.0.1", port=redis_port)
    store = _load_recipe()(client, prefix="ttl:", lease=60.0, retention=3600.0)
    try:
        assert store.claim("k", "worker") is Claim.NEW
        # A dead worker's claim lapses by itself after the lease.
        assert 0 < client.pttl("ttl:k") <= 60_000
        store.confirm("k", "worker")
        assert 60_000 < client.pttl("ttl:k") <= 3_600_000
    finally:
        client.close()


def test_redis_store_across_workers_runs_the_handler_once(redis_port: int) -> None:
    import redis

    recipe = _load_recipe()
    # Two "workers": separate clients, separate stores, one Redis.
    clients = [redis.Redis(host="127.0.0.1", port=redis_port) for _ in range(2)]
    stores = [recipe(client, prefix="w:") for client in clients]
    ran: List[str] = []
    try:
        held = begin(stores[0], report("tx-a"))
        assert held.state is Claim.NEW
        assert run_once(stores[1], report("tx-b"), True, ran) == "503 4006"
        held.confirm()
        assert run_once(stores[1], report("tx-c"), True, ran) == "1000"
        assert ran == []
    finally:
        for client in clients:
            client.close()


def test_redis_concurrent_claims_exactly_one_wins(redis_port: int) -> None:
    import redis

    recipe = _load_recipe()
    barrier = threading.Barrier(8)
    results: List[Claim] = []
    lock = threading.Lock()

    def race(owner: str) -> None:
        client = redis.Redis(host="127.0.0.1", port=redis_port)
        store = recipe(client, prefix="race:")
        barrier.wait()
        state = store.claim("k", owner)
        with lock:
            results.append(state)
        client.close()

    threads = [threading.Thread(target=race, args=(f"o{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(state.value for state in results) == ["busy"] * 7 + ["new"]


def test_two_receivers_sharing_redis_run_the_handler_once(redis_port: int) -> None:
    """Two "workers" (receivers with their own clients) behind one URL, one Redis: the
    gateway's resend lands on the other worker and is answered 1000 without the handler."""
    import redis

    from mm7codec.http import make_wsgi_app
    from mm7codec.testing import GatewaySimulator, ServerThread

    recipe = _load_recipe()
    ran: List[str] = []
    clients = [redis.Redis(host="127.0.0.1", port=redis_port) for _ in range(2)]

    def handle(message: mm7.Message) -> None:
        ran.append(message.transaction_id)

    apps = [make_wsgi_app(handle, dedupe=recipe(client, prefix="rx:")) for client in clients]
    message = report("tx-shared")
    try:
        with contextlib.ExitStack() as stack:
            one, two = (stack.enter_context(ServerThread(app)) for app in apps)
            sim = stack.enter_context(GatewaySimulator(auth=None))
            first = sim.deliver(one.url, message, max_attempts=1)
            resent = sim.deliver(two.url, message, max_attempts=1)
    finally:
        for client in clients:
            client.close()
    assert first.delivered and resent.delivered, (first.last.reason, resent.last.reason)
    assert ran == ["tx-shared"]
