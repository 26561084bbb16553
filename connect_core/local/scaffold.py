"""``lambda-connect new connector NAME --source|--sink``: a plugin package to start from (Singer SDK's cookiecutter).

The package is a working connector with its config model, unit tests, tests that run it through the test kit
(``connect_core.testing``) against a real Kafka, a README and a ``pyproject.toml`` whose ``lambda_connect.plugins``
entry point registers it. Its templates are ``connect_core/local/connector_template/`` (``common/`` plus ``source/``
or ``sink/``); placeholders are ``{{name}}``.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["ScaffoldError", "new_connector", "names"]

_TEMPLATE = "connector_template"
# template file -> where it goes in the package (``{{package}}`` replaced)
_LAYOUT = {
    "common/pyproject.toml.tmpl": "pyproject.toml",
    "common/README.md.tmpl": "README.md",
    "common/__init__.py.tmpl": "{{package}}/__init__.py",
    "common/conftest.py.tmpl": "tests/conftest.py",
    "{{kind}}/config.py.tmpl": "{{package}}/config.py",
    "{{kind}}/connector.py.tmpl": "{{package}}/connector.py",
    "{{kind}}/task.py.tmpl": "{{package}}/task.py",
    "{{kind}}/test_connector.py.tmpl": "tests/test_connector.py",
    "{{kind}}/test_kafka.py.tmpl": "tests/test_kafka.py",
}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*([-_][A-Za-z0-9]+)*$")
_CLASS_NAME = re.compile(r"^[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)*$")


class ScaffoldError(ValueError):
    """A name that cannot make a package, or a directory that is already there."""


def names(name: str, kind: str, class_name: str | None = None) -> dict[str, str]:
    """The placeholders' values for ``name`` (``acme`` or ``acme-crm``) and ``kind`` (``source`` or ``sink``)."""
    if not _NAME.match(name):
        raise ScaffoldError(f"{name!r} is not a connector name: letters and digits, words joined by '-' or '_'")
    words = re.split(r"[-_]", name.lower())
    while len(words) > 1 and words[-1] in ("connector", kind):
        words.pop()
    base = "".join(word.capitalize() for word in words)
    package = "_".join(re.split(r"[-_]", name.lower()))
    found = {"dist": name.lower(), "package": package, "Base": base, "kind": kind, "Kind": kind.capitalize()}
    found["class_name"] = class_name or f"{package}.{base}{kind.capitalize()}Connector"
    if not _CLASS_NAME.match(found["class_name"]):
        raise ScaffoldError(f"{found['class_name']!r} is not a class name (dotted words, as Java class names are)")
    return found


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def new_connector(name: str, kind: str, parent: Path, class_name: str | None = None) -> Path:
    """Write the package into ``parent/<name>`` (which must not exist yet); its directory."""
    if kind not in ("source", "sink"):
        raise ScaffoldError(f"kind must be source or sink, not {kind!r}")
    values = names(name, kind, class_name)
    root = parent / values["dist"]
    if root.exists():
        raise ScaffoldError(f"{root} already exists")
    templates = resources.files("connect_core.local").joinpath(_TEMPLATE)
    for template, target in _LAYOUT.items():
        text = templates.joinpath(_fill(template, values)).read_text(encoding="utf-8")
        path = root / _fill(target, values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_fill(text, values), encoding="utf-8")
    return root
