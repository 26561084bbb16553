"""Kafka ``ConfigDef`` semantics on top of pydantic v2 config models.

A component's config is a pydantic model whose fields carry the Kafka dotted key as ``alias`` plus ConfigDef
metadata (``config_field``). ``parse_config`` parses string props exactly as Kafka does and names the bad key in
its errors; ``config_keys``/``validate_config`` produce the REST ``ConfigKeyInfo``/``ConfigValueInfo`` shapes.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import re
import types
import typing
from typing import TYPE_CHECKING, Any, Literal, NotRequired, TypedDict, TypeVar

from pydantic import BaseModel, Field, SecretStr, ValidationError

from connect_core.api.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from pydantic.fields import FieldInfo

__all__ = [
    "ConfigKeyInfo",
    "ConfigMeta",
    "ConfigValueInfo",
    "config_error",
    "config_field",
    "config_keys",
    "in_range",
    "parse_config",
    "ValidList",
    "valid_string",
    "validate_config",
]

M = TypeVar("M", bound=BaseModel)
log = logging.getLogger(__name__)

ConfigType = Literal["BOOLEAN", "STRING", "INT", "SHORT", "LONG", "DOUBLE", "LIST", "CLASS", "PASSWORD"]
Importance = Literal["HIGH", "MEDIUM", "LOW"]
Width = Literal["NONE", "SHORT", "MEDIUM", "LONG"]
Validator = typing.Callable[[str, Any], object]  # raises ConfigError; a return value is ignored
Recommender = typing.Union["Sequence[Any]", typing.Callable[[dict[str, Any]], "Sequence[Any]"]]

HIDDEN = "[hidden]"
_COMMA = re.compile(r"\s*,\s*")
_INT_BOUNDS = {"INT": 2**31, "SHORT": 2**15, "LONG": 2**63}
_KEY_IN_MESSAGE = re.compile(r"configuration \"?([^\s\":]+)")


class ConfigKeyInfo(TypedDict):
    """Kafka REST ``ConfigKeyInfo`` (what ``GET /connector-plugins/{p}/config`` returns per key).

    The position within the group is ``order_in_group``, as Kafka 4.2+ writes it (the entity became a record); 4.1 and
    older wrote ``order``.
    """

    name: str
    type: str
    required: bool
    default_value: str | None
    importance: str
    documentation: str
    group: str | None
    order_in_group: int
    width: str
    display_name: str
    dependents: list[str]


class ConfigValueInfo(TypedDict):
    """Kafka REST ``ConfigValueInfo`` (one key's result in ``PUT .../config/validate``).

    ``warnings`` is lambda-connect's one addition, present only when a connector has something to say: non-fatal
    messages (Kafka's ``ConfigValue`` has only errors, and every error refuses the config). They are not counted in
    ``error_count`` and never stop a create or update. Every key declared with ``no_effect`` gets one when a config
    sets it to something other than its default.
    """

    name: str
    value: str | None
    recommended_values: list[str]
    errors: list[str]
    visible: bool
    warnings: NotRequired[list[str]]


@dataclasses.dataclass(frozen=True, slots=True)
class ConfigMeta:
    """ConfigDef metadata that pydantic has no slot for; attached to a field's ``metadata``."""

    importance: Importance = "MEDIUM"
    group: str | None = None
    width: Width = "NONE"
    display_name: str | None = None
    type: ConfigType | None = None
    validator: Validator | None = None
    recommended: Recommender | None = None
    no_effect: str | None = None  # why a key accepted for compatibility does nothing here (a validate warning)


def config_error(key: str, value: Any, reason: str | None = None) -> ConfigError:
    """Kafka's ``ConfigException(name, value, message)``: "Invalid value V for configuration K: reason"."""
    message = f"Invalid value {_java_str(value)} for configuration {key}"
    return ConfigError(message + (f": {reason}" if reason else ""))


def config_field(
    default: Any = ...,
    *,
    alias: str,
    description: str,
    importance: Importance = "MEDIUM",
    group: str | None = None,
    width: Width = "NONE",
    display_name: str | None = None,
    type: ConfigType | None = None,  # ConfigDef's name
    validator: Validator | None = None,
    recommended: Recommender | None = None,
    no_effect: str | None = None,
) -> Any:
    """A pydantic ``Field`` for a Kafka config key.

    Args:
        default: the default (``...`` = required, i.e. Kafka's NO_DEFAULT_VALUE).
        alias: the Kafka dotted key, e.g. ``"batch.size"``.
        description: ConfigDef documentation.
        importance: HIGH, MEDIUM or LOW.
        group: ConfigDef group; the order within the group follows declaration order.
        width: NONE, SHORT, MEDIUM or LONG.
        display_name: defaults to the key.
        type: ConfigDef type override (inferred from the annotation otherwise, e.g. ``int`` -> INT).
        validator: ``(key, parsed_value) -> None`` raising ``ConfigError`` (see ``in_range``/``valid_string``).
        recommended: recommended values, or a callable of the parsed props returning them.
        no_effect: for a key accepted so that existing configs keep working but meaningless here, the reason;
            validate then warns (never refuses) when a config sets it to something other than the default.
    """
    info: FieldInfo = Field(default, alias=alias, description=description)
    info.metadata.append(ConfigMeta(importance, group, width, display_name, type, validator, recommended, no_effect))
    return info


# -- validators (Kafka ConfigDef.Range / ValidString) ----------------------------------------------
def in_range(min_value: float | None = None, max_value: float | None = None) -> Validator:
    """Kafka ``ConfigDef.Range``: the value must lie within the bounds (None passes)."""

    def check(key: str, value: Any) -> None:
        if value is None:
            return
        if min_value is not None and value < min_value:
            raise config_error(key, value, f"Value must be at least {_java_str(min_value)}")
        if max_value is not None and value > max_value:
            raise config_error(key, value, f"Value must be no more than {_java_str(max_value)}")

    return check


class ValidList:
    """Kafka's ``ConfigDef.ValidList.anyNonDuplicateValues(empty_allowed, null_allowed)`` (Kafka 4.2, KIP-1161).

    Validate refuses a null or (unless allowed) empty list, a value given twice and an empty value, in that order;
    parsing a config (a plugin's ``configure``) first drops duplicates with a warning, as ``ConfigDef.parseValue``
    does, so only validate refuses them.
    """

    def __init__(self, *, empty_allowed: bool, null_allowed: bool = False) -> None:
        """Kafka's two flags."""
        self.empty_allowed = empty_allowed
        self.null_allowed = null_allowed

    def __call__(self, key: str, value: Any) -> None:
        """Raise ``ConfigError`` with Kafka's message for the first rule ``value`` breaks."""
        if value is None:
            if self.null_allowed:
                return
            raise ConfigError(f"Configuration '{key}' values must not be null.")
        if not value and not self.empty_allowed:
            raise ConfigError(f"Configuration '{key}' must not be empty. Valid values include: any non-empty value")
        if len(set(value)) != len(value):
            raise ConfigError(f"Configuration '{key}' values must not be duplicated.")
        if "" in value:
            raise ConfigError(f"Configuration '{key}' values must not be empty.")

    @staticmethod
    def distinct(key: str, value: list[Any]) -> list[Any]:
        """``value`` without repeats, first occurrences kept (``ConfigDef.parseValue``), warning when it drops any."""
        unique = list(dict.fromkeys(value))
        if len(unique) != len(value):
            log.warning('Configuration key "%s" contains duplicate values. Duplicates will be removed. The original '
                        "value is: %s, the updated value is: %s", key, _java_str(value), _java_str(unique))
        return unique


def valid_string(*choices: str, case_insensitive: bool = False) -> Validator:
    """Kafka ``ConfigDef.ValidString`` (or ``CaseInsensitiveValidString``): one of ``choices``."""
    allowed = {c.lower() for c in choices} if case_insensitive else set(choices)

    def check(key: str, value: Any) -> None:
        if value is None:
            return
        probe = value.lower() if case_insensitive and isinstance(value, str) else value
        if probe not in allowed:
            raise config_error(key, value, f"String must be one of: {', '.join(choices)}")

    return check


# -- introspection --------------------------------------------------------------------------------
def _meta(info: FieldInfo) -> ConfigMeta:
    for item in info.metadata:
        if isinstance(item, ConfigMeta):
            return item
    return ConfigMeta()


def _key(name: str, info: FieldInfo) -> str:
    return info.alias or name


def _strip_optional(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _config_type(info: FieldInfo) -> ConfigType:  # one return per type is clearest
    meta = _meta(info)
    if meta.type is not None:
        return meta.type
    annotation = _strip_optional(info.annotation)
    origin = typing.get_origin(annotation) or annotation
    if annotation is bool:
        return "BOOLEAN"
    if annotation is int:
        return "INT"
    if annotation is float:
        return "DOUBLE"
    if annotation is SecretStr:
        return "PASSWORD"
    if origin in (list, tuple, set, frozenset):
        return "LIST"
    if isinstance(annotation, type) and issubclass(annotation, type):
        return "CLASS"
    return "STRING"


def _choices(info: FieldInfo) -> list[Any]:
    annotation = _strip_optional(info.annotation)
    if typing.get_origin(annotation) is Literal:
        return list(typing.get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [m.value for m in annotation]
    return []


# -- parsing --------------------------------------------------------------------------------------
def _java_str(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_java_str(v) for v in value) + "]"
    if isinstance(value, SecretStr):
        return HIDDEN
    return str(value)


def _parse_int(key: str, value: Any, config_type: ConfigType, trimmed: str | None) -> int:
    bound = _INT_BOUNDS[config_type]
    bits = {"INT": "32-bit", "SHORT": "16-bit", "LONG": "64-bit"}[config_type]
    if isinstance(value, int) and not isinstance(value, bool):
        result = value
    elif trimmed is not None:
        try:
            result = int(trimmed, 10)
        except ValueError:
            raise config_error(key, value, f"Not a number of type {config_type}") from None
    else:
        raise config_error(key, value, f"Expected value to be a {bits} integer, but it was a {_java_class(value)}")
    if not -bound <= result < bound:
        raise config_error(key, value, f"Not a number of type {config_type}")
    return result


def _java_class(value: Any) -> str:
    return {
        bool: "java.lang.Boolean",
        int: "java.lang.Integer",
        float: "java.lang.Double",
        str: "java.lang.String",
        list: "java.util.List",
    }.get(type(value), type(value).__name__)


def parse_type(key: str, value: Any, config_type: ConfigType) -> Any:  # noqa: PLR0912, C901
    """Parse one raw value the way Kafka's ``ConfigDef.parseType`` does (strings are trimmed)."""
    if value is None:
        return None
    trimmed = value.strip() if isinstance(value, str) else None
    if config_type == "BOOLEAN":
        if trimmed is not None:
            if trimmed.lower() == "true":
                return True
            if trimmed.lower() == "false":
                return False
        elif isinstance(value, bool):
            return value
        raise config_error(key, value, "Expected value to be either true or false")
    if config_type == "PASSWORD":
        if isinstance(value, SecretStr):
            return value
        if trimmed is not None:
            return SecretStr(trimmed)
        raise config_error(key, value, f"Expected value to be a string, but it was a {_java_class(value)}")
    if config_type in ("STRING", "CLASS"):
        if trimmed is not None:
            return trimmed
        if config_type == "CLASS" and isinstance(value, type):
            return value
        raise config_error(key, value, f"Expected value to be a string, but it was a {_java_class(value)}")
    if config_type in _INT_BOUNDS:
        return _parse_int(key, value, config_type, trimmed)
    if config_type == "DOUBLE":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if trimmed is not None:
            try:
                return float(trimmed)
            except ValueError:
                raise config_error(key, value, "Not a number of type DOUBLE") from None
        raise config_error(key, value, f"Expected value to be a double, but it was a {_java_class(value)}")
    if config_type == "LIST":
        if isinstance(value, (list, tuple)):
            return list(value)
        if trimmed is not None:
            return [] if not trimmed else _COMMA.split(trimmed)
        raise config_error(key, value, "Expected a comma separated list.")
    raise ConfigError(f"Unknown type {config_type}.")


def _missing(key: str) -> ConfigError:
    return ConfigError(f'Missing required configuration "{key}" which has no default value.')


def _parse_fields(model: type[BaseModel], props: Mapping[str, Any], errors: dict[str, list[str]] | None) -> dict:
    """Parse every field of ``model`` from ``props``; raise at the first error unless ``errors`` collects them."""
    data: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = _key(name, info)
        if key in props:
            raw = props[key]
        elif name in props:
            raw = props[name]
        elif info.is_required():
            if errors is None:
                raise _missing(key)
            errors[key].append(str(_missing(key)))
            validator = _meta(info).validator
            if isinstance(validator, ValidList) and not validator.null_allowed:  # validate checks the null, too
                errors[key].append(f"Configuration '{key}' values must not be null.")
            continue
        else:
            continue
        try:
            value = parse_type(key, raw, _config_type(info))
            validator = _meta(info).validator
            if errors is None and isinstance(validator, ValidList) and isinstance(value, list):
                value = ValidList.distinct(key, value)
            if validator is not None:
                validator(key, value)
        except ConfigError as e:
            if errors is None:
                raise
            errors[key].append(str(e))
            continue
        data[name] = value
    return data


def _pydantic_errors(model: type[BaseModel], exc: ValidationError, props: Mapping[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for err in exc.errors():
        loc = err.get("loc") or ()
        name = str(loc[0]) if loc else ""
        info = model.model_fields.get(name)
        key = _key(name, info) if info is not None else name
        raw = props.get(key, props.get(name, err.get("input")))
        msg = err.get("msg", "invalid")
        if key:
            out.append((key, str(config_error(key, raw, msg))))
        else:
            out.append(("", msg))
    return out


def parse_config(model: type[M], props: Mapping[str, Any]) -> M:
    """Build ``model`` from Kafka-style string props, raising ``ConfigError`` that names the bad key.

    Unknown keys are ignored, as Kafka's ``AbstractConfig`` keeps them only as originals.
    """
    data = _parse_fields(model, props, None)
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise ConfigError(_pydantic_errors(model, e, props)[0][1]) from e


# -- REST shapes ----------------------------------------------------------------------------------
def _to_string(value: Any, config_type: ConfigType) -> str | None:
    """Kafka ``ConfigDef.convertToString``."""
    if value is None:
        return None
    if config_type == "PASSWORD" or isinstance(value, SecretStr):
        return HIDDEN
    if isinstance(value, enum.Enum):
        value = value.value
    if config_type == "LIST" and isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(_java_str(v) for v in value)
    if config_type == "CLASS" and isinstance(value, type):
        return f"{value.__module__}.{value.__qualname__}"
    return _java_str(value)


def config_keys(model: type[BaseModel]) -> list[ConfigKeyInfo]:
    """The ``ConfigKeyInfo`` of every field of ``model``, in declaration order."""
    out: list[ConfigKeyInfo] = []
    group_counts: dict[str, int] = {}
    for name, info in model.model_fields.items():
        meta = _meta(info)
        key = _key(name, info)
        config_type = _config_type(info)
        required = info.is_required()
        order = -1
        if meta.group is not None:
            order = group_counts[meta.group] = group_counts.get(meta.group, 0) + 1
        out.append(
            ConfigKeyInfo(
                name=key,
                type=config_type,
                required=required,
                default_value=None if required else _to_string(info.default, config_type),
                importance=meta.importance,
                documentation=info.description or "",
                group=meta.group,
                order_in_group=order,
                width=meta.width,
                display_name=meta.display_name or key,
                dependents=[],
            )
        )
    return out


def _recommended(info: FieldInfo, parsed: dict[str, Any], config_type: ConfigType) -> list[str]:
    recommended = _meta(info).recommended
    values: Sequence[Any]
    if recommended is None:
        values = _choices(info)
    elif callable(recommended):
        values = recommended(parsed)
    else:
        values = recommended
    return [s for s in (_to_string(v, config_type) for v in values) if s is not None]


def validate_config(model: type[BaseModel], props: Mapping[str, Any]) -> list[ConfigValueInfo]:
    """One ``ConfigValueInfo`` per field: every key's parse, validator and model-level errors collected.

    As Kafka's ``ConfigDef.validateAll``, every key is checked whatever the others hold: the pydantic field
    validators (``@field_validator``) of the keys that parsed run even when another key is invalid. Checks across
    keys (model validators) run only once every key is valid, since they would otherwise judge a default in place
    of the value given.
    """
    errors: dict[str, list[str]] = {_key(n, i): [] for n, i in model.model_fields.items()}
    data = _parse_fields(model, props, errors)
    _validate_fields(model, data, props, errors)
    out: list[ConfigValueInfo] = []
    for name, info in model.model_fields.items():
        key = _key(name, info)
        config_type = _config_type(info)
        value = data.get(name, None if info.is_required() else info.default)
        if name not in data and key in props and errors[key]:
            value = props[key]
        result = ConfigValueInfo(
            name=key,
            value=_to_string(value, config_type),
            recommended_values=_recommended(info, data, config_type),
            errors=errors.get(key, []),
            visible=True,
        )
        if (reason := _meta(info).no_effect) is not None and name in data and data[name] != info.default:
            result["warnings"] = [no_effect_warning(key, reason)]
        out.append(result)
    return out


def _validate_fields(model: type[BaseModel], data: dict[str, Any], props: Mapping[str, Any],
                     errors: dict[str, list[str]]) -> None:
    """The pydantic validators' errors of the keys that parsed, into ``errors``; model validators' only when every
    key is valid. A ``ConfigError`` from a field validator stops pydantic, so its key is reported and the others are
    validated again without it."""
    field_of = {_key(n, i): n for n, i in model.model_fields.items()}
    pending = dict(data)
    checked = {key for key, name in field_of.items() if name in data}
    for _ in range(len(field_of) + 1):
        clean = not any(errors.values())
        try:
            model.model_validate(pending)
        except ValidationError as e:
            for key, message in _pydantic_errors(model, e, props):
                if clean or key in checked:  # a key that failed to parse has its own error already
                    errors.setdefault(key, []).append(message)
        except ConfigError as e:
            match = _KEY_IN_MESSAGE.search(str(e))
            named = match.group(1) if match else None
            if named is not None and named in checked and not _from_model_validator(model, e):
                _attach(errors, str(e))
                checked.discard(named)
                pending.pop(field_of[named], None)
                continue
            if clean:
                _attach(errors, str(e))
        return


def _from_model_validator(model: type[BaseModel], error: BaseException) -> bool:
    """Whether ``error`` was raised inside one of ``model``'s model validators (a check across keys)."""
    codes = set()
    for decorator in model.__pydantic_decorators__.model_validators.values():
        func = getattr(decorator.func, "__func__", decorator.func)
        code = getattr(func, "__code__", None)
        if code is not None:
            codes.add(code)
    frame = error.__traceback__
    while frame is not None:
        if frame.tb_frame.f_code in codes:
            return True
        frame = frame.tb_next
    return False


def no_effect_warning(key: str, reason: str) -> str:
    """The warning on a key that is accepted but does nothing here (no value: it may be a password)."""
    return f"{key} is accepted for compatibility but has no effect in lambda-connect: {reason}"


def _attach(errors: dict[str, list[str]], message: str) -> None:
    # A model-level ConfigError names its key in Kafka's message format; otherwise report it on the first key.
    match = _KEY_IN_MESSAGE.search(message)
    key = match.group(1) if match and match.group(1) in errors else next(iter(errors), "")
    errors.setdefault(key, []).append(message)
