"""The handler every framework example shares: hand the message off quickly and return.

A gateway waits 10 seconds for the acknowledgement and resends anything not
acknowledged, so the handler only puts the decoded message where a worker
will process it (here an in-process queue; in production a durable queue or a
table) and returns. A full queue raises, the receiver answers a 3000 Fault,
and the gateway resends later: nothing is acknowledged that was not kept.
"""

from __future__ import annotations

import queue

import mm7codec as mm7
from mm7codec.http import HandlerResult

#: Credentials the gateway uses for HTTP Basic (from your configuration in real life).
GATEWAY_AUTH = ("gateway", "secret")

#: Where received messages wait for the worker that processes them.
inbox: queue.Queue[mm7.Message] = queue.Queue(maxsize=10_000)


def handle(message: mm7.Message) -> HandlerResult:
    """Keep the message for later; ``None`` answers the matching ``...Rsp`` with 1000."""
    inbox.put_nowait(message)
    return None


def describe(message: mm7.Message) -> str:
    """One line per received message, as the worker might log it (content may be None)."""
    pdu = message.pdu
    if isinstance(pdu, mm7.DeliveryReportReq):
        return f"report {pdu.message_id}: {pdu.mm_status}"
    if message.content is None:
        return f"{pdu.WIRE_NAME} {message.transaction_id} without content"
    leaves = [part for part in message.content.walk() if not part.is_multipart]
    kinds = ", ".join(f"{part.content_type.mime_type} ({part.size} B)" for part in leaves)
    return f"{pdu.WIRE_NAME} {message.transaction_id}: {kinds}"
