from __future__ import annotations

import pytest

from connect_core.api.errors import ConfigError
from connect_core.api.schema import OPTIONAL_STRING_SCHEMA
from connect_core.api.schema_and_value import SchemaAndValue
from connect_core.converters.string import StringConverter


def test_writes_text_and_reads_optional_string() -> None:
    conv = StringConverter()
    conv.configure({}, False)
    assert conv.from_connect_data("t", None, "héllo") == "héllo".encode()
    assert conv.from_connect_data("t", None, 12) == b"12"
    assert conv.from_connect_data("t", None, True) == b"true"
    assert conv.from_connect_data("t", None, None) is None
    assert tuple(conv.to_connect_data("t", b"abc")) == (OPTIONAL_STRING_SCHEMA, "abc")
    assert tuple(conv.to_connect_data("t", None)) == (OPTIONAL_STRING_SCHEMA, None)


def test_encoding_is_configurable() -> None:
    conv = StringConverter()
    conv.configure({"converter.encoding": "ISO-8859-1"}, True)
    assert conv.from_connect_data("t", None, "é") == b"\xe9"
    assert conv.to_connect_header("t", "h", b"\xe9").value == "é"


def test_unknown_encoding_names_the_key() -> None:
    with pytest.raises(ConfigError, match="converter.encoding"):
        StringConverter().configure({"converter.encoding": "NOPE-9"}, False)


def _each(conv: StringConverter, write: bool, values: list[object]) -> list[object]:
    """``from_connect_data`` / ``to_connect_data`` value by value: the bytes or tuple, or the error's type."""
    out: list[object] = []
    for value in values:
        try:
            out.append(conv.from_connect_data("t", None, value) if write else tuple(conv.to_connect_data("t", value)))
        except Exception as error:
            out.append(type(error))
    return out


TEXTS: list[object] = ["plain", "", "café €", "astral 😀", "\x00ctl", "a" * 300, None, 12, True, 2.5, b"raw \xff",
                       bytearray(b"ba")]


@pytest.mark.parametrize("encoding", ["UTF-8", "ISO-8859-1", "UTF-16"])
def test_batch_write_and_read_are_the_one_by_one_results(encoding: str) -> None:
    """The batch methods the pipelines call (``from_connect_values``, ``to_connect_values``) give what the per-value
    methods give, in order, also for a value the encoding cannot take or bytes it cannot read (replaced, as Kafka's
    converter replaces them: never an error)."""
    conv = StringConverter()
    conv.configure({"converter.encoding": encoding}, False)
    each = _each(conv, True, TEXTS)
    assert not [out for out in each if isinstance(out, type)]
    assert conv.from_connect_values("t", None, TEXTS) == each
    assert conv.from_connect_values("t", None, []) == []
    assert [tuple(sv) for sv in conv.to_connect_values(each)] == _each(conv, False, each)
    if encoding == "ISO-8859-1":  # latin-1 has no €: Java's encoder writes '?'
        assert conv.from_connect_values("t", None, ["ok", "euro €", "x"]) == [b"ok", b"euro ?", b"x"]
    if encoding == "UTF-8":
        bad = [b"ok", b"\xff bad", b"\xed\xa0\x80x", b"never"]
        assert [tuple(sv) for sv in conv.to_connect_values(bad)] == _each(conv, False, bad) == [
            (OPTIONAL_STRING_SCHEMA, "ok"), (OPTIONAL_STRING_SCHEMA, "\ufffd bad"),
            (OPTIONAL_STRING_SCHEMA, "\ufffdx"),  # an encoded surrogate is one malformed sequence to Java
            (OPTIONAL_STRING_SCHEMA, "never")]
        assert conv.to_connect_values([bytearray(b"ba"), memoryview(b"mv")]) == [
            (OPTIONAL_STRING_SCHEMA, "ba"), (OPTIONAL_STRING_SCHEMA, "mv")]


def test_a_subclass_writing_its_own_values_is_called_a_value_at_a_time() -> None:
    """A subclass's own ``from_connect_data`` / ``to_connect_data`` decide every value of a batch too."""

    class Shouting(StringConverter):
        def from_connect_data(self, topic: str, schema: object, value: object, headers: object = None) -> bytes:
            return str(value).upper().encode()

        def to_connect_data(self, topic: str, value: bytes | None, headers: object = None) -> SchemaAndValue:
            return SchemaAndValue(OPTIONAL_STRING_SCHEMA, (value or b"").decode().lower())

    conv = Shouting()
    conv.configure({}, False)
    assert conv.from_connect_values("t", None, ["a", "b"]) == [b"A", b"B"]
    assert conv.to_connect_values([b"A", None]) == [(OPTIONAL_STRING_SCHEMA, "a"), (OPTIONAL_STRING_SCHEMA, "")]


def test_utf_16_and_utf_32_are_written_and_read_in_javas_byte_order() -> None:
    """Java's "UTF-16" writes big-endian after a byte order mark and reads big-endian without one; "UTF-32" writes
    big-endian with no mark (Python's own codecs write the machine's order): per value and in batches alike."""
    sixteen, thirty_two = StringConverter(), StringConverter()
    sixteen.configure({"converter.encoding": "UTF-16"}, False)
    thirty_two.configure({"converter.encoding": "UTF-32"}, False)
    assert sixteen.from_connect_data("t", None, "A") == sixteen.from_connect_values("t", None, ["A"])[0] \
        == b"\xfe\xff\x00A"
    assert thirty_two.from_connect_data("t", None, "A\ud800") == b"\x00\x00\x00A\x00\x00\xff\xfd"
    assert [value for _schema, value in sixteen.to_connect_values([b"\x00A", b"\xff\xfeA\x00", b"\xd8\x00\x00x"])] \
        == ["A", "A", "\ufffd"]  # a high surrogate and the unit after it that is no low surrogate: one U+FFFD
