"""pgoutput message decoding from bytes laid out as PostgreSQL's "Logical Replication Message Formats" says."""

from __future__ import annotations

import struct

from connect_core.connectors.postgres import _pgoutput as pg


def _tuple(*values: str | None) -> bytes:
    out = struct.pack("!h", len(values))
    for value in values:
        if value is None:
            out += b"n"
        elif value == "<toast>":
            out += b"u"
        else:
            raw = value.encode()
            out += b"t" + struct.pack("!i", len(raw)) + raw
    return out


def test_begin_and_commit_carry_lsns_xid_and_unix_microseconds() -> None:
    begin = pg.decode(b"B" + struct.pack("!QqI", 0x1_0000_0010, 1_000_000, 4242))
    assert begin == pg.Begin(0x1_0000_0010, pg.PG_EPOCH_US + 1_000_000, 4242)
    commit = pg.decode(b"C" + struct.pack("!bQQq", 0, 100, 180, 5))
    assert commit == pg.Commit(100, 180, pg.PG_EPOCH_US + 5)


def test_relation_lists_columns_with_key_flags_types_and_modifiers() -> None:
    payload = (b"R" + struct.pack("!I", 16384) + b"public\0t\0" + b"d" + struct.pack("!h", 2)
               + b"\x01" + b"id\0" + struct.pack("!Ii", 23, -1) + b"\x00" + b"name\0" + struct.pack("!Ii", 1043, 24))
    relation = pg.decode(payload)
    assert relation == pg.Relation(16384, "public", "t", "d", [pg.Column("id", 23, -1, True),
                                                               pg.Column("name", 1043, 24, False)])


def test_insert_update_delete_tuples_with_nulls_and_unchanged_toast() -> None:
    insert = pg.decode(b"I" + struct.pack("!I", 7) + b"N" + _tuple("1", None, "é"))
    assert insert == pg.Insert(7, ["1", None, "é"])
    update = pg.decode(b"U" + struct.pack("!I", 7) + b"K" + _tuple("1", None) + b"N" + _tuple("2", "<toast>"))
    assert isinstance(update, pg.Update) and update.old == ["1", None] and update.old_is_key
    assert update.new == ["2", pg.UNCHANGED_TOAST]
    plain = pg.decode(b"U" + struct.pack("!I", 7) + b"N" + _tuple("3", "x"))
    assert isinstance(plain, pg.Update) and plain.old is None
    delete = pg.decode(b"D" + struct.pack("!I", 7) + b"O" + _tuple("1", "a"))
    assert delete == pg.Delete(7, ["1", "a"], False)


def test_truncate_and_other_messages() -> None:
    assert pg.decode(b"T" + struct.pack("!ib", 2, 0) + struct.pack("!II", 5, 6)) == pg.Truncate([5, 6])
    assert pg.decode(b"Y" + b"whatever") == pg.Message("Y")


def _binary(value: bytes) -> bytes:
    return b"b" + struct.pack("!i", len(value)) + value


def test_one_pass_row_decoding_agrees_with_the_field_by_field_reference() -> None:
    rows = [_tuple(), _tuple(""), _tuple("1", None, "<toast>", "", "é€𝄞", "x" * 70_000),
            struct.pack("!h", 3) + _binary(b"\x00\xff") + b"n" + _binary(b""),
            struct.pack("!h", 2) + _binary(b"ab") + _tuple("cd")[2:]]  # ASCII only: values sliced from one decode
    messages = []
    for relid in (0, 7, 0xFFFF_FFFF):
        head = struct.pack("!I", relid)
        for row in rows:
            messages.append(b"I" + head + b"N" + row)
            messages.append(b"U" + head + b"N" + row)
            messages.append(b"D" + head + b"K" + row)
            messages.append(b"D" + head + b"O" + row)
            for old in rows:
                messages.append(b"U" + head + b"K" + old + b"N" + row)
                messages.append(b"U" + head + b"O" + old + b"N" + row)
    messages.append(b"B" + struct.pack("!QqI", 1, 2, 3))
    decoded = [pg.decode(m) for m in messages]
    assert decoded == [pg.decode_reference(m) for m in messages]
    assert pg.Insert(7, ["1", None, pg.UNCHANGED_TOAST, "", "é€𝄞", "x" * 70_000]) in decoded
    assert pg.Delete(7, [b"\x00\xff", None, b""], True) in decoded
    assert pg.Insert(7, [b"ab", "cd"]) in decoded and pg.Insert(7, [""]) in decoded
