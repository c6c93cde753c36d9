"""The example requests and responses of the cloud references in ../shared/reference, read from the
reference texts themselves (not retyped), so the contract tests replay exactly what the docs show."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree

import pytest

from tests.media import REPO

FOLDER = REPO.parent / "shared" / "reference"


def text(name: str) -> str:
    path = FOLDER / name
    if not path.exists():
        pytest.fail(f"{path} is missing: the contract tests replay the references kept there")
    return path.read_text(encoding="utf-8")


def json_after(name: str, marker: str) -> dict:
    """The JSON document following `marker` (e.g. "JSON format") in a reference."""
    body = text(name)
    start = body.index("{", body.index(marker))
    value, _ = json.JSONDecoder().raw_decode(body[start:])
    return value


def xml_between(name: str, root: str, after: str = "") -> ElementTree.Element:
    """The XML element <root>...</root> in a reference (the first one after `after`)."""
    body = text(name)
    offset = body.index(after) if after else 0
    match = re.compile(rf"<{root}>.*?</{root}>", re.S).search(body, offset)
    assert match, f"no <{root}> in {name}"
    return ElementTree.fromstring(match.group(0))


def examples(name: str, values: dict[str, str]) -> dict[str, str]:
    """Example parameter values quoted from a reference, checked to appear in it verbatim."""
    body = text(name)
    for key, value in values.items():
        assert value in body, f"{key}={value!r} is not an example in {name}"
    return values
