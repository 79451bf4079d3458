"""Generate the data block of ``mm7codec/_versions.py`` from the official MM7 XSDs.

Usage::

    python3 schemas/generate.py            # rewrite the block in place
    python3 schemas/generate.py --check    # exit 1 if the committed block is stale

The XSDs are read from ``$MM7_XSD_DIR`` or ``../shared/mm7-xsd`` (beside the
repository). They are not part of this project; see ``schemas/README.md``.

Only the constructs the ten MM7 schemas use are understood (sequence, all,
choice, group refs, complexContent/simpleContent extension, attribute groups,
simple restrictions with enumerations, unions, xs:any). Anything else stops the
generator with an error rather than producing a silently wrong table.

The output is plain literals, so importing mm7codec costs no XSD parsing:

* ``COMPLEX_TYPES`` / ``SIMPLE_TYPES``: every distinct type definition once, keyed by
  its name (``name~2``, ``name~3`` for a later version's different definition)
* ``SCHEMA_DATA``: one tuple per schema version, oldest first:
  ``(name, namespace, accepted MM7Version values, pdus, types, simple_types,
  TransactionID type)``, where ``types`` and ``simple_types`` map each type name
  the version defines to its key in the tables above
* ``pdus``: ``{global element name: type name}`` in schema order
* a complex type is ``(kind, children, attributes, text_type, max_repeat)`` where
  kind is ``sequence``/``all``/``choice``/``empty``/``simple``/``any``, children are
  ``(element, type, min_occurs, max_occurs or -1)`` in schema order (extension
  bases flattened in front), attributes are ``(name, type, required, default or None)``
* a simple type is ``(base, enumeration)``; a union's base is
  ``"union:" + member types``

Anonymous types are named ``<outer type>.<element>``; XSD built-ins keep their
``xs:`` prefix.
"""

from __future__ import annotations

import argparse
import os
import pprint
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

XS = "{http://www.w3.org/2001/XMLSchema}"
SCHEMA_NAMES = (
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
)
BEGIN = "# BEGIN GENERATED (schemas/generate.py; do not edit by hand)\n# fmt: off\n"
END = "# fmt: on\n# END GENERATED\n"
REPO = Path(__file__).resolve().parent.parent
TARGET = REPO / "mm7codec" / "_versions.py"

Child = Tuple[str, str, int, int]
Attribute = Tuple[str, str, bool, Optional[str]]


def xsd_dir() -> Path:
    env = os.environ.get("MM7_XSD_DIR")
    return Path(env) if env else REPO.parent / "shared" / "mm7-xsd"


