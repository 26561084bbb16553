"""Java/Jackson text formats the converters reproduce; they live in :mod:`connect_core.api._java_text`.

``Values`` (an api module) needs ``Double.toString``/``Float.toString`` too, so the implementation moved down to
the api layer; this module keeps the converters' import path.
"""

from __future__ import annotations

from connect_core.api._java_text import jackson_string, java_double_str, java_float_str, to_float32

__all__ = ["jackson_string", "java_double_str", "java_float_str", "to_float32"]
