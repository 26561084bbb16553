"""The transformation chain a connector config describes (Kafka ``ConnectorConfig`` + ``TransformationChain``).

``transforms=a,b`` lists aliases in order; ``transforms.a.type`` names the SMT and ``transforms.a.*`` configures
it; ``transforms.a.predicate`` / ``transforms.a.negate`` guard it with ``predicates.<p>.*``. Errors use Kafka's
messages so the REST validate endpoint reports the same text as a Connect worker.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from connect_core.api.config import config_error, parse_type
from connect_core.api.errors import ConfigError
from connect_core.api.struct import Struct
from connect_core.api.transformation import Predicate, R, Transformation
from connect_core.transforms import _registry
from connect_core.transforms._sides import ValueSide
from connect_core.transforms._util import SchemaCache, compile_values_chain

if TYPE_CHECKING:
    from collections.abc import Mapping

    from connect_core.api.record import SourceKeyedValues
    from connect_core.api.schema import Schema
    from connect_core.transforms._util import ValuesFunction

# (kind, name[, version]) -> the plugin class or None when unknown; the runtime passes its registry (worker plugins
# too). ``version`` is the alias's ``plugin.version`` (KIP-891), passed only when the config sets it.
Resolver = Callable[..., Any]
PLUGIN_VERSION_CONFIG = "plugin.version"

__all__ = [
    "NEGATE_CONFIG",
    "PREDICATES_CONFIG",
    "PREDICATE_CONFIG",
    "TRANSFORMS_CONFIG",
    "TYPE_CONFIG",
    "TransformationChain",
    "build_chain",
]

TRANSFORMS_CONFIG = "transforms"
PREDICATES_CONFIG = "predicates"
TYPE_CONFIG = "type"
PREDICATE_CONFIG = "predicate"
NEGATE_CONFIG = "negate"
_KAFKA = "org.apache.kafka.connect.transforms."


def _no_plan(_values: list[Any], _topic: Any) -> None:
    """The fused function of a schema the steps' plans cannot take: every record takes the steps' ``apply``."""


class TransformationChain:
    """Applies SMTs in order; a step whose predicate says no passes the record on unchanged.

    Each step is a pre-bound ``(apply, test, negate)`` tuple so the per-record loop does no attribute lookups.

    A chain of only built-in value SMTs that offer a ``_values_plan`` (InsertField with topic/static fields,
    ReplaceField, MaskField), none guarded by a predicate, is also **fused**: per value schema, the steps' plans
    become one generated function from the struct's value list to the last step's ``Struct``, and one record is
    built instead of a ``Struct`` and a record per SMT. A record the plans cannot take whole (no struct, a null, a
    value ``put`` would have to validate, any error) goes through the steps' own ``apply``, which give the same
    record or raise Kafka's error; ``tests/unit/transforms/test_chain_fused.py`` compares both paths record by
    record.
    """

    __slots__ = ("_fused", "_keyed", "_last_fn", "_last_schema", "_plans", "_steps", "aliases", "predicates",
                 "transformations")

    def __init__(self, steps: list[tuple[str, Transformation, Predicate | None, bool]],
                 predicate_aliases: list[str | None] | None = None) -> None:
        """Create a chain from ``(alias, transformation, predicate or None, negate)`` steps; ``predicate_aliases``
        (one per step) name the predicates in ``predicates``, else each is named after its step's alias."""
        self.aliases = [alias for alias, _, _, _ in steps]
        self.transformations = [t for _, t, _, _ in steps]
        names = predicate_aliases or self.aliases
        # (predicate alias, predicate) of each guarded step, for what the runtime hands the plugins (metrics)
        self.predicates = [(names[i] or alias, p) for i, (alias, _, p, _) in enumerate(steps) if p is not None]
        self._steps: list[tuple[Callable[[Any], Any], Callable[[Any], bool] | None, bool]] = [
            (t.apply, p.test if p is not None else None, negate) for _, t, p, negate in steps
        ]
        self._fused = bool(steps) and all(p is None and _fusable(t) for _, t, p, _ in steps)
        # every step without a predicate and with an ``apply_keyed`` of its own: runs may be transformed whole
        self._keyed = bool(steps) and all(
            p is None and type(t).apply_keyed is not Transformation.apply_keyed for _, t, p, _ in steps)
        self._plans = SchemaCache()
        self._last_schema: Schema | None = None  # the last value schema and its fused function (the per-record case)
        self._last_fn: ValuesFunction = _no_plan

    def apply(self, record: R) -> R | None:
        """Run ``record`` through every step; None means a step dropped it and the chain stopped.

        Each SMT returns a record of its input's class (Kafka's ``newRecord``), so a SinkRecord stays one.
        """
        if self._fused:
            value = record.value
            if value.__class__ is Struct and record.value_schema is not None:
                schema = value.schema
                fused = self._last_fn if schema is self._last_schema else self._fused_for(schema)
                try:
                    struct = fused(value._values, record.topic)
                except Exception:  # the steps' own apply raises it (or decides otherwise)
                    struct = None
                if struct is not None:
                    return record.new_record(record.topic, record.kafka_partition, record.key_schema, record.key,
                                             struct.schema, struct, record.timestamp, record.headers)
        for apply, test, negate in self._steps:
            if test is None or negate is not test(record):
                record = apply(record)
                if record is None:
                    return None
        return record

    @property
    def fused(self) -> bool:
        """Whether the chain is fused (built-in value SMTs with plans, no predicates): only then can
        :meth:`transform_value` give a value."""
        return self._fused

    @property
    def keyed(self) -> bool:
        """Whether :meth:`apply_keyed` may give a run: every step's SMT says runs whole, none has a predicate."""
        return self._keyed

    def apply_keyed(self, run: SourceKeyedValues) -> SourceKeyedValues | None:
        """The run ``apply`` makes of ``run.records()`` (every record kept), each step's ``apply_keyed`` in turn;
        None when a step cannot say it (the records then go through ``apply``). Never raises."""
        if not self._keyed:
            return None
        for transformation in self.transformations:
            try:
                transformed = transformation.apply_keyed(run)
            except Exception:  # apply raises it per record, through the error handling
                return None
            if transformed is None or transformed[:5] != run[:5] or transformed[7:] != run[7:]:
                return None  # only the value schema and values may change (Transformation.apply_keyed)
            run = transformed
        return run

    def transform_value(self, topic: str | None, value_schema: Schema | None, value: Any) -> Struct | None:
        """The value a record of this topic and value side has after a fused chain, without the record: the same
        ``Struct`` ``apply`` gives, whose other fields (key, headers, timestamp, topic) the fused SMTs never change.

        None when ``apply`` must run on the whole record (the chain is not fused, the value is no struct, or the
        plans cannot take this one). Never raises: any error is left to ``apply``. For pipelines that build the
        record once, after the chain.
        """
        if not self._fused or value.__class__ is not Struct or value_schema is None:
            return None
        schema = value.schema
        fused = self._last_fn if schema is self._last_schema else self._fused_for(schema)
        try:
            return fused(value._values, topic)
        except Exception:
            return None

    def _fused_for(self, schema: Schema) -> ValuesFunction:
        """The fused function for input structs of ``schema`` (cached; ``_no_plan`` where the plans say no)."""
        fused: ValuesFunction = self._plans.get_or_build(schema, self._plan)
        self._last_schema, self._last_fn = schema, fused
        return fused

    def _plan(self, schema: Schema) -> ValuesFunction:
        """Build the fused function for input structs of ``schema``, or ``_no_plan``."""
        source, steps = schema, []
        try:
            for transformation in self.transformations:
                planned = transformation._values_plan(schema)  # type: ignore[attr-defined]
                if planned is None:
                    return _no_plan
                schema, step = planned
                steps.append(step)
            return compile_values_chain(source, steps)
        except Exception:  # e.g. a rename of a missing field: the exact path raises it per record
            return _no_plan

    def close(self) -> None:
        """Close every transformation (predicates have nothing to release)."""
        for transformation in self.transformations:
            transformation.close()

    def __len__(self) -> int:
        """Number of steps."""
        return len(self._steps)


