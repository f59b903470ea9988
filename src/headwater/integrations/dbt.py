"""A dbt project as Headwater assets: ``hw.dbt_assets("path/to/project")``.

Models, seeds and snapshots become assets with their dbt lineage, groups, tags, descriptions
and columns; dbt sources become source assets (or, with ``meta: {headwater: {key: ...}}``, the
Headwater asset that writes them); dbt tests become checks. All the project's assets are one
subsettable step that runs ``dbt build`` once for exactly the selected nodes (``dbt_results.py``).
Never imports dbt: dbt runs as a subprocess (``dbt_cli.py``).
"""

from __future__ import annotations

import graphlib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from headwater.definitions import (
    DEFAULT_IO_MANAGER,
    AssetSpec,
    AutomationCondition,
    CheckSpec,
    Context,
    MultiAsset,
    Op,
    SourceAsset,
)
from headwater.definitions.declared import DEFAULT_GROUP
from headwater.definitions.params import classify_params
from headwater.errors import DefinitionError, did_you_mean
from headwater.integrations.dbt_checks import dbt_check
from headwater.integrations.dbt_cli import DbtProject
from headwater.integrations.dbt_io import DbtRelations
from headwater.integrations.dbt_results import run_build
from headwater.integrations.dbt_translator import DbtTranslator
from headwater.keys import AssetKey, check_key_part

T = TypeVar("T")
ASSET_TYPES = frozenset({"model", "seed", "snapshot"})


@dataclass(frozen=True, kw_only=True)
class DbtAssets:
    """What ``hw.dbt_assets`` returns: give ``assets`` and ``checks`` to ``hw.Definitions``.

    Attributes:
        project: where the dbt project is and how dbt is called.
        assets: the project's step (a multi-asset of its models, seeds and snapshots) and its source assets.
        checks: one check per dbt test, on the model it tests.
        keys: dbt unique id -> asset key, for models, seeds, snapshots and sources.
        io_manager: reads the project's models as DataFrames: register it under the name given
            to ``hw.dbt_assets(io_manager=...)``.
    """

    project: DbtProject
    assets: tuple[Any, ...]
    checks: tuple[CheckSpec, ...]
    keys: Mapping[str, AssetKey]
    io_manager: DbtRelations

    def key_of(self, name: str) -> AssetKey:
        """The asset key of the model, seed or snapshot called ``name`` (its dbt name)."""
        for unique_id, key in self.keys.items():
            if unique_id.split(".")[0] in ASSET_TYPES and unique_id.split(".")[-1] == name:
                return key
        names = sorted({u.split(".")[-1] for u in self.keys if u.split(".")[0] in ASSET_TYPES})
        raise DefinitionError(
            f"dbt project {self.project.project_dir} has no model, seed or snapshot named {name!r}"
            f"{did_you_mean(name, names)}; its models, seeds and snapshots are: {', '.join(names) or '(none)'}"
        )


def dbt_assets(
    project_dir: str | os.PathLike[str],
    *,
    profiles_dir: str | os.PathLike[str] | None = None,
    target: str | None = None,
    key_prefix: str | Sequence[str] | None = None,
    name: str | None = None,
    group: str | None = None,
    select: str | None = None,
    exclude: str | None = None,
    io_manager: str | None = None,
    pool: str | None = None,
    automation: AutomationCondition | None = None,
    translator: DbtTranslator | None = None,
) -> DbtAssets:
    """Load a dbt project's manifest as Headwater assets and checks.

    Runs ``dbt parse`` first when ``target/manifest.json`` is missing or older than a project file.
    Keys are the dbt names (a source is ``source_name/table``) after ``key_prefix``. A dbt source
    with ``meta: {headwater: {key: "raw/customers"}}`` is the Headwater asset of that key, so
    models built on it run after it; any asset can depend on a model by its key. ``profiles_dir``
    defaults to the project folder when it has a ``profiles.yml``. The step is named ``name``
    (default ``dbt_<project name>``). Models without a dbt group go to ``group`` (default
    "default"). Each asset records ``schema`` ({column: type or ""}) and ``column_lineage``
    ({column: [{"asset": key, "column": name}]}, upstream columns of the same name) as metadata.
    ``select``/``exclude`` (dbt's selection syntax, e.g. ``"tag:daily"``) keep only those nodes as
    assets; dbt nodes they depend on become source assets (built outside these definitions).
    ``io_manager`` names the IO manager of the dbt assets in ``Definitions(io_managers=...)``: give
    it the returned ``io_manager`` and downstream Python assets read each model as a DataFrame.
    ``pool`` is the concurrency pool of the dbt step; ``automation`` the condition of every model,
    seed and snapshot that its ``meta.headwater.automation`` does not set. ``translator`` (a
    ``DbtTranslator`` subclass) decides keys, groups, owners and conditions per node in Python; the
    default one reads ``meta.headwater.{key,group,owners,automation}`` and Dagster's
    ``meta.dagster.{asset_key,group}``.
    """
    project = DbtProject(
        project_dir=Path(project_dir).resolve(),
        profiles_dir=Path(profiles_dir).resolve() if profiles_dir is not None else None,
        target=target,
    )
    chosen = project.select(select or "fqn:*", exclude) if select or exclude else None
    manifest = project.load_manifest()
    builder = _Builder(project, manifest, project.load_catalog(), key_prefix, name, group)
    builder.io_manager, builder.pool, builder.automation = io_manager, pool, automation
    builder.translator = translator if translator is not None else DbtTranslator()
    return builder.build(chosen)


