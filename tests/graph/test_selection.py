from __future__ import annotations

from typing import Any

import pytest

import headwater.definitions as d
from headwater.errors import SelectionError
from headwater.graph.asset_graph import AssetGraph
from headwater.graph.selection import (
    Attr,
    Down,
    Glob,
    Intersect,
    Key,
    Not,
    Union,
    Up,
    parse_selection,
    select,
)
from headwater.keys import AssetKey

#   raw/orders ----> mart/revenue --> dashboard --> audit
#        \                          /
#         `------> mart/churn -----'
#   raw/customers --'                     lonely


@d.asset(key_prefix="raw", group="ingest", kinds=["python"], owners=["team:data"])
def orders() -> int:
    return 1


@d.asset(key_prefix="raw", group="ingest", kinds=["python"])
def customers() -> int:
    return 1


@d.asset(
    key_prefix="mart",
    group="finance",
    tags={"tier": "gold"},
    owners=["team:fin", "ana@example.com"],
    kinds=["dbt"],
)
def revenue(orders: int) -> int:
    return orders


@d.asset(key_prefix="mart", group="finance", tags={"tier": "silver", "pii": "yes"}, kinds=["dbt"])
def churn(customers: int, orders: int) -> int:
    return customers + orders


@d.asset(group="reporting", tags={"tier": "gold"}, owners=["team:fin"])
def dashboard(revenue: int, churn: int) -> int:
    return revenue + churn


@d.asset(group="reporting")
def audit(dashboard: int) -> int:
    return dashboard


@d.asset
def lonely() -> int:
    return 0


GRAPH = AssetGraph.from_definitions(d.Definitions(assets=[orders, customers, revenue, churn, dashboard, audit, lonely]))
ALL = {"raw/orders", "raw/customers", "mart/revenue", "mart/churn", "dashboard", "audit", "lonely"}


def sel(text: str | None, **kw: Any) -> set[str]:
    return {str(key) for key in select(GRAPH, text, **kw)}


def error(text: str, **kw: Any) -> str:
    with pytest.raises(SelectionError) as info:
        select(GRAPH, text, **kw)
    return str(info.value)


# --- atoms -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [None, "", "   ", "*", " * "])
def test_nothing_or_star_selects_everything(text: str | None) -> None:
    assert sel(text) == ALL


def test_keys_with_and_without_prefix() -> None:
    assert sel("lonely") == {"lonely"}
    assert sel("mart/revenue") == {"mart/revenue"}
    assert select(GRAPH, "raw/orders") == frozenset({AssetKey("raw", "orders")})


def test_keys_may_hold_dashes_dots_and_digits() -> None:
    specs = [d.asset(name=name)(lambda: 1) for name in ("my-asset", "v1.2", "3d")]
    graph = AssetGraph.from_definitions(d.Definitions(assets=specs))
    assert select(graph, "my-asset v1.2 3d") == frozenset(AssetKey(n) for n in ("my-asset", "v1.2", "3d"))


def test_globs_match_across_slashes() -> None:
    assert sel("mart/*") == {"mart/revenue", "mart/churn"}
    assert sel("*revenue*") == {"mart/revenue"}
    assert sel("*/c*") == {"mart/churn", "raw/customers"}
    assert sel("raw/?rders") == {"raw/orders"}
    assert sel("[al]*") == {"audit", "lonely"}
    assert sel("*") == ALL


def test_glob_matching_nothing_is_empty_not_an_error() -> None:
    assert sel("nothing/*") == set()
    assert sel("Mart/*") == set()  # keys are case-sensitive


def test_group() -> None:
    assert sel("group:finance") == {"mart/revenue", "mart/churn"}
    assert sel("group:default") == {"lonely"}


def test_tag_value_and_tag_presence() -> None:
    assert sel("tag:tier=gold") == {"mart/revenue", "dashboard"}
    assert sel("tag:tier") == {"mart/revenue", "mart/churn", "dashboard"}
    assert sel("tag:pii=yes") == {"mart/churn"}
    assert sel("tag:tier=bronze") == set()
    assert sel("tag:nope") == set()


def test_owner_may_contain_colons_and_at_signs() -> None:
    assert sel("owner:team:fin") == {"mart/revenue", "dashboard"}
    assert sel("owner:team:data") == {"raw/orders"}
    assert sel("owner:ana@example.com") == {"mart/revenue"}
    assert sel("owner:team:nobody") == set()


def test_kind() -> None:
    assert sel("kind:dbt") == {"mart/revenue", "mart/churn"}
    assert sel("kind:python") == {"raw/orders", "raw/customers"}
    assert sel("kind:spark") == set()


def test_selector_names_are_case_insensitive() -> None:
    assert sel("GROUP:finance") == sel("Kind:dbt") == {"mart/revenue", "mart/churn"}


