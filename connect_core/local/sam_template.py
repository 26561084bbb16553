"""Read a function's settings out of template.yaml, as ``sam local invoke`` does: Globals merged in, environment
values resolved where they are literals or ``!Ref`` to a parameter with a value, everything else left unset."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["FunctionSpec", "function_spec", "functions", "load_template"]

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
DEFAULT_TIMEOUT_S = 3  # Lambda's own default
DEFAULT_MEMORY_MB = 128
FUNCTION_TYPE = "AWS::Serverless::Function"


@dataclass(frozen=True)
class FunctionSpec:
    """What a local invocation needs to look like the deployed function."""

    logical_id: str
    module: str
    attribute: str
    runtime: str
    timeout_s: float
    memory_mb: int
    environment: dict[str, str] = field(default_factory=dict)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    """YAML with CloudFormation's short-form tags (``!Ref X`` -> ``{"Ref": "X"}``, ``!Sub`` -> ``Fn::Sub``...)."""
    import yaml

    class _Loader(yaml.SafeLoader):
        pass

    def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        elif isinstance(node, yaml.MappingNode):
            value = loader.construct_mapping(node, deep=True)
        else:
            raise ValueError(f"unsupported YAML node for !{suffix}: {node!r}")
        if suffix == "Ref":
            return {"Ref": value}
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {f"Fn::{suffix}": value}

    _Loader.add_multi_constructor("!", _intrinsic)
    return yaml.load(path.read_text(), Loader=_Loader)  # SafeLoader subclass


def functions(template: dict[str, Any]) -> list[str]:
    """Logical ids of every function in the template."""
    return [rid for rid, res in template.get("Resources", {}).items() if res.get("Type") == FUNCTION_TYPE]


def function_spec(
    logical_id: str, template: dict[str, Any], parameters: dict[str, str] | None = None,
    env_overrides: dict[str, dict[str, str]] | None = None,
) -> FunctionSpec:
    """The function's handler, limits and environment (SAM's ``--env-vars`` file format for ``env_overrides``)."""
    resource = template.get("Resources", {}).get(logical_id)
    if resource is None or resource.get("Type") != FUNCTION_TYPE:
        known = ", ".join(functions(template))
        raise SystemExit(f"no function {logical_id!r} in template.yaml; functions: {known}")
    globals_ = template.get("Globals", {}).get("Function", {})
    props = {**globals_, **resource.get("Properties", {})}
    values = _parameter_values(template, parameters or {})
    variables = {
        **(globals_.get("Environment", {}).get("Variables", {})),
        **(resource.get("Properties", {}).get("Environment", {}).get("Variables", {})),
    }
    environment = {name: resolved for name, raw in variables.items() if (resolved := _resolve(raw, values)) is not None}
    overrides = env_overrides or {}
    environment.update({k: str(v) for k, v in overrides.get("Parameters", {}).items() if k in variables})
    environment.update({k: str(v) for k, v in overrides.get(logical_id, {}).items()})
    handler = str(props["Handler"])
    module, _, attribute = handler.rpartition(".")
    return FunctionSpec(
        logical_id, module.replace("/", "."), attribute, _runtime(props.get("Runtime"), values),
        float(props.get("Timeout", DEFAULT_TIMEOUT_S)), int(props.get("MemorySize", DEFAULT_MEMORY_MB)), environment,
    )


def _runtime(raw: Any, values: dict[str, str]) -> str:
    """The function's runtime: a literal, or the default branch of ``!If`` (template.yaml's Globals: python3.13 only on
    Lambda Managed Instances, which run nowhere locally)."""
    if isinstance(raw, dict) and set(raw) == {"Fn::If"}:
        raw = raw["Fn::If"][2]
    return _resolve(raw, values) or "python3.12"


def _parameter_values(template: dict[str, Any], overrides: dict[str, str]) -> dict[str, str]:
    values = {name: str(p["Default"]) for name, p in template.get("Parameters", {}).items() if "Default" in p}
    values.update(overrides)
    values.update({"AWS::Region": "us-east-1", "AWS::AccountId": "000000000000", "AWS::StackName": "local"})
    return values


def _resolve(raw: Any, values: dict[str, str]) -> str | None:
    """Literals and ``!Ref`` to a parameter with a value; anything else is unknown locally (like SAM CLI)."""
    if isinstance(raw, (str, int, float, bool)):
        return str(raw).lower() if isinstance(raw, bool) else str(raw)
    if isinstance(raw, dict) and set(raw) == {"Ref"}:
        return values.get(raw["Ref"]) or None
    return None
