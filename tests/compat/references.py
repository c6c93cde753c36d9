"""The example requests and responses of the cloud references, as pieces of the reference texts themselves
(not retyped) kept in tests/fixtures/reference, so the contract tests replay exactly what the docs show.

tests/fixtures/reference/extract.py takes each piece from the whole reference (../shared/reference, not
needed by the tests) and records where it was; tests/test_fixtures.py checks that no piece has changed
since. A reference is named by its file name there, e.g. "alibaba-ice-SubmitDNAJob.txt".
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.media import FIXTURES

FOLDER = FIXTURES / "reference"


def piece(reference: str, name: str) -> str:
    """A piece of a reference's text, e.g. piece("alibaba-ice-SubmitDNAJob.txt", "response.json")."""
    path = FOLDER / Path(reference).stem / name
    if not path.exists():
        pytest.fail(f"{path} is missing: the contract tests replay the references' pieces kept there")
    return path.read_text(encoding="utf-8")


def json_piece(reference: str, name: str):
    """A JSON example of a reference (e.g. its success response)."""
    return json.loads(piece(reference, name))


def xml_piece(reference: str, name: str) -> ElementTree.Element:
    """An XML example of a reference (e.g. its practical example's request)."""
    return ElementTree.fromstring(piece(reference, name))


def examples(reference: str, name: str, values: dict[str, str]) -> dict[str, str]:
    """Example parameter values quoted from a reference, checked to appear verbatim in its piece `name`."""
    body = piece(reference, name)
    for key, value in values.items():
        assert value in body, f"{key}={value!r} is not an example in {reference} ({name})"
    return values
