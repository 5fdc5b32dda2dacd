import codecs

import pytest

from auditor.extract.text import UnreadableText, decode_text


def test_utf8_with_and_without_bom() -> None:
    assert decode_text("a: café".encode()) == "a: café"
    assert decode_text(codecs.BOM_UTF8 + b"a: 1") == "a: 1"


def test_utf16_with_bom_is_decoded() -> None:
    assert decode_text("torch==2.1.0\n".encode("utf-16")) == "torch==2.1.0\n"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"ok\xff", "not UTF-8 text (invalid byte 0xff at offset 2)"),
        (codecs.BOM_UTF8 + b"\xc3(", "not UTF-8 text (invalid byte 0xc3 at offset 3)"),
        (b"PK\x03\x04\x00\x00", "binary content, not a text config"),
        (codecs.BOM_UTF16_LE + b"a", "not UTF-16 text (invalid data at offset 2)"),
    ],
)
def test_unreadable_bytes(data: bytes, message: str) -> None:
    with pytest.raises(UnreadableText) as raised:
        decode_text(data)
    assert str(raised.value) == message
