"""predict.py's --output: checked before the model loads, written as its name says, '-' for standard output."""

import csv
import io
import os

import pytest

import predict
from conftest import one_error_line, run_in_process


@pytest.fixture
def no_model_loading(monkeypatch):
    """A model loaded would mean the output was checked too late: after seconds or minutes of work."""

    def loaded_too_early(path):
        raise AssertionError("the model was loaded before the output was checked")

    monkeypatch.setattr(predict, "load_serving_model", loaded_too_early)


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("new folder/", "names a folder; give a file name, such as new folder/out.csv (the folder created first)"),
        ("missing/out.csv", "missing does not exist; create it"),
        ("a file/out.csv", "a file is a file, not a folder; give another path"),
        (".", "names a folder; give a file name, such as ./out.csv"),
        ("out.json", "predictions are written as .csv, .tsv or .jsonl (each also .gz); give such a name"),
        ("out.txt", "predictions are written as .csv, .tsv or .jsonl"),
    ],
)
def test_an_output_that_cannot_be_written_as_named_is_refused_before_the_model_loads(
    tmp_path, capsys, monkeypatch, no_model_loading, output, expected
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a file").write_text("the user's")
    completed = run_in_process(capsys, predict.main, "model", "a text", "--output", output)
    assert completed.returncode == 2 and f"--output {output}" in one_error_line(completed)
    assert expected in completed.stderr
    assert sorted(os.listdir(tmp_path)) == ["a file"]


@pytest.mark.slow
def test_output_dash_writes_the_table_to_standard_output_and_no_file(tmp_path, capsys, monkeypatch, saved_model):
    monkeypatch.chdir(tmp_path)
    completed = run_in_process(
        capsys, predict.main, str(saved_model), "A wonderful film", "awful, awful", "--output", "-"
    )
    assert completed.returncode == 0, completed.stderr
    rows = list(csv.reader(io.StringIO(completed.stdout)))
    assert rows[0] == ["text", "predicted_class", "probability"]
    assert [row[0] for row in rows[1:]] == ["A wonderful film", "awful, awful"] and len(rows) == 3
    assert os.listdir(tmp_path) == []


def test_probabilities_are_json_numbers_in_jsonl_and_six_decimals_in_csv_and_nan_is_null(tmp_path, capsys):
    import json
    import types

    model = types.SimpleNamespace(thresholds=None)  # a model of one class a text: prediction_columns needs no more
    predictions = [("pos", 0.99999994), ("neg", 1e-06), ("neg", float("nan"))]
    texts = ["good", "bad", "odd"]
    predict.write_predictions(str(tmp_path / "out.jsonl"), texts, None, predictions, model)
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [row["probability"] for row in rows] == [1.0, 1e-06, None]
    assert [row["predicted_class"] for row in rows] == ["pos", "neg", "neg"]
    predict.write_predictions(str(tmp_path / "out.csv"), texts, None, predictions, model)
    with open(tmp_path / "out.csv", encoding="utf-8", newline="") as handle:
        written = list(csv.reader(handle))
    assert [row[2] for row in written] == ["probability", "1.000000", "0.000001", ""]

    several = types.SimpleNamespace(thresholds=[0.5, 0.5], class_names=["joy", "love"], separator=",")
    predictions = [("joy,love", [0.9, 0.8]), ("", [0.1, 0.2])]
    predict.write_predictions(str(tmp_path / "labels.jsonl"), ["both", "none"], None, predictions, several)
    rows = [json.loads(line) for line in (tmp_path / "labels.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [row["predicted_labels"] for row in rows] == [["joy", "love"], []]  # lists, as a JSONL table gives them
    assert rows[0]["probability_love"] == 0.8
