"""Soak the MM7 receiver under a real server with normal and slow senders, on 127.0.0.1.

    python3 benchmarks/soak.py --server gunicorn-gthread          # one server, ~45 s
    python3 benchmarks/soak.py --server all --duration 40         # each in turn

What it does, bounded in count and in time (it stops by itself):

- starts the server (gunicorn sync, gunicorn gthread, waitress or uvicorn) on
  a socket bound here to 127.0.0.1 and handed over by file descriptor, serving
  ``make_wsgi_app`` / ``make_asgi_app`` with a handler that only records the
  TransactionID (hand off and return);
- ``--concurrency`` gateway threads POST ``--requests`` DeliverReqs in all (80 %
  a ~4 KB text MO, 20 % a ~300 KB picture) and, as a gateway does, resend any
  that is not answered 200 + DeliverRsp + same TransactionID + 1000 within
  10 s (after ``--retry-delay`` s here, not 5 minutes; at most 3 attempts);
- ``--slow`` slow senders meanwhile keep trickling whole DeliverReqs (a
  ~300 KB picture over ``--slow-seconds``), one after another, until the run ends;
- prints acknowledged messages, lost ones, duplicates (a TransactionID the
  handler saw more than once), attempt latency p50/p99/max, refusals and
  timeouts, and the RSS of the server's processes at the end.

The machine this project runs on has two cores shared with other work: keep
each run under a minute (``--duration``), and read the figures as relative.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import mm7codec as mm7  # noqa: E402

DEADLINE = 10.0  # what a gateway waits for the acknowledgement
AUTH_HEADER = "Basic Z2F0ZXdheTpzZWNyZXQ="  # gateway:secret

# --- servers, started on a socket bound here --------------------------------------------------

_WAITRESS = (
    "import socket, sys; sys.path.insert(0, '.'); import importlib, waitress;"
    "mod, _, attr = sys.argv[2].partition(':');"
    "app = getattr(importlib.import_module(mod), attr);"
    "sock = socket.socket(fileno=int(sys.argv[1]));"
    "waitress.serve(app, sockets=[sock], threads=int(sys.argv[3]),"
    " connection_limit=int(sys.argv[4]), channel_timeout=30, _quiet=True)"
)

#: name -> (interface the target must be, command builder)
SERVERS = ("gunicorn-sync", "gunicorn-gthread", "waitress", "uvicorn")


def _bin(name: str) -> str:
    local = Path(sys.executable).with_name(name)
    found = str(local) if local.exists() else shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} is not installed (pip install -e '.[dev]')")
    return found


def server_command(
    kind: str, fd: int, target: str, workers: int = 2, threads: int = 8
) -> List[str]:
    """The command line serving ``target`` ("module:attr") on the listening socket ``fd``."""
    if kind.startswith("gunicorn-"):
        worker_class = kind.split("-", 1)[1]
        command = [_bin("gunicorn"), "--bind", f"fd://{fd}", "-k", worker_class, "-w", str(workers)]
        if worker_class == "gthread":
            command += ["--threads", str(threads)]
        # Ten seconds is all a gateway waits; a worker stuck longer is no use.
        return [
            *command,
            "--timeout",
            "30",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
            target,
        ]
    if kind == "waitress":
        return [sys.executable, "-c", _WAITRESS, str(fd), target, str(threads), "1000"]
    if kind == "uvicorn":
        return [
            _bin("uvicorn"),
            "--fd",
            str(fd),
            "--log-level",
            "warning",
            "--no-access-log",
            target,
        ]
    raise ValueError(f"unknown server {kind!r}; one of {', '.join(SERVERS)}")


class Server:
    """A real server process on 127.0.0.1; a context manager that always stops it.

    The listening socket is bound and listening before the server starts, so
    connections queue until it accepts: no wait for readiness, no port race.
    """

    def __init__(
        self,
        kind: str,
        target: str,
        cwd: Path,
        *,
        workers: int = 2,
        threads: int = 8,
        env: Optional[Dict[str, str]] = None,
    ) -> None:
        self.kind = kind
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(1024)
        self.port = int(self._sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        fd = self._sock.fileno()
        command = server_command(kind, fd, target, workers, threads)
        environment = {**os.environ, **(env or {})}
        environment["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(cwd), str(ROOT), environment.get("PYTHONPATH", "")])
        )
        self.process = subprocess.Popen(
            command, cwd=cwd, pass_fds=(fd,), env=environment, start_new_session=True
        )
        self._sock.close()  # the server holds its own copy

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            # Its own session: the signal reaches the workers too.
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)

    def rss_mb(self) -> List[float]:
        """Resident memory of the server process and its children, in MB."""
        pids = [self.process.pid, *_children(self.process.pid)]
        return [rss for rss in (_rss_mb(pid) for pid in pids) if rss is not None]


def _children(pid: int) -> List[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _rss_mb(pid: int) -> Optional[float]:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


# --- the receiver the servers load ------------------------------------------------------------


def _soak_handler() -> Any:
    log_path = os.environ.get("MM7_SOAK_LOG")
    lock = threading.Lock()

    def handle(message: mm7.Message) -> None:
        # Hand off and return: here, one line per handled TransactionID.
        if log_path:
            line = (message.transaction_id + "\n").encode()
            with lock:
                fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.write(fd, line)
                finally:
                    os.close(fd)

    return handle


def _soak_dedupe() -> Any:
    setting = os.environ.get("MM7_SOAK_DEDUPE", "")
    if not setting:
        return None
    if setting == "memory":
        return True  # one MemoryDedupe per worker process
    import importlib.util

    import redis

    spec = importlib.util.spec_from_file_location("redis_dedupe", ROOT / "examples/redis_dedupe.py")
    assert spec is not None and spec.loader is not None
    recipe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(recipe)
    prefix = os.environ.get("MM7_SOAK_PREFIX", "mm7:soak:")
    return recipe.RedisDedupe(redis.Redis.from_url(setting), prefix=prefix)


def __getattr__(name: str) -> Any:
    # Built on first use, inside the server process (``soak:wsgi_app``).
    from mm7codec import http as mm7_http

    options = {"auth": ("gateway", "secret"), "dedupe": _soak_dedupe()}
    if name == "wsgi_app":
        return mm7_http.make_wsgi_app(_soak_handler(), **options)
    if name == "asgi_app":
        return mm7_http.make_asgi_app(_soak_handler(), **options)
    raise AttributeError(name)


# --- the gateway side -------------------------------------------------------------------------


def deliver_req(transaction_id: str, picture: bool) -> mm7.EncodedMessage:
    req = mm7.DeliverReq(
        mms_relay_server_id="soak-relay",
        sender=mm7.Address.number("15553199144"),
        recipients=mm7.Recipients(to=[mm7.Address.short_code("12345")]),
        subject="soak",
    )
    text = mm7.Part.text("Hello from a phone. " * (30 if picture else 190))
    if picture:
        image = mm7.Part.bytes(random.randbytes(300_000), "image/jpeg", content_location="p.jpg")
        content = mm7.Part.multipart("multipart/mixed", [text, image])
    else:
        content = mm7.Part.multipart("multipart/mixed", [text])
    return mm7.encode(mm7.Message(req, transaction_id, "REL-6-MM7-1-4", content=content))


class Attempt:
    __slots__ = ("acked", "latency", "outcome")

    def __init__(self, acked: bool, latency: float, outcome: str) -> None:
        self.acked = acked
        self.latency = latency
        self.outcome = outcome


def post(
    port: int,
    transaction_id: str,
    encoded: mm7.EncodedMessage,
    *,
    trickle: float = 0.0,
    timeout: float = DEADLINE,
) -> Attempt:
    """One POST as a gateway makes it; ``trickle`` spreads the body over that many seconds."""
    headers = {name: value for name, value in encoded.headers}
    headers["Authorization"] = AUTH_HEADER
    headers["Content-Length"] = str(len(encoded.body))
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout + trickle)
    try:
        conn.putrequest("POST", "/mm7", skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        body = encoded.body
        if trickle:
            pieces = 20
            step = -(-len(body) // pieces)
            for offset in range(0, len(body), step):
                conn.send(body[offset : offset + step])
                time.sleep(trickle / pieces)  # a slow sender, by design
        else:
            conn.send(body)
        response = conn.getresponse()
        answer = response.read()
        latency = time.monotonic() - started
        if response.status != 200:
            return Attempt(False, latency, f"http-{response.status}")
        reply = mm7.decode(answer, response.getheader("Content-Type"))
        ok = (
            isinstance(reply.pdu, mm7.DeliverRsp)
            and reply.transaction_id == transaction_id
            and reply.status is not None
            and reply.status.code == mm7.StatusCode.SUCCESS
        )
        late = latency - trickle > DEADLINE
        return Attempt(ok and not late, latency, "late" if late else ("ack" if ok else "not-1000"))
    except (OSError, http.client.HTTPException, mm7.MM7Error) as exc:
        kind = "timeout" if isinstance(exc, socket.timeout) else type(exc).__name__
        return Attempt(False, time.monotonic() - started, kind)
    finally:
        conn.close()


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: List[float] = []
        self.outcomes: collections.Counter[str] = collections.Counter()
        self.acked: set[str] = set()
        self.lost: List[str] = []
        self.slow_acked = 0
        self.slow_failed: collections.Counter[str] = collections.Counter()

    def attempt(self, attempt: Attempt) -> None:
        with self.lock:
            self.latencies.append(attempt.latency)
            self.outcomes[attempt.outcome] += 1


def gateway(
    port: int,
    names: Iterator[str],
    lock: threading.Lock,
    tally: Tally,
    stop_at: float,
    retry_delay: float,
) -> None:
    while time.monotonic() < stop_at:
        with lock:
            name = next(names, None)
        if name is None:
            return
        picture = int(name[3:]) % 5 == 0
        encoded = deliver_req(name, picture)
        for attempt_number in range(3):
            if attempt_number and time.monotonic() + retry_delay > stop_at + DEADLINE:
                break
            if attempt_number:
                time.sleep(retry_delay)  # the gateway's retry schedule, shortened
            attempt = post(port, name, encoded)
            tally.attempt(attempt)
            if attempt.acked:
                with tally.lock:
                    tally.acked.add(name)
                break
        else:
            with tally.lock:
                tally.lost.append(name)


def slow_sender(port: int, number: int, tally: Tally, stop_at: float, seconds: float) -> None:
    count = 0
    while time.monotonic() + seconds < stop_at:
        count += 1
        name = f"slow-{number}-{count}"
        attempt = post(port, name, deliver_req(name, True), trickle=seconds)
        with tally.lock:
            if attempt.acked:
                tally.slow_acked += 1
            else:
                tally.slow_failed[attempt.outcome] += 1


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def soak(args: argparse.Namespace, kind: str) -> Dict[str, Any]:
    log = Path(tempfile.mkstemp(prefix="mm7-soak-", suffix=".log")[1])
    target = "soak:asgi_app" if kind == "uvicorn" else "soak:wsgi_app"
    tally = Tally()
    rss: List[float] = []
    env = {"MM7_SOAK_LOG": str(log), "MM7_SOAK_PREFIX": f"mm7:soak:{log.name}:"}
    if args.dedupe == "memory":
        env["MM7_SOAK_DEDUPE"] = "memory"
    elif args.dedupe == "redis":
        env["MM7_SOAK_DEDUPE"] = args.redis_url
    with Server(kind, target, HERE, workers=args.workers, threads=args.threads, env=env) as server:
        warm = post(server.port, "warm-up", deliver_req("warm-up", False), timeout=60.0)
        if not warm.acked:
            raise SystemExit(f"{kind}: the warm-up request was not acknowledged ({warm.outcome})")
        started = time.monotonic()
        stop_at = started + args.duration
        names = iter([f"tx-{n:06d}" for n in range(args.requests)])
        lock = threading.Lock()
        threads = [
            threading.Thread(
                target=gateway,
                args=(server.port, names, lock, tally, stop_at, args.retry_delay),
            )
            for _ in range(args.concurrency)
        ]
        threads += [
            threading.Thread(
                target=slow_sender, args=(server.port, n, tally, stop_at, args.slow_seconds)
            )
            for n in range(args.slow)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        rss = server.rss_mb()
    seen = collections.Counter(log.read_text().split())
    log.unlink()
    sent = sum(1 for name in seen if name.startswith("tx-"))
    duplicates = sum(count - 1 for name, count in seen.items() if count > 1)
    latencies = tally.latencies
    return {
        "server": kind,
        "dedupe": args.dedupe,
        "workers": args.workers if kind.startswith("gunicorn") else 1,
        "threads": args.threads if kind in ("gunicorn-gthread", "waitress") else None,
        "seconds": round(elapsed, 1),
        "messages": len(tally.acked) + len(tally.lost),
        "acked": len(tally.acked),
        "lost": len(tally.lost),
        "handled": sent,
        "duplicates": duplicates,
        "attempts": dict(tally.outcomes),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "max_ms": round(max(latencies, default=float("nan")) * 1000, 1),
        "over_1s": sum(1 for value in latencies if value > 1.0),
        "acked_per_s": round(len(tally.acked) / elapsed, 1),
        "slow_acked": tally.slow_acked,
        "slow_failed": dict(tally.slow_failed),
        "rss_mb": [round(value, 1) for value in rss],
    }


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default="gunicorn-gthread", choices=[*SERVERS, "all"])
    parser.add_argument("--requests", type=int, default=3000, help="normal messages, at most")
    parser.add_argument("--duration", type=float, default=45.0, help="seconds, at most (+10 s)")
    parser.add_argument("--concurrency", type=int, default=8, help="normal gateway threads")
    parser.add_argument("--slow", type=int, default=10, help="slow senders")
    parser.add_argument("--slow-seconds", type=float, default=8.0, help="each slow body takes this")
    parser.add_argument("--retry-delay", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--dedupe",
        choices=["none", "memory", "redis"],
        default="none",
        help="the receiver's dedupe= (memory: one store per worker; redis: --redis-url)",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--json", action="store_true", help="one JSON object per server")
    args = parser.parse_args(argv)
    kinds = SERVERS if args.server == "all" else (args.server,)
    for kind in kinds:
        result = soak(args, kind)
        if args.json:
            print(json.dumps(result), flush=True)
            continue
        print(
            f"{result['server']:17} dedupe {result['dedupe']:6} {result['seconds']:5.1f} s  "
            f"acked {result['acked']}/{result['messages']}  lost {result['lost']}  "
            f"duplicates {result['duplicates']}  "
            f"p50 {result['p50_ms']:.0f} ms  p99 {result['p99_ms']:.0f} ms  "
            f"max {result['max_ms']:.0f} ms  over 1 s {result['over_1s']}  "
            f"{result['acked_per_s']:.0f}/s  slow acked {result['slow_acked']} "
            f"failed {sum(result['slow_failed'].values())}  attempts {result['attempts']}  "
            f"RSS MB {result['rss_mb']}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
