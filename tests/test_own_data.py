"""Your own data: any number of classes, a saved model, new text classified from the shell."""

import csv
import json
import os
import re

import keras
import numpy as np
import pytest
import tensorflow as tf

import cnn_lstm
import common
import lstm_simple
import predict
from conftest import lstm_args, one_error_line, run_in_process, run_script, write_corpus, write_files
from helpers import folders, saving, serving

TRAIN = ["--epochs", "3", "--max-len", "60", "--top-words", "400", "--verbose", "0"]


@pytest.fixture(scope="module")
def trained_model(tmp_path_factory):
    """A simple LSTM trained on the generated two-class corpus and saved with --save."""
    root = tmp_path_factory.mktemp("own")
    corpus = write_corpus(root / "reviews", reviews_per_class=300, seed=2)
    lstm_simple.main(["--data-dir", corpus, "--save", str(root / "model"), *TRAIN])
    return corpus, str(root / "model")


@pytest.mark.slow
@pytest.mark.thorough
def test_three_classes_train_with_softmax_and_report_each_class(tmp_path, capsys):
    corpus = write_corpus(tmp_path / "three", class_names=("mixed", "neg", "pos"), reviews_per_class=200)
    results = lstm_simple.main(["--data-dir", corpus] + TRAIN)
    output = capsys.readouterr().out
    assert (
        "400 training and 600 test texts, 3 classes:" not in output
        and "600 training and 600 test texts, 3 classes:" in output
    )
    for class_name in ("mixed", "neg", "pos"):
        assert re.search(rf"^  {class_name}\s+200 training \(33.3 %\),\s+200 test$", output, re.MULTILINE)
        assert re.search(rf"^  {class_name}\s+[\d.]+ %\s+[\d.]+ %\s+200$", output, re.MULTILINE)  # precision, recall
    assert set(results["class_accuracy"]) == {"mixed", "neg", "pos"}
    assert results["accuracy"] > 0.6  # chance is 1/3


@pytest.mark.slow
@pytest.mark.thorough
def test_save_then_classify_from_the_shell(trained_model, tmp_path, capsys):
    _, model_path = trained_model
    assert sorted(os.listdir(model_path)) == sorted([saving.MODEL_FILE, saving.SERVING_FOLDER])
    completed = run_in_process(
        capsys, predict.main, model_path, "word1 wonderful word7 wonderful", "awful word3 word9 awful"
    )
    assert completed.returncode == 0, completed.stderr
    lines = [line.split("\t") for line in completed.stdout.splitlines()]
    assert [line[0] for line in lines] == ["pos", "neg"]
    assert all(0.5 <= float(line[1]) <= 1.0 for line in lines)

    review_file = tmp_path / "reviews.txt"
    review_file.write_bytes(b"wonderful word2 wonderful\nawful \xff word5 awful\n")
    from_file = run_in_process(capsys, predict.main, model_path, "--file", str(review_file))
    assert from_file.returncode == 0, from_file.stderr
    assert [line.split("\t")[0] for line in from_file.stdout.splitlines()] == ["pos", "neg"]
    assert "not valid UTF-8" in from_file.stderr

    from_stdin = run_script("predict.py", model_path, input="awful awful word4\n")  # the shell's pipe
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert from_stdin.stdout.startswith("neg\t")


@pytest.mark.slow
@pytest.mark.thorough
def test_the_serving_model_encodes_a_training_review_as_in_training(trained_model, monkeypatch, tmp_path):
    corpus, model_path = trained_model
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "fresh"))
    trained_on = common.load_data(lstm_args("--data-dir", corpus, "--top-words", "400"))
    raw = folders.read_corpus(corpus)[0]
    classifier = serving.load(model_path)
    indices = (0, 7, len(raw.train_texts) - 1)
    encoded = classifier.encode(tf.constant([raw.train_texts[index] for index in indices])).numpy()
    for row, index in zip(encoded, indices):
        expected = trained_on.train_sequences[index][-60:].tolist()  # --max-len 60, the end kept (truncating pre)
        assert row.tolist() == expected + [0] * (len(row) - len(expected))  # padded after: the model masks it


def test_a_failed_first_save_leaves_nothing_behind(tmp_path, monkeypatch):
    model = keras.Sequential(
        [keras.Input(shape=(None,), dtype="int32"), keras.layers.Embedding(10, 2, mask_zero=True), keras.layers.LSTM(2)]
    )
    text_path = serving.TextPath(["a", "b"], ["x"], [4], max_len=5)

    def export_that_fails(model, path, text_path, **options):
        open(os.path.join(path, "saved_model.pb"), "w").close()  # half written, then the disk is full
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(serving, "write", export_that_fails)
    with pytest.raises(OSError):
        saving.save_model(model, str(tmp_path / "model"), text_path)
    assert os.listdir(tmp_path) == []


def test_a_folder_saved_before_the_serving_model_gets_one_line_to_save_again(tmp_path, capsys):
    folder = tmp_path / "earlier"
    folder.mkdir()
    (folder / saving.MODEL_FILE).write_bytes(b"an earlier model")
    (folder / saving.EARLIER_ENCODING_FILE).write_text("{}")
    completed = run_in_process(capsys, predict.main, str(folder), "some review")
    assert completed.returncode == 2
    assert "saved by an earlier version" in one_error_line(completed)