# --- graph operators ---------------------------------------------------------------------


def test_upstream_and_downstream_include_the_asset() -> None:
    assert sel("+mart/revenue") == {"mart/revenue", "raw/orders"}
    assert sel("+dashboard") == ALL - {"audit", "lonely"}
    assert sel("raw/customers+") == {"raw/customers", "mart/churn", "dashboard", "audit"}
    assert sel("+lonely+") == {"lonely"}


def test_depth_limited_operators() -> None:
    assert sel("1+dashboard") == {"dashboard", "mart/revenue", "mart/churn"}
    assert sel("2+audit") == {"audit", "dashboard", "mart/revenue", "mart/churn"}
    assert sel("raw/orders+1") == {"raw/orders", "mart/revenue", "mart/churn"}
    assert sel("raw/orders+2") == {"raw/orders", "mart/revenue", "mart/churn", "dashboard"}
    assert sel("0+dashboard+0") == {"dashboard"}


def test_both_directions() -> None:
    assert sel("+mart/churn+") == {"raw/orders", "raw/customers", "mart/churn", "dashboard", "audit"}
    assert sel("1+mart/churn+1") == {"raw/orders", "raw/customers", "mart/churn", "dashboard"}
    assert sel("+dashboard+1") == ALL - {"lonely"}
    # both sides grow from the asset itself, not from each other
    assert "mart/revenue" not in sel("+mart/churn+")


def test_operators_apply_to_parentheses_globs_and_selectors() -> None:
    assert sel("+(mart/revenue or lonely)") == {"mart/revenue", "raw/orders", "lonely"}
    assert sel("(group:ingest)+1") == {"raw/orders", "raw/customers", "mart/revenue", "mart/churn"}
    assert sel("+group:reporting") == ALL - {"lonely"}
    assert sel("raw/*+1") == sel("(group:ingest)+1")
    assert sel("+tag:pii=yes") == {"mart/churn", "raw/orders", "raw/customers"}


# --- combinators -------------------------------------------------------------------------


def test_union_by_whitespace_comma_and_or() -> None:
    expected = {"lonely", "audit", "mart/revenue"}
    assert sel("lonely audit mart/revenue") == expected
    assert sel("lonely,audit, mart/revenue") == expected
    assert sel("lonely or audit or mart/revenue") == expected
    assert sel("lonely\taudit\nmart/revenue") == expected


def test_intersection_and_complement() -> None:
    assert sel("group:finance and tag:tier=gold") == {"mart/revenue"}
    assert sel("+dashboard and kind:python") == {"raw/orders", "raw/customers"}
    assert sel("not group:finance") == ALL - {"mart/revenue", "mart/churn"}
    assert sel("not *") == set()
    assert sel("not not lonely") == {"lonely"}
    assert sel("not not not lonely") == ALL - {"lonely"}


def test_precedence_not_then_and_then_or() -> None:
    # not > and
    assert sel("not lonely and group:default") == set()
    # and > or, and whitespace unions like 'or'
    assert sel("lonely or audit and group:finance") == {"lonely"}
    assert sel("lonely audit and group:finance") == {"lonely"}
    assert sel("(lonely or audit) and group:reporting") == {"audit"}
    assert sel("not lonely audit") == ALL - {"lonely"}  # (not lonely) or audit
    assert sel("not (lonely or audit)") == ALL - {"lonely", "audit"}


def test_keywords_are_case_insensitive() -> None:
    assert sel("NOT lonely AND group:default") == set()
    assert sel("lonely Or audit") == {"lonely", "audit"}
    assert sel("group:finance aNd tag:tier=gold") == {"mart/revenue"}


def test_nested_parentheses() -> None:
    assert sel("((lonely or audit) and (not (group:default)))") == {"audit"}
    assert sel("(((mart/*)))+1 and not ((mart/*))") == {"dashboard"}
    assert sel("(lonely)(audit)") == {"lonely", "audit"}


# --- the tree ----------------------------------------------------------------------------


def test_parse_tree_shapes() -> None:
    orders_key = Key(AssetKey("raw", "orders"))
    assert parse_selection("raw/orders") == orders_key
    assert parse_selection("mart/*") == Glob("mart/*")
    assert parse_selection("tag:tier=gold") == Attr("tag", "tier=gold")
    assert parse_selection("2+raw/orders") == Up(orders_key, 2)
    assert parse_selection("raw/orders+") == Down(orders_key, None)
    assert parse_selection("+raw/orders+1") == Union((Up(orders_key), Down(orders_key, 1)))
    assert parse_selection("a b, c or d") == Union(tuple(Key(AssetKey(n)) for n in "abcd"))
    assert parse_selection("not a and b and c") == Intersect(
        (Not(Key(AssetKey("a"))), Key(AssetKey("b")), Key(AssetKey("c")))
    )
    assert parse_selection("STATUS:Stale") == Attr("status", "stale")


