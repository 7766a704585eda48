"""Generated corpora in the Stanford layout, so that no test needs the internet."""

import contextlib
import importlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import types

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tools"))

FILLER_WORDS = [f"word{number}" for number in range(300)]
SMALL_RUN = [
    "--epochs",
    "1",
    "--max-len",
    "30",
    "--top-words",
    "200",
    "--verbose",
    "0",
]  # a run that only has to finish
SIGNAL_WORDS = {"neg": "awful", "pos": "wonderful", "mixed": "meh"}


def pytest_addoption(parser):
    parser.addoption(
        "--thorough",
        action="store_true",
        help="also run the tests marked thorough: every script's saves on TensorFlow and JAX, each stop signal, the "
        "template's copies (about 15 minutes on two cores)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """A thorough test is slow too, so that -m "not slow" leaves it out; without --thorough it is skipped, which the
    summary counts, so that the default run stays within three minutes on two cores and says what it left. The tests
    that read the saved_model fixture share an xdist group, so that one worker trains it, once."""
    skip = pytest.mark.skip(reason="thorough: python -m pytest --thorough runs it")
    for item in items:
        if "saved_model" in item.fixturenames and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group("saved_model"))
        if item.get_closest_marker("thorough"):
            item.add_marker(pytest.mark.slow)
            if not config.getoption("--thorough"):
                item.add_marker(skip)


def pytest_configure(config):
    """A suite started in the background (`command &` ignores SIGINT, `nohup` SIGHUP) still tests the stop signals:
    a script keeps ignoring a signal its user ignored, so the scripts the tests start must not inherit that."""
    for signum in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if signum is not None and signal.getsignal(signum) is signal.SIG_IGN:
            signal.signal(signum, signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL)


def write_corpus(root, class_names=("neg", "pos"), reviews_per_class=60, seed=0, length=(8, 40)):
    """Write root/{train,test}/<class>/<n>_<class>.txt with a label word hidden among fillers.

    Each review is random filler words with its class's signal word inserted
    two to four times at random places, so a model that learns reaches near
    100 % while one that does not stays at chance.
    """
    rng = random.Random(seed)
    for split in ("train", "test"):
        for class_name in class_names:
            folder = os.path.join(root, split, class_name)
            os.makedirs(folder, exist_ok=True)
            for number in range(reviews_per_class):
                words = rng.choices(FILLER_WORDS, k=rng.randint(*length))
                for _ in range(rng.randint(2, 4)):
                    words.insert(rng.randint(0, len(words)), SIGNAL_WORDS[class_name])
                with open(os.path.join(folder, f"{number}_{class_name}.txt"), "w", encoding="utf-8") as handle:
                    handle.write(" ".join(words).capitalize() + ".<br /><br />The end!")
    return str(root)


@pytest.fixture(autouse=True)
def private_keras_home(tmp_path, monkeypatch):
    """Each test caches into a folder of its own, never the user's ~/.keras."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path / "corpus")


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory):
    """A small two-class corpus for the tests that need texts but not learning."""
    return write_corpus(tmp_path_factory.mktemp("small") / "data", reviews_per_class=30, seed=5)


@pytest.fixture(scope="session")
def saved_model(small_corpus, tmp_path_factory):
    """A model saved by lstm_simple.py --save, to read or to copy (never to change in place)."""
    import lstm_simple

    folder = tmp_path_factory.mktemp("saved") / "model"
    lstm_simple.main(["--data-dir", small_corpus, "--save", str(folder), *SMALL_RUN])
    return folder


