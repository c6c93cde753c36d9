"""XML in and out for the cloud shapes: answers and callbacks are always well-formed, odd bodies are
refused with XmlError (a coded 400 upstream), never an exception of the parser's own."""

import pytest

from core import xml


def test_characters_xml_cannot_carry_are_shown_as_replacement_characters():
    stored = {"UserData": "a\x01b", "Text": ["page\x0cbreak", "nul\x00"], "Tab": "keeps\ttabs\nand lines"}
    root, parsed = xml.parse(xml.render("Response", stored))
    assert root == "Response"
    assert parsed == {
        "UserData": "a\ufffdb",
        "Text": ["page\ufffdbreak", "nul\ufffd"],
        "Tab": "keeps\ttabs\nand lines",
    }


@pytest.mark.parametrize("encoding", ["UTF-7", "made-up", "UTF-16"])
def test_a_body_declaring_an_encoding_the_parser_cannot_read_is_refused(encoding):
    with pytest.raises(xml.XmlError):
        xml.parse(f'<?xml version="1.0" encoding="{encoding}"?><Request><A>+AGE-</A></Request>'.encode())
