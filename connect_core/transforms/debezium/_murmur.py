"""Debezium's ``MurmurHash3`` (``io.debezium.util``): the x64 variant keeping the upper 32 bits of h1, seed 9001,
over bytes, over a String's UTF-8 (a lone surrogate as ``?``) or over an ``int`` hash code's four bytes."""

from __future__ import annotations

__all__ = ["murmur_hash"]

_MASK = (1 << 64) - 1
SEED = 9001


def _rotl(value: int, bits: int) -> int:
    return ((value << bits) | (value >> (64 - bits))) & _MASK


def _fmix(k: int) -> int:
    k ^= k >> 33
    k = (k * 0xFF51AFD7ED558CCD) & _MASK
    k ^= k >> 33
    k = (k * 0xC4CEB9FE1A85EC53) & _MASK
    return k ^ (k >> 33)


def _signed_byte(b: int) -> int:
    """``(long) key[i]``: a Java byte, sign-extended to 64 bits."""
    return (b - 256 if b >= 128 else b) & _MASK


def x64_64(key: bytes, seed: int = SEED) -> int:
    """``MurmurHash3_x64_64(byte[], seed)``: h1 as an unsigned 64-bit value."""
    h1 = 0x9368E53C2F6AF274 ^ seed
    h2 = 0x586DCD208F7CD3FD ^ seed
    c1, c2 = 0x87C37B91114253D5, 0x4CF5AD432745937F

    def bmix(k1: int, k2: int) -> None:
        nonlocal h1, h2, c1, c2
        k1 = _rotl((k1 * c1) & _MASK, 23)
        k1 = (k1 * c2) & _MASK
        h1 ^= k1
        h1 = (h1 + h2) & _MASK
        h2 = _rotl(h2, 41)
        k2 = _rotl((k2 * c2) & _MASK, 23)
        k2 = (k2 * c1) & _MASK
        h2 ^= k2
        h2 = (h2 + h1) & _MASK
        h1 = (h1 * 3 + 0x52DCE729) & _MASK
        h2 = (h2 * 3 + 0x38495AB5) & _MASK
        c1 = (c1 * 5 + 0x7B7D159C) & _MASK
        c2 = (c2 * 5 + 0x6BCE6396) & _MASK

    blocks = len(key) // 16
    for i in range(blocks):
        bmix(int.from_bytes(key[i * 16:i * 16 + 8], "little"), int.from_bytes(key[i * 16 + 8:i * 16 + 16], "little"))
    tail = key[blocks * 16:]
    if tail:
        k1 = k2 = 0
        for i, b in enumerate(tail):
            if i < 8:
                k1 ^= (_signed_byte(b) << (8 * i)) & _MASK
            else:
                k2 ^= (_signed_byte(b) << (8 * (i - 8))) & _MASK
        bmix(k1, k2)
    h2 ^= len(key)
    h1 = (h1 + h2) & _MASK
    h2 = (h2 + h1) & _MASK
    h1, h2 = _fmix(h1), _fmix(h2)
    return (h1 + h2) & _MASK


def _int32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def _utf8(text: str) -> bytes:
    """Java's char-by-char UTF-8 of Debezium's hashString: a lone surrogate is ``?``."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").replace("\ufffd", "?").encode()


def murmur_hash(value: bytes | bytearray | str | int) -> int:
    """``MurmurHash3.hash(Object)`` for bytes, a string, or (anything else) its Java ``hashCode``."""
    if isinstance(value, str):
        return _int32(x64_64(_utf8(value)) >> 32)
    if isinstance(value, (bytes, bytearray)):
        return _int32(x64_64(bytes(value)) >> 32)
    return _int32(x64_64((value & 0xFFFFFFFF).to_bytes(4, "little")) >> 32)
