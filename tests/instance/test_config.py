from pathlib import Path

import pytest

import headwater as hw
from headwater.instance import load_config


def test_defaults_to_sqlite_under_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HEADWATER_HOME", raising=False)
    monkeypatch.delenv("HEADWATER_STORAGE_URL", raising=False)
    config = load_config(tmp_path)
    assert config.storage_url == f"sqlite:///{tmp_path / '.headwater' / 'headwater.db'}"
    assert config.io_dir == tmp_path / ".headwater" / "storage"


def test_file_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEADWATER_HOME", str(tmp_path / "home"))
    (tmp_path / "headwater.toml").write_text('[storage]\nurl = "sqlite:////tmp/x.db"\n[io]\nbase_dir = "values"\n')
    config = load_config(tmp_path)
    assert config.home == str(tmp_path / "home")
    assert config.storage_url == "sqlite:////tmp/x.db"
    assert config.io_dir == tmp_path / "values"
    monkeypatch.setenv("HEADWATER_STORAGE_URL", "postgresql+psycopg://u@127.0.0.1/db")
    assert load_config(tmp_path).storage_url == "postgresql+psycopg://u@127.0.0.1/db"


def test_bad_config_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HEADWATER_HOME", raising=False)
    (tmp_path / "headwater.toml").write_text("[storage]\nurll = 1\n")
    with pytest.raises(hw.ConfigError) as info:
        load_config(tmp_path)
    assert "invalid instance configuration in" in str(info.value)
    assert "storage.urll: Extra inputs are not permitted" in str(info.value)
    (tmp_path / "headwater.toml").write_text("[storage\n")
    with pytest.raises(hw.ConfigError, match="headwater.toml is not valid TOML"):
        load_config(tmp_path)
