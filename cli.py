"""How every script meets the shell: one-line user errors (exit 2), Ctrl-C (exit 130), flag types, whole files.

The promises to a user at the shell live here, once, for the four scripts,
`baseline.py` and `predict.py`:
- a problem the user can fix is one line on stderr and exit code 2, never a
  traceback (`UsageError`, `report_user_errors`);
- Ctrl-C stops the run wherever it lands, writes nothing unfinished and exits
  with 130 (`hold_interrupts`, `report_user_errors`, `stop_if_interrupted`);
- every output is checked before the work starts (`check_output_folder`,
  `check_new_file`), and a file is written whole or not at all, with the
  permissions the user's umask gives, never replacing a file the scripts did
  not write, nor a run record (`atomic_paths`);
- a closed standard output (`| head`) stops the printing, not the run
  (`outlive_stdout_reader`).
"""

import argparse
import contextlib
import errno
import gc
import os
import signal
import sys
import tempfile
import threading


class UsageError(Exception):
    """A problem the user can fix; reported as one line on stderr with exit code 2."""


def first_line(error, limit=160):
    """An exception's message cut to one line, to quote inside a UsageError."""
    lines = str(error).strip().splitlines() or [type(error).__name__]
    line = lines[0]
    return line if len(line) <= limit else line[: limit - 3] + "..."


# ---------------------------------------------------------------------------
# Flags


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """The script's docstring as written, and each flag's default shown by argparse itself.

    A flag whose default is None or False ("not given", "off") says in its own
    help what not giving it means.
    """

    def _get_help_string(self, action):
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


class OneLineErrorParser(argparse.ArgumentParser):
    """argparse, but a bad flag gets one line, not the usage block."""

    def __init__(self, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(**kwargs)

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def whole_number_from(minimum, maximum=None):
    """An argparse type: a whole number of at least `minimum` and, if given, at most `maximum`."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} must be {minimum} or more")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"{text!r} must be {maximum:,} or less")
        return value

    return parse


def path_argument(text):
    """An argparse type: a path, which an empty string is not."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path; give a file or folder name")
    return text


def fraction_below(maximum):
    """An argparse type: a number from 0 up to, not including, `maximum`."""

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number")
        if not 0.0 <= value < maximum:
            raise argparse.ArgumentTypeError(f"{text!r} must be at least 0 and below {maximum}")
        return value

    return parse


# ---------------------------------------------------------------------------
# Errors and interrupts


class _Interrupt:
    """Set by Ctrl-C, so that an interrupt that a library swallows still stops the run."""

    received = False
    deferred = False


def _on_interrupt(signum, frame):
    _Interrupt.received = True
    if not _Interrupt.deferred:
        raise KeyboardInterrupt


def hold_interrupts():
    """From now on until a run starts, Ctrl-C is only remembered (startup.py: while TensorFlow imports).

    Raised inside an import, KeyboardInterrupt can be swallowed by a library's
    cleanup, or leave the interpreter half torn down; remembered, it stops the
    run cleanly as soon as report_user_errors begins.
    """
    if threading.current_thread() is threading.main_thread():
        _Interrupt.deferred = True
        signal.signal(signal.SIGINT, _on_interrupt)


@contextlib.contextmanager
def _interrupts_deferred():
    """Ctrl-C inside the block is remembered and acted on at its end, not in the middle."""
    was_deferred, _Interrupt.deferred = _Interrupt.deferred, True
    try:
        yield
    finally:
        _Interrupt.deferred = was_deferred
    stop_if_interrupted()


def stop_if_interrupted():
    """Raise KeyboardInterrupt if Ctrl-C came, even if some library's cleanup swallowed it."""
    if _Interrupt.received:
        raise KeyboardInterrupt


def describe_os_error(error, reading=False):
    """An OSError as the user needs it: what failed, on which path, and what to do (reading or writing)."""
    path = f" {error.filename}" if error.filename else ""
    reason = error.strerror or first_line(error)
    permission = "it cannot be read; check its permissions" if reading else "choose a path you may write to"
    advice = {
        errno.ENOSPC: "free some space",
        errno.EACCES: permission,
        errno.EPERM: permission,
        errno.EEXIST: "give a path that is not taken",
        errno.ENOTDIR: "a file stands where a folder is needed; give another path",
        errno.EISDIR: "a folder stands where a file is needed; give another path",
        errno.ENOENT: "check the path",
    }.get(error.errno, "check the path")
    return f"{reason}:{path}; {advice}"


@contextlib.contextmanager
def report_user_errors(prog):
    """The one place that turns a user's problem into one line and an exit code.

    UsageError and OSError: one line on stderr, exit 2. Ctrl-C, wherever it
    lands (even inside a library that swallows it): one line, exit 130; the
    writers in this project only ever rename finished files into place, so
    nothing unfinished is left.
    """
    handler_installed = threading.current_thread() is threading.main_thread()
    if handler_installed:
        previous_handler = signal.signal(signal.SIGINT, _on_interrupt)
    was_deferred, _Interrupt.deferred = _Interrupt.deferred, False
    code = message = None
    try:
        stop_if_interrupted()  # a Ctrl-C held while the imports ran
        yield
        stop_if_interrupted()
    except UsageError as error:
        code, message = 2, f"{prog}: error: {error}"
    except OSError as error:
        code, message = 2, f"{prog}: error: {describe_os_error(error)}"
    except KeyboardInterrupt:
        code, message = 130, f"{prog}: interrupted; nothing unfinished was saved"
    finally:
        _Interrupt.received, _Interrupt.deferred = False, was_deferred
        if handler_installed:
            signal.signal(signal.SIGINT, previous_handler)
    if code is not None:
        _exit(code, message)


