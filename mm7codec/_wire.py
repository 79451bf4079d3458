"""How records appear on the wire: one declaration, read by every layer that needs it.

The XML decoder, the XML encoder and the JSON form (the CLI's spec) all read
these tables; none of them spells an element, attribute or field name of its
own. *Which* version has which element, in which order, with which type and
occurrence, is not here: that is the version table (``_versions``, generated
from the XSDs, with ``_errata`` on top). This module says only which record
field holds which element or attribute, and which spellings seen in the field
mean the same thing.

Adding a field, an alias or a leniency spelling is one edit here (plus the
field on its record in ``_pdu``); see CONTRIBUTING.md, "How to add a field".
Nothing is imported, so every layer can import this module.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, Tuple

__all__ = [
    "ADDRESS_ATTRIBUTES",
    "ADDRESS_ELEMENTS",
    "ADDRESS_KINDS",
    "ADDRESS_SPELLINGS",
    "ALIASES",
    "ELEMENT_FIELDS",
    "ELEMENT_FIELD_OVERRIDES",
    "FIELD_SHAPES",
    "NESTED",
]

#: PDU child element -> field (MM7Version is the Message's). A PDU class has the
#: field or the element is not its (``_pdu.element_field`` checks).
ELEMENT_FIELDS: Dict[str, str] = {
    "SenderIdentification": "sender_identification",
    "Recipients": "recipients",
    "ServiceCode": "service_code",
    "LinkedID": "linked_id",
    "MessageClass": "message_class",
    "TimeStamp": "time_stamp",
    "ReplyCharging": "reply_charging",
    "EarliestDeliveryTime": "earliest_delivery_time",
    "ExpiryDate": "expiry_date",
    "DeliveryReport": "delivery_report",
    "ReadReply": "read_reply",
    "Priority": "priority",
    "Subject": "subject",
    "ChargedParty": "charged_party",
    "ChargedPartyID": "charged_party_id",
    "DistributionIndicator": "distribution_indicator",
    "DistributionProtection": "distribution_indicator",
    "DeliveryCondition": "delivery_condition",
    "ApplicID": "applic_id",
    "ReplyApplicID": "reply_applic_id",
    "AuxApplicInfo": "aux_applic_info",
    "ContentClass": "content_class",
    "DRMContent": "drm_content",
    "Content": "content",
    "Status": "status",
    "MessageID": "message_id",
    "MMSRelayServerID": "mms_relay_server_id",
    "VASPID": "vasp_id",
    "VASID": "vas_id",
    "Sender": "sender",
    "Previouslysentby": "previously_sent_by",
    "Previouslysentdateandtime": "previously_sent_date_and_time",
    "SenderSPI": "sender_spi",
    "RecipientSPI": "recipient_spi",
    "ReplyChargingID": "reply_charging_id",
    "UACapabilities": "ua_capabilities",
    "CancelID": "cancel_id",
    "ReplaceID": "replace_id",
    "Recipient": "recipient",
    "Date": "date",
    "MMStatus": "mm_status",
    "MMStatusExtension": "mm_status_extension",
    "StatusText": "status_text",
}

#: PDU wire name -> exceptions to :data:`ELEMENT_FIELDS`.
ELEMENT_FIELD_OVERRIDES: Dict[str, Dict[str, str]] = {
    "DeliveryReportReq": {"TimeStamp": "date"},
}

#: PDU wire name -> element a peer writes -> (the element this version calls it, defect).
#: Every version has one of the two names: the decoder reads one as the other.
ALIASES: Dict[str, Dict[str, Tuple[str, str]]] = {
    "DeliveryReportReq": {
        "Date": ("TimeStamp", "date-timestamp-swap"),
        "TimeStamp": ("Date", "date-timestamp-swap"),
    },
    "ReadReplyReq": {"Date": ("TimeStamp", "date-timestamp-swap")},
    "SubmitReq": {
        "DistributionProtection": ("DistributionIndicator", "renamed-element"),
        "DistributionIndicator": ("DistributionProtection", "renamed-element"),
    },
    "ReplaceReq": {
        "DistributionProtection": ("DistributionIndicator", "renamed-element"),
        "DistributionIndicator": ("DistributionProtection", "renamed-element"),
    },
}

#: Nested record (class name) -> its child element or attribute name -> field.
NESTED: Dict[str, Dict[str, str]] = {
    "SenderIdentification": {
        "VASPID": "vasp_id",
        "VASID": "vas_id",
        "SenderAddress": "sender_address",
    },
    "Recipients": {"To": "to", "Cc": "cc", "Bcc": "bcc"},
    "Status": {"StatusCode": "code", "StatusText": "text", "Details": "details"},
    "ReplyCharging": {"replyChargingSize": "size", "replyDeadline": "deadline"},
    "ContentRef": {"href": "href", "allowAdaptations": "allow_adaptations"},
    "UACapabilities": {"UAProf": "ua_prof", "TimeStamp": "time_stamp"},
    "UserAgent": {"sequence": "sequence"},
    "SentTime": {"sequence": "sequence"},
}

#: A PDU field whose value is not a plain simple value -> its shape:
#: ``address``, ``recipients``, ``record:<class>`` (a record of :data:`NESTED`;
#: children or attributes as the version table says), ``sequence:<class>``
#: (Previouslysentby-style repeated entries) or ``dc-list`` (DeliveryCondition).
FIELD_SHAPES: Dict[str, str] = {
    "sender_identification": "record:SenderIdentification",
    "recipients": "recipients",
    "sender": "address",
    "recipient": "address",
    "status": "record:Status",
    "reply_charging": "record:ReplyCharging",
    "content": "record:ContentRef",
    "ua_capabilities": "record:UACapabilities",
    "previously_sent_by": "sequence:UserAgent",
    "previously_sent_date_and_time": "sequence:SentTime",
    "delivery_condition": "dc-list",
    # Inside SenderIdentification and UserAgent: addresses as the PDUs' Sender is.
    "sender_address": "address",
    "address": "address",
}

#: Address kind -> element (the choice of every address type).
ADDRESS_ELEMENTS: Dict[str, str] = {
    "number": "Number",
    "email": "RFC2822Address",
    "short_code": "ShortCode",
}
#: Element -> address kind.
ADDRESS_KINDS: Dict[str, str] = {element: kind for kind, element in ADDRESS_ELEMENTS.items()}
#: Address element spellings seen in the field -> the schema's (pre-RFC 2822 name).
ADDRESS_SPELLINGS: Dict[str, str] = {"RFC822Address": "RFC2822Address"}
#: Address attribute -> Address field.
ADDRESS_ATTRIBUTES: Dict[str, str] = {
    "displayOnly": "display_only",
    "addressCoding": "address_coding",
    "id": "id",
}
