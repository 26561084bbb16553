"""Java/Jackson text formats the converters and ``Values`` must reproduce byte for byte.

``Double.toString``/``Float.toString`` (plain between 1e-3 and 1e7, else ``1.0E10`` style; shortest digits, as
JDK 19+ prints them) and Jackson's string escaping (upper-case ``\\u001F``, astral characters as surrogate pairs).
"""

from __future__ import annotations

import decimal
import math
import re
import struct
from json.encoder import encode_basestring

__all__ = ["jackson_escapes", "jackson_string", "java_double_str", "java_float_str", "to_float32"]

_PACK_F = struct.Struct(">f")
_FIX_ESCAPES = re.compile(r"(\\+)u00([0-9a-f]{2})|[\U00010000-\U0010FFFF]")


def _non_finite(x: float) -> str:
    if math.isnan(x):
        return "NaN"
    return "Infinity" if x > 0 else "-Infinity"


def _java_style(shortest: str, x: float, subnormal_below: float = 2.3e-308) -> str:
    """Reformat Python's shortest ``repr``/``%g`` digits in Java's ``Double.toString`` layout."""
    ax = abs(x)
    if 1e-3 <= ax < 1e7:
        if "e" not in shortest:
            return shortest if "." in shortest else shortest + ".0"
    sign = "-" if shortest.startswith("-") else ""
    mantissa, _, exp_text = shortest.lstrip("-").partition("e")
    exp = int(exp_text) if exp_text else 0
    int_part, _, frac_part = mantissa.partition(".")
    all_digits = int_part + frac_part
    stripped = all_digits.lstrip("0")
    lead = len(all_digits) - len(stripped)
    digits = stripped.rstrip("0") or "0"
    e10 = len(int_part) + exp - lead - 1  # exponent of the first significant digit
    if len(digits) == 1 and ax < subnormal_below:
        digits, e10 = _two_digits(x, digits, e10)
    if 1e-3 <= ax < 1e7:
        if e10 >= 0:
            whole = digits[: e10 + 1].ljust(e10 + 1, "0")
            return f"{sign}{whole}.{digits[e10 + 1 :] or '0'}"
        return f"{sign}0.{'0' * (-e10 - 1)}{digits}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{e10}"


def _two_digits(x: float, digits: str, e10: int) -> tuple[str, int]:
    # Java always prints two digits and picks the two-digit decimal nearest the exact binary value; only
    # subnormals are coarse enough for that to differ from Python's one-digit shortest form (4.9E-324).
    mantissa, _, exp_text = f"{decimal.Decimal(abs(x)):.1e}".partition("e")
    candidate = mantissa.replace(".", "").rstrip("0") or "0"
    if float(f"{mantissa}e{exp_text}") == abs(x) or to_float32(float(f"{mantissa}e{exp_text}")) == abs(x):
        return candidate, int(exp_text)
    return digits, e10


def java_double_str(x: float) -> str:
    """Java ``Double.toString(x)`` (what Jackson writes for a double)."""
    if 1e-3 <= x < 1e7 or -1e7 < x <= -1e-3:
        return repr(x)  # Python's repr is already plain and shortest in this range
    if x == 0.0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    if not math.isfinite(x):
        return _non_finite(x)
    return _java_style(repr(x), x)


def to_float32(x: float) -> float:
    """Round to the nearest float32 (Java's ``(float)`` cast; overflow becomes infinity)."""
    try:
        return _PACK_F.unpack(_PACK_F.pack(x))[0]
    except OverflowError:
        return math.copysign(math.inf, x)


def java_float_str(x: float) -> str:
    """Java ``Float.toString((float) x)``: the shortest digits that round-trip in float32."""
    f = to_float32(x)
    if f == 0.0:
        return "-0.0" if math.copysign(1.0, f) < 0 else "0.0"
    if not math.isfinite(f):
        return _non_finite(f)
    for precision in range(1, 10):
        text = f"{f:.{precision}g}"
        if to_float32(float(text)) == f:
            break
    if "e" in text:
        mantissa, _, exp_text = text.partition("e")
        text = f"{mantissa}e{int(exp_text)}"
    return _java_style(text, f, 1.2e-38)


def _fix(match: re.Match[str]) -> str:
    backslashes = match.group(1)
    if backslashes is None:  # astral character -> surrogate pair escapes
        code = ord(match.group(0)) - 0x10000
        return f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}"
    if len(backslashes) % 2 == 0:  # an escaped backslash followed by literal "u00.."
        return match.group(0)
    return f"{backslashes}u00{match.group(2).upper()}"


def jackson_string(s: str) -> str:
    """A quoted JSON string exactly as Jackson writes it."""
    out: str = encode_basestring(s)
    if "\\u00" in out or not s.isascii():
        out = _FIX_ESCAPES.sub(_fix, out)
    return out


def jackson_escapes(text: str) -> str:
    """JSON text whose strings escape as ``json``/``orjson`` do (``\\u001f``, characters outside the BMP as they
    are), with Jackson's escapes instead (``\\u001F``, surrogate pairs)."""
    return _FIX_ESCAPES.sub(_fix, text)
