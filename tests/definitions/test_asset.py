import inspect
from typing import Any

import pytest

import headwater as hw
from headwater.definitions import ParamKind


class Warehouse(hw.Resource):
    path: str


class Settings(hw.Config):
    limit: int = 3


def test_asset_key_attributes_and_description() -> None:
    @hw.asset(
        key_prefix="mart",
        group="finance",
        tags={"tier": "gold"},
        owners=["team:finance"],
        kinds=["python"],
        metadata={"x": 1},
        code_version="2",
    )
    def revenue(orders: list[int]) -> int:
        """Revenue per day."""
        return sum(orders)

    assert revenue.key == hw.AssetKey("mart", "revenue")
    assert revenue.group == "finance"
    assert revenue.tags == {"tier": "gold"}
    assert revenue.owners == ("team:finance",)
    assert revenue.kinds == frozenset({"python"})
    assert revenue.code_version == "2"
    assert revenue.description == "Revenue per day."
    assert revenue([1, 2]) == 3  # the user's function is still callable
    assert revenue.op is not None
    assert [p.kind for p in revenue.op.params] == [ParamKind.INPUT]


def test_name_and_key_overrides() -> None:
    def make(n: int) -> hw.AssetSpec[..., Any]:
        @hw.asset(name=f"part_{n}")
        def body() -> int:
            return n

        return body

    assert [make(i).key.to_string() for i in range(2)] == ["part_0", "part_1"]
    spec = hw.asset(key="a/b/c")(lambda: 1)
    assert spec.key == hw.AssetKey("a", "b", "c")


def test_parameter_classification() -> None:
    @hw.asset
    def thing(context: hw.Context, warehouse: Warehouse, config: Settings, upstream: int) -> int:
        return upstream

    assert thing.op is not None
    kinds = {p.name: p.kind for p in thing.op.params}
    assert kinds == {
        "context": ParamKind.CONTEXT,
        "warehouse": ParamKind.RESOURCE,
        "config": ParamKind.CONFIG,
        "upstream": ParamKind.INPUT,
    }


def test_ins_and_deps() -> None:
    @hw.asset(ins={"o": "raw/orders"}, deps=["raw/customers"])
    def joined(o: list[int]) -> int:
        return len(o)

    assert joined.op is not None
    assert joined.op.params[0].key == hw.AssetKey("raw", "orders")
    assert joined.deps == (hw.AssetKey("raw", "customers"),)


def test_ins_naming_a_missing_parameter() -> None:
    with pytest.raises(hw.DefinitionError) as info:

        @hw.asset(ins={"nope": "a"})
        def f(x: int) -> int:
            return x

    assert "ins= names nope" in str(info.value)
    assert "parameters are: x" in str(info.value)


def test_var_args_rejected() -> None:
    with pytest.raises(hw.DefinitionError, match=r"\*args or \*\*kwargs \('rest'\)"):

        @hw.asset
        def f(*rest: int) -> int:
            return 0


def test_bad_attribute_types_are_clear() -> None:
    with pytest.raises(hw.DefinitionError, match="tags keys and values must be strings"):
        hw.asset(name="x", tags={"a": 1})(lambda: 1)  # type: ignore[dict-item]
    with pytest.raises(hw.DefinitionError, match="owners must be a list of strings"):
        hw.asset(name="x", owners="team:x")(lambda: 1)
    with pytest.raises(hw.DefinitionError, match="code_version must be a string"):
        hw.asset(name="x", code_version=3)(lambda: 1)  # type: ignore[arg-type]
    with pytest.raises(hw.DefinitionError, match="give either key= or name="):
        hw.asset(key="a", name="b")(lambda: 1)
    with pytest.raises(hw.DefinitionError, match="deps must be a list"):
        hw.asset(name="x", deps="a")(lambda: 1)
    with pytest.raises(hw.DefinitionError, match="invalid asset key part 'bad group'"):
        hw.asset(name="x", group="bad group")(lambda: 1)
    with pytest.raises(hw.DefinitionError, match="on a lambda .* needs a name"):
        hw.asset(lambda: 1)


def test_multi_asset_outputs_share_one_op() -> None:
    @hw.multi_asset(outs={"left": None, "right": hw.AssetOut(key="side/right", group="g")}, group="base")
    def split(numbers: list[int]) -> dict[str, int]:
        return {"left": numbers[0], "right": numbers[1]}

    left, right = split.specs
    assert left.key == hw.AssetKey("left")
    assert right.key == hw.AssetKey("side", "right")
    assert left.group == "base"
    assert right.group == "g"
    assert left.op is right.op is split.op
    assert split.op.multi


def test_source_asset() -> None:
    src = hw.SourceAsset("raw/events", description="from the app")
    assert src.is_source
    assert src.op is None
    with pytest.raises(hw.DefinitionError, match="source asset 'raw/events' has no function"):
        src()


def test_definitions_rejects_plain_functions() -> None:
    def plain() -> int:
        return 1

    with pytest.raises(hw.DefinitionError) as info:
        hw.Definitions(assets=[plain])
    assert "item 0 is the plain function 'plain': decorate it with @hw.asset" in str(info.value)


def test_definitions_rejects_bad_resource_names() -> None:
    with pytest.raises(hw.DefinitionError, match="must be a Python identifier"):
        hw.Definitions(resources={"not valid": 1})


def test_check_declares_target_input() -> None:
    @hw.asset
    def revenue() -> int:
        return 1

    @hw.check(asset=revenue, blocking=True)
    def positive(revenue: int) -> hw.CheckResult:
        return hw.CheckResult(passed=revenue > 0)

    assert positive.asset_key == revenue.key
    assert positive.params[0].key == revenue.key
    assert positive.id == "revenue:positive"
    with pytest.raises(hw.DefinitionError, match="severity must be 'error' or 'warn'"):
        hw.check(asset="x", severity="fatal")  # type: ignore[arg-type]


def test_a_misspelled_check_keyword_in_python_names_the_call_and_the_keyword() -> None:
    line = inspect.currentframe().f_lineno + 3  # type: ignore[union-attr]
    with pytest.raises(hw.DefinitionError) as info:

        @hw.check(asset="orders", blockng=True)  # type: ignore[call-arg]
        def positive(orders: int) -> hw.CheckResult:
            return hw.CheckResult(passed=orders > 0)

    assert str(info.value) == (
        f"@hw.check ({__file__}:{line}) has no keyword 'blockng' (did you mean 'blocking'?); its keywords are "
        "asset, blocking, description, ins, name, severity"
    )
