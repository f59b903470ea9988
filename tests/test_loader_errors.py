"""What loading definitions says when the code location does not lead to a hw.Definitions."""

from __future__ import annotations

from pathlib import Path

import pytest

import headwater as hw
from headwater.definitions import CodeLocation


def test_an_attribute_that_is_not_definitions_says_what_to_set(tmp_path: Path) -> None:
    (tmp_path / "defs.py").write_text("defs = 3\n")
    location = hw.find_location(file="defs.py", project_dir=tmp_path)
    with pytest.raises(
        hw.DefinitionError,
        match=r"^-f .*defs.py \(attribute 'defs'\) attribute 'defs' is int, not hw.Definitions: set it to "
        r"hw.Definitions\(\.\.\.\) \(or a function returning one\), or pass the name of the attribute that is$",
    ):
        hw.load_definitions(location)


def test_a_file_python_cannot_import(tmp_path: Path) -> None:
    (tmp_path / "defs.txt").write_text("defs = 3\n")
    location = hw.find_location(file="defs.txt", project_dir=tmp_path)
    with pytest.raises(
        hw.DefinitionError,
        match=r"^cannot import .*defs.txt: is it a Python file\? give -f \(file=\) the path of a \.py file$",
    ):
        hw.load_definitions(location)


def test_a_location_with_neither_module_nor_file() -> None:
    with pytest.raises(
        hw.DefinitionError,
        match=r"^a code location needs a module or a file: build it with hw.find_location\(module=\.\.\.\) or "
        r"hw.find_location\(file=\.\.\.\)$",
    ):
        hw.load_definitions(CodeLocation())
