"""Imported first by every script: TensorFlow's start-up notices off the terminal; as a command, the shell's promises.

TensorFlow prints C++ notices while it imports and finds its devices ("oneDNN
custom operations are on", "Could not find cuda drivers"), before its log
level can be set: they are caught here and dropped, anything else passed on,
and the standard error stream is put back as it was.

Run as a command (`python lstm_simple.py ...`), a script also gets what
shell.run promises from here on: a closed standard stream opened on the null
device, a stop signal during the imports remembered and acted on when the run
starts, a standard output that outlives its reader. Imported (a notebook, a
test, another program), nothing else changes: signal handlers, streams, file
descriptors and the environment are as they were.
"""

import importlib.util
import os
import re
import sys
import tempfile

from helpers import shell


def open_closed_standard_streams():
    """A standard stream the shell closed (`>&-`, `2>&-`, `<&-`) becomes the null device: the run still saves.

    Otherwise sys.stdout is None (Keras' printing fails on it) and the next file
    opened takes the free descriptor, so TensorFlow's log lines land in it.
    """
    for descriptor, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        try:
            os.fstat(descriptor)
        except OSError:  # closed: the lowest free descriptor, which os.open takes, is this one
            os.open(os.devnull, os.O_RDWR)
        if getattr(sys, name) is None:
            setattr(sys, name, open(descriptor, mode, closefd=False))


class StdoutThatOutlivesItsReader:
    """sys.stdout, but once its reader has gone (`script | head`), writes are dropped instead of raising.

    Otherwise the first print after `head` exits raises BrokenPipeError (or
    Rich, in Keras' model summary, exits), and the run loses its training.
    """

    def __init__(self, stream):
        self._stream = stream
        self.reader_gone = False

    def _guard(self, operation, *arguments):
        try:
            self.reader_gone or operation(*arguments)
        except BrokenPipeError:
            self.reader_gone = True
            os.dup2(os.open(os.devnull, os.O_WRONLY), self._stream.fileno())  # what is buffered goes nowhere

    def write(self, text):
        self._guard(self._stream.write, text)
        return len(text)

    def flush(self):
        self._guard(self._stream.flush)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def outlive_stdout_reader():
    """Make sys.stdout drop its output once its reader has gone (see StdoutThatOutlivesItsReader)."""
    if not isinstance(sys.stdout, StdoutThatOutlivesItsReader) and hasattr(sys.stdout, "fileno"):
        sys.stdout = StdoutThatOutlivesItsReader(sys.stdout)


def running_as_a_command():
    """Whether the program running is one of this project's scripts or tools, started from the shell.

    Not under IPython (Jupyter, Colab, Spyder), whose `%run script.py` also makes the script __main__: there a
    Ctrl-C must stay "interrupt kernel", and the kernel must outlive the run.
    """
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    if not main_file:  # a notebook, python -c, the interactive prompt
        return False
    ipython = sys.modules.get("IPython")
    if ipython is not None and getattr(ipython, "get_ipython", lambda: None)() is not None:
        return False
    project = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    folder = os.path.dirname(os.path.realpath(main_file))
    return any(os.path.normcase(folder) == os.path.normcase(ours) for ours in (project, os.path.join(project, "tools")))


AS_A_COMMAND = running_as_a_command()
if AS_A_COMMAND:
    open_closed_standard_streams()
    shell.hold_interrupts()
    outlive_stdout_reader()  # `script | head` must not stop a run that trains and saves

# No C++ log lines (TensorFlow reads this once, as it imports): its "errors" are notices too; real failures reach
# Python as exceptions, and Python's own warnings are not affected. A value the user set is kept; imported, the
# environment is put back as it was once TensorFlow has read it.
LOG_LEVEL_GIVEN = os.environ.get("TF_CPP_MIN_LOG_LEVEL")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# absl's line before its logging starts, and C++ log lines ("I0000 00:00:1796.5 123 port.cc:153] ...").
START_UP_NOTICE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called|[IWE]\d{4} [\d:.]+ +\d+ \S+:\d+\])"
)


def standard_error_open():
    """Whether there is a standard error to capture (not under pythonw, nor when the shell closed it)."""
    try:
        os.fstat(2)
    except OSError:
        return False
    return sys.stderr is not None


def import_tensorflow_quietly():
    """Import TensorFlow and let it find its devices, its C++ start-up notices dropped."""
    if not standard_error_open():  # nothing would show them anyway
        import_tensorflow_and_keras()
        return
    sys.stderr.flush()
    failure = None
    with tempfile.TemporaryFile() as captured:
        saved_stderr = os.dup(2)
        os.dup2(captured.fileno(), 2)
        try:  # TensorFlow imports Keras: a backend missing or misspelled (KERAS_BACKEND) is one line
            import_tensorflow_and_keras()
        except (ImportError, ValueError) as error:
            failure = error
        finally:
            sys.stderr.flush()
            os.dup2(saved_stderr, 2)
            os.close(saved_stderr)
        captured.seek(0)
        for line in captured.read().decode("utf-8", errors="replace").splitlines(keepends=True):
            if not START_UP_NOTICE.match(line) and not (failure and AS_A_COMMAND):  # a command's failure: one line
                sys.stderr.write(line)
        sys.stderr.flush()
    if failure and not AS_A_COMMAND:
        raise failure
    if failure:
        message = f"error: Keras cannot start ({shell.first_line(failure)}); check KERAS_BACKEND"
        print(f"{os.path.basename(sys.argv[0])}: {message}", file=sys.stderr)
        sys.exit(2)


def import_tensorflow_and_keras():
    if importlib.util.find_spec("tensorflow"):  # another backend may do without it
        import tensorflow as tf

        tf.config.list_physical_devices()  # where it looks for a GPU and may print cuInit's failure
    import keras  # noqa: F401


import_tensorflow_quietly()
if LOG_LEVEL_GIVEN is None and not AS_A_COMMAND:
    del os.environ["TF_CPP_MIN_LOG_LEVEL"]
