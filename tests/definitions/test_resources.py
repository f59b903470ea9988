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
