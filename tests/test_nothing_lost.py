"""Nothing lost, second pass: each case a careful but hostile user broke, kept by a test named for the promise."""

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile

import numpy as np
import pytest

import baseline
import common
import lstm_simple
import predict
from conftest import (
    ROOT,
    SMALL_RUN,
    exit_code_of,
    one_error_line,
    run_in_process,
    run_script,
    user_environment,
    write_corpus,
    write_files,
)
from helpers import cache, files, folders, report, saving, shell, startup, texts

QUICK = SMALL_RUN


def copy_of(folder, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    return copy


# Something of the user's lost


@pytest.mark.slow
def test_runs_of_any_corpus_and_flags_share_a_results_folder_and_no_record_is_written_over(
    small_corpus, tmp_path, capsys
):
    other_corpus = write_corpus(tmp_path / "other", reviews_per_class=20, seed=9)
    results = tmp_path / "runs"
    results.mkdir()
    (results / "lstm_simple-default-seed7.json").write_text("another run's record")  # the first run's name, taken
    (results / "lstm_simple-default-seed7-2.json").mkdir()  # and its next one, by a folder
    for corpus in (small_corpus, other_corpus, small_corpus):
        argv = ["--data-dir", corpus, "--results-dir", str(results), *QUICK]
        completed = run_in_process(capsys, lstm_simple.main, *argv)
        assert completed.returncode == 0, completed.stderr
    assert (results / "lstm_simple-default-seed7.json").read_text() == "another run's record"
    names = sorted(os.listdir(results))
    assert names == [f"lstm_simple-default-seed7{suffix}.json" for suffix in ("-2", "-3", "-4", "-5", "")]
    sources = [json.load(open(results / name))["data"] for name in names[1:4]]
    assert sources == [os.path.abspath(corpus) for corpus in (small_corpus, other_corpus, small_corpus)]


@pytest.mark.slow
@pytest.mark.parametrize("script", ["lstm_simple.py", "predict.py"])
def test_ctrl_c_while_the_libraries_import_stops_the_run_and_keeps_an_earlier_save(
    script, saved_model, tmp_path, small_corpus
):
    earlier = copy_of(saved_model, tmp_path)
    model_bytes = (earlier / saving.MODEL_FILE).read_bytes()
    argv = (
        ["--data-dir", small_corpus, "--save", str(earlier)] + QUICK
        if script == "lstm_simple.py"
        else [str(earlier), "a text"]
    )
    # The script runs as from the shell (its file is __main__); the interrupt lands as startup.py is about to
    # import TensorFlow, seconds before the run begins.
    program = (
        "import os, runpy, signal, sys\n"
        "class InterruptAtTensorFlow:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'tensorflow':\n"
        "            sys.meta_path.remove(self)\n"
        "            os.kill(os.getpid(), signal.SIGINT)\n"
        "sys.meta_path.insert(0, InterruptAtTensorFlow())\n"
        f"sys.argv = [{script!r}] + sys.argv[1:]\n"
        f"runpy.run_path({script!r}, run_name='__main__')\n"
    )
    completed = run_script("-c", program, *argv, env={"KERAS_HOME": str(tmp_path / "keras_home")})
    # Died of SIGINT, as a shell loop around it needs to stop too (the shell reports 130).
    assert completed.returncode == -signal.SIGINT, completed.stderr
    assert one_error_line(completed).endswith(": interrupted; nothing unfinished was saved")
    assert (earlier / saving.MODEL_FILE).read_bytes() == model_bytes
    assert "Training completed" not in completed.stdout


def test_the_cache_costs_the_words_own_length_not_the_longest_words(tmp_path):
    corpus = write_corpus(tmp_path / "data", reviews_per_class=20, seed=2)
    with open(os.path.join(corpus, "train", "pos", "long.txt"), "w") as handle:
        handle.write("wonderful " + "x" * 10_000)  # one 10,000-character token, as a base64 attachment
    dataset = texts.load_own_texts(corpus)
    (cache_file,) = os.listdir(cache.cache_dir())
    # Fixed-width strings would cost 4 bytes x 10,000 characters for each of the ~300 words: 12 MB.
    assert os.path.getsize(os.path.join(cache.cache_dir(), cache_file)) < 100_000
    again = texts.load_own_texts(corpus)
    assert again.vocabulary == dataset.vocabulary and "x" * 10_000 in again.vocabulary


# A whole run wasted: an output found bad only after training


@pytest.mark.parametrize("flag", ["--save", "--results-dir"])
def test_a_link_to_nothing_as_an_output_is_refused_before_loading(flag, tmp_path, capsys):
    link = tmp_path / "output"
    os.symlink(tmp_path / "nowhere", link)
    assert exit_code_of(lstm_simple.main, ["--data-dir", str(tmp_path / "never read"), flag, str(link)]) == 2
    assert "link to nothing" in capsys.readouterr().err


def test_a_failed_rename_names_the_users_path_not_the_temporary_one(tmp_path):
    target = tmp_path / "record.json"
    target.mkdir()
    with pytest.raises(OSError) as error_info:
        with files.written_whole(str(target)) as (temporary,):
            open(temporary, "w").close()
    assert error_info.value.filename == str(target)


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


# Tracebacks


def test_a_corpus_of_empty_texts_is_one_line_for_every_script(tmp_path, capsys):
    for split in ("train", "test"):
        for label in ("a", "b"):
            folder = tmp_path / "empty" / split / label
            folder.mkdir(parents=True)
            (folder / "1.txt").write_text("")
            (folder / "2.txt").write_text(" ... ")
    assert exit_code_of(baseline.main, ["--data-dir", str(tmp_path / "empty"), "--verbose", "0"]) == 2
    assert "hold no words" in capsys.readouterr().err


def test_a_cache_with_labels_out_of_range_is_rebuilt(small_corpus, capsys):
    first = texts.load_own_texts(small_corpus)
    (name,) = os.listdir(cache.cache_dir())
    cache_file = os.path.join(cache.cache_dir(), name)
    with np.load(cache_file) as cached:
        arrays = dict(cached)
    arrays["test_labels"] = arrays["test_labels"] + 10
    with open(cache_file, "wb") as handle:
        np.savez(handle, **arrays)
    again = texts.load_own_texts(small_corpus)
    assert "rebuilding it" in capsys.readouterr().err
    assert again.test_labels.tolist() == first.test_labels.tolist()


@pytest.mark.slow
def test_a_closed_standard_output_does_not_stop_training_or_saving(small_corpus, tmp_path):
    folder = tmp_path / "model"
    command = [sys.executable, "lstm_simple.py", "--data-dir", small_corpus, "--save", str(folder)] + QUICK
    environment = user_environment(KERAS_HOME=str(tmp_path / "keras_home"))
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment)
    process.stdout.readline()
    process.stdout.close()  # `... | head -1`
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=300) == 0, stderr
    assert stderr == "" and os.path.exists(folder / saving.MODEL_FILE)


