"""Classify a user function's parameters: context, resource, config or asset input.

Done once at decorator time from the signature and annotations; no I/O.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from headwater.definitions.context import Context
from headwater.definitions.resources import Config, Resource
from headwater.errors import DefinitionError
from headwater.keys import AssetKey


class ParamKind(StrEnum):
    """What a parameter receives."""

    INPUT = "input"
    CONTEXT = "context"
    RESOURCE = "resource"
    CONFIG = "config"


@dataclass(frozen=True, kw_only=True, slots=True)
class Param:
    """One parameter of a user function.

    For inputs, ``key`` is the upstream key given with ``ins=`` or None when it
    is resolved by name when the graph is built.
    """

    name: str
    kind: ParamKind
    key: AssetKey | None = None
    annotation: Any = None
    has_default: bool = False


def definition_site(fn: Callable[..., Any]) -> str:
    """``file:line`` where ``fn`` is defined, for error messages."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return repr(fn)
    return f"{code.co_filename}:{code.co_firstlineno}"


def _annotations(fn: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(fn)
    except Exception:  # unresolvable forward references: fall back to the raw text
        return dict(getattr(fn, "__annotations__", {}))


def _is_subclass(annotation: Any, base: type) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, base)


def _is_context(name: str, annotation: Any) -> bool:
    if _is_subclass(annotation, Context):
        return True
    if isinstance(annotation, str):
        return annotation.split(".")[-1] == "Context"
    return name == "context" and annotation is None


def classify_params(fn: Callable[..., Any], *, ins: Mapping[str, AssetKey], owner: str) -> tuple[Param, ...]:
    """Classify every parameter of ``fn``; ``owner`` names the asset in errors."""
    where = f"{owner} ({definition_site(fn)})"
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise DefinitionError(f"cannot read the signature of {where}: {exc}") from exc
    hints = _annotations(fn)
    params: list[Param] = []
    for p in signature.parameters.values():
        if p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            raise DefinitionError(f"{where} has *args or **kwargs ('{p.name}'); name each input as a parameter instead")
        if p.kind is inspect.Parameter.POSITIONAL_ONLY:
            raise DefinitionError(f"{where}: parameter '{p.name}' is positional-only; Headwater passes inputs by name")
        annotation = hints.get(p.name)
        has_default = p.default is not inspect.Parameter.empty
        if p.name in ins:
            params.append(Param(name=p.name, kind=ParamKind.INPUT, key=ins[p.name], annotation=annotation))
        elif _is_context(p.name, annotation):
            params.append(Param(name=p.name, kind=ParamKind.CONTEXT))
        elif _is_subclass(annotation, Resource):
            params.append(Param(name=p.name, kind=ParamKind.RESOURCE, annotation=annotation))
        elif _is_subclass(annotation, Config):
            params.append(Param(name=p.name, kind=ParamKind.CONFIG, annotation=annotation, has_default=has_default))
        else:
            params.append(Param(name=p.name, kind=ParamKind.INPUT, annotation=annotation, has_default=has_default))
    unknown = set(ins) - set(signature.parameters)
    if unknown:
        names = ", ".join(sorted(unknown))
        raise DefinitionError(
            f"{where}: ins= names {names}, which is not a parameter of the function; "
            f"parameters are: {', '.join(signature.parameters) or '(none)'}"
        )
    if sum(1 for p in params if p.kind is ParamKind.CONFIG) > 1:
        raise DefinitionError(f"{where} has more than one hw.Config parameter; merge them into one model")
    return tuple(params)
