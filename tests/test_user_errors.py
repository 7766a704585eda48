"""Nothing lost, nothing cryptic: what a careless or unlucky user does gets one line, and no file of theirs is lost."""

import os
import shutil
import signal
import stat
import subprocess
import sys
import types
import zipfile

import pytest

import cnn_lstm
import lstm_simple
from conftest import (
    ROOT,
    SMALL_RUN,
    exit_code_of,
    one_error_line,
    run_in_process,
    user_environment,
    write_files,
)
from helpers import cache, folders, records, saving, shell, texts, training

QUICK = SMALL_RUN


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


# 1. --save never removes a file it did not write


@pytest.mark.slow
def test_saving_again_replaces_only_what_save_wrote_and_keeps_the_users_files(small_corpus, tmp_path):
    folder = tmp_path / "prev"
    lstm_simple.main(["--data-dir", small_corpus, "--save", str(folder)] + QUICK)
    (folder / "NOTES.txt").write_text("my notes")
    os.chmod(folder, 0o755)
    lstm_simple.main(["--data-dir", small_corpus, "--save", str(folder), "--seed", "8"] + QUICK)
    assert sorted(os.listdir(folder)) == sorted(["NOTES.txt", saving.MODEL_FILE, saving.SERVING_FOLDER])
    assert (folder / "NOTES.txt").read_text() == "my notes" and mode_of(folder) == 0o755


def test_a_model_file_that_save_did_not_write_is_refused_before_loading_data(tmp_path, capsys):
    folder = tmp_path / "theirs"
    folder.mkdir()
    (folder / saving.MODEL_FILE).write_bytes(b"someone's model")
    code = exit_code_of(lstm_simple.main, ["--data-dir", str(tmp_path / "not read"), "--save", str(folder)])
    assert code == 2 and "did not write" in capsys.readouterr().err
    assert (folder / saving.MODEL_FILE).read_bytes() == b"someone's model"


# 2. Every output path is checked before training, and one failed output never costs the others


def test_a_results_dir_that_is_a_file_is_refused_before_the_data_is_loaded(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    code = exit_code_of(lstm_simple.main, ["--data-dir", str(tmp_path / "never read"), "--results-dir", str(afile)])
    captured = capsys.readouterr()
    assert code == 2 and "--results-dir" in captured.err and "is a file" in captured.err
    assert "free space" not in captured.err and "Reading" not in captured.out


@pytest.mark.slow
def test_a_record_that_cannot_be_written_does_not_cost_the_saved_model(small_corpus, tmp_path, monkeypatch, capsys):
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")  # as write() raises it: no file named

    monkeypatch.setattr(records, "json", types.SimpleNamespace(dump=full_disk))
    argv = ["--data-dir", small_corpus, "--save", str(tmp_path / "model"), "--results-dir", str(tmp_path / "runs")]
    assert exit_code_of(lstm_simple.main, argv + QUICK) == 2
    assert os.path.exists(tmp_path / "model" / saving.MODEL_FILE)
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "free some space" in error
    assert f"could not write the run record into {tmp_path / 'runs'}" in error  # the folder, where no file is named


# 3. A damaged cache is rebuilt


@pytest.mark.parametrize("damage", ["truncated", "bit flipped"])
def test_a_damaged_cache_is_rebuilt_not_fatal(small_corpus, damage, capsys):
    first = texts.load_own_texts(small_corpus)
    (cache_file,) = [os.path.join(cache.cache_dir(), name) for name in os.listdir(cache.cache_dir())]
    content = bytearray(open(cache_file, "rb").read())
    if damage == "truncated":
        content = content[: len(content) // 2]
    else:
        content[len(content) // 3] ^= 0xFF
    open(cache_file, "wb").write(bytes(content))
    again = texts.load_own_texts(small_corpus)
    assert [row.tolist() for row in again.train_sequences] == [row.tolist() for row in first.train_sequences]
    assert "could not be read; rebuilding it" in capsys.readouterr().err
    assert zipfile.is_zipfile(cache_file)  # rebuilt in place


# 4. Very short texts are classified, and a --max-len too short for the model is one line


@pytest.mark.slow
def test_cnn_lstm_classifies_a_text_of_one_token(small_corpus, tmp_path, capsys):
    import predict

    cnn_lstm.main(["--data-dir", small_corpus, "--save", str(tmp_path / "cnn")] + QUICK)
    completed = run_in_process(capsys, predict.main, str(tmp_path / "cnn"), "!!!", "wonderful", "🙂")
    assert completed.returncode == 0, completed.stderr
    assert len(completed.stdout.splitlines()) == 3


@pytest.mark.slow
@pytest.mark.parametrize("configuration", [[], ["--literal"]])
def test_a_max_len_too_short_for_the_cnn_is_one_line(small_corpus, configuration, capsys):
    code = exit_code_of(cnn_lstm.main, ["--data-dir", small_corpus, "--max-len", "1"] + QUICK[:2] + configuration)
    error = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in error and "--max-len 1 is too short" in error


# 5. Ctrl-C stops the run wherever it lands, saves nothing unfinished, exits 130


@pytest.mark.slow
def test_an_interrupt_that_a_library_swallows_still_stops_the_run_and_saves_nothing(
    small_corpus, tmp_path, monkeypatch
):
    original = training.RunWatcher.on_epoch_end

    def swallowed_interrupt(self, epoch, logs=None):
        try:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C ...
        except KeyboardInterrupt:
            pass  # ... and what TensorFlow's AtomicFunction.__del__ does with it
        original(self, epoch, logs)

    monkeypatch.setattr(training.RunWatcher, "on_epoch_end", swallowed_interrupt)
    argv = ["--data-dir", small_corpus, "--save", str(tmp_path / "model"), "--results-dir", str(tmp_path / "runs")]
    assert exit_code_of(lstm_simple.main, argv + QUICK) == 130
    assert not os.path.exists(tmp_path / "model")
    assert not os.path.exists(tmp_path / "runs") or os.listdir(tmp_path / "runs") == []


@pytest.mark.slow
def test_ctrl_c_in_the_second_run_stops_it_with_nothing_saved(small_corpus, tmp_path):
    command = [
        sys.executable,
        "lstm_simple.py",
        "--data-dir",
        small_corpus,
        "--runs",
        "2",
        "--save",
        str(tmp_path / "model"),
    ]
    command += ["--epochs", "3", "--max-len", "60", "--top-words", "400", "--verbose", "2"]
    environment = user_environment(PYTHONUNBUFFERED="1", KERAS_HOME=str(tmp_path / "keras_home"))
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
    )
    in_second_run = False
    for line in process.stdout:
        in_second_run = in_second_run or line.startswith("Run 2 of 2")
        if in_second_run and line.startswith("Epoch 1/"):  # Keras starts the second run's training
            process.send_signal(signal.SIGINT)
            break
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == -signal.SIGINT, stderr  # died of it: a shell reports 130
    assert stderr.strip().splitlines()[-1] == "lstm_simple.py: interrupted; nothing unfinished was saved"
    assert not os.path.exists(tmp_path / "model")
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".partial-")]


