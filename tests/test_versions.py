"""The version table (issue 2 acceptance): lookups, defaults and per-version PDU shapes.

The expectations here are written from mm7-spec.md §2/§3 by hand on purpose,
and the whole table is cross-checked against an independent dump of the XSDs
(``mm7-schema-summary.json``) and against the generator itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mm7codec import UnsupportedVersionError
from mm7codec._errata import errata_for
from mm7codec._pdu import (
    PDU_CLASSES,
    DeliveryReportReq,
    ReplaceReq,
    SubmitReq,
    element_field,
    fields_in_version,
)
from mm7codec._versions import (
    LATEST,
    NAMESPACE_PREFIX,
    VERSIONS,
    SchemaVersion,
    get_version,
    resolve,
    version_for_mm7_version,
    version_for_namespace,
)

REPO = Path(__file__).resolve().parent.parent

NAMES = [
    "REL-5-MM7-1-0",
    "REL-5-MM7-1-1",
    "REL-5-MM7-1-2",
    "REL-5-MM7-1-3",
    "REL-5-MM7-1-4",
    "REL-6-MM7-1-0",
    "REL-6-MM7-1-1",
    "REL-6-MM7-1-2",
    "REL-6-MM7-1-3",
    "REL-6-MM7-1-4",
]
DEFAULT_WIRE = [
    "5.3.0",
    "5.3.0",
    "5.3.0",
    "5.6.0",
    "5.8.0",
    "6.3.0",
    "6.4.0",
    "6.5.0",
    "6.6.0",
    "6.8.0",
]
# mm7-spec.md §2, first table: the versionType enumeration of each XSD.
ACCEPTED: Dict[str, set] = {
    "REL-5-MM7-1-0": {"5.3.0"},
    "REL-5-MM7-1-1": {"5.3.0"},
    "REL-5-MM7-1-2": {"5.3.0"},
    "REL-5-MM7-1-3": {"5.6.0", "5.5.0", "5.3.0"},
    "REL-5-MM7-1-4": {"5.8.0", "5.6.0", "5.5.0", "5.3.0"},
    "REL-6-MM7-1-0": {"6.3.0", "5.6.0", "5.5.0", "5.3.0"},
    "REL-6-MM7-1-1": {"6.4.0", "6.3.0", "5.8.0", "5.6.0", "5.5.0", "5.3.0"},
    "REL-6-MM7-1-2": {"6.5.0", "6.4.0", "6.3.0", "5.10.0", "5.8.0", "5.6.0", "5.5.0", "5.3.0"},
    "REL-6-MM7-1-3": {
        "6.6.0", "6.5.0", "6.4.0", "6.3.0", "5.10.0", "5.8.0", "5.6.0", "5.5.0", "5.3.0",
    },
    "REL-6-MM7-1-4": {
        "6.8.0", "6.6.0", "6.5.0", "6.4.0", "6.3.0", "5.10.0", "5.8.0", "5.6.0", "5.5.0", "5.3.0",
    },
}  # fmt: skip
BASE_PDUS = {
    "SubmitReq", "SubmitRsp", "DeliverReq", "DeliverRsp", "CancelReq", "CancelRsp",
    "ReplaceReq", "ReplaceRsp", "DeliveryReportReq", "DeliveryReportRsp", "ReadReplyReq",
    "ReadReplyRsp", "RSErrorRsp", "VASPErrorRsp",
}  # fmt: skip
EXTENDED_PDUS = {
    "extendedCancelReq",
    "extendedCancelRsp",
    "extendedReplaceReq",
    "extendedReplaceRsp",
}


def v(name: str) -> SchemaVersion:
    return get_version(name)


def child_names(version: SchemaVersion, wire: str) -> List[str]:
    return [spec.name for spec in version.pdu_type(wire).children]


# --- the ten versions and their lookups --------------------------------------------------------


def test_ten_versions_oldest_first() -> None:
    assert [version.name for version in VERSIONS] == NAMES
    assert sorted(VERSIONS) == list(VERSIONS)
    assert VERSIONS[0] < VERSIONS[1] <= VERSIONS[1]
    assert [version.index for version in VERSIONS] == list(range(10))


def test_versions_are_hashable_and_comparable() -> None:
    # Versions key dicts (and Message, a frozen record, hashes its version).
    assert {version: version.name for version in VERSIONS}[LATEST] == "REL-6-MM7-1-4"
    assert len(set(VERSIONS)) == 10
    assert VERSIONS[3] == get_version("REL-5-MM7-1-3")
    assert VERSIONS[3] != VERSIONS[4]


def test_latest_is_rel6_1_4() -> None:
    assert LATEST is VERSIONS[-1]
    assert LATEST.name == "REL-6-MM7-1-4"
    assert LATEST.default_mm7_version == "6.8.0"


def test_default_wire_versions() -> None:
    assert tuple(version.default_mm7_version for version in VERSIONS) == tuple(DEFAULT_WIRE)


@pytest.mark.parametrize("name", NAMES)
def test_accepted_mm7_versions(name: str) -> None:
    version = v(name)
    assert set(version.mm7_versions) == ACCEPTED[name]
    assert len(version.mm7_versions) == len(ACCEPTED[name])  # no duplicates
    assert set(version.enumeration("versionType")) == ACCEPTED[name]
    assert version.default_mm7_version in version.mm7_versions


@pytest.mark.parametrize("name", NAMES)
def test_lookup_by_name_any_case(name: str) -> None:
    version = get_version(name)
    assert version.name == name
    assert str(version) == name
    assert repr(version) == f"SchemaVersion({name!r})"
    for spelling in (name.lower(), name.upper(), name.title(), f"  {name}\n"):
        assert get_version(spelling) is version
    assert get_version(version) is version


@pytest.mark.parametrize("name", NAMES)
def test_lookup_by_namespace(name: str) -> None:
    namespace = NAMESPACE_PREFIX + name
    version = get_version(name)
    assert version.namespace == namespace
    assert not namespace.endswith("/")
    assert get_version(namespace) is version
    assert get_version(namespace + "/") is version
    assert version_for_namespace(namespace) is version
    assert version_for_namespace(namespace + "/") is version
    assert version_for_namespace(namespace + ".xsd") is version
    assert resolve(namespace, None) == (version, True)
    assert resolve(namespace + "/", "garbage") == (version, True)


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("5.3.0", "REL-5-MM7-1-0"),
        ("5.6.0", "REL-5-MM7-1-3"),
        ("5.8.0", "REL-5-MM7-1-4"),
        ("6.3.0", "REL-6-MM7-1-0"),
        ("6.4.0", "REL-6-MM7-1-1"),
        ("6.5.0", "REL-6-MM7-1-2"),
        ("6.6.0", "REL-6-MM7-1-3"),
        ("6.8.0", "REL-6-MM7-1-4"),
    ],
)
def test_lookup_by_wire_mm7_version(wire: str, expected: str) -> None:
    assert get_version(wire).name == expected
    assert version_for_mm7_version(wire, exact=True) is get_version(expected)


@pytest.mark.parametrize("bogus", ["bogus", "", "6.7.0", "REL-6-MM7-6-7", "REL-5-MM7-1-5", "7"])
def test_get_version_unknown_raises_4002(bogus: str) -> None:
    with pytest.raises(UnsupportedVersionError) as info:
        get_version(bogus)
    assert info.value.status_code == 4002


def test_resolve_namespace_wins_over_mm7_version() -> None:
    namespace = NAMESPACE_PREFIX + "REL-5-MM7-1-3"
    assert resolve(namespace, "5.3.0") == (v("REL-5-MM7-1-3"), True)
    assert resolve(namespace, "6.8.0") == (v("REL-5-MM7-1-3"), True)


def test_resolve_unknown_namespace_guesses_from_mm7_version() -> None:
    version, certain = resolve(NAMESPACE_PREFIX + "REL-6-MM7-6-7", "6.7.0")
    assert isinstance(version, SchemaVersion)
    assert version in VERSIONS
    assert certain is False
    # The closest schema not newer than 6.7.0 (documented in version_for_mm7_version).
    assert version.name == "REL-6-MM7-1-3"
    # A known MM7Version with an unknown namespace: the schema that introduced it.
    assert resolve("urn:unknown", "5.8.0") == (v("REL-5-MM7-1-4"), False)
    assert resolve(None, "6.8.0") == (LATEST, False)
    # Older than every schema: the oldest.
    assert resolve(None, "5.2.0") == (VERSIONS[0], False)


def test_resolve_without_anything_is_latest_uncertain() -> None:
    assert resolve(None, "garbage-version") == (LATEST, False)
    assert resolve(None, None) == (LATEST, False)
    assert resolve("", "") == (LATEST, False)


@given(st.one_of(st.none(), st.text()), st.one_of(st.none(), st.text()))
def test_resolve_never_raises(namespace: object, mm7_version: object) -> None:
    version, certain = resolve(namespace, mm7_version)  # type: ignore[arg-type]
    assert version in VERSIONS
    assert isinstance(certain, bool)
    if certain:
        assert namespace is not None and version_for_namespace(namespace) is version  # type: ignore[arg-type]


@pytest.mark.parametrize("mm7_version", ["²", "6.².0", "٦.٨.٠", "5.3.0\u00b9", "1" * 5000])
def test_resolve_non_ascii_digits(mm7_version: str) -> None:
    # str.isdigit() is true for superscripts and other scripts' digits that
    # int() may refuse; an MM7Version from the wire must never make resolve raise.
    version, certain = resolve(None, mm7_version)
    assert version in VERSIONS
    assert certain is False


@given(st.from_regex(r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,2}", fullmatch=True))
def test_resolve_any_dotted_version(mm7_version: str) -> None:
    version, certain = resolve(None, mm7_version)
    assert version in VERSIONS
    assert certain is False


# --- PDUs per version ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_pdus_per_version(name: str) -> None:
    version = v(name)
    expected = BASE_PDUS | (EXTENDED_PDUS if name == "REL-6-MM7-1-4" else set())
    assert set(version.pdus) == expected
    for wire in expected:
        assert version.has_pdu(wire)
        assert version.pdu_type(wire).children[0].name == "MM7Version"
    for wire in EXTENDED_PDUS - expected:
        assert not version.has_pdu(wire)
        with pytest.raises(KeyError):
            version.pdu_type(wire)
    # lower-case wire names for the extended PDUs, none capitalised
    assert "ExtendedCancelReq" not in version.pdus


def test_every_pdu_class_has_a_wire_name_in_some_version() -> None:
    wires = set().union(*(set(version.pdus) for version in VERSIONS))
    assert set(PDU_CLASSES) == wires
    assert PDU_CLASSES["extendedCancelReq"].__name__ == "ExtendedCancelReq"
    assert PDU_CLASSES["extendedReplaceRsp"].__name__ == "ExtendedReplaceRsp"


def test_extended_pdu_types() -> None:
    assert LATEST.pdus["extendedCancelReq"] == "extendedcancelReqType"
    assert child_names(LATEST, "extendedReplaceReq")[:3] == ["MM7Version", "VASPID", "VASID"]
    assert "SenderIdentification" not in child_names(LATEST, "extendedReplaceReq")
    status = LATEST.pdu_type("extendedCancelRsp").child("Status")
    assert status is not None and status.type == "extendedcancelresponseStatusType"
    status_type = LATEST.type(status.type)
    assert status_type is not None
    assert [c.name for c in status_type.children] == ["StatusCode"]


def test_submit_rsp_message_id() -> None:
    """The published REL-5-MM7-1-0 XSD has no MessageID in SubmitRsp (the generated
    table says so); the erratum puts it back, optional, after Status."""
    from mm7codec._versions import COMPLEX_TYPES, SCHEMA_DATA

    generated = COMPLEX_TYPES[SCHEMA_DATA[0][4]["submitRspType"]]
    assert [c[0] for c in generated[1]] == ["MM7Version", "Status"]
    children = v("REL-5-MM7-1-0").pdu_type("SubmitRsp").children
    assert [c.name for c in children] == ["MM7Version", "Status", "MessageID"]
    assert not children[2].required and children[2].max_occurs == 1
    for version in VERSIONS[1:]:
        spec = version.pdu_type("SubmitRsp").child("MessageID")
        assert spec is not None and spec.required, version


def test_distribution_protection_then_indicator() -> None:
    for wire, cls in (("SubmitReq", SubmitReq), ("ReplaceReq", ReplaceReq)):
        first = child_names(v("REL-5-MM7-1-0"), wire)
        assert "DistributionProtection" in first and "DistributionIndicator" not in first
        for version in VERSIONS[1:]:
            names = child_names(version, wire)
            assert "DistributionIndicator" in names, version
            assert "DistributionProtection" not in names, version
        assert element_field(cls, "DistributionProtection") == "distribution_indicator"
        assert element_field(cls, "DistributionIndicator") == "distribution_indicator"
        for version in VERSIONS:
            assert "distribution_indicator" in fields_in_version(cls, version)


def test_delivery_report_date_and_timestamp() -> None:
    timestamp_versions = {"REL-5-MM7-1-4", "REL-6-MM7-1-1"}
    for version in VERSIONS:
        names = child_names(version, "DeliveryReportReq")
        if version.name in timestamp_versions:
            assert "TimeStamp" in names and "Date" not in names, version
            spec = version.pdu_type("DeliveryReportReq").child("TimeStamp")
        else:
            assert "Date" in names and "TimeStamp" not in names, version
            spec = version.pdu_type("DeliveryReportReq").child("Date")
        assert spec is not None and spec.required and spec.type == "xs:dateTime"
        assert "date" in fields_in_version(DeliveryReportReq, version)
        assert "time_stamp" not in fields_in_version(DeliveryReportReq, version)
        # ReadReplyReq always says TimeStamp.
        assert "TimeStamp" in child_names(version, "ReadReplyReq")
    assert element_field(DeliveryReportReq, "Date") == "date"
    assert element_field(DeliveryReportReq, "TimeStamp") == "date"


def test_deliver_req_reply_charging_id() -> None:
    for version in VERSIONS:
        spec = version.pdu_type("DeliverReq").child("ReplyChargingID")
        assert spec is not None
        assert spec.required == (version.name in ("REL-5-MM7-1-0", "REL-5-MM7-1-1")), version


def test_sender_address_plain_string_in_early_rel5() -> None:
    for version in VERSIONS:
        sender_id = version.type("senderIDType")
        assert sender_id is not None
        spec = sender_id.child("SenderAddress")
        assert spec is not None and not spec.required
        plain = version.name in ("REL-5-MM7-1-0", "REL-5-MM7-1-1")
        assert (spec.type == "xs:string") == plain, version
        assert (spec.type == "addressType") == (not plain), version


def test_nmtoken_ids_only_in_early_rel5() -> None:
    for version in VERSIONS:
        early = version.name in ("REL-5-MM7-1-0", "REL-5-MM7-1-1")
        for name in ("messageIDType", "entityIDType"):
            simple = version.simple(name)
            assert simple is not None
            assert simple.base == ("xs:NMTOKEN" if early else "xs:string"), (version, name)


def test_transaction_id_type() -> None:
    for version in VERSIONS:
        early = version.name in ("REL-5-MM7-1-0", "REL-5-MM7-1-1")
        assert version.transaction_id_type == ("xs:NMTOKEN" if early else "xs:string"), version


def test_address_attributes_from_rel6() -> None:
    for version in VERSIONS:
        number = version.type("addressType.Number")
        assert number is not None
        names = {a.name for a in number.attributes}
        if version >= v("REL-6-MM7-1-0"):
            assert names == {"displayOnly", "addressCoding", "id"}, version
            assert version.enumeration("addressCodingType") == ("encrypted", "obfuscated")
        else:
            assert names == {"displayOnly"}, version


def test_allow_adaptations_default_from_rel6_1_1() -> None:
    for version in VERSIONS:
        content = version.type("contentReferenceType")
        assert content is not None
        attribute = content.attribute("allowAdaptations")
        assert attribute is not None
        expected = "true" if version >= v("REL-6-MM7-1-1") else None
        assert attribute.default == expected, version


@pytest.mark.parametrize(
    ("type_name", "additions"),
    [
        (
            "mmDeliveryStatusType",
            {
                "REL-6-MM7-1-1": {"Unrecognised", "Deferred"},
                "REL-6-MM7-1-3": {"DeliveryConditionNotMet"},
            },
        ),
        ("chargedPartyType", {"REL-6-MM7-1-2": {"ThirdParty"}}),
    ],
)
def test_enumerations_grow(type_name: str, additions: Dict[str, set]) -> None:
    base = set(VERSIONS[0].enumeration(type_name))
    assert base
    for version in VERSIONS:
        if version.name.startswith("REL-6"):
            for since, added in additions.items():
                if version >= v(since):
                    base = base | added
        assert set(version.enumeration(type_name)) == base, version


def test_delivery_condition_types() -> None:
    assert SubmitReq is PDU_CLASSES["SubmitReq"]
    for version in VERSIONS:
        spec = version.pdu_type("SubmitReq").child("DeliveryCondition")
        if version.name == "REL-6-MM7-1-3":
            assert spec is not None and spec.type == "xs:string"
        elif version.name == "REL-6-MM7-1-4":
            assert spec is not None and spec.type == "deliveryConditionType"
            dc = version.type("deliveryConditionType")
            assert dc is not None
            assert [(c.name, c.type, c.max_occurs) for c in dc.children] == [
                ("DC", "xs:positiveInteger", None)
            ]
        else:
            assert spec is None, version


def test_every_element_has_a_field() -> None:
    for version in VERSIONS:
        for wire, _type_name in version.pdus.items():
            cls = PDU_CLASSES[wire]
            names = [n for n in child_names(version, wire) if n != "MM7Version"]
            fields = fields_in_version(cls, version)
            assert len(fields) == len(names), (version, wire)
            assert len(set(fields)) == len(fields), (version, wire)
            assert fields == tuple(element_field(cls, n) for n in names)
    assert fields_in_version(PDU_CLASSES["extendedCancelReq"], VERSIONS[0]) == ()


# --- cross-check against the independent dump and the generator ------------------------------


@pytest.fixture(scope="module")
def summary(xsd_path: Path) -> Dict[str, object]:
    path = xsd_path.parent / "mm7-schema-summary.json"
    if not path.is_file():
        reason = f"independent XSD dump not found at {path}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    data: Dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _parse_entry(entry: str) -> Tuple[str, bool, str]:
    name, _, type_text = entry.partition(":")
    optional = name.endswith("?")
    return name.rstrip("?"), optional, type_text


def test_table_matches_independent_dump(summary: Dict[str, object]) -> None:
    assert summary["versions"] == NAMES
    children = summary["pdu_children_in_order"]
    assert isinstance(children, dict)
    checked = 0
    for wire in set(children) | set().union(*(set(version.pdus) for version in VERSIONS)):
        per_version = children.get(wire, {})
        for version in VERSIONS:
            if version.name not in per_version:
                assert not version.has_pdu(wire), (version, wire)
                continue
            expected = [_parse_entry(entry) for entry in per_version[version.name]]
            # The dump is of the published XSDs: the errata's additions are not in it.
            added = {e.element for e in errata_for(version.name) if e.type == version.pdus[wire]}
            actual = tuple(s for s in version.pdu_type(wire).children if s.name not in added)
            assert [spec.name for spec in actual] == [name for name, _, _ in expected], (
                version,
                wire,
            )
            assert [not spec.required for spec in actual] == [opt for _, opt, _ in expected], (
                version,
                wire,
            )
            for spec in actual:
                assert spec.max_occurs == 1, (version, wire, spec)
            checked += 1
    # 9 versions x 14 PDUs + 18 in REL-6-MM7-1-4
    assert checked == 9 * 14 + 18


def test_simple_types_match_independent_dump(summary: Dict[str, object]) -> None:
    simple = summary["simple_types"]
    assert isinstance(simple, dict)
    for version in VERSIONS:
        for name, info in simple[version.name].items():
            mine = version.simple(name)
            assert mine is not None, (version, name)
            if "union" in info:
                assert mine.base == "union:" + info["union"], (version, name)
                assert mine.enumeration == ()
                continue
            assert list(mine.enumeration) == list(info["enum"]), (version, name)
            assert mine.base.split(":")[-1] == info["base"].split(":")[-1], (version, name)


def test_generator_check_passes(xsd_path: Path) -> None:
    env = dict(os.environ, MM7_XSD_DIR=str(xsd_path))
    result = subprocess.run(
        [sys.executable, str(REPO / "schemas" / "generate.py"), "--check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
