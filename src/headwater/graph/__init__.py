"""The lineage graph, the selection language and planning: pure functions of definitions."""

from headwater.graph.asset_graph import AssetGraph, AssetNode, Binding

__all__ = ["AssetGraph", "AssetNode", "Binding"]
