"""A user's mistake is one line that says what to do, before any long work: flags, corpora, models, backends."""

import os
import shutil
import subprocess
import sys
import tarfile
import types

import numpy as np
import pytest

import baseline
import cnn_lstm
import common
import lstm_simple
import predict
from conftest import (
    ROOT,
    SMALL_RUN,
    exit_code_of,
    lstm_args,
    one_error_line,
    run_in_process,
    run_script,
    user_environment,
    write_corpus,
    write_files,
)
from helpers import flags, folders, saving, shell, startup
from helpers.shell import UsageError


def textdata_notice(line):

    return bool(startup.START_UP_NOTICE.match(line))


@pytest.mark.parametrize(
    "argv",
    [
        ["--seed", "4294967295", "--runs", "2"],
        ["--seed", "99999999999999999999"],
        ["--epochs", "99999999999999999999"],
        ["--top-words", "10000000000"],
        ["--max-len", "100000000000"],
        ["--batch-size", "99999999999"],
    ],
)
def test_numbers_a_run_cannot_use_are_refused_by_the_parser(argv, tmp_path, capsys):
    completed = run_in_process(capsys, lstm_simple.main, "--data-dir", str(tmp_path / "never read"), *argv)
    assert completed.returncode == 2
    line = one_error_line(completed)
    assert "error:" in line and "too short" not in line and "does not exist" not in line


def test_a_corpus_of_empty_texts_is_one_line_for_every_script(tmp_path, capsys):
    for split in ("train", "test"):
        for label in ("a", "b"):
            folder = tmp_path / "empty" / split / label
            folder.mkdir(parents=True)
            (folder / "1.txt").write_text("")
            (folder / "2.txt").write_text(" ... ")
    assert exit_code_of(baseline.main, ["--data-dir", str(tmp_path / "empty"), "--verbose", "0"]) == 2
    assert "hold no words" in capsys.readouterr().err


def test_a_limit_below_the_number_of_classes_is_refused(tmp_path, capsys):
    corpus = write_corpus(tmp_path / "three", class_names=("neg", "pos", "mixed"), reviews_per_class=5)
    assert exit_code_of(lstm_simple.main, ["--data-dir", corpus, "--limit", "2"] + SMALL_RUN) == 2
    assert "--limit 2 is fewer texts than the 3 classes" in capsys.readouterr().err


def test_every_class_gets_validation_texts_and_one_too_small_is_named(capsys, tmp_path):
    labels = np.array([0] * 50 + [1] * 4, np.int32)
    sequences = [np.array([1, index + 4], np.int32) for index in range(len(labels))]
    _, (_, validation_labels) = common.hold_out_validation(sequences, labels, 0.1, 0, ["big", "small"])
    assert np.bincount(validation_labels).tolist() == [5, 1]  # round(0.4) would give the small class none

    layout = {f"{s}/big/{n}.txt": "word" for s in ("train", "test") for n in range(5)}
    layout.update({"train/tiny/1.txt": "one", "test/tiny/1.txt": "one"})
    corpus = write_files(tmp_path / "data", layout)
    assert exit_code_of(lstm_simple.main, ["--data-dir", corpus, "--validation-split", "0.5"] + SMALL_RUN) == 2
    assert "class 'tiny' has 1 training text" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--patience", "3"], "--patience needs validation texts to watch"),
        (["--plateau-patience", "1"], "--plateau-patience needs validation texts to watch"),
        (["--monitor", "val_macro_f1"], "--monitor needs validation texts to watch"),
        (["--literal", "--validation-split", "0.1", "--plateau-patience", "2"], "--plateau-patience would do nothing"),
        (["--save", ""], "an empty path"),
        (["--results-dir", ""], "an empty path"),
        (["--data-dir", ""], "an empty path"),
    ],
)
def test_a_flag_that_would_do_nothing_is_refused(argv, expected, tmp_path, capsys):
    if "--data-dir" not in argv:
        argv = ["--data-dir", str(tmp_path / "never read")] + argv
    assert exit_code_of(lstm_simple.main, argv) == 2
    assert expected in capsys.readouterr().err


@pytest.mark.slow
def test_an_unreadable_corpus_or_model_says_it_cannot_be_read(small_corpus, saved_model, tmp_path, monkeypatch):
    # As root (CI) a chmod does not stop reading, so the refusal is what the OS would raise.
    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied", "data.tar.gz")

    archive = tmp_path / "data.tar.gz"
    with tarfile.open(archive, "w:gz") as handle:
        handle.add(small_corpus, arcname="data")
    monkeypatch.setattr(tarfile, "open", refused)
    with pytest.raises(shell.UsageError, match="Permission denied: data.tar.gz; check its permissions"):
        folders.read_corpus(str(archive))[0]
    monkeypatch.undo()

    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: mode != os.R_OK and real_access(path, mode))
    with pytest.raises(shell.UsageError, match="cannot be read"):
        predict.load_serving_model(str(saved_model))