@pytest.mark.slow
def test_predict_ends_quietly_when_its_reader_has_gone(saved_model, tmp_path):
    texts = tmp_path / "texts.txt"
    texts.write_text("a fine text\n" * 5000)
    command = [sys.executable, "predict.py", str(saved_model), "--file", str(texts)]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=user_environment()
    )
    process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0 and stderr == ""


# Silent wrong behaviour


def test_a_class_named_unsup_is_a_class_and_only_a_training_only_one_is_left_out(tmp_path, capsys):
    both = write_files(tmp_path / "both", {f"{s}/{c}/1.txt": "x" for s in ("train", "test") for c in ("a", "unsup")})
    assert folders.read_corpus(both)[0].class_names == ["a", "unsup"]
    stanford = write_files(
        tmp_path / "stanford",
        {**{f"{s}/{c}/1.txt": "x" for s in ("train", "test") for c in ("neg", "pos")}, "train/unsup/1.txt": "x"},
    )
    assert folders.read_corpus(stanford)[0].class_names == ["neg", "pos"]
    assert "left out train/unsup" in capsys.readouterr().err


def test_hidden_files_are_not_read_as_texts_and_are_counted(tmp_path, capsys):
    layout = {f"{s}/{c}/1.txt": "word" for s in ("train", "test") for c in ("a", "b")}
    layout["train/a/._1.txt"] = b"\x00\x05\x16\x07Mac OS X junk\xff"
    layout["train/b/.hidden.txt"] = "hidden"
    corpus = folders.read_corpus(write_files(tmp_path / "data", layout))[0]
    error = capsys.readouterr().err
    assert len(corpus.train_texts) == 2 and "not valid UTF-8" not in error
    assert "left out 2 hidden files or folders" in error