class SchemaReader:
    """Turns one XSD into the literal tables described in the module docstring."""

    def __init__(self, path: Path) -> None:
        self.root = ET.parse(path).getroot()
        self.namespace = self.root.get("targetNamespace", "")
        self.named_complex = {e.get("name"): e for e in self.root.findall(XS + "complexType")}
        self.named_simple = {e.get("name"): e for e in self.root.findall(XS + "simpleType")}
        self.groups = {e.get("name"): e for e in self.root.findall(XS + "group")}
        self.attribute_groups = {e.get("name"): e for e in self.root.findall(XS + "attributeGroup")}
        self.types: Dict[str, Tuple[Any, ...]] = {}
        self.simple_types: Dict[str, Tuple[str, Tuple[str, ...]]] = {}

    @staticmethod
    def local(qname: str) -> str:
        return qname.split(":", 1)[1] if qname.startswith("tns:") else qname

    def type_ref(self, qname: str) -> str:
        """A type reference as it appears in the table, resolving it on the way."""
        if qname.startswith("xs:"):
            return qname
        name = self.local(qname)
        if name in self.named_complex:
            self.complex_type(name, self.named_complex[name])
        elif name in self.named_simple:
            self.simple_type(name, self.named_simple[name])
        else:
            raise SystemExit(f"unknown type {qname!r}")
        return name

    def simple_type(self, name: str, node: ET.Element) -> str:
        if name in self.simple_types:
            return name
        restriction = node.find(XS + "restriction")
        union = node.find(XS + "union")
        if restriction is not None:
            base = restriction.get("base", "")
            enum = tuple(e.get("value", "") for e in restriction.findall(XS + "enumeration"))
            if not base.startswith("xs:"):
                # A restriction of one of our own simple types (statusCodeType).
                base_name = self.type_ref(base)
                base, inherited = self.simple_types[base_name]
                enum = enum or inherited
            self.simple_types[name] = (base, enum)
        elif union is not None:
            self.simple_types[name] = ("union:" + union.get("memberTypes", ""), ())
        else:
            raise SystemExit(f"unsupported simpleType {name}")
        return name

    def element(self, node: ET.Element, owner: str) -> Child:
        name = node.get("name") or ""
        low = int(node.get("minOccurs", "1"))
        high_text = node.get("maxOccurs", "1")
        high = -1 if high_text == "unbounded" else int(high_text)
        if node.get("type"):
            type_name = self.type_ref(node.get("type", ""))
        else:
            anonymous = f"{owner}.{name}"
            inner_complex = node.find(XS + "complexType")
            inner_simple = node.find(XS + "simpleType")
            if inner_complex is not None:
                self.complex_type(anonymous, inner_complex)
            elif inner_simple is not None:
                self.simple_type(anonymous, inner_simple)
            else:
                raise SystemExit(f"element {name} in {owner} has no type")
            type_name = anonymous
        return (name, type_name, low, high)

    def attributes(self, node: ET.Element) -> List[Attribute]:
        found: List[Attribute] = []
        for child in node:
            if child.tag == XS + "attribute":
                if child.get("ref"):
                    # soap:mustUnderstand & co on TransactionID: the envelope's business.
                    continue
                type_name = self.type_ref(child.get("type", "xs:string"))
                found.append(
                    (
                        child.get("name", ""),
                        type_name,
                        child.get("use") == "required",
                        child.get("default"),
                    )
                )
            elif child.tag == XS + "attributeGroup":
                group = self.attribute_groups[self.local(child.get("ref", ""))]
                found.extend(self.attributes(group))
        return found

    def particle(self, node: ET.Element, owner: str) -> Tuple[str, List[Child], int]:
        """A model group: its kind, its element children and how often it repeats."""
        tag = node.tag[len(XS) :]
        high_text = node.get("maxOccurs", "1")
        repeat = -1 if high_text == "unbounded" else int(high_text)
        if tag == "group":
            kind, children, inner_repeat = self.particle(
                next(
                    c
                    for c in self.groups[self.local(node.get("ref", ""))]
                    if c.tag != XS + "annotation"
                ),
                owner,
            )
            return kind, children, repeat if repeat != 1 else inner_repeat
        children: List[Child] = []
        kind = tag
        for child in node:
            ctag = child.tag[len(XS) :]
            if ctag == "element":
                children.append(self.element(child, owner))
            elif ctag in ("choice", "group", "sequence"):
                inner_kind, inner_children, inner_repeat = self.particle(child, owner)
                if len(node) != 1:
                    raise SystemExit(f"nested model group mixed with elements in {owner}")
                kind = inner_kind
                children.extend(inner_children)
                repeat = repeat if repeat != 1 else inner_repeat
            elif ctag == "any":
                kind = "any"
            elif ctag in ("annotation",):
                continue
            else:
                raise SystemExit(f"unsupported particle {ctag} in {owner}")
        return kind, children, repeat

    def complex_type(self, name: str, node: ET.Element) -> None:
        if name in self.types:
            return
        self.types[name] = ("pending",)  # guards recursion
        kind = "empty"
        children: List[Child] = []
        attributes: List[Attribute] = []
        text_type: Optional[str] = None
        repeat = 1
        for child in node:
            tag = child.tag[len(XS) :]
            if tag in ("sequence", "all", "choice", "group"):
                kind, children, repeat = self.particle(child, name)
            elif tag in ("complexContent", "simpleContent"):
                derivation = child[0]
                base = derivation.get("base", "")
                if derivation.tag == XS + "restriction" and base == "xs:anyType":
                    kind = "any"
                    continue
                if tag == "simpleContent":
                    kind = "simple"
                    text_type = self.type_ref(base)
                    if text_type in self.types:
                        # simpleContent extension of a complex type with simple content.
                        text_type = self.types[text_type][3]
                else:
                    base_name = self.type_ref(base)
                    kind, base_children, base_attrs, text_type, repeat = self.types[base_name]
                    children = list(base_children)
                    attributes = list(base_attrs)
                for part in derivation:
                    ptag = part.tag[len(XS) :]
                    if ptag in ("sequence", "all", "choice", "group"):
                        extra_kind, extra, extra_repeat = self.particle(part, name)
                        if children and extra_kind != "sequence":
                            raise SystemExit(f"cannot extend {base} with a {extra_kind}")
                        if not children:
                            kind, repeat = extra_kind, extra_repeat
                        children.extend(extra)
                attributes.extend(self.attributes(derivation))
            elif tag in ("attribute", "attributeGroup", "anyAttribute", "annotation"):
                continue
            else:
                raise SystemExit(f"unsupported {tag} in complexType {name}")
        attributes.extend(self.attributes(node))
        self.types[name] = (kind, tuple(children), tuple(attributes), text_type, repeat)

    def read(self) -> Tuple[Any, ...]:
        pdus: Dict[str, str] = {}
        transaction_id_type = "xs:string"
        for node in self.root.findall(XS + "element"):
            name = node.get("name", "")
            if name == "TransactionID":
                # NMTOKEN in REL-5-MM7-1-0/1-1; later a string with SOAP attributes.
                transaction_id_type = node.get("type") or "xs:string"
                continue
            pdus[name] = self.element(node, name)[1]
        for name, node in self.named_complex.items():
            self.complex_type(name, node)
        for name, node in self.named_simple.items():
            self.simple_type(name, node)
        versions = self.simple_types["versionType"][1]
        schema_name = self.namespace.rsplit("/", 1)[-1]
        return (
            schema_name,
            self.namespace,
            versions,
            pdus,
            dict(sorted(self.types.items())),
            dict(sorted(self.simple_types.items())),
            transaction_id_type,
        )


