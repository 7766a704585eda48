"""Unit tests of helpers/shell.py: files written whole, a stop signal whatever a library makes of it."""

import os
import signal

import keras
import numpy as np
import pytest

from conftest import run_in_process
from helpers import files, shell


def test_a_file_written_atomically_appears_only_when_complete(tmp_path):
    target = tmp_path / "record.json"
    with pytest.raises(RuntimeError):
        with files.written_whole(str(target)) as (temporary,):
            open(temporary, "w").write("half")
            raise RuntimeError("interrupted")
    assert os.listdir(tmp_path) == []
    with files.written_whole(str(target)) as (temporary,):
        open(temporary, "w").write("whole")
    assert os.listdir(tmp_path) == ["record.json"] and target.read_text() == "whole"


def test_a_new_file_is_put_in_place_where_the_file_system_has_no_hard_links(tmp_path, monkeypatch):
    """FAT and exFAT (USB sticks), some network shares: os.link fails with EPERM; a new file must still be written
    whole, and a file that exists must still not be replaced."""

    def no_hard_links(source, destination):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_hard_links)
    target = tmp_path / "predictions.csv"
    with files.written_whole(str(target), replace=False) as (temporary,):
        open(temporary, "w").write("whole")
    assert os.listdir(tmp_path) == ["predictions.csv"] and target.read_text() == "whole"
    with pytest.raises(FileExistsError):
        with files.written_whole(str(target), replace=False) as (temporary,):
            open(temporary, "w").write("another")
    assert os.listdir(tmp_path) == ["predictions.csv"] and target.read_text() == "whole"


def test_without_hard_links_a_rename_that_fails_leaves_no_empty_file_behind(tmp_path, monkeypatch):
    def refused(*arguments):
        raise PermissionError(13, "Access is denied")  # a virus scanner holding the new file, on Windows

    monkeypatch.setattr(os, "link", refused)
    monkeypatch.setattr(os, "replace", refused)
    with pytest.raises(PermissionError):
        with files.written_whole(str(tmp_path / "out.csv"), replace=False) as (temporary,):
            open(temporary, "w").write("whole")
    assert os.listdir(tmp_path) == []


def test_a_stop_signal_that_tensorflow_turns_into_another_exception_still_stops_the_run_in_one_line(capsys):
    """A SIGINT landing while TensorFlow traces a layer can come back from its C++ code as a RuntimeError or a
    TypeError, which Keras raises again listing the layer's arguments ("training=False"): still a stop, exit 130."""

    class InterruptedWhileTraced(keras.layers.Layer):
        armed = False  # not while the model is built

        def call(self, inputs, training=None):
            try:
                if self.armed:
                    os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, as predict traces the layer ...
            except KeyboardInterrupt:  # ... and what TensorFlow's op construction made of it
                raise TypeError("Expected int32, but got None of type 'NoneType'.") from None
            return inputs

    model = keras.Sequential([keras.Input((3,)), InterruptedWhileTraced()])

    def main(argv):
        model.layers[0].armed = True
        return model.predict_on_batch(np.zeros((1, 3), "float32"))

    completed = run_in_process(capsys, main)
    assert completed.returncode == 130
    assert completed.stderr == "test_shell.py: interrupted; nothing unfinished was saved\n"


def test_an_error_with_no_stop_signal_behind_it_is_not_taken_for_one(capsys):
    def main(argv):
        raise TypeError("a bug of ours")

    with pytest.raises(TypeError, match="a bug of ours"):
        shell.run(main, [])
