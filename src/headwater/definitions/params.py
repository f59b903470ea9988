"""Classify a user function's parameters: context, resource, config or asset input.

Done once at decorator time from the signature and annotations; no I/O.
"""

from __future__ import annotations

import contextlib
import inspect
import types
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

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


class Param(NamedTuple):
    """One parameter of a user function (an immutable record: a NamedTuple is cheap to build).

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


_EVAL_CACHE: dict[tuple[int, str], Any] = {}
_BASE_CACHE: weakref.WeakKeyDictionary[Callable[..., Any], tuple[_Raw, ...]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class _Raw:
    name: str
    annotation: Any
    has_default: bool


def _resolve(annotation: Any, fn: Callable[..., Any]) -> Any:
    """Evaluate a string annotation in the function's module (cached); keep the text if it fails."""
    if not isinstance(annotation, str):
        return annotation
    namespace = getattr(fn, "__globals__", None)
    if namespace is None:
        return annotation
    cache_key = (id(namespace), annotation)
    if cache_key not in _EVAL_CACHE:
        try:
            _EVAL_CACHE[cache_key] = eval(annotation, namespace)
        except Exception:
            _EVAL_CACHE[cache_key] = annotation
    return _EVAL_CACHE[cache_key]


def _raw_params(fn: Callable[..., Any], where: str) -> tuple[_Raw, ...]:
    """Names, annotations and defaults of ``fn``'s parameters, read from its code object when possible."""
    try:
        cached = _BASE_CACHE.get(fn)
    except TypeError:  # not weak-referenceable
        cached = None
    if cached is not None:
        return cached
    if isinstance(fn, types.FunctionType):
        code = fn.__code__
        if code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS) or code.co_posonlyargcount:
            return _signature_params(fn, f"{where} ({definition_site(fn)})")  # raises the precise error
        positional = code.co_varnames[: code.co_argcount]
        keyword_only = code.co_varnames[code.co_argcount : code.co_argcount + code.co_kwonlyargcount]
        with_default = set(positional[len(positional) - len(fn.__defaults__ or ()) :])
        with_default.update(fn.__kwdefaults__ or {})
        annotations = fn.__annotations__
        raw = tuple(
            _Raw(name=n, annotation=_resolve(annotations.get(n), fn), has_default=n in with_default)
            for n in (*positional, *keyword_only)
        )
    else:
        raw = _signature_params(fn, f"{where} ({definition_site(fn)})")
    with contextlib.suppress(TypeError):
        _BASE_CACHE[fn] = raw
    return raw


def _signature_params(fn: Callable[..., Any], where: str) -> tuple[_Raw, ...]:
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise DefinitionError(
            f"cannot read the signature of {where}: {exc}; wrap it in a def whose parameters name its inputs"
        ) from exc
    raw = []
    for p in signature.parameters.values():
        if p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            raise DefinitionError(f"{where} has *args or **kwargs ('{p.name}'); name each input as a parameter instead")
        if p.kind is inspect.Parameter.POSITIONAL_ONLY:
            raise DefinitionError(f"{where}: parameter '{p.name}' is positional-only; Headwater passes inputs by name")
        annotation = None if p.annotation is inspect.Parameter.empty else _resolve(p.annotation, fn)
        raw.append(_Raw(name=p.name, annotation=annotation, has_default=p.default is not inspect.Parameter.empty))
    return tuple(raw)


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
    raw = _raw_params(fn, owner)
    params: list[Param] = []
    for p in raw:
        annotation = p.annotation
        if p.name in ins:
            params.append(Param(name=p.name, kind=ParamKind.INPUT, key=ins[p.name], annotation=annotation))
        elif _is_context(p.name, annotation):
            params.append(Param(name=p.name, kind=ParamKind.CONTEXT))
        elif _is_subclass(annotation, Resource):
            params.append(Param(name=p.name, kind=ParamKind.RESOURCE, annotation=annotation))
        elif _is_subclass(annotation, Config):
            params.append(Param(name=p.name, kind=ParamKind.CONFIG, annotation=annotation, has_default=p.has_default))
        else:
            params.append(Param(name=p.name, kind=ParamKind.INPUT, annotation=annotation, has_default=p.has_default))
    if ins and not ins.keys() <= {p.name for p in raw}:
        where = f"{owner} ({definition_site(fn)})"
        names = {p.name for p in raw}
        unknown = ", ".join(sorted(set(ins) - names))
        raise DefinitionError(
            f"{where}: ins= names {unknown}, which is not a parameter of the function; "
            f"parameters are: {', '.join(p.name for p in raw) or '(none)'}"
        )
    if sum(1 for p in params if p.kind is ParamKind.CONFIG) > 1:
        raise DefinitionError(
            f"{owner} ({definition_site(fn)}) has more than one hw.Config parameter; merge them into one model"
        )
    return tuple(params)
