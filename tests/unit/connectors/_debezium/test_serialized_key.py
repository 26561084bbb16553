"""Chunk keys in Debezium's offset form: the bytes Java's ObjectOutputStream writes for an Object[] (captured from
OpenJDK 17's ``new ObjectOutputStream(out).writeObject(new Object[]{...})``)."""

from __future__ import annotations

import pytest

from connect_core.connectors._debezium.serialized_key import deserialize_key, serialize_key

# new Object[]{(byte) -2, 1.5d, 2.5f, new String("é"), new String("é"), 7L, 8, (short) 9, false, null}
MIXED = (
    "aced0005757200135b4c6a6176612e6c616e672e4f626a6563743b90ce589f1073296c02000078700000000a7372000e6a61"
    "76612e6c616e672e427974659c4e6084ee50f51c02000142000576616c7565787200106a6176612e6c616e672e4e756d6265"
    "7286ac951d0b94e08b0200007870fe737200106a6176612e6c616e672e446f75626c6580b3c24a296bfb0402000144000576"
    "616c75657871007e00033ff80000000000007372000f6a6176612e6c616e672e466c6f6174daedc9a2db3cf0ec0200014600"
    "0576616c75657871007e000340200000740002c3a9740002c3a97372000e6a6176612e6c616e672e4c6f6e673b8be490cc8f"
    "23df0200014a000576616c75657871007e00030000000000000007737200116a6176612e6c616e672e496e746567657212e2"
    "a0a4f781873802000149000576616c75657871007e0003000000087372000f6a6176612e6c616e672e53686f7274684d3713"
    "3460da5202000153000576616c75657871007e00030009737200116a6176612e6c616e672e426f6f6c65616ecd207280d59c"
    "faee0200015a000576616c756578700070"
)
MIXED_VALUES = [("Byte", -2), ("Double", 1.5), ("Float", 2.5), ("String", "é"), ("String", "é"), ("Long", 7),
                ("Integer", 8), ("Short", 9), ("Boolean", False), ("Null", None)]
# new Object[]{5, 7}: the second Integer refers back to the first one's class description
TWO_INTS = ("aced0005757200135b4c6a6176612e6c616e672e4f626a6563743b90ce589f1073296c020000787000000002737200116a617661"
            "2e6c616e672e496e746567657212e2a0a4f781873802000149000576616c7565787200106a6176612e6c616e672e4e756d6265"
            "7286ac951d0b94e08b0200007870000000057371007e000200000007")


def test_writes_the_bytes_java_writes() -> None:
    assert serialize_key(MIXED_VALUES) == MIXED
    assert serialize_key([("Integer", 5), ("Integer", 7)]) == TWO_INTS
    assert serialize_key(None) == "aced000570"  # a null array (Debezium's key before a chunk row was sent)
    assert serialize_key([]) == ("aced0005757200135b4c6a6176612e6c616e672e4f626a6563743b90ce589f1073296c02000078700"
                                 "0000000")


def test_reads_what_java_wrote() -> None:
    assert deserialize_key(MIXED) == MIXED_VALUES
    assert deserialize_key(TWO_INTS) == [("Integer", 5), ("Integer", 7)]
    assert deserialize_key("aced000570") is None
    assert deserialize_key(None) is None


def test_a_class_it_cannot_read_is_named() -> None:
    # new Object[]{new java.math.BigDecimal("1.5")}: BigDecimal has an object field (BigInteger)
    big = ("aced0005757200135b4c6a6176612e6c616e672e4f626a6563743b90ce589f1073296c020000787000000001737200146a617661"
           "2e6d6174682e426967446563696d616c54c71557f981284f0300024900057363616c654c0006696e7456616c7400164c6a617661"
           "2f6d6174682f426967496e74656765723b")
    with pytest.raises(ValueError, match="BigDecimal|truncated"):
        deserialize_key(big)
    with pytest.raises(ValueError, match="not a Java serialization"):
        deserialize_key("00ff00ff00")