def write_files(root, layout):
    """layout: {relative path: text or bytes, or None for an empty folder}; returns root as a string."""
    for name, content in layout.items():
        path = os.path.join(root, *name.rstrip("/").split("/"))
        if content is None:
            os.makedirs(path, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(content if isinstance(content, bytes) else content.encode("utf-8"))
    return str(root)


def file_contents(folder):
    """Every file below a folder, by its relative path, with its bytes: a save's model.keras and serving/."""
    return {
        os.path.relpath(os.path.join(place, name), folder): open(os.path.join(place, name), "rb").read()
        for place, _, names in os.walk(folder)
        for name in names
    }


@pytest.fixture(scope="session")
def shared_corpus(tmp_path_factory):
    """A larger two-class corpus, written once, for the script and learning tests."""
    return write_corpus(tmp_path_factory.mktemp("shared") / "aclImdb", reviews_per_class=400, seed=1)


def user_environment(**extra):
    """The environment of a user's shell: this process' own, less what the libraries imported here set in it.

    JAX, once imported by a test, sets TF_CPP_MIN_LOG_LEVEL=1 for this process; a user's
    shell does not have it, and a script started from it keeps TensorFlow's notices quiet.
    """
    environment = {name: value for name, value in os.environ.items() if name != "TF_CPP_MIN_LOG_LEVEL"}
    return {**environment, **extra}


def run_script(*arguments, env=None, **options):
    """Run a script in a process of its own, as a user runs it: for exit codes, stderr and signals."""
    options = {"cwd": ROOT, **options}
    return subprocess.run(
        [sys.executable, *arguments], capture_output=True, text=True, env=user_environment(**(env or {})), **options
    )


def one_error_line(completed):
    """The whole of stderr, which must be exactly one line."""
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    return lines[0]


def lstm_args(*argv):
    """The flags of a run of lstm_simple.py, parsed as the script parses them (for the steps of common.py)."""
    import lstm_simple
    from helpers import flags

    return flags.parse(list(argv), "lstm_simple.py", "", flags.Recipe.of_script(vars(lstm_simple)))


def exit_code_of(main, argv):
    """Run a script's main(argv) in-process as the shell runs it (shell.run); the exit code it ends with."""
    from helpers import shell

    with pytest.raises(SystemExit) as exit_info:
        shell.run(main, argv)
    return exit_info.value.code


def run_in_process(capsys, main, *arguments):
    """Run a script's main(argv) here as the shell does (shell.run): exit code, stdout, stderr.

    For everything but what only a process of its own shows (start-up output, signals, a closed pipe).
    """
    from helpers import shell

    capsys.readouterr()
    try:
        shell.run(main, list(arguments))
        code = 0
    except SystemExit as exit_info:
        code = exit_info.code if isinstance(exit_info.code, int) else int(exit_info.code is not None)
    captured = capsys.readouterr()
    return types.SimpleNamespace(returncode=code, stdout=captured.out, stderr=captured.err)


# Every script in both configurations, and the baseline, trained briefly and saved: the saves that the serving,
# plain-Keras and backend tests read. Tests that share one of these fixtures share an xdist group, so that one
# worker builds it once.
BRIEF_RUN = ["--epochs", "1", "--max-len", "40", "--top-words", "60", "--verbose", "0", "--limit", "40"]
LSTM_SCRIPTS = ("lstm_simple", "lstm_dropout", "lstm_recurrent_dropout", "cnn_lstm")
SAVES = [(script, configuration) for script in LSTM_SCRIPTS for configuration in ("default", "literal")]
SAVES += [("baseline", "default")]
# In a process on another backend, after the runs (the first with --save): the first run again with its seed,
# predict.py on its save, and, given a corpus of varied lengths, on JAX, which compiles a program for each input
# shape, the programs training compiles (texts of 5 to 200 words cut to 100, in batches of 3: many lengths, the
# last batch short).
ON_ANOTHER_BACKEND = """
import importlib, json, sys, lstm_simple, predict
from helpers import shell, training
runs, varied = json.loads(sys.argv[1]), sys.argv[2]
scores = [importlib.import_module(script).main(argv) for script, argv in runs]
(script, argv), model = runs[0], runs[0][1][runs[0][1].index("--save") + 1]
again = importlib.import_module(script).main([flag for flag in argv if flag not in ("--save", model)])
print("REPEATS", again["accuracy"] == scores[0]["accuracy"] and again["loss"] == scores[0]["loss"])
shell.run(predict.main, [model, "wonderful word3 wonderful", "!!!"])
if varied and lstm_simple.keras.backend.backend() == "jax":
    import logging, jax
    compiles, per_epoch = [], []
    class CompileLog(logging.Handler):  # jax_log_compiles: a "Compiling ..." line for each program compiled
        def emit(self, record):
            if record.getMessage().startswith("Compiling "):
                compiles.append(record)
    logging.getLogger("jax").addHandler(CompileLog())
    logging.getLogger("jax").propagate = False  # counted, not printed
    jax.config.update("jax_log_compiles", True)
    class Counting(training.RunWatcher):
        def on_epoch_begin(self, epoch, logs=None):
            self.before = len(compiles)
            super().on_epoch_begin(epoch, logs)
        def on_epoch_end(self, epoch, logs=None):
            per_epoch.append(len(compiles) - self.before)
            super().on_epoch_end(epoch, logs)
    training.RunWatcher = Counting
    lstm_simple.main(["--data-dir", varied, "--epochs", "2", "--batch-size", "3", "--max-len", "100", "--verbose", "0"])
    print("COMPILES", per_epoch[0], sum(per_epoch[1:]))
"""


def brief_run_flags(script):
    """The flags of a run of `script` that only has to finish: one epoch on 40 training texts."""
    return ["--epochs", "1", "--verbose", "0", "--limit", "40"] if script == "baseline" else BRIEF_RUN


def save_runs(corpus, folder):
    """(script, argv) of each save in SAVES, into folder/<script>-<configuration>."""
    runs = []
    for script, configuration in SAVES:
        flags = ["--literal"] if configuration == "literal" else []
        flags += brief_run_flags(script)
        runs.append((script, ["--data-dir", corpus, "--save", f"{folder}/{script}-{configuration}", *flags]))
    return runs


@pytest.fixture(scope="session")
def tensorflow_saves(small_corpus, tmp_path_factory):
    """{(script, configuration): folder} of SAVES, saved here on TensorFlow; what each run printed is in
    <folder>.stdout."""
    folder = tmp_path_factory.mktemp("tensorflow_saves")
    for script, argv in save_runs(small_corpus, folder):
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            importlib.import_module(script).main(argv)
        with open(argv[argv.index("--save") + 1] + ".stdout", "w", encoding="utf-8") as handle:
            handle.write(output.getvalue())  # beside the save: what the run printed, for test_scripts.py
    return {save: str(folder / f"{save[0]}-{save[1]}") for save in SAVES}


def run_on_backend(backend, runs, folder, varied=""):
    """ON_ANOTHER_BACKEND with these (script, argv) runs in one process on `backend` (Keras picks its backend once,
    at import), and JAX's compiles counted on the corpus at `varied` if given: the process' output lines."""
    environment = {"KERAS_BACKEND": backend, "KERAS_HOME": str(folder / "keras_home")}
    completed = run_script("-c", ON_ANOTHER_BACKEND, json.dumps(runs), varied, env=environment)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout.splitlines()


# The backends to test beside TensorFlow, if installed: JAX by default (CI installs it); KERAS_TEST_BACKENDS="jax
# torch" for more.
OTHER_BACKENDS = os.environ.get("KERAS_TEST_BACKENDS", "jax").split()


def skip_unless_installed(backend):
    """Skip the test when the Keras backend `backend` (jax, torch) is not installed here."""
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")


@pytest.fixture(scope="session", params=OTHER_BACKENDS)
def backend_run(request, small_corpus, tmp_path_factory):
    """(backend, ({(script, configuration): folder} of SAVES, the output lines)) for each other backend installed:
    SAVES saved on it, and the compiles counted on JAX, once for the session."""
    skip_unless_installed(request.param)
    folder = tmp_path_factory.mktemp(request.param)
    varied = write_corpus(folder / "varied", reviews_per_class=60, length=(5, 200))
    lines = run_on_backend(request.param, save_runs(small_corpus, folder), folder, varied)
    return request.param, ({save: str(folder / f"{save[0]}-{save[1]}") for save in SAVES}, lines)
