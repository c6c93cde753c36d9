"""XML in and out for the cloud shapes. Parsing goes through defusedxml: bodies come from clients."""

from __future__ import annotations

from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

MAX_DEPTH = 16


class XmlError(ValueError):
    pass


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(parent: Element, key: str, value) -> None:
    if value is None:
        return
    if isinstance(value, list):  # a list is the element repeated, as in the references' XML
        for item in value:
            _fill(parent, key, item)
        return
    child = SubElement(parent, key)
    if isinstance(value, dict):
        for name, inner in value.items():
            _fill(child, name, inner)
    else:
        child.text = _text(value)


def render(root: str, body: dict) -> bytes:
    element = Element(root)
    for key, value in body.items():
        _fill(element, key, value)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(element, encoding="utf-8")


def _to_dict(element, depth: int):
    if depth > MAX_DEPTH:
        raise XmlError("The XML is nested too deeply.")
    children = list(element)
    if not children:
        return (element.text or "").strip()
    result: dict = {}
    for child in children:
        value = _to_dict(child, depth + 1)
        if child.tag in result:
            if not isinstance(result[child.tag], list):
                result[child.tag] = [result[child.tag]]
            result[child.tag].append(value)
        else:
            result[child.tag] = value
    return result


def parse(data: bytes) -> tuple[str, dict]:
    """(root tag, content) of an XML document; repeated tags become lists."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise XmlError("DTDs and entities are not accepted in XML bodies.") from exc
    except SafeET.ParseError as exc:
        raise XmlError(f"The body is not well-formed XML: {exc}.") from exc
    content = _to_dict(root, 0)
    return root.tag, content if isinstance(content, dict) else {}