def render(folder: Path) -> str:
    tables = []
    for name in SCHEMA_NAMES:
        path = folder / f"{name}.xsd"
        if not path.is_file():
            raise SystemExit(f"missing {path}")
        table = SchemaReader(path).read()
        if table[0] != name:
            raise SystemExit(f"{path}: targetNamespace says {table[0]}")
        tables.append(table)
    # Most types are identical from one version to the next: store each distinct
    # definition once (keyed "name" or "name~2", "name~3" for later variants) and
    # let the versions refer to them by key.
    complex_defs: Dict[str, Any] = {}
    simple_defs: Dict[str, Any] = {}

    def intern(store: Dict[str, Any], name: str, definition: Any) -> str:
        key, n = name, 1
        while key in store and store[key] != definition:
            n += 1
            key = f"{name}~{n}"
        store[key] = definition
        return key

    data = []
    for name, namespace, versions, pdus, types, simple_types, tx_type in tables:
        type_keys = {t: intern(complex_defs, t, d) for t, d in types.items()}
        simple_keys = {t: intern(simple_defs, t, d) for t, d in simple_types.items()}
        data.append((name, namespace, versions, pdus, type_keys, simple_keys, tx_type))

    def literal(value: Any) -> str:
        return pprint.pformat(value, width=100, sort_dicts=False)

    return (
        f"{BEGIN}"
        f"COMPLEX_TYPES: Final[Dict[str, Any]] = {literal(complex_defs)}\n"
        f"SIMPLE_TYPES: Final[Dict[str, Any]] = {literal(simple_defs)}\n"
        f"SCHEMA_DATA: Final[Tuple[Any, ...]] = {literal(tuple(data))}\n"
        f"{END}"
    )


def splice(source: str, block: str) -> str:
    start = source.index(BEGIN)
    stop = source.index(END, start) + len(END)
    return source[:start] + block + source[stop:]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the block is stale")
    parser.add_argument("--xsd-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    folder = args.xsd_dir or xsd_dir()
    if not (folder / "REL-6-MM7-1-4.xsd").is_file():
        print(f"XSDs not found in {folder}", file=sys.stderr)
        return 2
    current = TARGET.read_text(encoding="utf-8")
    updated = splice(current, render(folder))
    if args.check:
        if updated != current:
            print(
                "mm7codec/_versions.py is stale: run python3 schemas/generate.py", file=sys.stderr
            )
            return 1
        print("mm7codec/_versions.py matches the XSDs")
        return 0
    if updated != current:
        TARGET.write_text(updated, encoding="utf-8")
        print("rewrote the generated block of mm7codec/_versions.py")
    else:
        print("mm7codec/_versions.py already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
