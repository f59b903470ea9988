import pickle

import pytest

import headwater as hw


def test_parse_and_parts_are_equal() -> None:
    key = hw.AssetKey.parse("mart/revenue")
    assert key == hw.AssetKey("mart", "revenue")
    assert key.name == "revenue"
    assert key.prefix == ("mart",)
    assert str(key) == "mart/revenue"
    assert hash(key) == hash(hw.AssetKey("mart", "revenue"))
    assert pickle.loads(pickle.dumps(key)) == key
    assert sorted([hw.AssetKey("b"), hw.AssetKey("a", "z")]) == [hw.AssetKey("a", "z"), hw.AssetKey("b")]


@pytest.mark.parametrize("bad", ["a b", "mart/rev enue", "a:b", "", "../x", "a+"])
def test_bad_key_characters_are_rejected(bad: str) -> None:
    with pytest.raises(hw.DefinitionError, match="invalid asset key part|at least one part"):
        hw.AssetKey.parse(bad)


def test_bad_key_message_says_how_to_fix() -> None:
    with pytest.raises(hw.DefinitionError) as info:
        hw.AssetKey("has space")
    assert "'has space'" in str(info.value)
    assert "letters, digits" in str(info.value)