def _exit(code, message):
    # Outside the except clause, so that what the traceback held (a training data
    # iterator) is finalised now, quietly, and not after our last line.
    gc.collect()
    try:
        sys.stdout.flush()
    except OSError:
        pass  # a closed pipe: the message below still goes to stderr
    print(message, file=sys.stderr, flush=True)
    sys.exit(code)


# ---------------------------------------------------------------------------
# Standard output that a closed pipe does not stop


class _StdoutThatOutlivesItsReader:
    """sys.stdout, but once its reader has gone (`script | head`), writes are dropped instead of raising.

    Without this, the first print after `head` exits raises BrokenPipeError, or
    Rich (Keras' model summary) exits the program, and a run that only lost its
    audience would also lose its training and its saved model.
    """

    def __init__(self, stream):
        self._stream = stream
        self.reader_gone = False

    def _guard(self, operation, *arguments):
        if not self.reader_gone:
            try:
                return operation(*arguments)
            except BrokenPipeError:
                self.reader_gone = True
                # Whatever is still buffered goes nowhere, quietly, also at exit.
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, self._stream.fileno())
                os.close(devnull)
        return None

    def write(self, text):
        self._guard(self._stream.write, text)
        return len(text)

    def flush(self):
        self._guard(self._stream.flush)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def outlive_stdout_reader():
    """Make sys.stdout drop its output once its reader has gone (see _StdoutThatOutlivesItsReader)."""
    if not isinstance(sys.stdout, _StdoutThatOutlivesItsReader) and hasattr(sys.stdout, "fileno"):
        sys.stdout = _StdoutThatOutlivesItsReader(sys.stdout)


def stdout_reader_gone():
    """True once standard output's reader has gone (a closed pipe)."""
    return getattr(sys.stdout, "reader_gone", False)


# ---------------------------------------------------------------------------
# Files written whole


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def give_umask_permissions(path):
    """What a plain open() or mkdir() would have given: mkstemp and mkdtemp make files private (600, 700)."""
    base = 0o777 if os.path.isdir(path) else 0o666
    os.chmod(path, base & ~_umask())


def check_output_folder(flag, path):
    """Refuse, before any work, a folder that an output could not be written into (it may not exist yet)."""
    if os.path.islink(path) and not os.path.exists(path):
        raise UsageError(f"{flag} {path} is a link to nothing; remove the link or give another folder")
    if os.path.exists(path) and not os.path.isdir(path):
        raise UsageError(f"{flag} {path} is a file; give a folder (it is created)")
    parent = os.path.dirname(os.path.abspath(path))
    if os.path.exists(parent) and not os.path.isdir(parent):
        raise UsageError(f"{flag} {path}: {parent} is a file, not a folder; give another path")
    if not os.path.isdir(parent):
        raise UsageError(f"{flag} {path}: the folder {parent} does not exist; create it first")
    folder = path if os.path.isdir(path) else parent
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{flag} {path}: cannot write in {folder}; choose a folder you may write to")


def check_new_file(flag, path):
    """Refuse, before any work, a file name that is taken: an output never replaces another one."""
    if os.path.lexists(path):
        kind = "a folder" if os.path.isdir(path) else "a link" if os.path.islink(path) else "a file"
        raise UsageError(f"{flag}: {path} is already {kind}; give another {flag} or move it away")


@contextlib.contextmanager
def atomic_paths(*final_paths, replace=True):
    """Temporary names beside each final path, all renamed into place only if the block finishes.

    An error or Ctrl-C inside the block leaves every final path as it was and
    no temporary file behind; the renames themselves are not interrupted, so
    files written together (a model and its encoding) are replaced together.
    With replace=False a final path that exists by then is an error, not replaced.
    """
    temporaries = []
    try:
        for final_path in final_paths:
            directory = os.path.dirname(os.path.abspath(final_path))
            handle, temporary = tempfile.mkstemp(
                dir=directory, prefix=".partial-", suffix="-" + os.path.basename(final_path)
            )
            os.close(handle)
            temporaries.append(temporary)
        yield temporaries
        stop_if_interrupted()
        with _interrupts_deferred():
            for temporary, final_path in zip(temporaries, final_paths):
                give_umask_permissions(temporary)
                try:
                    if replace:
                        os.replace(temporary, final_path)
                    else:
                        os.link(temporary, final_path)  # fails, unlike a rename, if the name is taken
                except OSError as error:  # named by the user's path, not the temporary one
                    raise OSError(error.errno, error.strerror, final_path) from None
    finally:
        for temporary in temporaries:
            if os.path.exists(temporary):
                os.remove(temporary)


@contextlib.contextmanager
def atomic_path(final_path):
    """One file written whole or not at all: see atomic_paths."""
    with atomic_paths(final_path) as (temporary,):
        yield temporary
