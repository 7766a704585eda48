"""How every script meets the shell: one-line user errors (exit 2), Ctrl-C (exit 130), flag types, whole files.

The promises to a user at the shell live here, once, for the four scripts,
`baseline.py` and `predict.py`:
- a problem the user can fix is one line on stderr and exit code 2, never a
  traceback (`UsageError`, `report_user_errors`);
- Ctrl-C stops the run wherever it lands, writes nothing unfinished and exits
  with 130 (`report_user_errors`, `stop_if_interrupted`);
- a file is written whole or not at all, with the permissions the user's
  umask gives, and never replaces a file the scripts did not write
  (`atomic_path`).
"""

import argparse
import contextlib
import errno
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


def whole_number_from(minimum):
    """An argparse type: a whole number of at least `minimum`."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} must be {minimum} or more")
        return value

    return parse


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


@contextlib.contextmanager
def _interrupts_deferred():
    """Ctrl-C inside the block is remembered and acted on at its end, not in the middle."""
    _Interrupt.deferred = True
    try:
        yield
    finally:
        _Interrupt.deferred = False
    stop_if_interrupted()


def stop_if_interrupted():
    """Raise KeyboardInterrupt if Ctrl-C came, even if some library's cleanup swallowed it."""
    if _Interrupt.received:
        raise KeyboardInterrupt


def describe_os_error(error):
    """An OSError as the user needs it: what failed, on which path, and what to do."""
    path = f" {error.filename}" if error.filename else ""
    reason = error.strerror or first_line(error)
    advice = {
        errno.ENOSPC: "free some space",
        errno.EACCES: "choose a path you may write to",
        errno.EPERM: "choose a path you may write to",
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
    _Interrupt.received = False
    try:
        yield
        stop_if_interrupted()
    except UsageError as error:
        _exit(2, f"{prog}: error: {error}")
    except OSError as error:
        _exit(2, f"{prog}: error: {describe_os_error(error)}")
    except KeyboardInterrupt:
        _exit(130, f"{prog}: interrupted; nothing unfinished was saved")
    finally:
        if handler_installed:
            signal.signal(signal.SIGINT, previous_handler)


def _exit(code, message):
    sys.stdout.flush()
    print(message, file=sys.stderr, flush=True)
    sys.exit(code)


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


@contextlib.contextmanager
def atomic_paths(*final_paths):
    """Temporary names beside each final path, all renamed into place only if the block finishes.

    An error or Ctrl-C inside the block leaves every final path as it was and
    no temporary file behind; the renames themselves are not interrupted, so
    files written together (a model and its encoding) are replaced together.
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
                os.replace(temporary, final_path)
    finally:
        for temporary in temporaries:
            if os.path.exists(temporary):
                os.remove(temporary)


@contextlib.contextmanager
def atomic_path(final_path):
    """One file written whole or not at all: see atomic_paths."""
    with atomic_paths(final_path) as (temporary,):
        yield temporary
