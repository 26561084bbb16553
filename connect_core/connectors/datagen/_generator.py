"""The Avro Random Generator (``io.confluent.avro.random.generator.Generator``) that kafka-connect-datagen runs:
a random datum for an Avro schema, shaped by each schema's ``arg.properties`` (``options``, ``iteration``,
``range``, ``length``, ``regex``, ``prefix``, ``suffix``, ``keys``, ``odds``), with the same defaults and the same
iteration arithmetic (an iteration resumes at ``generation``, the number of records made before).

Datums have ``api/avro/binary.py`` ``decode``'s shape (records as dicts, unions as ``(index, value)``), so
``AvroData.to_connect_data`` turns them into Connect data. Values follow the same rules and distributions as the
JVM's, not the same random stream: Python's ``random`` stands for ``java.util.Random``.
"""

from __future__ import annotations

import decimal
from typing import TYPE_CHECKING, Any

from connect_core.api.errors import ConfigError
from connect_core.connectors.datagen._regex import RegexGenerator

if TYPE_CHECKING:
    import random
    from collections.abc import Iterator

__all__ = ["Generator"]

ARG = "arg.properties"
DEFAULT_LENGTH = (8, 16)  # LengthBounds: [min, max)
_INT = (-(2**31), 2**31 - 1)
_LONG = (-(2**63), 2**63 - 1)
_FLOAT_MAX = 3.4028234663852886e38
_DOUBLE_MAX = 1.7976931348623157e308


def _props(schema: dict[str, Any]) -> dict[str, Any]:
    props = schema.get(ARG) or {}
    if not isinstance(props, dict):
        raise ConfigError(f"{ARG} property must be given as object, was {type(props).__name__} instead")
    return props