def test_parse_results_are_cached() -> None:
    assert parse_selection("+mart/revenue and group:finance") is parse_selection("+mart/revenue and group:finance")


# --- status and changed: answered by the caller ------------------------------------------


def test_status_and_changed_use_the_callbacks() -> None:
    calls: list[tuple[str, str]] = []

    def status(value: str) -> frozenset[AssetKey]:
        calls.append(("status", value))
        return frozenset({AssetKey("mart", "churn"), AssetKey("lonely"), AssetKey("not", "in", "graph")})

    def changed(value: str) -> frozenset[AssetKey]:
        calls.append(("changed", value))
        return frozenset({AssetKey("audit")})

    predicates = {"status": status, "changed": changed}
    assert sel("status:stale", predicates=predicates) == {"mart/churn", "lonely"}
    assert sel("status:STALE and group:finance", predicates=predicates) == {"mart/churn"}
    assert sel("changed:code+ or status:missing", predicates=predicates) == {"audit", "mart/churn", "lonely"}
    assert calls == [
        ("status", "stale"),
        ("status", "stale"),
        ("changed", "code"),
        ("status", "missing"),
    ]


def test_status_without_a_callback_says_what_to_pass() -> None:
    assert error("group:finance and status:stale") == (
        "status: needs an instance; 'status:stale' is answered from run history, so pass "
        "predicates={'status': ...} to select() (the CLI and web UI supply it)"
    )
    assert error("changed:code", predicates={"status": lambda v: frozenset()}) == (
        "changed: needs an instance; 'changed:code' is answered from run history, so pass "
        "predicates={'changed': ...} to select() (the CLI and web UI supply it)"
    )


def test_unknown_status_value() -> None:
    assert error("status:stael") == (
        "unknown status 'stael' (did you mean 'stale'?) at column 8 in selection:\n"
        "  status:stael\n"
        "         ^\n"
        "status: is one of missing, stale, failed, fresh, overdue, on_time"
    )
    assert error("changed:data") == (
        "unknown changed 'data' at column 9 in selection:\n  changed:data\n          ^\nchanged: is one of code"
    )


# --- names that match nothing ------------------------------------------------------------


def test_unknown_key_suggests_close_names() -> None:
    assert error("mart/revenu") == (
        "no asset 'mart/revenu' (did you mean 'mart/revenue'?) at column 1 in selection:\n"
        "  mart/revenu\n"
        "  ^\n"
        "`headwater assets list` shows every key"
    )


def test_unknown_key_points_at_it_in_a_longer_expression() -> None:
    assert error("lonely or +dashbord+1") == (
        "no asset 'dashbord' (did you mean 'dashboard'?) at column 12 in selection:\n"
        "  lonely or +dashbord+1\n"
        "             ^\n"
        "`headwater assets list` shows every key"
    )
    assert error("zzz") == (
        "no asset 'zzz' at column 1 in selection:\n  zzz\n  ^\n`headwater assets list` shows every key"
    )


def test_unknown_group_suggests_existing_groups() -> None:
    assert error("group:finanse") == (
        "no group 'finanse' (did you mean 'finance'?) at column 1 in selection:\n"
        "  group:finanse\n"
        "  ^\n"
        "groups are default, finance, ingest, reporting"
    )


# --- syntax errors -----------------------------------------------------------------------


def test_unexpected_token_caret() -> None:
    assert error("lonely or )") == (
        "unexpected ')' at column 11 in selection:\n"
        "  lonely or )\n"
        "            ^\n"
        "expected an asset key, a glob such as 'mart/*', a selector such as 'group:finance', 'not' or '('"
    )
    assert error("and lonely").startswith("unexpected 'and' at column 1 in selection:\n  and lonely\n  ^\n")
    assert error("lonely ,, audit").startswith(
        "unexpected ',' at column 9 in selection:\n  lonely ,, audit\n          ^\n"
    )


def test_unexpected_end() -> None:
    assert error("lonely or") == (
        "unexpected end of selection at column 10 in selection:\n"
        "  lonely or\n"
        "           ^\n"
        "expected an asset key, a glob such as 'mart/*', a selector such as 'group:finance', 'not' or '('"
    )
    assert error("not ").startswith("unexpected end of selection at column 5 in selection:\n")


def test_unclosed_parenthesis_at_end() -> None:
    assert error("(lonely or (audit)") == (
        "unclosed '(' from column 1: expected ')' at column 19 in selection:\n"
        "  (lonely or (audit)\n"
        "                    ^\n"
        "add ')' to close it"
    )


def test_stray_and_empty_parentheses() -> None:
    assert error("lonely )") == (
        "unexpected ')' at column 8 in selection:\n  lonely )\n         ^\nthere is no '(' for this ')' to close"
    )
    assert error("lonely ()") == (
        "unexpected ')' at column 9 in selection:\n  lonely ()\n          ^\nparentheses need an expression inside"
    )


