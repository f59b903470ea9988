"""Resources, run config and environment-variable references (pydantic models).

Owns how users declare external services and run configuration; reads the
environment only when a resource is resolved for a run, never at import.
"""

from __future__ import annotations

import os
import sys
from types import FrameType
from typing import Any, Self

import pydantic

from headwater.errors import ConfigError, DefinitionError, did_you_mean


class EnvVar(str):
    """The name of an environment variable whose value a resource field takes at run time.

    ``Warehouse(path=hw.EnvVar("WAREHOUSE_PATH"))`` keeps the variable's name in the
    definitions (so the UI never shows the secret) and reads it when a run starts.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"EnvVar({str.__repr__(self)})"


class Resource(pydantic.BaseModel):
    """Base class of resources: configured clients injected into assets by parameter annotation.

    Subclass it with pydantic fields; give instances to ``Definitions(resources={name: ...})``
    and annotate an asset parameter of the same name with the subclass. A keyword that names no
    field is refused (as ``hw.Config`` refuses one), unless the subclass sets ``extra="allow"``.
    """

    model_config = pydantic.ConfigDict(frozen=True, arbitrary_types_allowed=True)

    _env_vars: dict[str, str] = pydantic.PrivateAttr(default_factory=dict)

    def __init__(self, **data: Any) -> None:
        _refuse_unknown(type(self), data)
        env_vars = {name: str(value) for name, value in data.items() if isinstance(value, EnvVar)}
        for name, var in env_vars.items():
            data[name] = os.environ.get(var, EnvVar(var))
        super().__init__(**data)
        self._env_vars = env_vars

    @property
    def env_vars(self) -> dict[str, str]:
        """Field name -> environment variable name, for fields given as ``EnvVar``."""
        return dict(self._env_vars)

    def resolved(self, *, name: str = "") -> Self:
        """A copy whose ``EnvVar`` fields hold the current environment's values.

        Raises ConfigError naming the resource, field and variable when one is unset.
        """
        if not self._env_vars:
            return self
        data = self.model_dump()
        for field, var in self._env_vars.items():
            value = os.environ.get(var)
            if value is None:
                label = f"resource '{name}'" if name else f"resource {type(self).__name__}"
                raise ConfigError(
                    f"{label} field '{field}' reads environment variable {var}, which is not set: "
                    f"export {var}=... before running"
                )
            data[field] = value
        try:
            return type(self).model_validate(data)
        except pydantic.ValidationError as exc:
            raise ConfigError(f"resource '{name or type(self).__name__}' is invalid: {exc}") from exc

    def setup(self) -> None:
        """Called once per run before the first step that uses this resource."""

    def teardown(self) -> None:
        """Called once when the run ends."""


def _refuse_unknown(cls: type[Resource], data: dict[str, Any]) -> None:
    """Raise DefinitionError for a keyword that is no field of ``cls``: pydantic would drop it silently."""
    if cls.model_config.get("extra") not in (None, "forbid"):
        return  # the subclass chose to allow or ignore extra keywords
    fields = cls.model_fields
    known = {*fields, *(f.alias for f in fields.values() if f.alias)}
    unknown = [name for name in data if name not in known]
    if not unknown:
        return
    name = unknown[0]
    names = sorted(fields)
    caller = _caller(sys._getframe(1))
    where = f" at {caller.f_code.co_filename}:{caller.f_lineno}" if caller is not None else ""
    raise DefinitionError(
        f"resource {cls.__name__}{where} has no field '{name}'{did_you_mean(name, names)}; the fields of "
        f"{cls.__module__}.{cls.__qualname__} are {', '.join(names) or '(none)'}: fix the keyword, or declare "
        f"'{name}: <type>' on the class"
    )


def _caller(frame: FrameType | None) -> FrameType | None:
    """The frame that built the resource: past ``__init__`` methods of resource classes."""
    while frame is not None and frame.f_code.co_name == "__init__" and isinstance(frame.f_locals.get("self"), Resource):
        frame = frame.f_back
    return frame


class Config(pydantic.BaseModel):
    """Base class of run configuration for an asset.

    Annotate one parameter with a subclass; its values come from run config
    (``--config file.yaml`` or ``materialize(config=...)``) under the asset's key.
    """

    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
