"""Content builders: an MMS slideshow (SMIL) from media parts.

``presentation(parts)`` answers the field's most common question, "how do I
send an image?" (peers.md): it gives every part a Content-ID, writes the SMIL
that shows each image or video with the text after it, and wraps it all in
``multipart/related; type="application/smil"; start="<smil>"`` with the SMIL
part first, as handsets expect (mm7-spec.md §4.3).
"""

from __future__ import annotations

from ._part import Part
from ._smil import (
    DEFAULT_SLIDE_DURATION_MS,
    SMIL_CONTENT_ID,
    SMIL_MIME_TYPE,
    assign_content_ids,
    smil_for,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, Optional

__all__ = ["presentation"]


def presentation(
    parts: Iterable[Part],
    *,
    duration_ms: int = DEFAULT_SLIDE_DURATION_MS,
    width: int = 320,
    height: int = 480,
    content_id: Optional[str] = None,
) -> Part:
    """A ``multipart/related`` slideshow: a SMIL part, then ``parts`` in order.

    Parts without a Content-ID get one (from their Content-Location or a
    counter), so the SMIL can name them by ``cid:``. Each image or video opens
    a slide and the text after it joins that slide; audio plays along.

    Raises:
        EncodeError: no part can be presented (no image, video, audio or text).
    """
    items = list(parts)
    ids = assign_content_ids([p.content_id for p in items], [p.content_location for p in items])
    items = [p if p.content_id == cid else p.with_content_id(cid) for p, cid in zip(items, ids)]
    smil = smil_for(
        [(p.content_type.mime_type, p.content_id, p.content_location) for p in items],
        duration_ms=duration_ms,
        width=width,
        height=height,
    )
    smil_part = Part.bytes(smil.encode("ascii"), SMIL_MIME_TYPE, content_id=SMIL_CONTENT_ID)
    return Part.multipart(
        "related",
        [smil_part, *items],
        params={"type": SMIL_MIME_TYPE, "start": f"<{SMIL_CONTENT_ID}>"},
        content_id=content_id,
    )