def test_linked_class_folders_and_texts_in_subfolders_are_read(tmp_path):
    layout = {f"{s}/a/1.txt": "word" for s in ("train", "test")}
    layout.update({"test/b/1.txt": "word", "train/b/2019/1.txt": "nested", "train/b/2019/q1/2.txt": "deeper"})
    layout.update({"elsewhere/1.txt": "linked", "elsewhere/2.txt": "linked"})
    root = tmp_path / "data"
    write_files(root, layout)
    os.symlink(root / "elsewhere", root / "train" / "c")
    os.symlink(root / "elsewhere", root / "test" / "c")
    corpus = folders.read_corpus(str(root))[0]
    assert corpus.class_names == ["a", "b", "c"]
    assert np.bincount(corpus.train_labels).tolist() == [1, 2, 2]


def test_a_tar_cut_at_a_member_boundary_is_refused_and_a_repeated_member_counts_once(small_corpus, tmp_path):
    whole = tmp_path / "whole.tar"
    with tarfile.open(whole, "w") as archive:
        archive.add(small_corpus, arcname="data")
    with tarfile.open(whole) as archive:
        last = archive.getmembers()[-1]
    cut = tmp_path / "cut.tar"
    cut.write_bytes(whole.read_bytes()[: last.offset])  # ends right before the last member's header
    with pytest.raises(shell.UsageError, match="cut short"):
        folders.read_corpus(str(cut))[0]

    twice = tmp_path / "twice.tar"
    with tarfile.open(twice, "w") as archive:
        archive.add(small_corpus, arcname="data")
        archive.add(os.path.join(small_corpus, "train", "pos", "0_pos.txt"), arcname="data/train/pos/0_pos.txt")
    assert len(folders.read_corpus(str(twice))[0].train_texts) == 60


def test_a_limit_below_the_number_of_classes_is_refused(tmp_path, capsys):
    corpus = write_corpus(tmp_path / "three", class_names=("neg", "pos", "mixed"), reviews_per_class=5)
    assert exit_code_of(lstm_simple.main, ["--data-dir", corpus, "--limit", "2"] + QUICK) == 2
    assert "--limit 2 is fewer texts than the 3 classes" in capsys.readouterr().err


def test_every_class_gets_validation_texts_and_one_too_small_is_named(capsys, tmp_path):
    labels = np.array([0] * 50 + [1] * 4, np.int32)
    sequences = [np.array([1, index + 4], np.int32) for index in range(len(labels))]
    _, (_, validation_labels) = common.hold_out_validation(sequences, labels, 0.1, 0, ["big", "small"])
    assert np.bincount(validation_labels).tolist() == [5, 1]  # round(0.4) would give the small class none

    layout = {f"{s}/big/{n}.txt": "word" for s in ("train", "test") for n in range(5)}
    layout.update({"train/tiny/1.txt": "one", "test/tiny/1.txt": "one"})
    corpus = write_files(tmp_path / "data", layout)
    assert exit_code_of(lstm_simple.main, ["--data-dir", corpus, "--validation-split", "0.5"] + QUICK) == 2
    assert "class 'tiny' has 1 training text" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--patience", "3"], "--patience needs a validation loss"),
        (["--plateau-patience", "1"], "--plateau-patience needs a validation loss"),
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
def test_the_record_counts_the_texts_trained_on_apart_from_those_held_out(small_corpus, tmp_path):
    results = tmp_path / "runs"
    lstm_simple.main(["--data-dir", small_corpus, "--validation-split", "0.2", "--results-dir", str(results)] + QUICK)
    (name,) = os.listdir(results)
    record = json.loads((results / name).read_text())
    assert record["validation_reviews"] == 12 and record["train_reviews"] == 60 - 12