class _Builder:
    """Turns one manifest into specs; holds the lookups the steps share."""

    def __init__(
        self,
        project: DbtProject,
        manifest: Mapping[str, Any],
        catalog: Mapping[str, Any],
        key_prefix: str | Sequence[str] | None,
        name: str | None,
        group: str | None,
    ) -> None:
        self.project = project
        self.nodes: Mapping[str, Any] = manifest.get("nodes", {})
        self.sources: Mapping[str, Any] = manifest.get("sources", {})
        self.groups = {g["name"]: g for g in manifest.get("groups", {}).values()}
        self.catalog: Mapping[str, Any] = {**catalog.get("sources", {}), **catalog.get("nodes", {})}
        project_name = str(manifest.get("metadata", {}).get("project_name") or project.project_dir.name)
        self.project_name = check_key_part(project_name, where=f"dbt project {project.project_dir} name")
        self.where = f"dbt project '{project_name}' ({project.project_dir})"
        self.op_name = check_key_part(name or f"dbt_{project_name}", where=f"{self.where} step name")
        self.group = check_key_part(group, where=f"{self.where} group") if group else DEFAULT_GROUP
        parts = key_prefix.strip("/").split("/") if isinstance(key_prefix, str) else list(key_prefix or ())
        self.prefix = tuple(check_key_part(p, where=f"{self.where} key_prefix") for p in parts if p)
        self.keys: dict[str, AssetKey] = {}
        self.external: set[str] = set()  # sources written by Headwater assets
        self.io_manager: str | None = None
        self.pool: str | None = None
        self.automation: AutomationCondition | None = None
        self.translator = DbtTranslator()

    def build(self, chosen: frozenset[str] | None = None) -> DbtAssets:
        for uid, source in self.sources.items():
            declared = self._ask(
                self.translator.source_key, source, f"source '{source['source_name']}.{source['name']}'"
            )
            if declared is not None:
                self.keys[uid] = declared
                self.external.add(uid)
            else:
                self.keys[uid] = self._key(source["source_name"], source["name"])
        nodes = [uid for uid, node in self.nodes.items() if self._is_asset(node)]
        built = [uid for uid in nodes if chosen is None or uid in chosen]
        seen: dict[AssetKey, str] = {}
        for uid in nodes:
            node = self.nodes[uid]
            key = self._ask(self.translator.asset_key, node, uid) or self._key(node["name"])
            if key in seen:
                raise DefinitionError(
                    f"{self.where}: {seen[key]} and {uid} would both be asset '{key}'; give one "
                    "config: {meta: {headwater: {key: ...}}} in dbt, or load the project with another key_prefix="
                )
            seen[key] = uid
            self.keys[uid] = key
        built = self._in_build_order(built)
        upstream = {p for uid in built for p in self._parents(uid)} - set(built)
        unbuilt = [uid for uid in self.sources if chosen is None or uid in upstream]
        unbuilt += [uid for uid in nodes if uid in upstream]  # dbt nodes left out by select=
        sources = [self._source_asset(uid) for uid in unbuilt if uid not in self.external]
        multi = self._multi_asset(built) if built else None
        checked = {uid: self.keys[uid] for uid in unbuilt if uid in self.sources}
        checks = [
            c
            for uid, node in self.nodes.items()
            if node["resource_type"] == "test"
            for c in self._check(uid, frozenset(built), checked)
        ]
        if any(c.asset_key == self.project_key for c in checks):
            sources.append(self._project_asset())
        assets: list[Any] = [*sources, *([multi] if multi is not None else [])]
        relations = {
            self.keys[uid]: str(self.nodes[uid]["relation_name"])
            for uid in nodes
            if self.nodes[uid].get("relation_name")
        }
        return DbtAssets(
            project=self.project,
            assets=tuple(assets),
            checks=tuple(checks),
            keys=dict(self.keys),
            io_manager=DbtRelations(project=self.project, relations=relations),
        )

    # keys and lineage -----------------------------------------------------------------------------

    def _key(self, *parts: str) -> AssetKey:
        try:
            return AssetKey(*self.prefix, *parts)
        except DefinitionError as exc:
            raise DefinitionError(f"{self.where}: {exc}") from None

    def _ask(self, question: Callable[[Mapping[str, Any]], T], entry: Mapping[str, Any], what: str) -> T:
        """The translator's answer about ``entry``, its errors naming the project and the node."""
        try:
            return question({**entry, "unique_id": entry.get("unique_id") or what})
        except DefinitionError as exc:
            raise DefinitionError(f"{self.where}: {what} {exc}") from None

    @staticmethod
    def _is_asset(node: Mapping[str, Any]) -> bool:
        materialized = node.get("config", {}).get("materialized")
        return node.get("resource_type") in ASSET_TYPES and materialized != "ephemeral"

    def _parents(self, uid: str) -> list[str]:
        """Upstream models, seeds, snapshots and sources of ``uid``, seen through ephemeral models."""
        out: list[str] = []
        stack = list(reversed(self.nodes.get(uid, {}).get("depends_on", {}).get("nodes", [])))
        seen: set[str] = set()
        while stack:
            parent = stack.pop()
            if parent in seen:
                continue
            seen.add(parent)
            if parent in self.keys:
                out.append(parent)
            elif parent in self.nodes:  # an ephemeral model: look through it
                stack.extend(reversed(self.nodes[parent].get("depends_on", {}).get("nodes", [])))
        return out

    def _in_build_order(self, uids: Sequence[str]) -> list[str]:
        """``uids`` with each node after its parents (the manifest lists models before seeds)."""
        wanted = set(uids)
        sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter(
            {uid: [p for p in self._parents(uid) if p in wanted] for uid in uids}
        )
        return list(sorter.static_order())

    def _columns(self, uid: str, node: Mapping[str, Any]) -> dict[str, str]:
        """Column -> type: the manifest's documented columns, typed from the catalog when it has them."""
        built = {str(k).lower(): v for k, v in (self.catalog.get(uid, {}).get("columns") or {}).items()}
        columns: dict[str, str] = {}
        for name, column in (node.get("columns") or {}).items():
            columns[str(name)] = str(column.get("data_type") or built.get(str(name).lower(), {}).get("type") or "")
        for name, column in built.items():
            if not any(c.lower() == name for c in columns):
                columns[str(column.get("name", name))] = str(column.get("type") or "")
        return columns

    def _column_lineage(self, uid: str, columns: Mapping[str, str]) -> dict[str, list[dict[str, str]]]:
        """Column -> the upstream columns of the same name (case-insensitive)."""
        lineage: dict[str, list[dict[str, str]]] = {}
        for parent in self._parents(uid):
            upstream = self.nodes.get(parent) or self.sources.get(parent) or {}
            names = {c.lower(): c for c in self._columns(parent, upstream)}
            for column in columns:
                match = names.get(column.lower())
                if match is not None:
                    lineage.setdefault(column, []).append({"asset": self.keys[parent].to_string(), "column": match})
        return lineage

    # specs ----------------------------------------------------------------------------------------

    def _common(self, uid: str, node: Mapping[str, Any]) -> dict[str, Any]:
        columns = self._columns(uid, node)
        metadata: dict[str, Any] = {"dbt_unique_id": uid, "dbt_resource_type": node["resource_type"]}
        if node.get("relation_name"):
            metadata["relation"] = node["relation_name"]
        if columns:
            metadata["schema"] = columns
        lineage = self._column_lineage(uid, columns)
        if lineage:
            metadata["column_lineage"] = lineage
        return {
            "description": node.get("description") or None,
            "tags": {str(t): "" for t in node.get("tags") or ()},
            "metadata": metadata,
        }

    @property
    def project_key(self) -> AssetKey:
        """The asset standing for the project: the checks of singular tests that ref no model are on it."""
        return self._key(self.project_name)

    def _project_asset(self) -> AssetSpec[..., Any]:
        return SourceAsset(
            self.project_key,
            description=f"The warehouse of {self.where}: its singular tests that read no model are checked here.",
            group=self.group,
            kinds=["dbt", "project"],
            metadata={"dbt_project_dir": str(self.project.project_dir)},
        )

    def _source_asset(self, uid: str) -> AssetSpec[..., Any]:
        source = self.sources.get(uid) or self.nodes[uid]
        common = self._common(uid, source)
        return SourceAsset(
            self.keys[uid],
            description=common["description"] or source.get("source_description") or None,
            group=self._group_of(uid, source)[0] if uid in self.nodes else self._source_group(uid, source),
            tags=common["tags"],
            kinds=["dbt", "source" if uid in self.sources else str(source["resource_type"])],
            metadata=common["metadata"],
        )

    def _source_group(self, uid: str, source: Mapping[str, Any]) -> str:
        name = self._ask(self.translator.source_group, source, uid)
        return check_key_part(name, where=f"{self.where} {uid} group") if name else self.group

    def _group_of(self, uid: str, node: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
        """The group and owners of a node: the translator's, else dbt's group and its owner."""
        name = node.get("group") or node.get("config", {}).get("group")
        owner = self.groups.get(name, {}).get("owner") or {} if name else {}
        contact = owner.get("email") or owner.get("name")
        name = self._ask(self.translator.group, node, uid) or name
        owners = self._ask(self.translator.owners, node, uid) or ((str(contact),) if contact else ())
        group = check_key_part(str(name), where=f"{self.where} {uid} group") if name else self.group
        return group, tuple(owners)

    def _multi_asset(self, built: Sequence[str]) -> MultiAsset[..., Any]:
        outs = tuple((uid, self.keys[uid]) for uid in built)
        project, op_name, nodes = self.project, self.op_name, {uid: self.nodes[uid] for uid in built}
        tests = {uid: node for uid, node in self.nodes.items() if node["resource_type"] == "test"}
        schemas = {uid: self._columns(uid, node) for uid, node in nodes.items()}

        def dbt_build(context: Context) -> dict[str, Any]:
            return run_build(project, op_name, context, outs, nodes, tests, schemas)

        dbt_build.__doc__ = f"dbt build of {self.where}."
        site = str(self.project.project_dir / "dbt_project.yml")
        op = Op(
            name=op_name,
            fn=dbt_build,
            params=classify_params(dbt_build, ins={}, owner=self.where),
            outs=outs,
            site=site,
            multi=True,
            subsettable=True,
            pool=self.pool,
        )
        specs = []
        for uid in built:
            node = self.nodes[uid]
            group, owners = self._group_of(uid, node)
            checksum = (node.get("checksum") or {}).get("checksum")
            specs.append(
                AssetSpec[..., Any](
                    key=self.keys[uid],
                    op=op,
                    group=group,
                    owners=owners,
                    kinds=frozenset({"dbt", node["resource_type"]}),
                    code_version=str(checksum)[:16] if checksum else None,
                    deps=tuple(self.keys[p] for p in self._parents(uid)),
                    site=str(self.project.project_dir / node.get("original_file_path", "")),
                    io_manager=self.io_manager or DEFAULT_IO_MANAGER,
                    automation=self._ask(self.translator.automation, node, uid) or self.automation,
                    **self._common(uid, node),
                )
            )
        return MultiAsset(op=op, specs=tuple(specs))

    def _check(self, uid: str, built: frozenset[str], sources: Mapping[str, AssetKey]) -> Iterable[CheckSpec]:
        """The check for dbt test ``uid``: on the built node it is attached to (else its first built
        upstream, else its first source); a singular test that refs none of them is a check of the project."""
        node = self.nodes[uid]
        attached = node.get("attached_node")
        parents = node.get("depends_on", {}).get("nodes", [])
        targets = [attached] if attached in built else []
        targets += [p for p in parents if p in built] + [p for p in parents if p in sources]
        if targets:
            target = self.keys[targets[0]]
        elif not parents and node.get("test_metadata") is None:  # singular, reading no node
            target = self.project_key
        else:  # it tests nodes left out by select=
            return ()
        test = {**node, "unique_id": uid}
        return (
            dbt_check(self.project, test, target, where=self.where, of_model=targets[:1] != [] and targets[0] in built),
        )
