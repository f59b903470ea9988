"""Read run configuration from ``--config FILE.yaml`` and ``--config-json``: asset key -> fields.

Parse errors name the file (or option), the line and the column.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from headwater.errors import ConfigError

_SHAPE = "a mapping of asset key -> fields, e.g. `model: {learning_rate: 0.1}`"


def from_yaml_file(path: str) -> dict[str, Any]:
    """The mapping in a YAML (or JSON) file."""
    import yaml

    try:
        source = Path(path).read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read run config file {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"cannot read run config file {path}: byte {exc.start} is not UTF-8 text; save the file as UTF-8"
        ) from None
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"run config file {path} is not valid YAML{where}: {problem}") from None
    return _mapping(data, f"run config file {path}")


def from_json_text(source: str) -> dict[str, Any]:
    """The mapping in a ``--config-json`` string."""
    try:
        data = json.loads(source)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"--config-json is not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}; "
            'write it like \'{"model": {"learning_rate": 0.1}}\''
        ) from None
    return _mapping(data, "--config-json")


def _mapping(data: Any, where: str) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where} holds {type(data).__name__}, but run config must be {_SHAPE}")
    for key, value in data.items():
        if not isinstance(value, dict):
            raise ConfigError(
                f"{where}: the config of '{key}' is {type(value).__name__}, but run config must be {_SHAPE}"
            )
    return {str(k): v for k, v in data.items()}


def merge(*configs: dict[str, Any]) -> dict[str, Any]:
    """Later configs override earlier ones field by field."""
    out: dict[str, Any] = {}
    for config in configs:
        for key, fields in config.items():
            out[key] = {**out.get(key, {}), **fields}
    return out