# Wrong advice


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


def test_save_under_a_file_says_that_the_file_is_no_folder(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    argv = ["--data-dir", str(tmp_path / "never read"), "--save", str(afile / "sub")]
    assert exit_code_of(lstm_simple.main, argv) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


# Noise around the one line


@pytest.mark.slow
def test_a_users_mistake_is_one_line_and_a_run_prints_no_start_up_notices(small_corpus, tmp_path):
    mistake = run_script("lstm_simple.py", "--data-dir", str(tmp_path / "nowhere"))
    assert mistake.returncode == 2 and "does not exist" in one_error_line(mistake)
    run = run_script("cnn_lstm.py", "--data-dir", small_corpus, *QUICK, env={"KERAS_HOME": str(tmp_path / "k")})
    assert run.returncode == 0, run.stderr
    notices = [line for line in run.stderr.splitlines() if textdata_notice(line)]
    assert notices == [], run.stderr


def textdata_notice(line):
    from helpers import startup

    return bool(startup.START_UP_NOTICE.match(line))


def test_the_report_fits_a_terminal_with_many_long_or_wide_class_names(capsys):
    for names in ([f"comp.sys.ibm.pc.hardware.{index}" for index in range(20)], ["体育", "经济新闻", "sport"]):
        confusion = (np.eye(len(names), dtype=int) * 1000).tolist()
        test = {
            "accuracy": 1.0,
            "class_precision": dict.fromkeys(names, 1.0),
            "class_accuracy": dict.fromkeys(names, 1.0),
            "confusion_matrix": confusion,
        }
        report.print_each_class(test, names)
        lines = capsys.readouterr().out.splitlines()
        widths = [report._display_width(line) for line in lines]
        assert max(widths) <= 120
        matrix = lines[len(names) + 2 : 2 * len(names) + 3]
        assert len({report._display_width(line) for line in matrix}) == 1  # every row as wide: aligned


def test_a_class_name_with_a_line_break_or_a_tab_is_shown_escaped_on_one_line_of_the_summary_and_report(capsys):
    names = ["line one\nline two", "tab\there", "plain"]
    dataset = texts.encode_lists(["a b", "c d", "e f"], names, ["a", "c", "e"], names)
    report.print_data_summary(report.summarize_data(dataset, 100, 10), 10)
    summary = capsys.readouterr().out.splitlines()
    assert dataset.class_names == ["line one\nline two", "plain", "tab\there"]
    assert [line[:22] for line in summary[1:4]] == [
        "  line one\\nline two  ",
        "  plain               ",
        "  tab\\there           ",
    ]
    confusion = np.eye(3, dtype=int).tolist()
    test = {"class_precision": dict.fromkeys(names, 1.0), "class_accuracy": dict.fromkeys(names, 1.0)}
    report.print_each_class(test | {"confusion_matrix": confusion}, names)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + 3 + 1 + 1 + 3 and "\t" not in "".join(lines)  # header, classes, title, columns, rows
    assert lines[-3].split()[0] == "line" and lines[-3].split()[1:3] == ["one\\nline", "two"]
    assert len({report._display_width(line) for line in lines[-3:]}) == 1  # the rows of the matrix line up


def test_standard_output_that_lost_its_reader_drops_writes(tmp_path):
    read_end, write_end = os.pipe()
    stream = io.TextIOWrapper(os.fdopen(write_end, "wb"), write_through=True)
    guarded = startup.StdoutThatOutlivesItsReader(stream)
    os.close(read_end)
    guarded.write("nobody reads this\n")
    guarded.flush()
    assert guarded.reader_gone