def _fusable(transformation: Transformation) -> bool:
    """A built-in value SMT (not a subclass from elsewhere, whose ``apply`` may differ) with a values plan."""
    cls = type(transformation)
    return (isinstance(transformation, ValueSide) and hasattr(cls, "_values_plan")
            and cls.__module__.startswith("connect_core.transforms."))


def _aliases(props: Mapping[str, Any], key: str) -> list[str]:
    aliases = parse_type(key, props.get(key, ""), "LIST") or []
    if len(set(aliases)) != len(aliases):
        raise config_error(key, aliases, "Duplicate alias provided.")
    return aliases


def _with_prefix(props: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    return {k[len(prefix):]: v for k, v in props.items() if k.startswith(prefix)}


def _default_resolver(kind: str, name: str, version: str | None = None) -> Any:
    if kind == "Transformation":
        return _registry.resolve_transformation(name)
    return _registry.resolve_predicate(name)


def _instantiate(props: Mapping[str, Any], prefix: str, kind: str, resolve: Resolver) -> Any:
    """Create and return an unconfigured plugin named by ``<prefix>type``, with Kafka's errors.

    The class is checked against ``kind`` before it is instantiated: nothing but a Transformation / Predicate runs.
    """
    type_key = prefix + TYPE_CONFIG
    if type_key not in props:
        raise ConfigError(f'Missing required configuration "{type_key}" which has no default value.')
    name = parse_type(type_key, props[type_key], "CLASS")
    version = props.get(prefix + PLUGIN_VERSION_CONFIG)
    cls = resolve(kind, name) if version is None else resolve(kind, name, str(version))
    if cls is None:
        raise config_error(type_key, name, f"Class {name} could not be found.")
    if not (isinstance(cls, type) and issubclass(cls, Transformation if kind == "Transformation" else Predicate)):
        raise config_error(type_key, name, f"Class {name} does not implement the {kind} interface")
    if inspect.isabstract(cls):
        variants = [f"{_kafka_name(name)}${v}" for v in ("Key", "Value") if hasattr(cls, v)]
        message = f"{kind} is abstract and cannot be created."
        if variants:
            message += " Did you mean " + ", ".join(variants) + "?"
        raise config_error(type_key, f"class {_kafka_name(name)}", message)
    return cls()


def _kafka_name(name: str) -> str:
    if "." in name or ":" in name:
        return name
    return _KAFKA + name


def build_chain(props: Mapping[str, Any], resolve: Resolver | None = None) -> TransformationChain:
    """Build and configure the chain from a connector's props (``transforms``, ``predicates`` and their keys).

    ``resolve(kind, name)`` finds plugin classes; by default the built-in SMTs and predicates only.
    """
    resolve = resolve or _default_resolver
    transform_aliases = _aliases(props, TRANSFORMS_CONFIG)
    predicate_aliases = set(_aliases(props, PREDICATES_CONFIG))
    steps: list[tuple[str, Transformation, Predicate | None, bool]] = []
    predicate_names: list[str | None] = []
    for alias in transform_aliases:
        prefix = f"{TRANSFORMS_CONFIG}.{alias}."
        negate_key, predicate_key = prefix + NEGATE_CONFIG, prefix + PREDICATE_CONFIG
        if negate_key in props and predicate_key not in props:
            raise ConfigError(f"Config '{negate_key}' was provided but there is no config '{predicate_key}' "
                              "defining a predicate to be negated.")
        transformation = _instantiate(props, prefix, "Transformation", resolve)
        configs = _with_prefix(props, prefix)
        predicate_alias = configs.pop(PREDICATE_CONFIG, None)
        negate = parse_type(negate_key, configs.pop(NEGATE_CONFIG, "false"), "BOOLEAN")
        transformation.configure(configs)
        predicate = None
        if predicate_alias:
            predicate_prefix = f"{PREDICATES_CONFIG}.{predicate_alias}."
            if predicate_alias not in predicate_aliases:
                raise ConfigError(f"Unknown configuration '{predicate_prefix}{TYPE_CONFIG}'")
            predicate = _instantiate(props, predicate_prefix, "Predicate", resolve)
            predicate.configure(_with_prefix(props, predicate_prefix))
        steps.append((alias, transformation, predicate, bool(negate)))
        predicate_names.append(predicate_alias or None)
    return TransformationChain(steps, predicate_names)
