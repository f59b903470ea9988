"""Checks of the arguments given to the asset and check decorators, with errors that say what,
where and how to fix."""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import re
import sys
import textwrap
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ParamSpec, TypeVar

from headwater.definitions.conditions import AutomationCondition
from headwater.definitions.retry import Retry
from headwater.errors import DefinitionError, did_you_mean
from headwater.keys import check_key_part

DEFAULT_GROUP = "default"

P = ParamSpec("P")
R = TypeVar("R")


def keywords_checked(decorator: Callable[P, R]) -> Callable[P, R]:
    """``decorator`` refusing a keyword it does not take with a DefinitionError that names the line of
    the call (the decorated function's) and the closest keyword, where Python's TypeError names neither."""
    names = sorted(
        p.name
        for p in inspect.signature(decorator).parameters.values()
        if p.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    )
    label = f"@hw.{decorator.__name__}"

    @functools.wraps(decorator)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        for keyword in kwargs:
            if keyword not in names:
                caller = sys._getframe(1)
                raise DefinitionError(
                    f"{label} ({caller.f_code.co_filename}:{caller.f_lineno}) has no keyword "
                    f"'{keyword}'{did_you_mean(keyword, names)}; its keywords are {', '.join(names)}"
                )
        return decorator(*args, **kwargs)

    return checked


def str_mapping(value: Mapping[str, Any] | None, what: str, where: str) -> dict[str, str]:
    """Tags as strings: a dict or list value (nested tags, as Dagster allows) is stored as its JSON text,
    so tag selections and filters keep comparing strings and pages show the JSON."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise DefinitionError(f"{where}: {what} must be a dict of strings, got {type(value).__name__}")
    found: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(key, str) and isinstance(item, (dict, list)):
            found[key] = _json_text(item, what, where, key)
        elif isinstance(key, str) and isinstance(item, str):
            found[key] = item
        else:
            raise DefinitionError(
                f"{where}: {what} keys and values must be strings (bad entry: {key!r}: {item!r}); a value "
                "may also be a dict or list of JSON values, kept as JSON text"
            )
    return found


def _json_text(item: dict[Any, Any] | list[Any], what: str, where: str, key: str) -> str:
    try:
        return json.dumps(item, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise DefinitionError(
            f"{where}: {what} value of {key!r} is a {type(item).__name__} that cannot be kept as JSON ({exc}); "
            "use strings, numbers, booleans, None and lists and dicts of them with string keys"
        ) from None


def str_seq(value: Iterable[str] | None, what: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not all(isinstance(v, str) for v in value):
        raise DefinitionError(f"{where}: {what} must be a list of strings, e.g. {what}=['team:data']")
    return tuple(value)


def group_name(group: str | None, where: str) -> str:
    if group is None:
        return DEFAULT_GROUP
    check_key_part(group, where=f"{where} group")
    return group


def key_prefix_parts(key_prefix: str | Sequence[str] | None, where: str) -> tuple[str, ...]:
    if key_prefix is None:
        return ()
    parts = key_prefix.strip("/").split("/") if isinstance(key_prefix, str) else list(key_prefix)
    return tuple(check_key_part(p, where=f"{where} key_prefix") for p in parts)


def description_of(fn: Callable[..., Any], description: str | None) -> str | None:
    if description is not None:
        return description
    doc = getattr(fn, "__doc__", None)
    return inspect.cleandoc(doc) if isinstance(doc, str) and doc.strip() else None


def code_version_of(value: str | None, where: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise DefinitionError(f"{where}: code_version must be a string such as '1', got {value!r}")
    return value


def retry_of(value: Retry | None, where: str) -> Retry | None:
    if value is not None and not isinstance(value, Retry):
        raise DefinitionError(f"{where}: retry= takes hw.Retry(max_retries=..., delay=...), got {value!r}")
    return value


def automation_of(value: AutomationCondition | None, where: str) -> AutomationCondition | None:
    if value is not None and not isinstance(value, AutomationCondition):
        raise DefinitionError(
            f"{where}: automation= takes a condition such as hw.eager(), hw.on_cron('0 * * * *') or "
            f"hw.on_missing(), got {value!r}"
        )
    return value


def callable_of(fn: object, decorator: str) -> Callable[..., Any]:
    if not callable(fn):
        raise DefinitionError(f"{decorator} decorates a function; got {type(fn).__name__} {fn!r}: put it on a def")
    return fn


def pool_name(pool: str | None, owner: str) -> str | None:
    if pool is not None and (not isinstance(pool, str) or not POOL_NAME.fullmatch(pool)):
        raise DefinitionError(
            f"{owner}: pool={pool!r} must be a name of letters, digits, '_', '-' and '.', e.g. pool='warehouse' "
            "(its limit is set in headwater.toml: [runs.pools] warehouse = 2)"
        )
    return pool


POOL_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def memoize_of(memoize: bool | None, where: str) -> bool | None:
    """``memoize=``, refused when it is not a bool."""
    if memoize is not None and not isinstance(memoize, bool):
        raise DefinitionError(f"{where}: memoize= takes True or False, got {memoize!r}")
    return memoize


def source_version(func: Callable[..., Any], owner: str, site: str) -> str:
    """The code version of a memoized asset that declares none: a hash of its function's source, so
    an edit to the function is a new version (and a value made by other code is never reused)."""
    if not isinstance(getattr(func, "__code__", None), types.CodeType):
        raise _no_source(owner, site)
    try:
        source = inspect.getsource(func)
    except (OSError, TypeError):
        raise _no_source(owner, site) from None
    digest = hashlib.blake2b(textwrap.dedent(source).encode(), digest_size=6).hexdigest()
    return f"source:{digest}"


def _no_source(owner: str, site: str) -> DefinitionError:
    return DefinitionError(
        f"{owner} ({site}): memoize=True without code_version= takes its version from the function's "
        "source, which Python cannot read here (defined in an interactive session?): add code_version='1' "
        "to @hw.asset (and change it when the logic changes)"
    )
