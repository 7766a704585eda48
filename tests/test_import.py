"""Importing the project changes nothing of the process: what a notebook, a test or another program needs."""

import json
import os

import pytest

from conftest import ROOT, run_script

MODULES = ["lstm_simple", "lstm_dropout", "lstm_recurrent_dropout", "cnn_lstm", "baseline", "predict", "common"]
MODULES += sorted("helpers." + name[:-3] for name in os.listdir(os.path.join(ROOT, "helpers")) if name.endswith(".py"))
# What a process is, as far as a library can change it: its stop signals' handlers, its standard streams, its
# open file descriptors, its environment and the csv module's field size limit. In the first test TensorFlow and
# Keras are imported first, so that what they open is not counted; the notebook test snapshots before anything,
# as a notebook's first import is.
SNAPSHOT = """
import csv, json, os, signal, sys
def snapshot():
    names = [name for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)]
    descriptors = sorted(int(fd) for fd in os.listdir("/proc/self/fd"))
    return {
        "handlers": [repr(signal.getsignal(getattr(signal, name))) for name in names],
        "streams": [id(sys.stdin), id(sys.stdout), id(sys.stderr)],
        "standard files": [list(os.fstat(fd))[:3] for fd in (0, 1, 2)],
        "descriptors": descriptors,
        "environment": dict(os.environ),
        "csv field size limit": csv.field_size_limit(),
    }
"""


@pytest.mark.slow
def test_importing_every_script_and_module_leaves_signals_streams_descriptors_and_environment_as_they_were():
    program = SNAPSHOT + "\n".join(
        [
            "import tensorflow, keras",
            "before = snapshot()",
            *[f"import {module}" for module in MODULES],
            "print(json.dumps([before, snapshot()]))",
        ]
    )
    completed = run_script("-c", program)
    assert completed.returncode == 0, completed.stderr[-2000:]
    before, after = json.loads(completed.stdout.splitlines()[-1])
    for what in before:
        assert after[what] == before[what], what


NOTEBOOK = (
    SNAPSHOT
    + """
before = snapshot()
import lstm_simple
after = snapshot()
assert after["handlers"] == before["handlers"] and after["streams"] == before["streams"], (before, after)
changed = set(after["environment"].items()) ^ set(before["environment"].items())
assert not changed, changed
assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
build_model = lstm_simple.build_model
def interrupted_once_built(config):
    model = build_model(config)
    os.kill(os.getpid(), signal.SIGINT)  # "interrupt kernel", as the model is about to train
    return model
lstm_simple.build_model = interrupted_once_built
try:
    lstm_simple.main(ARGV)
    print("NOT INTERRUPTED")
except KeyboardInterrupt:
    print("KeyboardInterrupt")
lstm_simple.build_model = build_model
print("ACCURACY", lstm_simple.main(ARGV)["accuracy"])
assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
"""
)


@pytest.mark.slow
@pytest.mark.thorough
def test_main_called_as_a_notebook_calls_it_trains_and_a_sigint_raises_keyboard_interrupt(small_corpus, tmp_path):
    argv = ["--data-dir", small_corpus, "--epochs", "1", "--max-len", "30", "--top-words", "60", "--verbose", "0"]
    program = NOTEBOOK.replace("ARGV", repr(argv))
    completed = run_script("-c", program, env={"KERAS_HOME": str(tmp_path / "keras_home")})
    assert completed.returncode == 0, completed.stderr[-2000:]
    lines = completed.stdout.splitlines()
    assert "KeyboardInterrupt" in lines and "NOT INTERRUPTED" not in lines
    assert any(line.startswith("ACCURACY") for line in lines)  # and main() runs again after it
