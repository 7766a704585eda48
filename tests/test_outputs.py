"""What a run writes (--save, --results-dir, the cache) is written whole, with the umask, never over a user's file."""

import json
import os
import stat
import types

import pytest

import lstm_simple
from conftest import SMALL_RUN, exit_code_of, file_contents, one_error_line, run_in_process, write_corpus, write_files
from helpers import cache, files, records, saving


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.slow
@pytest.mark.thorough
def test_runs_of_any_corpus_and_flags_share_a_results_folder_and_no_record_is_written_over(
    small_corpus, tmp_path, capsys
):
    other_corpus = write_corpus(tmp_path / "other", reviews_per_class=20, seed=9)
    results = tmp_path / "runs"
    results.mkdir()
    (results / "lstm_simple-default-seed7.json").write_text("another run's record")  # the first run's name, taken
    (results / "lstm_simple-default-seed7-2.json").mkdir()  # and its next one, by a folder
    for corpus in (small_corpus, other_corpus, small_corpus):
        argv = ["--data-dir", corpus, "--results-dir", str(results), *SMALL_RUN]
        completed = run_in_process(capsys, lstm_simple.main, *argv)
        assert completed.returncode == 0, completed.stderr
    assert (results / "lstm_simple-default-seed7.json").read_text() == "another run's record"
    names = sorted(os.listdir(results))
    assert names == [f"lstm_simple-default-seed7{suffix}.json" for suffix in ("-2", "-3", "-4", "-5", "")]
    sources = [json.load(open(results / name))["data"] for name in names[1:4]]
    assert sources == [os.path.abspath(corpus) for corpus in (small_corpus, other_corpus, small_corpus)]


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


@pytest.mark.slow
@pytest.mark.thorough
def test_the_record_counts_the_texts_trained_on_apart_from_those_held_out(small_corpus, tmp_path):
    results = tmp_path / "runs"
    lstm_simple.main(
        ["--data-dir", small_corpus, "--validation-split", "0.2", "--results-dir", str(results)] + SMALL_RUN
    )
    (name,) = os.listdir(results)
    record = json.loads((results / name).read_text())
    assert record["validation_reviews"] == 12 and record["train_reviews"] == 60 - 12


def test_save_under_a_file_says_that_the_file_is_no_folder(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    argv = ["--data-dir", str(tmp_path / "never read"), "--save", str(afile / "sub")]
    assert exit_code_of(lstm_simple.main, argv) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


@pytest.mark.parametrize("theirs", [saving.MODEL_FILE, f"{saving.SERVING_FOLDER}/notes.txt", saving.SERVING_FOLDER])
def test_a_users_own_model_or_serving_folder_is_never_replaced(theirs, tmp_path, capsys):
    folder = tmp_path / "userdir"
    write_files(folder, {theirs: "the user's own file"})
    completed = run_in_process(
        capsys, lstm_simple.main, "--data-dir", str(tmp_path / "not read"), "--save", str(folder)
    )
    assert completed.returncode == 2 and "that --save did not write" in one_error_line(completed)
    assert file_contents(folder) == {theirs: b"the user's own file"}


@pytest.mark.parametrize("flag", ["--save", "--results-dir"])
def test_an_output_named_with_a_slash_after_a_file_is_refused_before_loading(flag, tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    completed = run_in_process(capsys, lstm_simple.main, "--data-dir", str(tmp_path / "never read"), flag, f"{afile}/")
    assert completed.returncode == 2 and "is a file" in one_error_line(completed) and "Reading" not in completed.stdout


@pytest.mark.slow
@pytest.mark.thorough
def test_saving_again_replaces_only_what_save_wrote_and_keeps_the_users_files(small_corpus, tmp_path):
    folder = tmp_path / "prev"
    lstm_simple.main(["--data-dir", small_corpus, "--save", str(folder)] + SMALL_RUN)
    (folder / "NOTES.txt").write_text("my notes")
    os.chmod(folder, 0o755)
    lstm_simple.main(["--data-dir", small_corpus, "--save", str(folder), "--seed", "8"] + SMALL_RUN)
    assert sorted(os.listdir(folder)) == sorted(["NOTES.txt", saving.MODEL_FILE, saving.SERVING_FOLDER])
    assert (folder / "NOTES.txt").read_text() == "my notes" and mode_of(folder) == 0o755


def test_a_model_file_that_save_did_not_write_is_refused_before_loading_data(tmp_path, capsys):
    folder = tmp_path / "theirs"
    folder.mkdir()
    (folder / saving.MODEL_FILE).write_bytes(b"someone's model")
    code = exit_code_of(lstm_simple.main, ["--data-dir", str(tmp_path / "not read"), "--save", str(folder)])
    assert code == 2 and "did not write" in capsys.readouterr().err
    assert (folder / saving.MODEL_FILE).read_bytes() == b"someone's model"


def test_a_results_dir_that_is_a_file_is_refused_before_the_data_is_loaded(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    code = exit_code_of(lstm_simple.main, ["--data-dir", str(tmp_path / "never read"), "--results-dir", str(afile)])
    captured = capsys.readouterr()
    assert code == 2 and "--results-dir" in captured.err and "is a file" in captured.err
    assert "free space" not in captured.err and "Reading" not in captured.out


@pytest.mark.slow
@pytest.mark.thorough
def test_a_record_that_cannot_be_written_does_not_cost_the_saved_model(small_corpus, tmp_path, monkeypatch, capsys):
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")  # as write() raises it: no file named

    monkeypatch.setattr(records, "json", types.SimpleNamespace(dump=full_disk))
    argv = ["--data-dir", small_corpus, "--save", str(tmp_path / "model"), "--results-dir", str(tmp_path / "runs")]
    assert exit_code_of(lstm_simple.main, argv + SMALL_RUN) == 2
    assert os.path.exists(tmp_path / "model" / saving.MODEL_FILE)
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "free some space" in error
    assert f"could not write the run record into {tmp_path / 'runs'}" in error  # the folder, where no file is named


@pytest.mark.slow
@pytest.mark.thorough
def test_saved_models_caches_and_records_follow_the_umask(small_corpus, tmp_path):
    previous = os.umask(0o002)
    try:
        lstm_simple.main(
            ["--data-dir", small_corpus, "--save", str(tmp_path / "model"), "--results-dir", str(tmp_path / "runs")]
            + SMALL_RUN
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