@pytest.mark.parametrize(
    "case, expected",
    [
        ("missing", "no saved model at"),
        ("not a model", "is not a folder written by --save"),
        ("model.keras alone", "is not a folder written by --save"),
        ("damaged serving model", "is damaged or not a serving model written by --save"),
    ],
)
def test_bad_model_paths_get_one_line_and_exit_code_2(tmp_path, case, expected, capsys):
    if case == "missing":
        path = str(tmp_path / "nowhere")
    elif case == "not a model":
        path = str(tmp_path / "file.txt")
        (tmp_path / "file.txt").write_text("hello")
    elif case == "model.keras alone":
        path = write_files(tmp_path / "folder", {saving.MODEL_FILE: "a model"})
    else:
        path = write_files(tmp_path / "folder", {"model.keras": "a model", "serving/saved_model.pb": "not a graph"})
    completed = run_in_process(capsys, predict.main, path, "a review")
    assert completed.returncode == 2
    assert expected in one_error_line(completed)


@pytest.mark.slow
@pytest.mark.thorough
def test_empty_lines_to_classify_are_skipped_and_counted_and_an_empty_argument_is_one_line(
    trained_model, tmp_path, capsys
):
    _, model_path = trained_model
    review_file = tmp_path / "reviews.txt"
    review_file.write_text("wonderful\n\nawful\n\n")  # a blank line between, and a trailing one
    completed = run_in_process(capsys, predict.main, model_path, "--file", str(review_file))
    assert completed.returncode == 0 and len(completed.stdout.splitlines()) == 2
    assert completed.stderr.strip() == f"note: skipped 2 empty lines of {review_file}"
    completed = run_in_process(capsys, predict.main, model_path, "wonderful", " ")
    assert completed.returncode == 2 and "argument 2 is empty" in one_error_line(completed)


@pytest.mark.parametrize(
    "layout, expected",
    [
        ({"readme.txt": "x"}, "has no <class>/ folders of texts; give train/<class>/"),
        (
            {"train/a/1.txt": "x", "train/b/1.txt": "y", "test/a/1.txt": "x", "test/c/1.txt": "y"},
            "differ from train classes",
        ),
        ({"train/a/1.txt": "x", "test/a/1.txt": "y"}, "at least two"),
    ],
)
def test_bad_data_folders_get_one_line_from_the_scripts(tmp_path, layout, expected, capsys):
    completed = run_in_process(
        capsys, cnn_lstm.main, "--data-dir", write_files(tmp_path / "data", layout), "--epochs", "1"
    )
    assert completed.returncode == 2
    assert expected in one_error_line(completed)


@pytest.mark.slow
@pytest.mark.thorough
def test_invalid_utf8_in_training_files_is_counted_in_a_warning(tmp_path, capsys):
    corpus = write_corpus(tmp_path / "latin", reviews_per_class=20)
    (tmp_path / "latin" / "train" / "neg" / "x.txt").write_bytes(b"caf\xe9 awful")
    argv = ["--data-dir", corpus, "--epochs", "1", "--max-len", "20", "--verbose", "0"]
    completed = run_in_process(capsys, lstm_simple.main, *argv)
    assert completed.returncode == 0, completed.stderr
    assert "1 files are not valid UTF-8" in completed.stderr


@pytest.mark.slow
@pytest.mark.xdist_group("tensorflow_saves")
@pytest.mark.thorough
def test_a_saved_model_of_every_script_loads_in_plain_keras_and_predicts_as_here(tensorflow_saves, tmp_path):
    texts = np.array([[1, 5, 9, 30, 7], [1, 40, 2, 2, 0]], np.int32)
    expected = {}
    for (script, configuration), folder in tensorflow_saves.items():
        if script != "baseline":  # its model.keras reads TF-IDF vectors
            here = keras.saving.load_model(os.path.join(folder, saving.MODEL_FILE))
            expected[os.path.join(folder, saving.MODEL_FILE)] = here.predict(texts, verbose=0).tolist()
    # A fresh Python in an empty folder: nothing of this project can be imported there.
    program = (
        "import sys, json, keras, numpy as np; texts = np.array(json.loads(sys.argv[1]), np.int32); "
        "print(json.dumps([keras.saving.load_model(p).predict(texts, verbose=0).tolist() for p in sys.argv[2:]]))"
    )
    completed = run_script("-I", "-c", program, json.dumps(texts.tolist()), *expected, cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    loaded = json.loads(completed.stdout.splitlines()[-1])
    np.testing.assert_allclose(loaded, list(expected.values()), rtol=1e-5, atol=1e-6)


@pytest.mark.slow
@pytest.mark.thorough
def test_predictions_go_to_a_new_csv_file_whole_and_never_over_a_users_file(trained_model, tmp_path, capsys):
    _, model_path = trained_model
    review_file = tmp_path / "reviews.txt"
    review_file.write_text('wonderful, "truly" wonderful\nawful word3 awful\n')
    output = tmp_path / "predictions.csv"
    completed = run_in_process(capsys, predict.main, model_path, "--file", str(review_file), "--output", str(output))
    assert completed.returncode == 0, completed.stderr
    with open(output, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["text", "predicted_class", "probability"]
    assert [row[:2] for row in rows[1:]] == [['wonderful, "truly" wonderful', "pos"], ["awful word3 awful", "neg"]]
    assert all(0.5 <= float(row[2]) <= 1 for row in rows[1:])
    again = run_in_process(capsys, predict.main, model_path, "a text", "--output", str(output))
    assert again.returncode == 2 and "exists" in one_error_line(again)
    assert list(csv.reader(open(output, newline="", encoding="utf-8"))) == rows
