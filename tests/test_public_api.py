import headwater as hw


def test_all_is_sorted_and_complete() -> None:
    assert hw.__all__ == sorted(hw.__all__)
    for name in hw.__all__:
        assert hasattr(hw, name), name


def test_public_names_documented() -> None:
    undocumented = [n for n in hw.__all__ if not isinstance(getattr(hw, n), str) and not getattr(hw, n).__doc__]
    assert undocumented == []
