"""XML in and out for the cloud shapes. Parsing goes through defusedxml: bodies come from clients."""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

MAX_DEPTH = 16


class XmlError(ValueError):
    pass


# Characters XML 1.0 cannot carry at all (C0 controls but tab, newline and return; lone surrogates;
# U+FFFE and U+FFFF). Stored text may hold them (a book's form feeds, a client's user data): they are
# shown as U+FFFD, so an answer or a callback is always well-formed.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_IN_XML.sub("\ufffd", str(value))


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
    except (ValueError, LookupError) as exc:  # an encoding the parser cannot read (UTF-7, made up)
        raise XmlError(f"The body's declared encoding cannot be read ({exc}); send UTF-8.") from exc
    content = _to_dict(root, 0)
    return root.tag, content if isinstance(content, dict) else {}
