"""Where the tutorial's readers run Keras: other backends, and a platform without `resource` (Windows)."""

import importlib.util
import json
import os

import pytest
from conftest import run_script

QUICK = ["--epochs", "2", "--max-len", "40", "--top-words", "400", "--verbose", "0", "--limit", "300"]
# The backends to test, if installed: JAX by default (CI installs it); KERAS_TEST_BACKENDS="jax torch" for more.
OTHER_BACKENDS = [
    pytest.param(
        backend, marks=pytest.mark.skipif(importlib.util.find_spec(backend) is None, reason=f"{backend} not installed")
    )
    for backend in os.environ.get("KERAS_TEST_BACKENDS", "jax").split()
]


def accuracy_line(completed):
    assert completed.returncode == 0, completed.stderr[-2000:]
    return [line for line in completed.stdout.splitlines() if line.startswith("Accuracy: ")][-1]


@pytest.mark.parametrize("backend", OTHER_BACKENDS)
def test_a_seed_repeats_and_a_saved_model_predicts_on_another_backend(backend, shared_corpus, tmp_path):
    environment = {"KERAS_BACKEND": backend, "KERAS_HOME": str(tmp_path / "keras_home")}
    first = run_script(
        "lstm_simple.py", "--data-dir", shared_corpus, *QUICK, "--save", str(tmp_path / "model"), env=environment
    )
    second = run_script("lstm_simple.py", "--data-dir", shared_corpus, *QUICK, env=environment)
    assert accuracy_line(first) == accuracy_line(second)
    predicted = run_script("predict.py", str(tmp_path / "model"), "wonderful word3 wonderful", "!!!", env=environment)
    assert predicted.returncode == 0, predicted.stderr[-2000:]
    assert len(predicted.stdout.splitlines()) == 2


@pytest.mark.parametrize("backend", OTHER_BACKENDS)
@pytest.mark.parametrize("script, configuration", [("lstm_recurrent_dropout.py", []), ("cnn_lstm.py", ["--literal"])])
def test_the_other_models_and_the_literal_configuration_run_on_another_backend(
    backend, script, configuration, shared_corpus, tmp_path
):
    environment = {"KERAS_BACKEND": backend, "KERAS_HOME": str(tmp_path / "keras_home")}
    accuracy_line(run_script(script, "--data-dir", shared_corpus, *QUICK, *configuration, env=environment))


def test_without_resource_as_on_windows_a_run_trains_and_its_record_has_no_peak_memory(shared_corpus, tmp_path):
    program = (
        "import sys; sys.modules['resource'] = None\n"  # import resource now raises ImportError, as on Windows
        "import lstm_simple; lstm_simple.main(sys.argv[1:])\n"
    )
    arguments = ["--data-dir", shared_corpus, *QUICK, "--results-dir", str(tmp_path / "runs")]
    completed = run_script("-c", program, *arguments, env={"KERAS_HOME": str(tmp_path / "keras_home")})
    accuracy_line(completed)
    (record_name,) = os.listdir(tmp_path / "runs")
    with open(tmp_path / "runs" / record_name) as handle:
        assert json.load(handle)["peak_memory_mb"] is None


def test_peak_memory_is_in_megabytes_on_linux_and_macos(monkeypatch):
    import records

    class Usage:
        ru_maxrss = 2 * 1024 * 1024  # 2 GiB in Linux's kilobytes, 2 MiB in macOS's bytes

    monkeypatch.setattr(records.resource, "getrusage", lambda who: Usage)
    monkeypatch.setattr(records.sys, "platform", "linux")
    assert records.peak_memory_mb() == 2048
    monkeypatch.setattr(records.sys, "platform", "darwin")
    assert records.peak_memory_mb() == 2
