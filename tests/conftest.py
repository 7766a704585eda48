"""Generated corpora in the Stanford layout, so that no test needs the internet."""

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

    constants = (lstm_simple.TOP_WORDS, lstm_simple.MAX_REVIEW_LENGTH, lstm_simple.EPOCHS, lstm_simple.BATCH_SIZE)
    return flags.parse(list(argv), "lstm_simple.py", "", *constants, lstm_simple.SEED)


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
