"""Ctrl-C, SIGTERM, SIGHUP and closed standard streams: a run stops in one line, and nothing unfinished is saved."""

import io
import os
import shutil
import signal
import subprocess
import sys

import keras
import numpy as np
import pytest

import lstm_simple
from conftest import (
    ROOT,
    SMALL_RUN,
    exit_code_of,
    file_contents,
    one_error_line,
    run_in_process,
    run_script,
    user_environment,
    write_corpus,
)
from helpers import saving, serving, shell, startup, training


def copy_of(folder, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    return copy


def no_partial_files(folder):
    return not [
        name for _, folders, names in os.walk(folder) for name in names + folders if name.startswith(".partial-")
    ]


@pytest.mark.slow
@pytest.mark.parametrize("script", ["lstm_simple.py", pytest.param("predict.py", marks=pytest.mark.thorough)])
def test_ctrl_c_while_the_libraries_import_stops_the_run_and_keeps_an_earlier_save(
    script, saved_model, tmp_path, small_corpus
):
    earlier = copy_of(saved_model, tmp_path)
    model_bytes = (earlier / saving.MODEL_FILE).read_bytes()
    argv = (
        ["--data-dir", small_corpus, "--save", str(earlier)] + SMALL_RUN
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


@pytest.mark.slow
@pytest.mark.thorough
def test_a_closed_standard_output_does_not_stop_training_or_saving(small_corpus, tmp_path):
    folder = tmp_path / "model"
    command = [sys.executable, "lstm_simple.py", "--data-dir", small_corpus, "--save", str(folder)] + SMALL_RUN
    environment = user_environment(KERAS_HOME=str(tmp_path / "keras_home"))
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment)
    process.stdout.readline()
    process.stdout.close()  # `... | head -1`
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=300) == 0, stderr
    assert stderr == "" and os.path.exists(folder / saving.MODEL_FILE)


@pytest.mark.slow
@pytest.mark.thorough
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


def test_standard_output_that_lost_its_reader_drops_writes(tmp_path):
    read_end, write_end = os.pipe()
    stream = io.TextIOWrapper(os.fdopen(write_end, "wb"), write_through=True)
    guarded = startup.StdoutThatOutlivesItsReader(stream)
    os.close(read_end)
    guarded.write("nobody reads this\n")
    guarded.flush()
    assert guarded.reader_gone


@pytest.mark.slow
@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGHUP])
@pytest.mark.thorough
def test_sigterm_and_sighup_stop_a_run_as_ctrl_c_does_and_keep_the_earlier_save(signal_number, saved_model, tmp_path):
    earlier = tmp_path / "model"
    shutil.copytree(saved_model, earlier)
    before = file_contents(earlier)
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
    assert file_contents(earlier) == before
    assert no_partial_files(tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("written", ["model.keras", pytest.param("serving", marks=pytest.mark.thorough)])
def test_a_stop_signal_while_the_model_is_written_leaves_the_earlier_save_and_no_partial_files(
    written, saved_model, tmp_path, capsys, monkeypatch
):
    earlier = tmp_path / "model"
    shutil.copytree(saved_model, earlier)
    before = file_contents(earlier)
    module, function = (saving, "portable") if written == "model.keras" else (serving, "write")
    original = getattr(module, function)

    def terminated_while_saving(*arguments, **options):
        if written == "serving":
            original(*arguments, **options)  # the serving model written whole into its temporary folder...
        os.kill(os.getpid(), signal.SIGTERM)  # ...or not yet: the signal lands inside the writing
        return original(*arguments, **options) if written == "model.keras" else None

    argv = ["--data-dir", write_corpus(tmp_path / "data", reviews_per_class=20), "--save", str(earlier), *SMALL_RUN]
    monkeypatch.setattr(module, function, terminated_while_saving)
    completed = run_in_process(capsys, lstm_simple.main, *argv)
    assert completed.returncode == 143
    assert file_contents(earlier) == before
    assert no_partial_files(tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("closed", [">&-", "2>&-"])
@pytest.mark.thorough
def test_a_run_whose_output_was_closed_still_trains_and_saves(closed, small_corpus, tmp_path):
    model = tmp_path / "model"
    flags = " ".join(SMALL_RUN[:-1])
    command = f"{sys.executable} lstm_simple.py --data-dir {small_corpus} --save {model} {flags} 2 {closed}"
    environment = user_environment(KERAS_HOME=str(tmp_path / "keras_home"))
    completed = subprocess.run(["sh", "-c", command], cwd=ROOT, capture_output=True, text=True, env=environment)
    assert completed.returncode == 0, completed.stderr
    assert sorted(os.listdir(model)) == [saving.MODEL_FILE, saving.SERVING_FOLDER]


@pytest.mark.slow
@pytest.mark.thorough
def test_predict_with_standard_input_closed_is_one_line(saved_model, tmp_path):
    command = f"{sys.executable} predict.py {saved_model} <&-"
    completed = subprocess.run(["sh", "-c", command], cwd=ROOT, capture_output=True, text=True, env=user_environment())
    assert completed.returncode == 2 and "nothing to classify" in one_error_line(completed)


@pytest.mark.slow
@pytest.mark.thorough
def test_main_called_again_in_process_after_a_stop_starts_afresh(small_corpus):
    """A notebook's second call of main() after a Ctrl-C stopped the first: the old signal is over."""
    from helpers import shell

    shell._Interrupt.received, shell._Interrupt.deferred = signal.SIGINT, False  # as the stopped run left it
    scores = lstm_simple.main(["--data-dir", small_corpus, *SMALL_RUN])
    assert sum(map(sum, scores["confusion_matrix"])) == 60  # trained and tested on all 30 + 30 test texts


@pytest.mark.slow
@pytest.mark.thorough
def test_a_signal_the_user_ignored_stays_ignored_as_nohup_asks(small_corpus, tmp_path):
    command = [
        sys.executable,
        "-c",
        "import signal, sys; signal.signal(signal.SIGHUP, signal.SIG_IGN); "
        "import runpy; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')",
    ]
    command += ["lstm_simple.py", "--data-dir", small_corpus, *SMALL_RUN[:-1], "2", "--epochs", "3"]
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
@pytest.mark.thorough
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
    assert exit_code_of(lstm_simple.main, argv + SMALL_RUN) == 130
    assert not os.path.exists(tmp_path / "model")
    assert not os.path.exists(tmp_path / "runs") or os.listdir(tmp_path / "runs") == []


@pytest.mark.slow
@pytest.mark.thorough
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
    assert completed.stderr == "test_signals.py: interrupted; nothing unfinished was saved\n"


def test_an_error_with_no_stop_signal_behind_it_is_not_taken_for_one(capsys):
    def main(argv):
        raise TypeError("a bug of ours")

    with pytest.raises(TypeError, match="a bug of ours"):
        shell.run(main, [])
