"""Where the tutorial's readers run Keras: other backends, and a platform without `resource` (Windows)."""

import importlib.util
import json
import os

import pytest

from conftest import run_script, write_corpus
from helpers import batches, records

QUICK = ["--epochs", "2", "--max-len", "40", "--top-words", "400", "--verbose", "0", "--limit", "300"]
# The backends to test, if installed: JAX by default (CI installs it); KERAS_TEST_BACKENDS="jax torch" for more.
OTHER_BACKENDS = [
    pytest.param(
        backend, marks=pytest.mark.skipif(importlib.util.find_spec(backend) is None, reason=f"{backend} not installed")
    )
    for backend in os.environ.get("KERAS_TEST_BACKENDS", "jax").split()
]


@pytest.mark.parametrize("backend", OTHER_BACKENDS)
def test_the_scripts_run_repeat_their_seed_save_and_predict_on_another_backend(backend, shared_corpus, tmp_path):
    """One process on the other backend (its start-up costs seconds): each model, --literal, --save, predict.py.

    On JAX, which compiles a program for each input shape, training compiles
    one for each batch length of a short list, all in its first epoch, however
    many lengths the texts have and wherever the short last batch falls.
    """
    model = str(tmp_path / "model")
    program = "\n".join(
        [
            "import sys, common, lstm_simple, lstm_recurrent_dropout, cnn_lstm, predict",
            "from helpers import shell, training",
            "data, quick = sys.argv[1], sys.argv[2:]",
            "compiles, per_epoch = [], []",
            "if common.keras.backend.backend() == 'jax':",
            "    import jax.monitoring",
            "    compiled = '/jax/core/compile/backend_compile_duration'",
            "    jax.monitoring.register_event_duration_secs_listener(",
            "        lambda event, seconds, **_: compiles.append(event) if event == compiled else None)",
            "class Counting(training.RunWatcher):",
            "    def on_epoch_begin(self, epoch, logs=None):",
            "        self.before = len(compiles); super().on_epoch_begin(epoch, logs)",
            "    def on_epoch_end(self, epoch, logs=None):",
            "        per_epoch.append(len(compiles) - self.before); super().on_epoch_end(epoch, logs)",
            "watcher, training.RunWatcher = training.RunWatcher, Counting",
            "varied = ['--epochs', '2', '--batch-size', '3', '--max-len', '200']",
            "lstm_simple.main(['--data-dir', VARIED, *quick, *varied])",
            "print('COMPILES', per_epoch[0], sum(per_epoch[1:]))",
            "training.RunWatcher = watcher",
            "first = lstm_simple.main(['--data-dir', data, '--save', MODEL, *quick])['accuracy']",
            "second = lstm_simple.main(['--data-dir', data, *quick])['accuracy']",
            "print('REPEATS', first == second)",
            "lstm_recurrent_dropout.main(['--data-dir', data, *quick])",
            "cnn_lstm.main(['--data-dir', data, '--literal', *quick])",
            "shell.run(predict.main, [MODEL, 'wonderful word3 wonderful', '!!!'])",
        ]
    ).replace("MODEL", repr(model))
    # Texts of 5 to 200 words in batches of 3: batches of many lengths, the last one short.
    program = program.replace("VARIED", repr(write_corpus(tmp_path / "varied", reviews_per_class=60, length=(5, 200))))
    environment = {"KERAS_BACKEND": backend, "KERAS_HOME": str(tmp_path / "keras_home")}
    completed = run_script("-c", program, shared_corpus, *QUICK, env=environment)
    assert completed.returncode == 0, completed.stderr[-2000:]
    lines = completed.stdout.splitlines()
    assert "REPEATS True" in lines
    if backend == "jax":  # a program per batch length of the list (and a few of Keras' own), none later
        (first_epoch, later_epochs) = [line.split()[1:] for line in lines if line.startswith("COMPILES")][0]
        lengths = [length for length in batches.COMPILED_BATCH_LENGTHS if length < 200] + [200]
        assert int(first_epoch) <= len(lengths) + 4 and int(later_epochs) == 0
    assert len([line for line in lines if line.startswith("Accuracy: ")]) == 5
    assert all(len(line.split("\t")) == 3 for line in lines[-2:])  # class, probability, text


def test_without_resource_as_on_windows_a_run_trains_and_its_record_has_no_peak_memory(
    shared_corpus, tmp_path, monkeypatch
):
    import lstm_simple

    monkeypatch.setattr(records, "resource", None)  # what `import resource` gives on Windows: ImportError
    argv = ["--data-dir", shared_corpus, *QUICK, "--results-dir", str(tmp_path / "runs")]
    lstm_simple.main(argv)
    (record_name,) = os.listdir(tmp_path / "runs")
    with open(tmp_path / "runs" / record_name) as handle:
        assert json.load(handle)["peak_memory_mb"] is None


def test_peak_memory_is_in_megabytes_on_linux_and_macos(monkeypatch):
    class Usage:
        ru_maxrss = 2 * 1024 * 1024  # 2 GiB in Linux's kilobytes, 2 MiB in macOS's bytes

    monkeypatch.setattr(records.resource, "getrusage", lambda who: Usage)
    monkeypatch.setattr(records.sys, "platform", "linux")
    assert records.peak_memory_mb() == 2048
    monkeypatch.setattr(records.sys, "platform", "darwin")
    assert records.peak_memory_mb() == 2
