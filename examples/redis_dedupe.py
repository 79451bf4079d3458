"""A Redis-backed mm7codec.dedupe store, for several workers or hosts behind one MM7 URL.

Needs the ``redis`` client (``pip install redis``). Each key holds either
``pending:<owner>`` (a claim, expiring after ``lease`` seconds) or ``done``
(expiring after ``retention`` seconds):

- claim: ``SET key pending:<owner> NX PX lease``; when the key exists, its
  value says DONE, or BUSY (another owner), or NEW (this owner already);
- confirm: ``SET key done PX retention``, whoever holds it (the handler ran);
- release: delete the key only while it still holds this owner's claim
  (a two-line Lua script, so check and delete are one step).

Usage::

    store = RedisDedupe(redis.Redis(host="127.0.0.1", port=6379))
    app = make_wsgi_app(handle, dedupe=store)

If Redis is unreachable the calls raise, the receiver answers a Fault, and the
gateway resends later: no acknowledgement without the store's word.
"""

from __future__ import annotations

from typing import Any, Optional

import redis

from mm7codec.dedupe import Claim

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_DONE = b"done"


class RedisDedupe:
    """A :class:`mm7codec.dedupe.DedupeStore` on one Redis (or a Redis-compatible server)."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str = "mm7:dedupe:",
        retention: float = 86400.0,
        lease: float = 60.0,
    ) -> None:
        self._redis = client
        self._prefix = prefix
        self._retention_ms = int(retention * 1000)
        self._lease_ms = int(lease * 1000)
        self._release: Any = client.register_script(_RELEASE)

    def claim(self, key: str, owner: str) -> Claim:
        name = self._prefix + key
        pending = b"pending:" + owner.encode()
        # Two rounds: the key may expire between the SET and the GET.
        for _ in range(2):
            if self._redis.set(name, pending, nx=True, px=self._lease_ms):
                return Claim.NEW
            value: Optional[bytes] = self._redis.get(name)
            if value is None:
                continue
            if value == _DONE:
                return Claim.DONE
            return Claim.NEW if value == pending else Claim.BUSY
        return Claim.BUSY

    def confirm(self, key: str, owner: str) -> None:
        self._redis.set(self._prefix + key, _DONE, px=self._retention_ms)

    def release(self, key: str, owner: str) -> None:
        self._release(keys=[self._prefix + key], args=[b"pending:" + owner.encode()])
