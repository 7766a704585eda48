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


def test_a_new_file_is_put_in_place_where_the_file_system_has_no_hard_links(tmp_path, monkeypatch):
    """FAT and exFAT (USB sticks), some network shares: os.link fails with EPERM; a new file must still be written
    whole, and a file that exists must still not be replaced."""

    def no_hard_links(source, destination):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_hard_links)
    target = tmp_path / "predictions.csv"
    with shell.written_whole(str(target), replace=False) as (temporary,):
        open(temporary, "w").write("whole")
    assert os.listdir(tmp_path) == ["predictions.csv"] and target.read_text() == "whole"
    with pytest.raises(FileExistsError):
        with shell.written_whole(str(target), replace=False) as (temporary,):
            open(temporary, "w").write("another")
    assert os.listdir(tmp_path) == ["predictions.csv"] and target.read_text() == "whole"


def test_without_hard_links_a_rename_that_fails_leaves_no_empty_file_behind(tmp_path, monkeypatch):
    def refused(*arguments):
        raise PermissionError(13, "Access is denied")  # a virus scanner holding the new file, on Windows

    monkeypatch.setattr(os, "link", refused)
    monkeypatch.setattr(os, "replace", refused)
    with pytest.raises(PermissionError):
        with shell.written_whole(str(tmp_path / "out.csv"), replace=False) as (temporary,):
            open(temporary, "w").write("whole")
    assert os.listdir(tmp_path) == []