# 6. A damaged serving model is one line


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


# 7 and 8. One line that says what is wrong and what to give instead


@pytest.mark.parametrize("kind", ["zip", "plain file"])
def test_a_data_dir_that_is_no_archive_is_one_line(tmp_path, kind, capsys):
    path = tmp_path / ("data.zip" if kind == "zip" else "data.txt")
    if kind == "zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("train/a/1.txt", "x")
    else:
        path.write_text("just text")
    completed = run_in_process(capsys, lstm_simple.main, "--data-dir", str(path))
    assert completed.returncode == 2
    line = one_error_line(completed)
    assert ("unpack it first" in line) == (kind == "zip") and "give a folder" in line


def test_two_layouts_in_one_folder_are_named_readably(tmp_path):
    layout = {
        f"{root}{split}/{label}/1.txt": "x" for root in ("", "copy/") for split in ("train", "test") for label in "ab"
    }
    write_files(tmp_path / "data", layout)
    with pytest.raises(shell.UsageError, match=r"\(in the top level, copy\)"):
        folders.read_corpus(str(tmp_path / "data"))[0]


# 9. Outputs get the permissions the user's umask gives


@pytest.mark.slow
def test_saved_models_caches_and_records_follow_the_umask(small_corpus, tmp_path):
    previous = os.umask(0o002)
    try:
        lstm_simple.main(
            ["--data-dir", small_corpus, "--save", str(tmp_path / "model"), "--results-dir", str(tmp_path / "runs")]
            + QUICK
        )
    finally:
        os.umask(previous)
    assert mode_of(tmp_path / "model") == 0o775
    for folder, subfolders, _ in os.walk(tmp_path / "model" / saving.SERVING_FOLDER):
        assert mode_of(folder) == 0o775 and all(mode_of(os.path.join(folder, name)) == 0o775 for name in subfolders)
    saved_files = [os.path.join(folder, name) for folder, _, names in os.walk(tmp_path / "model") for name in names]
    for path in (
        saved_files
        + [tmp_path / "runs" / name for name in os.listdir(tmp_path / "runs")]
        + [os.path.join(cache.cache_dir(), name) for name in os.listdir(cache.cache_dir())]
    ):
        assert mode_of(path) == 0o664, path
