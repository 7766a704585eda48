"""Unit tests of cli.py: whole files, one-line errors."""

import os

import pytest

import cli


def test_a_file_written_atomically_appears_only_when_complete(tmp_path):
    target = tmp_path / "record.json"
    with pytest.raises(RuntimeError):
        with cli.atomic_path(str(target)) as temporary:
            open(temporary, "w").write("half")
            raise RuntimeError("interrupted")
    assert os.listdir(tmp_path) == []
    with cli.atomic_path(str(target)) as temporary:
        open(temporary, "w").write("whole")
    assert os.listdir(tmp_path) == ["record.json"] and target.read_text() == "whole"
