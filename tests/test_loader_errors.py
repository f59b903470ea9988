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


def test_an_exception_at_import_names_the_line_that_raised_it(tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text("def settings():\n    raise KeyError('WAREHOUSE_URL')\n")
    (tmp_path / "defs.py").write_text("import headwater as hw\nimport helpers\n\nhelpers.settings()\n")
    location = hw.find_location(file="defs.py", project_dir=tmp_path)
    with pytest.raises(
        hw.DefinitionError,
        match=rf"^error while loading definitions from -f .*defs.py \(attribute 'defs'\): KeyError: 'WAREHOUSE_URL' "
        rf"\(raised at {tmp_path / 'helpers.py'}:2, in settings\); fix the code there$",
    ):
        hw.load_definitions(location)
    # Raised inside a library: the line of the user's code that called it.
    (tmp_path / "parse.py").write_text('import json\n\njson.loads("{")\n')
    with pytest.raises(
        hw.DefinitionError, match=rf"\(raised at {tmp_path / 'parse.py'}:3, in <module>\); fix the code there$"
    ):
        hw.load_definitions(hw.find_location(file="parse.py", project_dir=tmp_path))
    (tmp_path / "unclosed.py").write_text("import headwater as hw\nx = (\n")
    with pytest.raises(
        hw.DefinitionError,
        match=rf"SyntaxError: .*\(at {tmp_path / 'unclosed.py'}:2\); fix the code there$",
    ):
        hw.load_definitions(hw.find_location(file="unclosed.py", project_dir=tmp_path))


def test_a_misspelled_decorator_keyword_names_the_line_and_the_keyword(tmp_path: Path) -> None:
    (tmp_path / "defs.py").write_text(
        'import headwater as hw\n\n\n@hw.asset(grup="x")\ndef orders() -> int:\n    return 1\n\n\n'
        "defs = hw.Definitions(assets=[orders])\n"
    )
    with pytest.raises(
        hw.DefinitionError,
        match=rf"^@hw.asset \({tmp_path / 'defs.py'}:4\) has no keyword 'grup' \(did you mean 'group'\?\); its "
        r"keywords are automation, backfill_policy, code_version, deps, description, freshness, group, ins, "
        r"io_manager, key, key_prefix, kinds, memoize, metadata, name, owners, partition_mappings, partitions, "
        r"pool, publish, retry, tags$",
    ):
        hw.load_definitions(hw.find_location(file="defs.py", project_dir=tmp_path))
