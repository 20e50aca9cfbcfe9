"""The core's TOML reader: one error naming the file and the problem, of the caller's class."""

from __future__ import annotations

from pathlib import Path

import pytest

from metrolab.errors import UserInputError
from metrolab.runner.errors import RegisterError
from metrolab.tomlfile import read_toml


def test_a_toml_file_is_read_as_its_top_level_table(tmp_path: Path) -> None:
    path = tmp_path / "a.toml"
    path.write_text('seed = 3\n[laboratory]\nname = "Lab"\n', encoding="utf-8")
    assert read_toml(path, "bench configuration") == {"seed": 3, "laboratory": {"name": "Lab"}}


@pytest.mark.parametrize(("content", "problem"), [
    (None, "cannot read it"),
    (b"seed = = 3\n", "not valid TOML"),
    (b"name = '\xff'\n", "not valid TOML"),
])
def test_unusable_files_are_one_named_error(tmp_path: Path, content: bytes | None,
                                            problem: str) -> None:
    path = tmp_path / "register.toml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(RegisterError, match=f"register of standards {path}: {problem}"):
        read_toml(path, "register of standards", RegisterError)
    with pytest.raises(UserInputError, match="bench configuration"):
        read_toml(path, "bench configuration")
