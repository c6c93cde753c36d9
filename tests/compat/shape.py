"""Compare a response with a reference example by shape: the same field names, nesting and value types
(the values themselves are the reference's placeholders)."""

from __future__ import annotations

from xml.etree import ElementTree

NUMBER = (int, float)


def _kind(value) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, NUMBER):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def assert_json_shape(actual, expected, path="$", extra=frozenset(), seen=None, optional=frozenset()):
    """Every field of `expected` is in `actual` with the same kind, recursively; `actual` has no
    fields the example lacks except those named in `extra`; fields in `optional` may be absent.
    Lists: each element is checked against the example's first element; `seen` collects the paths of
    lists that had elements to check."""
    assert _kind(actual) == _kind(expected), (
        f"{path}: {_kind(actual)} where the reference has {_kind(expected)}"
    )
    if isinstance(expected, dict):
        missing = set(expected) - set(actual) - optional
        unknown = set(actual) - set(expected) - extra
        assert not missing, f"{path}: missing {sorted(missing)}"
        assert not unknown, f"{path}: fields the reference does not have: {sorted(unknown)}"
        for key in expected:
            if key in actual:
                assert_json_shape(actual[key], expected[key], f"{path}.{key}", extra, seen, optional)
    elif isinstance(expected, list) and expected:
        for index, item in enumerate(actual):
            assert_json_shape(item, expected[0], f"{path}[{index}]", extra, seen, optional)
        if seen is not None and actual:
            seen.add(_no_index(path))


def _no_index(path: str) -> str:
    import re

    return re.sub(r"\[\d+\]", "[]", path)


def _children(element: ElementTree.Element) -> dict[str, list[ElementTree.Element]]:
    grouped: dict[str, list] = {}
    for child in element:
        grouped.setdefault(child.tag, []).append(child)
    return grouped


def assert_xml_shape(actual, expected, path="", extra=frozenset(), seen=None, optional=frozenset()):
    """The same element names and nesting: leaves stay leaves, containers stay containers; a repeated
    element of the example may be repeated (or single) in the response."""
    path = f"{path}/{expected.tag}"
    assert actual.tag == expected.tag, f"{path}: <{actual.tag}> where the reference has <{expected.tag}>"
    want, have = _children(expected), _children(actual)
    if not want:
        assert not have, f"{path}: has children {sorted(have)} where the reference has text"
        return
    missing = set(want) - set(have) - optional
    unknown = set(have) - set(want) - extra
    assert not missing, f"{path}: missing <{'>, <'.join(sorted(missing))}>"
    assert not unknown, f"{path}: elements the reference does not have: {sorted(unknown)}"
    for tag, elements in want.items():
        for element in have.get(tag, []):
            assert_xml_shape(element, elements[0], path, extra, seen, optional)
        if seen is not None and have.get(tag):
            seen.add(f"{path}/{tag}")
