"""How a dbt node or source becomes an asset: its key, group, owners and automation condition.

``DbtTranslator`` reads ``meta.headwater.*`` and, for projects coming from Dagster,
``meta.dagster.asset_key`` and ``meta.dagster.group``; subclass it to decide in Python. It only
answers questions about one manifest entry; building specs is ``dbt.py``'s job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from headwater.definitions import AutomationCondition, eager, on_cron, on_missing
from headwater.errors import DefinitionError, did_you_mean
from headwater.keys import AssetKey

_NAMED_CONDITIONS = {"eager": eager, "on_missing": on_missing}
_CRON = "on_cron:"


def node_meta(entry: Mapping[str, Any], tool: str) -> Mapping[str, Any]:
    """``meta.<tool>`` of a manifest node or source, the entry's own meta over its config's and source's."""
    merged: dict[str, Any] = {}
    for meta in (entry.get("source_meta"), (entry.get("config") or {}).get("meta"), entry.get("meta")):
        found = (meta or {}).get(tool) if isinstance(meta, Mapping) else None
        if isinstance(found, Mapping):
            merged.update(found)
    return merged


class DbtTranslator:
    """Answers, per dbt node (model, seed, snapshot) and per dbt source, what the asset looks like.

    Each method gets the node's entry of ``manifest.json`` (a dict) and returns None to keep what
    Headwater does by default: the dbt name after ``key_prefix=``, the dbt group and its owner, and
    ``hw.dbt_assets(automation=...)``. A key returned here is used as it is (no prefix); a source
    given a key is the asset of that key, declared elsewhere in the definitions (a Python asset
    writing the table, or an ``hw.SourceAsset``). Errors raised here are reported with the node.
    """

    def asset_key(self, node: Mapping[str, Any]) -> AssetKey | None:
        """The key of a model, seed or snapshot: ``meta.headwater.key``, else ``meta.dagster.asset_key``."""
        return self._declared_key(node)

    def source_key(self, source: Mapping[str, Any]) -> AssetKey | None:
        """The key of a source table: ``meta.headwater.key`` (then it is that Headwater asset), else
        ``meta.dagster.asset_key``."""
        return self._declared_key(source)

    def group(self, node: Mapping[str, Any]) -> str | None:
        """The group of a model, seed or snapshot: ``meta.headwater.group``, else ``meta.dagster.group``."""
        return self._declared_group(node)

    def source_group(self, source: Mapping[str, Any]) -> str | None:
        """The group of a source table: ``meta.headwater.group``, else ``meta.dagster.group``."""
        return self._declared_group(source)

    def owners(self, node: Mapping[str, Any]) -> Sequence[str] | None:
        """The owners of a model, seed or snapshot: ``meta.headwater.owners`` (a list or one string)."""
        owners = node_meta(node, "headwater").get("owners")
        if owners is None:
            return None
        return [str(owners)] if isinstance(owners, str) else [str(o) for o in owners]

    def automation(self, node: Mapping[str, Any]) -> AutomationCondition | None:
        """The condition of a model, seed or snapshot: ``meta.headwater.automation`` is ``eager``,
        ``on_missing`` or ``on_cron: <cron expression>``."""
        text = node_meta(node, "headwater").get("automation")
        if text is None:
            return None
        value = str(text).strip()
        if value.startswith(_CRON):
            return on_cron(value[len(_CRON) :].strip())
        make = _NAMED_CONDITIONS.get(value)
        if make is None:
            choices = [*_NAMED_CONDITIONS, "on_cron: 0 6 * * *"]
            raise DefinitionError(
                f"meta headwater.automation {value!r} is not a condition"
                f"{did_you_mean(value, choices)}; use one of: {', '.join(choices)}, or decide in Python "
                "with hw.dbt_assets(translator=...)"
            )
        return make()

    def _declared_key(self, entry: Mapping[str, Any]) -> AssetKey | None:
        declared = node_meta(entry, "headwater").get("key")
        if declared:
            return _parse("headwater.key", declared)
        dagster = node_meta(entry, "dagster").get("asset_key")
        if dagster:
            return _parse("dagster.asset_key", dagster)
        return None

    def _declared_group(self, entry: Mapping[str, Any]) -> str | None:
        group = node_meta(entry, "headwater").get("group") or node_meta(entry, "dagster").get("group")
        return str(group) if group else None


def _parse(field: str, value: Any) -> AssetKey:
    """A key from meta: "a/b" or, as Dagster writes it, a list of parts."""
    try:
        if isinstance(value, (list, tuple)):
            return AssetKey(*(str(part) for part in value))
        return AssetKey.parse(str(value))
    except DefinitionError as exc:
        raise DefinitionError(f"meta {field}: {exc}") from None