class Generator:
    """Random datums for one schema; options, iterators and regexes are built once per schema node."""

    def __init__(self, schema: dict[str, Any], rng: random.Random, generation: int = 0) -> None:
        """``schema`` is ``binary.parse_schema``'s tree; ``generation`` records were made before this one."""
        self._schema = schema
        self.rng = rng
        self._generation = generation
        self._options: dict[int, list[Any]] = {}
        self._iterators: dict[int, Iterator[Any]] = {}
        self._regexes: dict[int, RegexGenerator] = {}
        self._key_schemas: dict[int, dict[str, Any]] = {}

    def generate(self) -> Any:
        """The next datum of the top-level schema."""
        return self._object(self._schema)

    def _object(self, schema: dict[str, Any]) -> Any:  # noqa: C901, PLR0912 - one branch per Avro type
        props = _props(schema)
        if "options" in props:
            return self._option(schema, props)
        if "iteration" in props:
            return self._iteration(schema, props)
        kind = schema["type"]
        rng = self.rng
        if kind == "record":
            return {f["name"]: self._object(f["type"]) for f in schema["fields"]}
        if kind == "union":
            index = rng.randrange(len(schema["types"]))
            return index, self._object(schema["types"][index])
        if kind == "null":
            return None
        if kind == "boolean":
            odds = props.get("odds")
            if odds is None:
                return rng.random() < 0.5
            if not 0.0 <= float(odds) <= 1.0:
                raise ConfigError("odds property must be in the range [0.0, 1.0]")
            return rng.random() < float(odds)
        if kind in ("int", "long"):
            return self._integral(props, _INT if kind == "int" else _LONG)
        if kind in ("float", "double"):
            return self._decimal(props, _FLOAT_MAX if kind == "float" else _DOUBLE_MAX)
        if kind == "string":
            return self._string(schema, props)
        if kind == "bytes":
            if schema.get("logicalType") == "decimal":
                return self._decimal_bytes(schema)
            return rng.randbytes(self._length(props.get("length")))
        if kind == "fixed":
            if schema.get("logicalType") == "decimal":
                return self._decimal_bytes(schema).rjust(schema["size"], b"\x00")
            return rng.randbytes(schema["size"])
        if kind == "enum":
            return rng.choice(schema["symbols"])
        if kind == "array":
            return [self._object(schema["items"]) for _ in range(self._length(props.get("length")))]
        if kind == "map":
            return self._map(schema, props)
        raise ConfigError(f"Unrecognized schema type: {kind}")

    # -- annotations ---------------------------------------------------------------------------------------
    def _option(self, schema: dict[str, Any], props: dict[str, Any]) -> Any:
        options = self._options.get(id(schema))
        if options is None:
            for excluded in ("length", "regex", "iteration", "range"):
                if excluded in props:
                    raise ConfigError(f"Cannot specify {excluded} prop when options prop is given")
            raw = props["options"]
            if not isinstance(raw, list) or not raw:
                raise ConfigError("options property must be a non-empty array (options files are not supported)")
            options = self._options[id(schema)] = [_datum(schema, option) for option in raw]
        return options[self.rng.randrange(len(options))]

    def _iteration(self, schema: dict[str, Any], props: dict[str, Any]) -> Any:
        iterator = self._iterators.get(id(schema))
        if iterator is None:
            spec = props["iteration"]
            if not isinstance(spec, dict) or "start" not in spec:
                raise ConfigError("iteration property must contain start field")
            kind = schema["type"]
            if kind == "boolean":
                iterator = _booleans(bool(spec["start"]) ^ (self._generation % 2 == 1))
            elif kind in ("int", "long", "string"):
                bounds = _LONG if kind == "long" else _INT
                iterator = _integers(spec, bounds, self._generation)
                if kind == "string":
                    iterator = (_affix(str(n), props) for n in iterator)
            elif kind in ("float", "double"):
                iterator = _decimals(spec, _FLOAT_MAX if kind == "float" else _DOUBLE_MAX, self._generation,
                                     as_float=kind == "float")
            else:
                raise ConfigError(f"iteration property can only be specified on numeric, boolean or string schemas, "
                                  f"not {kind} schema")
            self._iterators[id(schema)] = iterator
        return next(iterator)

    def _integral(self, props: dict[str, Any], bounds: tuple[int, int]) -> int:
        span = props.get("range")
        if span is None:
            return self.rng.randint(*bounds)
        low, high = int(span.get("min", bounds[0])), int(span.get("max", bounds[1]))
        if low >= high:
            raise ConfigError("'min' field must be strictly less than 'max' field in range property")
        return low + int(self.rng.random() * (high - low))  # [min, max), as the JVM's nextDouble() * span

    def _decimal(self, props: dict[str, Any], limit: float) -> float:
        span = props.get("range")
        if span is None:
            return self.rng.random()
        low, high = float(span.get("min", -limit)), float(span.get("max", limit))
        if low >= high:
            raise ConfigError("'min' field must be strictly less than 'max' field in range property")
        return low + self.rng.random() * (high - low)

    def _length(self, spec: Any) -> int:
        low, high = _bounds(spec)
        return low + self.rng.randrange(high - low)

    def _string(self, schema: dict[str, Any], props: dict[str, Any]) -> str:
        regex = props.get("regex")
        if regex is None:
            text = "".join(chr(self.rng.randrange(128)) for _ in range(self._length(props.get("length"))))
            return _affix(text, props)
        generator = self._regexes.get(id(schema))
        if generator is None:
            if not isinstance(regex, str):
                raise ConfigError("regex property must be a string")
            generator = self._regexes[id(schema)] = RegexGenerator(regex)
        text = generator.generate(self.rng)
        if "length" in props:  # an explicit length narrows the pattern's strings (Generex.random(min, max - 1))
            low, high = _bounds(props["length"])
            for _ in range(100):
                if low <= len(text) < high:
                    break
                text = generator.generate(self.rng)
        return _affix(text, props)

    def _map(self, schema: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
        length = self._length(props.get("length"))
        keys = props.get("keys")
        if keys is not None and not isinstance(keys, dict):
            raise ConfigError("keys prop must be an object")
        # one key schema per map schema, so its options, regex or iteration state is kept as the JVM keeps it
        key_schema = self._key_schemas.setdefault(id(schema), {"type": "string", ARG: keys}) if keys else None
        out: dict[str, Any] = {}
        for _ in range(length):
            key = self._object(key_schema) if key_schema else chr(self.rng.randrange(128))
            out[key] = self._object(schema["values"])
        return out

    def _decimal_bytes(self, schema: dict[str, Any]) -> bytes:
        """The JVM generator's decimal: 15 random digits at a time up to the precision, a random sign."""
        precision = int(schema.get("precision", 1))
        unscaled, digits = 0, 0
        while digits < precision:
            unscaled = unscaled * 10**15 + int(self.rng.random() * 10**15)
            digits += 15
        unscaled //= 10 ** (digits - precision)
        if self.rng.random() < 0.5:
            unscaled = -unscaled
        return unscaled.to_bytes(max(1, (unscaled.bit_length() + 8) // 8), "big", signed=True)


def _bounds(spec: Any) -> tuple[int, int]:
    """``length`` as [min, max): a number is exact, an object gives min and/or max, nothing is [8, 16)."""
    if spec is None:
        return DEFAULT_LENGTH
    if isinstance(spec, int) and not isinstance(spec, bool):
        if spec < 0:
            raise ConfigError("when given as integral number, length property cannot be negative")
        return spec, spec + 1
    if isinstance(spec, dict) and ("min" in spec or "max" in spec):
        low, high = int(spec.get("min", 0)), int(spec.get("max", 2**31 - 1))
        if low < 0 or high <= low:
            raise ConfigError("max field must be strictly greater than min field for length property")
        return low, high
    raise ConfigError(f"length property must either be an integral number or an object, was {spec!r} instead")


def _affix(text: str, props: dict[str, Any]) -> str:
    return f"{props.get('prefix', '')}{text}{props.get('suffix', '')}"


def _booleans(start: bool) -> Iterator[bool]:
    current = start
    while True:
        yield current
        current = not current


def _integers(spec: dict[str, Any], bounds: tuple[int, int], generation: int) -> Iterator[int]:
    """The JVM's ``IntegralIterator``: start, step (default +1, or -1 toward a lower restart), wrapping at
    restart, first value ``initial``, resumed ``generation`` steps in."""
    start = int(spec["start"])
    restart_spec: Any = spec.get("restart")
    step_spec: Any = spec.get("step")
    if restart_spec is None and step_spec is None:
        restart, step = bounds[1], 1
    elif restart_spec is None:
        step = int(step_spec)
        if step == 0:
            raise ConfigError("step field of iteration property cannot be zero")
        restart = bounds[1] if step > 0 else -bounds[0]
    elif step_spec is None:
        restart = int(restart_spec)
        if restart == start:
            raise ConfigError("start and restart fields of iteration property cannot be equal")
        step = 1 if restart > start else -1
    else:
        restart, step = int(restart_spec), int(step_spec)
        if step == 0 or restart == start or (restart > start) != (step > 0):
            raise ConfigError("iteration property: step must be non-zero and point from start toward restart")
    modulo = abs(restart - start)
    sign = 1 if step > 0 else -1
    current = int(spec.get("initial", start)) - start
    if generation > 0:
        current = abs(generation * step + current) % modulo * sign
    low, high = bounds
    while True:
        value = current + start
        yield (value - low) % (high - low + 1) + low  # Java's intValue()/longValue() wrap
        current = abs(current + step) % modulo * sign


def _decimals(spec: dict[str, Any], limit: float, generation: int, *, as_float: bool) -> Iterator[float]:
    """The JVM's ``DecimalIterator`` (BigDecimal arithmetic, remainder keeping the sign)."""
    start = decimal.Decimal(repr(float(spec["start"])))
    step_spec, restart_spec = spec.get("step"), spec.get("restart")
    step = decimal.Decimal(repr(float(step_spec))) if step_spec is not None else None
    if restart_spec is None:
        step = step if step is not None else decimal.Decimal(1)
        restart = decimal.Decimal(repr(limit if step > 0 else -limit))
    else:
        restart = decimal.Decimal(repr(float(restart_spec)))
        step = step if step is not None else decimal.Decimal(1 if restart > start else -1)
    if step == 0 or restart == start:
        raise ConfigError("iteration property: step cannot be zero and start and restart cannot be equal")
    modulo = restart - start
    current = decimal.Decimal(repr(float(spec.get("initial", spec["start"])))) - start
    if generation > 0:
        current = (generation * step + current) % modulo
    while True:
        value = float(current + start)
        yield float(_to_float32(value)) if as_float else value
        current = (current + step) % modulo


def _to_float32(value: float) -> float:
    import struct

    result: float = struct.unpack(">f", struct.pack(">f", value))[0]
    return result


def _datum(schema: dict[str, Any], option: Any) -> Any:
    """An ``options`` entry (JSON) as a datum of ``schema`` (the JVM's ``wrapOption`` + validate)."""
    kind = schema["type"]
    if kind == "union":
        for index, branch in enumerate(schema["types"]):
            try:
                return index, _datum(branch, option)
            except ConfigError:
                continue
        raise ConfigError(f"Invalid option for union schema: '{option}'")
    if kind == "record" and isinstance(option, dict):
        return {f["name"]: _datum(f["type"], option.get(f["name"], f.get("default"))) for f in schema["fields"]}
    if kind == "array" and isinstance(option, list):
        return [_datum(schema["items"], item) for item in option]
    if kind == "map" and isinstance(option, dict):
        return {str(k): _datum(schema["values"], v) for k, v in option.items()}
    if kind in ("bytes", "fixed") and isinstance(option, str):
        return option.encode("utf-8")
    checks: dict[str, Any] = {"null": lambda v: v is None, "boolean": lambda v: isinstance(v, bool),
                              "int": lambda v: _is_int(v) and _INT[0] <= v <= _INT[1],
                              "long": _is_int,
                              "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
                              "double": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
                              "string": lambda v: isinstance(v, str),
                              "enum": lambda v: isinstance(v, str) and v in schema.get("symbols", ())}
    check = checks.get(kind)
    if check is None or not check(option):
        raise ConfigError(f"Invalid option for {kind} schema: type {type(option).__name__}, value '{option}'")
    return float(option) if kind in ("float", "double") else option


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