@pytest.mark.slow
@pytest.mark.thorough
def test_a_users_mistake_is_one_line_from_the_shell(tmp_path):
    mistake = run_script("lstm_simple.py", "--data-dir", str(tmp_path / "nowhere"))
    assert mistake.returncode == 2 and "does not exist" in one_error_line(mistake)


@pytest.mark.slow
@pytest.mark.thorough
def test_a_cnn_lstm_run_prints_no_start_up_notices(small_corpus, tmp_path):
    """None of TensorFlow's start-up notices reaches a user (test_template.py checks a copied lstm_simple.py's)."""
    run = run_script("cnn_lstm.py", "--data-dir", small_corpus, *SMALL_RUN, env={"KERAS_HOME": str(tmp_path / "k")})
    assert run.returncode == 0, run.stderr
    notices = [line for line in run.stderr.splitlines() if textdata_notice(line)]
    assert notices == [], run.stderr


def test_the_baseline_advises_a_validation_split_of_0_when_a_class_has_one_text(tmp_path, capsys):
    files = {
        "train/a/1.txt": "x y",
        "train/b/1.txt": "y z",
        "train/b/2.txt": "z",
        "test/a/1.txt": "x",
        "test/b/1.txt": "y",
    }
    completed = run_in_process(capsys, baseline.main, "--data-dir", write_files(tmp_path / "data", files))
    assert completed.returncode == 2 and "give --validation-split 0" in one_error_line(completed)


@pytest.mark.slow
@pytest.mark.thorough
def test_a_keras_backend_that_cannot_start_is_one_line():
    completed = subprocess.run(
        [sys.executable, "lstm_simple.py", "--help"], cwd=ROOT, capture_output=True, text=True,
        env=user_environment(KERAS_BACKEND="jaxx"),
    )  # fmt: skip
    assert completed.returncode == 2 and "check KERAS_BACKEND" in one_error_line(completed)


@pytest.mark.slow
@pytest.mark.parametrize("configuration", [[], ["--literal"]])
def test_a_max_len_too_short_for_the_cnn_is_one_line(small_corpus, configuration, capsys):
    code = exit_code_of(cnn_lstm.main, ["--data-dir", small_corpus, "--max-len", "1"] + SMALL_RUN[:2] + configuration)
    error = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in error and "--max-len 1 is too short" in error


@pytest.mark.slow
@pytest.mark.parametrize("damaged", ["saved_model.pb", "variables/variables.index"])
def test_a_damaged_serving_model_is_one_line(saved_model, tmp_path, damaged, capsys):
    import predict

    folder = tmp_path / "copy"
    shutil.copytree(saved_model, folder)
    path = folder / saving.SERVING_FOLDER / damaged
    path.write_bytes(path.read_bytes()[:500])
    assert exit_code_of(predict.main, [str(folder), "a text"]) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "is damaged" in error and "not found" not in error.lower()


def test_a_keras_habit_a_path_without_its_flag_and_a_string_for_a_boolean_are_one_line(small_corpus, tmp_path, capsys):
    """--save my_model.keras (a folder here), the data's path without --data, MASK_PADDING = "False"."""
    completed = run_in_process(capsys, lstm_simple.main, "--save", str(tmp_path / "my_model.keras"))
    assert completed.returncode == 2 and "--save takes a folder" in one_error_line(completed)
    completed = run_in_process(capsys, lstm_simple.main, small_corpus)
    assert completed.returncode == 2 and "to read your texts, give --data PATH" in one_error_line(completed)
    with pytest.raises(UsageError, match="MASK_PADDING = 'False' at the top of the script: give True or False"):
        common.model_config(lstm_args("--data", small_corpus), types.SimpleNamespace(train_labels=[0]), "False")


def test_main_without_arguments_in_a_notebook_reads_no_flags_from_the_kernels_command_line(monkeypatch):
    """Jupyter starts its kernel as "python -m ipykernel_launcher -f kernel.json": those are not the script's."""
    monkeypatch.setattr(sys, "argv", ["ipykernel_launcher.py", "-f", "/tmp/kernel-1.json"])
    args = flags.parse(None, lstm_simple.__file__, lstm_simple.__doc__, flags.Recipe.of_script(vars(lstm_simple)))
    assert args.argv == [] and args.epochs == lstm_simple.EPOCHS


def test_monitoring_the_macro_f1_of_one_label_a_text_is_one_line(small_corpus, capsys):
    argv = ["--data-dir", small_corpus, "--validation-split", "0.2", "--monitor", "val_macro_f1", "--epochs", "1"]
    code = exit_code_of(lstm_simple.main, argv)
    error = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in error and "--monitor val_macro_f1 needs several labels a text" in error
