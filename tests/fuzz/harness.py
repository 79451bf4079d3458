"""The check every fuzz input goes through; pure Python, no atheris needed.

One input is four control bytes and a payload:

- byte 0, mode (``% 4``): 0 ``decode`` whole; 1 ``Decoder`` fed in chunks
  whose sizes come from the seed; 2 ``decode_http``; 3 ``Decoder`` in chunks
  with ``strict=True``.
- byte 1, flags: bit 0 tight :data:`SMALL_LIMITS` instead of the defaults;
  bit 1 re-encode a decoded message and decode the result again (both must
  raise nothing but ``MM7Error``).
- bytes 2-3: the chunking seed.

For modes 0, 1 and 3 the payload is ``Content-Type line \\n body`` (an empty
first line means no Content-Type), so the fuzzer mutates the label too; for
mode 2 it is a whole HTTP message.

:func:`check_one` raises :class:`Escape` when anything other than an
``MM7Error`` leaves the API (or an ``MM7Error`` that is not a ``DecodeError``
leaves a decoder), :class:`Disagreement` when the body of a mode 0, 1 or 3
input fed whole, one byte at a time and in the seed's random chunks does not
end alike (the same message, or the same error class and status code; see
:func:`compare_feedings`), :class:`Hang` when one input runs longer than
``time_limit`` seconds of CPU time (an ``ITIMER_VIRTUAL`` timer, so it does
not disturb the ``SIGALRM`` that libFuzzer's own wall-clock ``-timeout`` uses;
that one also catches time spent inside a single C call).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sys
import time
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import mm7codec  # noqa: E402
from mm7codec import (  # noqa: E402
    DecodeError,
    Decoder,
    Limits,
    MM7Error,
    decode,
    decode_http,
    encode,
)

MODE_DECODE = 0
MODE_CHUNKED = 1
MODE_HTTP = 2
MODE_STRICT = 3
FLAG_SMALL_LIMITS = 1
FLAG_REENCODE = 2

#: Limits small enough that random inputs reach every limit check.
SMALL_LIMITS = Limits(
    max_message_size=1 << 16,
    max_parts=6,
    max_depth=3,
    max_header_size=512,
    max_envelope_size=8192,
    max_xml_depth=12,
    spool_threshold=256,
)
_CHUNK_SIZES = (1, 2, 3, 5, 8, 13, 64, 100, 511, 4096)


class Escape(AssertionError):
    """A non-MM7Error exception left the public API."""


class Hang(AssertionError):
    """One input ran longer than the time limit."""


class Disagreement(AssertionError):
    """The same body fed whole, byte-wise or in chunks ended differently."""


#: Bodies longer than this are fed in 7-byte pieces instead of one byte at a time
#: (the same code paths, a seventh of the calls): inputs stay fast to check.
#: ``FUZZ_BYTEWISE_MAX`` lowers it for long coverage-guided runs.
BYTEWISE_MAX = int(os.environ.get("FUZZ_BYTEWISE_MAX", "8192"))


def make_input(mode: int, payload: bytes, *, flags: int = 0, seed: int = 0) -> bytes:
    """The fuzz input that runs ``payload`` in ``mode``."""
    return bytes((mode, flags, (seed >> 8) & 255, seed & 255)) + payload


def body_payload(body: bytes, content_type: Optional[str]) -> bytes:
    """Payload for modes 0, 1 and 3: the Content-Type line, LF, the body."""
    return (content_type or "").encode("latin-1") + b"\n" + body


def split_input(data: bytes) -> Tuple[int, int, int, bytes]:
    head = data[:4].ljust(4, b"\0")
    return head[0] % 4, head[1], (head[2] << 8) | head[3], data[4:]


def chunks_of(data: bytes, seed: int) -> Iterator[bytes]:
    rnd = random.Random(seed)
    i = 0
    while i < len(data):
        n = rnd.choice(_CHUNK_SIZES)
        yield data[i : i + n]
        i += n


def _split_body(payload: bytes) -> Tuple[Optional[str], bytes]:
    line, _, body = payload.partition(b"\n")
    label = line.rstrip(b"\r").decode("latin-1")
    return (label or None), body


def run_input(data: bytes) -> Optional[mm7codec.Message]:
    """Decode one input as its control bytes say; MM7Error propagates."""
    mode, flags, seed, payload = split_input(data)
    limits = SMALL_LIMITS if flags & FLAG_SMALL_LIMITS else None
    if mode == MODE_HTTP:
        return decode_http(payload, limits=limits)
    label, body = _split_body(payload)
    if mode == MODE_DECODE:
        return decode(body, label, limits=limits)
    decoder = Decoder(label, strict=mode == MODE_STRICT, limits=limits)
    for chunk in chunks_of(body, seed):
        decoder.feed(chunk)
    return decoder.close()


def feeding_outcome(
    body: bytes,
    label: Optional[str],
    chunks: Iterator[bytes],
    *,
    strict: bool,
    limits: Optional[Limits],
) -> Tuple[object, ...]:
    """How one feeding ends: ("message", message) or ("error", class name, status code)."""
    decoder = Decoder(label, strict=strict, limits=limits)
    try:
        for chunk in chunks:
            decoder.feed(chunk)
        message = decoder.close()
    except MM7Error as exc:
        return ("error", type(exc).__name__, int(exc.status_code))
    return ("message", message)


def compare_feedings(data: bytes) -> None:
    """Whole, byte-wise and seeded random chunks of a body-mode input end alike.

    Raises:
        Disagreement: two feedings ended differently.
    """
    mode, flags, seed, payload = split_input(data)
    if mode == MODE_HTTP:
        return  # decode_http takes whole captures only
    limits = SMALL_LIMITS if flags & FLAG_SMALL_LIMITS else None
    strict = mode == MODE_STRICT
    label, body = _split_body(payload)
    step = 1 if len(body) <= BYTEWISE_MAX else 7
    feedings = {
        "whole": iter((body,)),
        "byte-wise": (body[i : i + step] for i in range(0, len(body), step)),
        "chunks": chunks_of(body, seed),
    }
    outcomes = {
        name: feeding_outcome(body, label, chunks, strict=strict, limits=limits)
        for name, chunks in feedings.items()
    }
    whole = outcomes["whole"]
    for name, other in outcomes.items():
        if other != whole:
            raise Disagreement(
                f"fed whole: {_shown(whole)}; fed {name}: {_shown(other)} (input {data[:200]!r})"
            )


def _shown(outcome: Tuple[object, ...]) -> str:
    if outcome[0] == "error":
        return f"{outcome[1]} {outcome[2]}"
    message = outcome[1]
    assert isinstance(message, mm7codec.Message)
    return f"{type(message.pdu).__name__} {message.transaction_id!r}"


def _reencode(message: mm7codec.Message) -> None:
    """encode() of a decoded message, and decode() of that, raise only MM7Error."""
    for validate in (True, False):
        try:
            encoded = encode(message, validate=validate)
            body = encoded.body
        except MM7Error:
            continue
        with contextlib.suppress(MM7Error):
            decode(body, encoded.content_type)


def _guarded(func: Callable[[], object], what: str, data: bytes) -> object:
    try:
        return func()
    except DecodeError:
        return None
    except MM7Error as exc:
        if what == "decode":
            # DESIGN §3: what the remote sent wrong is a DecodeError (EncodeError or
            # StatusError out of a decoder would give the peer the wrong status).
            raise Escape(f"{type(exc).__name__} from decode: {exc} (input {data[:200]!r})") from exc
        return None
    except (Hang, Disagreement, KeyboardInterrupt):
        raise
    except Exception as exc:
        raise Escape(
            f"{type(exc).__name__} escaped {what}: {exc!r} (input {data[:200]!r})"
        ) from exc


def _on_alarm(signum: int, frame: object) -> None:
    raise Hang("input ran over the time limit")


def check_one(data: bytes, *, time_limit: float = 2.0) -> None:
    """Run one fuzz input; raise :class:`Escape` or :class:`Hang` on a bug."""
    previous = signal.signal(signal.SIGVTALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_VIRTUAL, time_limit)
    try:
        message = _guarded(lambda: run_input(data), "decode", data)
        _, flags, _, _ = split_input(data)
        if isinstance(message, mm7codec.Message) and flags & FLAG_REENCODE:
            _guarded(lambda: _reencode(message), "encode", data)
        _guarded(lambda: compare_feedings(data), "decode", data)
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)


def rss_bytes() -> int:
    """Current resident set size of this process (Linux), 0 where unknown."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096
    except (OSError, ValueError, IndexError):  # pragma: no cover - not Linux
        return 0


def corpus_files(folder: Path = HERE / "corpus") -> List[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file())


def replay(paths: List[Path], *, time_limit: float = 2.0) -> int:
    """Run ``check_one`` over files; returns how many ran. Raises on the first bug."""
    for path in paths:
        start = time.perf_counter()
        check_one(path.read_bytes(), time_limit=time_limit)
        elapsed = time.perf_counter() - start
        if elapsed > time_limit:
            raise Hang(f"{path.name}: {elapsed:.1f} s")
    return len(paths)