def test_selector_with_empty_value() -> None:
    assert error("lonely tag: audit") == (
        "'tag:' needs a value at column 12 in selection:\n"
        "  lonely tag: audit\n"
        "             ^\n"
        "for example tag:tier=gold or tag:tier"
    )
    assert error("group:").startswith("'group:' needs a value at column 7 in selection:\n")
    assert error("tag:=gold").startswith("'tag:' needs a value at column 5 in selection:\n")


def test_unknown_selector() -> None:
    assert error("lonely grop:finance") == (
        "unknown selector 'grop:' (did you mean 'group'?) at column 8 in selection:\n"
        "  lonely grop:finance\n"
        "         ^\n"
        "selectors are group:, tag:, owner:, kind:, status:, changed:"
    )


def test_plus_must_touch_its_operand() -> None:
    assert error("lonely + audit") == (
        "'+' must touch the asset it extends at column 8 in selection:\n"
        "  lonely + audit\n"
        "         ^\n"
        "write '+orders' or 'orders+'"
    )
    assert error("lonely+audit") == (
        "unexpected 'audit' at column 8 in selection:\n"
        "  lonely+audit\n"
        "         ^\n"
        "separate terms with a space, ',' or 'or'"
    )
    assert error("lonely++").startswith("unexpected '+' at column 8 in selection:\n")
    assert error("2+ lonely").startswith("no asset '2' at column 1 in selection:\n")


def test_invalid_key_characters() -> None:
    assert error("lonely mart//revenue") == (
        "'mart//revenue' is not a valid asset key at column 8 in selection:\n"
        "  lonely mart//revenue\n"
        "         ^\n"
        "key parts use letters, digits, '_', '-' and '.', separated by '/'; '*', '?' or '[...]' make a glob"
    )
    assert error("orders!").startswith("'orders!' is not a valid asset key at column 1 in selection:\n")


def test_multiline_text_is_shown_on_one_line() -> None:
    assert error("lonely\nor\t)").startswith("unexpected ')' at column 11 in selection:\n  lonely or )\n")


def test_empty_expression_and_deep_nesting() -> None:
    with pytest.raises(SelectionError) as info:
        parse_selection("  ")
    assert str(info.value) == ("empty selection at column 1 in selection:\n    \n  ^\nuse '*' to select every asset")
    deep = "(" * 101 + "lonely" + ")" * 101
    assert error(deep).startswith("parentheses nested more than 100 deep at column 101 in selection:\n")
    assert sel("(" * 100 + "lonely" + ")" * 100) == {"lonely"}


# --- scale -------------------------------------------------------------------------------


def _zero() -> int:
    return 0


def _passthrough(up: int) -> int:
    return up


def test_long_chain_has_no_recursion_limit() -> None:
    specs: list[d.AssetSpec[..., int]] = [d.asset(name="a0")(_zero)]
    specs += [d.asset(name=f"a{i}", ins={"up": f"a{i - 1}"})(_passthrough) for i in range(1, 10_000)]
    graph = AssetGraph.from_definitions(d.Definitions(assets=specs))
    everything = frozenset(AssetKey(f"a{i}") for i in range(10_000))
    assert select(graph, "+a9999") == everything
    assert select(graph, "a0+") == everything
    assert select(graph, "3+a9999") == frozenset(AssetKey(f"a{i}") for i in range(9996, 10_000))
    assert select(graph, "a5000+ and not a5001+") == frozenset({AssetKey("a5000")})


def test_five_thousand_term_union() -> None:
    specs = [d.asset(name=f"n{i}")(_zero) for i in range(5_000)]
    graph = AssetGraph.from_definitions(d.Definitions(assets=specs))
    everything = frozenset(AssetKey(f"n{i}") for i in range(5_000))
    assert select(graph, " ".join(f"n{i}" for i in range(5_000))) == everything
    assert select(graph, " or ".join(f"n{i}" for i in range(5_000))) == everything
    assert select(graph, " and ".join(f"+n{i}+" for i in range(5_000))) == frozenset()


def test_a_long_selection_is_shown_as_a_window_around_the_caret() -> None:
    long_key = "k" * 5000
    before = "lonely " * 40  # 280 characters of known keys
    message = error(f"{before}{long_key} lonely")
    head, shown, caret, hint = message.split("\n")
    assert head == f"no asset '{'k' * 199}…' at column 281 in selection:"
    assert shown == "  …" + before[180:] + "k" * 100 + "…"
    assert caret == " " * (2 + 1 + 100) + "^"
    assert hint == "`headwater assets list` shows every key"
    short = error("lonely )")  # short input is shown whole, as before
    assert short.split("\n")[1:3] == ["  lonely )", "         ^"]
