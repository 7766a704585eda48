"""Unit tests of helpers/shell.py: files written whole."""

import os

import pytest

from helpers import shell


def test_a_file_written_atomically_appears_only_when_complete(tmp_path):
    target = tmp_path / "record.json"
    with pytest.raises(RuntimeError):
        with shell.written_whole(str(target)) as (temporary,):
            open(temporary, "w").write("half")
            raise RuntimeError("interrupted")
    assert os.listdir(tmp_path) == []
    with shell.written_whole(str(target)) as (temporary,):
        open(temporary, "w").write("whole")
    assert os.listdir(tmp_path) == ["record.json"] and target.read_text() == "whole"
