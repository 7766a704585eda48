"""predict.py's input: texts as arguments, lines of a file or standard input, in any encoding a user has."""

import codecs
import io
import sys

import keras
import pytest

import cnn_lstm
import predict
from conftest import (
    SMALL_RUN,
    run_in_process,
)
from helpers import serving


@pytest.mark.slow
def test_predict_splits_lines_at_newlines_only_and_reads_standard_input_without_arguments(
    saved_model, tmp_path, capsys, monkeypatch
):
    texts = tmp_path / "texts.txt"
    texts.write_text("page one\x0cpage two\nfirst\u2028second\r\n", encoding="utf-8")
    completed = run_in_process(capsys, predict.main, str(saved_model), "--file", str(texts))
    assert completed.returncode == 0, completed.stderr
    assert len(completed.stdout.splitlines()) == 2
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"a text\nanother\n")))
    from_stdin = run_in_process(capsys, predict.main, str(saved_model))
    assert from_stdin.returncode == 0 and len(from_stdin.stdout.splitlines()) == 2


@pytest.mark.slow
def test_a_utf16_file_from_powershell_is_read_as_its_texts(saved_model, tmp_path, capsys):
    texts_file = tmp_path / "texts.txt"
    texts_file.write_bytes(codecs.BOM_UTF16_LE + "wonderful word2\r\nawful word3\r\n".encode("utf-16-le"))
    completed = run_in_process(capsys, predict.main, str(saved_model), "--file", str(texts_file))
    assert completed.returncode == 0 and "\0" not in completed.stdout
    assert [line.split("\t")[2] for line in completed.stdout.splitlines()] == ["wonderful word2", "awful word3"]


@pytest.mark.slow
def test_a_class_name_with_a_tab_keeps_the_output_three_columns(saved_model, tmp_path, capsys):
    folder = str(tmp_path / "serving")
    model = keras.Sequential([keras.Input((None,), dtype="int32"), keras.layers.Embedding(10, 2), keras.layers.LSTM(2)])
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    serving.write(model, folder, serving.TextPath(["n\teg", "p\tos"], ["wonderful"], [4], max_len=10))
    completed = run_in_process(capsys, predict.main, folder, "wonderful", "awful")
    assert completed.returncode == 0 and all(len(line.split("\t")) == 3 for line in completed.stdout.splitlines())


@pytest.mark.slow
def test_an_argument_that_names_a_file_gets_a_note_about_file(saved_model, tmp_path, capsys):
    texts_file = tmp_path / "texts.txt"
    texts_file.write_text("wonderful\n")
    completed = run_in_process(capsys, predict.main, str(saved_model), str(texts_file))
    assert completed.returncode == 0 and f"give --file {texts_file}" in completed.stderr


@pytest.mark.slow
@pytest.mark.thorough
def test_cnn_lstm_classifies_a_text_of_one_token(small_corpus, tmp_path, capsys):
    import predict

    cnn_lstm.main(["--data-dir", small_corpus, "--save", str(tmp_path / "cnn")] + SMALL_RUN)
    completed = run_in_process(capsys, predict.main, str(tmp_path / "cnn"), "!!!", "wonderful", "🙂")
    assert completed.returncode == 0, completed.stderr
    assert len(completed.stdout.splitlines()) == 3
