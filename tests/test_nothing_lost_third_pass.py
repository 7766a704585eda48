"""Nothing lost, third pass: stop signals, a user's own files, texts silently dropped or misread, predict.py's input."""

import codecs
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import threading
import unicodedata

import keras
import pytest

import baseline
import lstm_simple
import predict
from conftest import ROOT, SMALL_RUN, one_error_line, run_in_process, user_environment, write_corpus, write_files
from helpers import folders, saving, serving, texts

QUICK = SMALL_RUN


def no_partial_files(folder):
    return not [
        name for _, folders, names in os.walk(folder) for name in names + folders if name.startswith(".partial-")
    ]


def contents(folder):
    """Every file below a folder, by its relative path, with its bytes: a save's model.keras and serving/."""
    return {
        os.path.relpath(os.path.join(place, name), folder): open(os.path.join(place, name), "rb").read()
        for place, _, names in os.walk(folder)
        for name in names
    }


# Losing or corrupting what the user has


@pytest.mark.slow
@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_a_run_as_ctrl_c_does_and_keep_the_earlier_save(signal_number, saved_model, tmp_path):
    earlier = tmp_path / "model"
    shutil.copytree(saved_model, earlier)
    before = contents(earlier)
    corpus = write_corpus(tmp_path / "data", reviews_per_class=300, seed=2)
    command = [sys.executable, "lstm_simple.py", "--data-dir", corpus, "--save", str(earlier), "--epochs", "20"]
    command += ["--max-len", "60", "--top-words", "400", "--verbose", "2"]
    environment = user_environment(PYTHONUNBUFFERED="1", KERAS_HOME=str(tmp_path / "keras_home"))
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
    )
    for line in process.stdout:
        if line.startswith("Epoch 2/"):  # training, well after the imports
            process.send_signal(signal_number)
            break
    _, stderr = process.communicate(timeout=120)
    name = signal.Signals(signal_number).name
    assert process.returncode == -signal_number, stderr  # died of it: a shell reports 128 + its number
    assert stderr.strip().splitlines()[-1] == f"lstm_simple.py: stopped by {name}; nothing unfinished was saved"
    assert contents(earlier) == before
    assert no_partial_files(tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("written", ["model.keras", "serving"])
def test_a_stop_signal_while_the_model_is_written_leaves_the_earlier_save_and_no_partial_files(
    written, saved_model, tmp_path, capsys, monkeypatch
):
    earlier = tmp_path / "model"
    shutil.copytree(saved_model, earlier)
    before = contents(earlier)
    module, function = (saving, "portable") if written == "model.keras" else (serving, "write")
    original = getattr(module, function)

    def terminated_while_saving(*arguments, **options):
        if written == "serving":
            original(*arguments, **options)  # the serving model written whole into its temporary folder...
        os.kill(os.getpid(), signal.SIGTERM)  # ...or not yet: the signal lands inside the writing
        return original(*arguments, **options) if written == "model.keras" else None

    argv = ["--data-dir", write_corpus(tmp_path / "data", reviews_per_class=20), "--save", str(earlier), *QUICK]
    monkeypatch.setattr(module, function, terminated_while_saving)
    completed = run_in_process(capsys, lstm_simple.main, *argv)
    assert completed.returncode == 143
    assert contents(earlier) == before
    assert no_partial_files(tmp_path)


@pytest.mark.parametrize("theirs", [saving.MODEL_FILE, f"{saving.SERVING_FOLDER}/notes.txt", saving.SERVING_FOLDER])
def test_a_users_own_model_or_serving_folder_is_never_replaced(theirs, tmp_path, capsys):
    folder = tmp_path / "userdir"
    write_files(folder, {theirs: "the user's own file"})
    completed = run_in_process(
        capsys, lstm_simple.main, "--data-dir", str(tmp_path / "not read"), "--save", str(folder)
    )
    assert completed.returncode == 2 and "that --save did not write" in one_error_line(completed)
    assert contents(folder) == {theirs: b"the user's own file"}


# Texts silently dropped or misread


def test_every_file_of_a_class_folder_is_a_text_whatever_its_name_ends_with(tmp_path):
    names = ["1.txt", "2.TXT", "3.text", "4", "5.md"]
    files = {
        f"{split}/{label}/{name}": f"{label} text {name}"
        for split in ("train", "test")
        for label in "ab"
        for name in names
    }
    corpus, _ = folders.read_corpus(write_files(tmp_path / "data", files))
    assert len(corpus.train_texts) == len(corpus.test_texts) == 10


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_word(tmp_path):
    bom = codecs.BOM_UTF8
    files = {
        f"{split}/{label}/1.txt": bom + f"Hello {label} world".encode() for split in ("train", "test") for label in "ab"
    }
    dataset = texts.load_own_texts(write_files(tmp_path / "data", files))
    assert "hello" in dataset.vocabulary and not [word for word in dataset.vocabulary if "\ufeff" in word]


def test_names_that_are_not_utf8_or_differ_only_in_unicode_form_are_read(tmp_path):
    root = tmp_path / "data"
    composed, decomposed = unicodedata.normalize("NFC", "café"), unicodedata.normalize("NFD", "café")
    files = {f"train/{composed}/1.txt": "nice cup", f"test/{decomposed}/1.txt": "nice cup"}
    files |= {"train/other/1.txt": "bad day", "test/other/1.txt": "bad day"}
    write_files(root, files)
    undecodable = os.path.join(os.fsencode(root), b"train", b"dlat\xe9")  # Latin-1 bytes, as an old zip leaves them
    os.makedirs(undecodable)
    with open(os.path.join(undecodable, b"1.txt"), "w") as handle:
        handle.write("sweet")
    os.makedirs(os.path.join(os.fsencode(root), b"test", b"dlat\xe9"))
    with open(os.path.join(os.fsencode(root), b"test", b"dlat\xe9", b"1.txt"), "w") as handle:
        handle.write("sweet")
    dataset = texts.load_own_texts(str(root))
    assert dataset.class_names == [composed, "dlat\ufffd", "other"]


def test_hidden_entries_are_never_read_not_even_a_dangling_link_or_an_unreadable_folder(tmp_path, capsys):
    root = write_corpus(tmp_path / "data", reviews_per_class=5)
    os.symlink(os.path.join(root, "nowhere"), os.path.join(root, "train", "pos", ".#3.txt"))  # an Emacs lock
    private = os.path.join(root, "train", "neg", ".private")
    os.makedirs(private)
    os.chmod(private, 0)
    try:
        corpus, _ = folders.read_corpus(root)
    finally:
        os.chmod(private, 0o755)
    assert len(corpus.train_texts) == 10
    assert "left out 2 hidden files or folders" in capsys.readouterr().err  # the link and the folder


def test_the_stanford_downloads_files_beside_the_class_folders_are_left_out_and_counted(tmp_path, capsys):
    root = write_corpus(tmp_path / "aclImdb", reviews_per_class=5)
    beside = ["labeledBow.feat", "urls_neg.txt", "urls_pos.txt"]  # as in aclImdb_v1.tar.gz
    write_files(root, {f"{split}/{name}": "0 1:2" for split in ("train", "test") for name in beside})
    write_files(root, {"train/unsupBow.feat": "0 1:2", "train/urls_unsup.txt": "http://", "imdb.vocab": "the"})
    corpus, _ = folders.read_corpus(root)
    assert corpus.class_names == ["neg", "pos"] and len(corpus.train_texts) == 10
    assert "left out 8 files beside the class folders of train/ and test/" in capsys.readouterr().err


def test_the_layout_is_decided_at_the_top_a_folder_named_test_inside_a_class_is_part_of_it(tmp_path):
    root = write_corpus(tmp_path / "data", reviews_per_class=5)
    write_files(root, {"train/pos/test/old/1.txt": "wonderful old text"})
    corpus, _ = folders.read_corpus(root)
    assert len(corpus.train_texts) == 11 and "wonderful old text" in corpus.train_texts


def test_an_archive_through_a_pipe_is_read(tmp_path):
    archive = tmp_path / "corpus.tar.gz"
    with tarfile.open(archive, "w:gz") as handle:
        handle.add(write_corpus(tmp_path / "data", reviews_per_class=5), arcname="data")
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    writer = threading.Thread(target=lambda: pipe.write_bytes(archive.read_bytes()))
    writer.start()
    dataset = texts.load_own_texts(str(pipe))
    writer.join()
    assert len(dataset.train_labels) == len(dataset.test_labels) == 10


# Tracebacks and silent failures


@pytest.mark.slow
@pytest.mark.parametrize("closed", [">&-", "2>&-"])
def test_a_run_whose_output_was_closed_still_trains_and_saves(closed, small_corpus, tmp_path):
    model = tmp_path / "model"
    flags = " ".join(QUICK[:-1])
    command = f"{sys.executable} lstm_simple.py --data-dir {small_corpus} --save {model} {flags} 2 {closed}"
    environment = user_environment(KERAS_HOME=str(tmp_path / "keras_home"))
    completed = subprocess.run(["sh", "-c", command], cwd=ROOT, capture_output=True, text=True, env=environment)
    assert completed.returncode == 0, completed.stderr
    assert sorted(os.listdir(model)) == [saving.MODEL_FILE, saving.SERVING_FOLDER]


@pytest.mark.slow
def test_predict_with_standard_input_closed_is_one_line(saved_model, tmp_path):
    command = f"{sys.executable} predict.py {saved_model} <&-"
    completed = subprocess.run(["sh", "-c", command], cwd=ROOT, capture_output=True, text=True, env=user_environment())
    assert completed.returncode == 2 and "nothing to classify" in one_error_line(completed)


@pytest.mark.parametrize("flag", ["--save", "--results-dir"])
def test_an_output_named_with_a_slash_after_a_file_is_refused_before_loading(flag, tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    completed = run_in_process(capsys, lstm_simple.main, "--data-dir", str(tmp_path / "never read"), flag, f"{afile}/")
    assert completed.returncode == 2 and "is a file" in one_error_line(completed) and "Reading" not in completed.stdout


# Flags and data silently ignored or misjudged


@pytest.mark.slow
def test_watch_test_shows_the_test_figures_after_each_epoch(small_corpus, capsys):
    completed = run_in_process(capsys, lstm_simple.main, "--data-dir", small_corpus, *QUICK[:-1], "2", "--watch-test")
    assert completed.returncode == 0 and "test_accuracy: " in completed.stdout


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


# predict.py


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


def test_an_argument_that_names_a_file_gets_a_note_about_file(saved_model, tmp_path, capsys):
    texts_file = tmp_path / "texts.txt"
    texts_file.write_text("wonderful\n")
    completed = run_in_process(capsys, predict.main, str(saved_model), str(texts_file))
    assert completed.returncode == 0 and f"give --file {texts_file}" in completed.stderr


@pytest.mark.slow
def test_main_called_again_in_process_after_a_stop_starts_afresh(small_corpus):
    """A notebook's second call of main() after a Ctrl-C stopped the first: the old signal is over."""
    from helpers import shell

    shell._Interrupt.received, shell._Interrupt.deferred = signal.SIGINT, False  # as the stopped run left it
    scores = lstm_simple.main(["--data-dir", small_corpus, *QUICK])
    assert 0 <= scores["accuracy"] <= 1


@pytest.mark.slow
def test_a_signal_the_user_ignored_stays_ignored_as_nohup_asks(small_corpus, tmp_path):
    command = [
        sys.executable,
        "-c",
        "import signal, sys; signal.signal(signal.SIGHUP, signal.SIG_IGN); "
        "import runpy; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')",
    ]
    command += ["lstm_simple.py", "--data-dir", small_corpus, *QUICK[:-1], "2", "--epochs", "3"]
    environment = user_environment(PYTHONUNBUFFERED="1", KERAS_HOME=str(tmp_path / "keras_home"))
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
    )
    for line in process.stdout:
        if line.startswith("Epoch 1/"):
            process.send_signal(signal.SIGHUP)  # what a closed terminal sends to a run under nohup
            break
    output, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert "Accuracy: " in output


@pytest.mark.slow
def test_a_keras_backend_that_cannot_start_is_one_line():
    completed = subprocess.run(
        [sys.executable, "lstm_simple.py", "--help"], cwd=ROOT, capture_output=True, text=True,
        env=user_environment(KERAS_BACKEND="jaxx"),
    )  # fmt: skip
    assert completed.returncode == 2 and "check KERAS_BACKEND" in one_error_line(completed)
