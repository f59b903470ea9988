"""``@hw.check``: data-quality checks attached to an asset.

Declares ``CheckSpec`` objects; running them is the execution layer's job.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from headwater.definitions.asset_spec import AssetSpec, as_key, ins_of
from headwater.definitions.declared import callable_of, description_of, keywords_checked
from headwater.definitions.params import Param, classify_params, definition_site
from headwater.errors import DefinitionError
from headwater.keys import AssetKey, check_key_part

Severity = Literal["error", "warn"]


@dataclass(frozen=True, kw_only=True)
class CheckSpec:
    """A declared check on one asset.

    A failed ``blocking`` check stops the asset's downstream steps in the same run.
    """

    name: str
    asset_key: AssetKey
    fn: Callable[..., Any]
    params: tuple[Param, ...]
    blocking: bool = False
    severity: Severity = "error"
    description: str | None = None
    site: str = ""

    @property
    def id(self) -> str:
        """``asset/key:check_name``, unique in a Definitions."""
        return f"{self.asset_key}:{self.name}"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)


@keywords_checked
def check(
    *,
    asset: AssetSpec[..., Any] | str | AssetKey,
    name: str | None = None,
    blocking: bool = False,
    severity: Severity = "error",
    description: str | None = None,
    ins: Mapping[str, Any] | None = None,
) -> Callable[[Callable[..., Any]], CheckSpec]:
    """Declare a check of ``asset``; the function returns ``hw.CheckResult``.

    A parameter named like the asset (its last key part) receives the asset's value.
    """
    target = as_key(asset, "asset", "@hw.check")
    if severity not in ("error", "warn"):
        raise DefinitionError(f"@hw.check on '{target}': severity must be 'error' or 'warn', got {severity!r}")

    def build(fn: Callable[..., Any]) -> CheckSpec:
        fn = callable_of(fn, "@hw.check")
        check_name = check_key_part(name or fn.__name__, where="@hw.check name")
        owner = f"check '{target}:{check_name}'"
        mapping = ins_of(ins, owner)
        mapping.setdefault(target.name, target)
        params = classify_params(fn, ins={k: v for k, v in mapping.items() if k in _names(fn)}, owner=owner)
        return CheckSpec(
            name=check_name,
            asset_key=target,
            fn=fn,
            params=params,
            blocking=blocking,
            severity=severity,
            description=description_of(fn, description),
            site=definition_site(fn),
        )

    return build


def _names(fn: Callable[..., Any]) -> set[str]:
    code = getattr(fn, "__code__", None)
    if code is None:
        return set()
    return set(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
