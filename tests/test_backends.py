"""Where the tutorial's readers run Keras: other backends, and a platform without `resource` (Windows)."""

import json
import os

import pytest

from conftest import OTHER_BACKENDS, SAVES, brief_run_flags, run_on_backend, skip_unless_installed
from helpers import batches, records

QUICK = ["--epochs", "1", "--max-len", "40", "--top-words", "60", "--verbose", "0"]


@pytest.mark.slow
@pytest.mark.xdist_group("other_backends")
@pytest.mark.thorough
def test_the_scripts_run_repeat_their_seed_save_and_predict_on_another_backend(backend_run):
    """One process on the other backend (its start-up costs seconds; conftest.run_on_backend): each script in
    both configurations and the baseline, --save, a seed repeated, predict.py.

    On JAX, which compiles a program for each input shape, training compiles
    one for each batch length of a short list, all in its first epoch, however
    many lengths the texts have and wherever the short last batch falls.
    """
    backend, (saves, lines) = backend_run
    assert "REPEATS True" in lines
    if backend == "jax":  # a program per batch length of the list (and a few of Keras' own), none later
        (first_epoch, later_epochs) = [line.split()[1:] for line in lines if line.startswith("COMPILES")][0]
        lengths = batches.batch_lengths(100, fixed_shapes=True)
        assert int(first_epoch) <= len(lengths) + 4 and int(later_epochs) == 0
    runs = len(SAVES) + 1 + (backend == "jax")
    assert len([line for line in lines if line.startswith("Accuracy: ")]) == runs
    predictions = [line for line in lines if line.count("\t") == 2]
    assert [line.split("\t")[2] for line in predictions] == [
        "wonderful word3 wonderful",
        "!!!",
    ]  # class, probability, text
    assert all(os.path.isfile(os.path.join(folder, "model.keras")) for folder in saves.values())


@pytest.mark.slow
@pytest.mark.parametrize("backend", OTHER_BACKENDS)
def test_a_script_trains_saves_repeats_its_seed_and_predicts_on_another_backend(backend, small_corpus, tmp_path):
    """The default run's check of another backend, in one process: lstm_simple.py briefly, with --save (the
    thorough test above runs and saves each script, in both configurations, and counts JAX's compiles)."""
    skip_unless_installed(backend)
    model = str(tmp_path / "model")
    runs = [("lstm_simple", ["--data-dir", small_corpus, *brief_run_flags("lstm_simple"), "--save", model])]
    lines = run_on_backend(backend, runs, tmp_path)
    assert "REPEATS True" in lines
    assert len([line for line in lines if line.startswith("Accuracy: ")]) == len(runs) + 1
    assert [line.split("\t")[2] for line in lines if line.count("\t") == 2] == ["wonderful word3 wonderful", "!!!"]
    assert os.path.isfile(os.path.join(model, "model.keras"))
    if backend == "jax":  # JAX exports the serving model too (PyTorch cannot: test_serving.py)
        assert os.path.isfile(os.path.join(model, "serving", "saved_model.pb"))


@pytest.mark.slow
@pytest.mark.thorough
def test_without_resource_as_on_windows_a_run_trains_and_its_record_has_no_peak_memory(
    small_corpus, tmp_path, monkeypatch
):
    import lstm_simple

    monkeypatch.setattr(records, "resource", None)  # what `import resource` gives on Windows: ImportError
    argv = ["--data-dir", small_corpus, *QUICK, "--results-dir", str(tmp_path / "runs")]
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
