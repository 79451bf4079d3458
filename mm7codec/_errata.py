"""Schema errata: where the published XSDs contradict TS 23.140 and the field, as data.

The version table is generated from the official XSDs and stays a pure
function of them (``schemas/generate.py``). Each :class:`Erratum` here is
applied on top of it when ``_versions`` builds its :class:`SchemaVersion`
objects, so encoder and decoder see one corrected table and no other module
tests versions. Every entry names the clause or the peer evidence it rests
on; output that uses an erratum is deliberately invalid against the published
XSD, and the XSD tests list those cases by erratum name.

To add one: append an entry, then run the XSD matrix (``tests/test_xsd_matrix.py``),
which prints the cases each erratum makes schema-invalid.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from dataclasses import dataclass as record
    from typing import Optional, Tuple
else:
    from ._record import record

__all__ = ["ERRATA", "Erratum", "errata_for"]


@record(frozen=True)
class Erratum:
    """One element the published schema of ``version`` lacks in complex type ``type``.

    The element is inserted after ``after`` (``None``: first) with the given
    type and occurrence (``max_occurs`` ``None``: unbounded).
    """

    name: str
    version: str
    type: str
    element: str
    element_type: str
    min_occurs: int
    max_occurs: Optional[int]
    after: Optional[str]
    evidence: str


ERRATA: Tuple[Erratum, ...] = (
    Erratum(
        name="submitrsp-messageid-rel-5-mm7-1-0",
        version="REL-5-MM7-1-0",
        type="submitRspType",
        element="MessageID",
        element_type="messageIDType",
        # Optional, not mandatory as from REL-5-MM7-1-1 on: a peer that follows the
        # published XSD leaves it out, and its answer must still decode cleanly.
        min_occurs=0,
        max_occurs=1,
        after="Status",
        evidence=(
            "TS 23.140 MM7_submit.RES carries the Message ID, and REL-5-MM7-1-1 on have it "
            "mandatory; gateways send it with REL-5-MM7-1-0 (Mbuni's default namespace + "
            "5.3.0, peers.md): without it later delivery reports cannot be matched"
        ),
    ),
)


def errata_for(version: str) -> Tuple[Erratum, ...]:
    """The errata applied to schema ``version`` (a name such as ``REL-5-MM7-1-0``)."""
    return tuple(e for e in ERRATA if e.version == version)
