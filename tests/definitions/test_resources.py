import pydantic
import pytest

import headwater as hw


class Warehouse(hw.Resource):
    path: str
    port: int = 5432


def test_env_var_is_read_at_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HW_TEST_WAREHOUSE", raising=False)
    resource = Warehouse(path=hw.EnvVar("HW_TEST_WAREHOUSE"))
    assert resource.env_vars == {"path": "HW_TEST_WAREHOUSE"}
    with pytest.raises(hw.ConfigError) as info:
        resource.resolved(name="warehouse")
    message = str(info.value)
    assert "resource 'warehouse' field 'path' reads environment variable HW_TEST_WAREHOUSE" in message
    assert "export HW_TEST_WAREHOUSE=" in message
    monkeypatch.setenv("HW_TEST_WAREHOUSE", "/data/wh")
    assert resource.resolved(name="warehouse").path == "/data/wh"


def test_plain_resource_resolves_to_itself() -> None:
    resource = Warehouse(path="/x")
    assert resource.resolved() is resource
    assert repr(hw.EnvVar("A")) == "EnvVar('A')"


def test_config_forbids_unknown_fields() -> None:
    class Settings(hw.Config):
        rate: float = 0.1

    with pytest.raises(ValueError, match="extra"):
        Settings.model_validate({"rate": 0.2, "typo": 1})


class ReadOnly(hw.Resource):
    path: str
    read_only: bool = False


class Subclassed(ReadOnly):
    def __init__(self, **data: object) -> None:
        super().__init__(**data)


def test_a_misspelled_resource_field_is_refused_with_did_you_mean() -> None:
    with pytest.raises(hw.DefinitionError) as info:
        ReadOnly(path="/x", read_onyl=True)  # the line the message names
    line = info.tb.tb_lineno
    message = str(info.value)
    assert message == (
        f"resource ReadOnly at {__file__}:{line} has no field 'read_onyl' (did you mean 'read_only'?); the fields "
        f"of {__name__}.ReadOnly are path, read_only: fix the keyword, or declare 'read_onyl: <type>' on the class"
    )
    with pytest.raises(hw.DefinitionError) as sub:
        Subclassed(paht="/x")  # named where it is built, not in the subclass's __init__
    assert f"resource Subclassed at {__file__}:{sub.tb.tb_lineno} has no field 'paht' (did you mean 'path'?)" in str(
        sub.value
    )
    assert ReadOnly(path="/x", read_only=True).read_only is True


def test_a_resource_that_allows_extra_fields_keeps_them() -> None:
    class Loose(hw.Resource):
        model_config = pydantic.ConfigDict(extra="allow")
        path: str

    assert Loose(path="/x", anything=1).model_extra == {"anything": 1}
