import textwrap
from pathlib import Path

import pytest

import headwater as hw

DEFS = """
import headwater as hw

@hw.asset
def one() -> int:
    return 1

defs = hw.Definitions(assets=[one])
"""


def test_load_from_file_records_location(tmp_path: Path) -> None:
    (tmp_path / "defs.py").write_text(DEFS)
    location = hw.find_location(file="defs.py", project_dir=tmp_path)
    defs = hw.load_definitions(location)
    assert [s.key.to_string() for s in defs.asset_specs] == ["one"]
    assert defs.location == location
    assert location.file == str(tmp_path / "defs.py")


def test_load_from_module_and_pyproject(tmp_path: Path) -> None:
    pkg = tmp_path / "mypkg_hw_test"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "pipeline.py").write_text(DEFS.replace("defs =", "project ="))
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [tool.headwater]
            module = "mypkg_hw_test.pipeline"
            attribute = "project"
            """
        )
    )
    location = hw.find_location(project_dir=tmp_path)
    assert location.module == "mypkg_hw_test.pipeline"
    assert location.attribute == "project"
    defs = hw.load_definitions(location)
    assert len(defs.asset_specs) == 1


def test_single_definitions_found_without_attribute(tmp_path: Path) -> None:
    (tmp_path / "other.py").write_text(DEFS.replace("defs =", "pipeline ="))
    defs = hw.load_definitions(hw.find_location(file=tmp_path / "other.py"))
    assert len(defs.asset_specs) == 1


def test_errors_name_the_location(tmp_path: Path) -> None:
    with pytest.raises(hw.DefinitionError, match="no definitions to load in .*pass -m package.module or -f"):
        hw.find_location(project_dir=tmp_path)
    with pytest.raises(hw.DefinitionError, match="does not exist: check the -f path"):
        hw.load_definitions(hw.find_location(file=tmp_path / "missing.py"))
    (tmp_path / "broken.py").write_text("import headwater as hw\nraise RuntimeError('oops')\n")
    with pytest.raises(hw.DefinitionError) as info:
        hw.load_definitions(hw.find_location(file=tmp_path / "broken.py"))
    assert "error while loading definitions from -f" in str(info.value)
    assert "RuntimeError: oops" in str(info.value)
    (tmp_path / "empty.py").write_text("x = 1\n")
    with pytest.raises(hw.DefinitionError, match="has no attribute 'defs' \\(it has no hw.Definitions\\)"):
        hw.load_definitions(hw.find_location(file=tmp_path / "empty.py"))
    with pytest.raises(hw.DefinitionError, match="cannot import -m no_such_module_hw"):
        hw.load_definitions(hw.find_location(module="no_such_module_hw"))
