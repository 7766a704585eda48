"""How every script meets the shell: one line for a mistake, Ctrl-C and SIGTERM, `--runs`.

The promises to a user at the shell, once for every script: a problem the
user can fix is one line on stderr and exit code 2 (`UsageError`, `run`);
Ctrl-C, SIGTERM (`timeout`, `docker stop`, a scheduler) and SIGHUP (a closed
terminal) stop the run wherever they land, write nothing unfinished and exit
with 128 + the signal's number; one output that cannot be written never
costs the others (`keep_going`). Files written whole are files.py's; a
standard output that outlives its reader (`| head`) is startup.py's.
"""

import argparse
import contextlib
import errno
import gc
import os
import signal
import statistics
import sys
import threading


class UsageError(Exception):
    """A problem the user can fix; reported as one line on stderr with exit code 2."""


def first_line(error):
    """An exception's message cut to one line of at most 160 characters, to quote inside a UsageError."""
    line = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return line if len(line) <= 160 else line[:157] + "..."


def listed(items, most=5):
    """Names quoted and joined by commas, at most `most` of them and each cut to 30 characters: one readable line."""
    items = list(items)
    shown = ", ".join(repr(item if len(item) <= 30 else item[:27] + "...") for item in map(str, items[:most]))
    return shown + (f", ... ({len(items)} in all)" if len(items) > most else "")


def describe_os_error(error):
    """An OSError in one line: Python's own words, the path, and what to do."""
    permissions = "check its permissions" if error.errno in (errno.EACCES, errno.EPERM) else "check the path"
    advice = "free some space" if error.errno == errno.ENOSPC else permissions
    path = f": {os.fsdecode(error.filename)}" if error.filename is not None else ""
    return f"{error.strerror or first_line(error)}{path}; {advice}"


# The signals that stop a run cleanly; each exits with 128 + its number, as a shell reports it.
STOP_SIGNALS = [signal.SIGINT, signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])


class _Interrupt:
    """The stop signal received, so that one a library swallows still stops the run."""

    received = None
    deferred = False


def _on_signal(signum, frame):
    _Interrupt.received = _Interrupt.received or signum
    if not _Interrupt.deferred:
        raise KeyboardInterrupt


def _handle_stop_signals():
    """Install the handler for every stop signal; returns the handlers it replaced (none off the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    # A signal the user had ignored (`nohup` ignores SIGHUP) stays ignored.
    ignored = [signum for signum in STOP_SIGNALS if signal.getsignal(signum) is signal.SIG_IGN]
    return {signum: signal.signal(signum, _on_signal) for signum in STOP_SIGNALS if signum not in ignored}


def hold_interrupts():
    """Until a run starts, a stop signal is only remembered (startup.py): raised inside an import, a library's
    cleanup could swallow it or leave the interpreter half torn down; remembered, it stops the run at once."""
    _Interrupt.deferred = True
    _handle_stop_signals()


def begin_run():
    """A run starts: a stop signal held while the imports ran stops it now; one an earlier run stopped on is over."""
    held_since_the_imports = _Interrupt.deferred
    _Interrupt.deferred = False
    if not held_since_the_imports:
        _Interrupt.received = None
    stop_if_interrupted()


def stop_if_interrupted():
    """Raise KeyboardInterrupt if a stop signal came, even if some library's cleanup swallowed it."""
    if _Interrupt.received:
        raise KeyboardInterrupt


@contextlib.contextmanager
def signals_held():
    """A stop signal that comes inside the block is acted on after it (stop_if_interrupted): what the block does,
    such as putting files in place, is not cut in two."""
    was_deferred = _Interrupt.deferred
    _Interrupt.deferred = True
    try:
        yield
    finally:
        _Interrupt.deferred = was_deferred


_unwritten = []  # the outputs that could not be written, said once the run is over


@contextlib.contextmanager
def keep_going(what):
    """Write one output; if it fails, say so at the end of the run, and write the others meanwhile."""
    try:
        yield
    except OSError as error:
        _unwritten.append(f"could not write {what} ({describe_os_error(error)})")


def _runs_asked(argv):
    """--runs N, read ahead of the script's own parser (which reports a malformed one)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--runs", default="1")
    try:
        return max(1, int(parser.parse_known_args(argv)[0].runs))
    except ValueError:
        return 1


def run(main, argv=None, seeds=True):
    """Not the tutorial's: a script's main() as the shell runs it, once per seed of --runs; returns each result.

    UsageError and OSError: one line, exit 2. A stop signal, wherever it lands
    and whatever exception a library made of it: one line, exit 128 + its
    number. With seeds and --runs N, main() runs N times, told which run it is
    (--run-index), then the mean is printed.
    """
    prog = os.path.basename(main.__code__.co_filename)
    argv_given = argv
    argv = sys.argv[1:] if argv is None else list(argv)
    previous_handlers = _handle_stop_signals()
    was_deferred = _Interrupt.deferred
    _unwritten.clear()
    code = message = None
    try:
        begin_run()  # the one start of a run: a signal held while the imports ran stops it now
        runs = _runs_asked(argv) if seeds else 1
        results = [main(argv + [f"--run-index={index}"] if runs > 1 else argv) for index in range(runs)]
        stop_if_interrupted()
        if runs > 1:
            print_mean(results)
        if _unwritten:
            raise UsageError("; ".join(_unwritten))
    except BaseException as error:
        # A stop signal that lands inside TensorFlow's C++ code or its tracing can come back as another exception
        # (pybind11's RuntimeError, a TypeError that Keras lists a layer's arguments under): the run was stopped.
        if isinstance(error, KeyboardInterrupt) or _Interrupt.received and not isinstance(error, SystemExit):
            signum = _Interrupt.received or signal.SIGINT
            what = "interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"
            code = 128 + signum
            message = f"{prog}: {what}; nothing unfinished was saved"
        elif isinstance(error, (UsageError, OSError)):
            code = 2
            message = f"{prog}: error: {describe_os_error(error) if isinstance(error, OSError) else error}"
        else:
            raise
    finally:
        _Interrupt.received = None
        _Interrupt.deferred = was_deferred
        for signum, handler in previous_handlers.items():
            signal.signal(signum, handler)
    if code is not None:
        _exit(code, message, code - 128 if code > 128 and argv_given is None else None)
    return results


def print_mean(results):
    """The mean of --runs' figures: their accuracy, or with several labels a text their macro-F1."""
    if "macro_f1" in results[0]:
        scores = [result["macro_f1"] for result in results]
        spread = f"{statistics.mean(scores):.3f} +- {statistics.stdev(scores):.3f}"
        print(f"Macro-F1 over {len(results)} runs: {spread} (min {min(scores):.3f}, max {max(scores):.3f})")
        return
    accuracies = [100 * result["accuracy"] for result in results]
    spread = f"{statistics.mean(accuracies):.2f}% +- {statistics.stdev(accuracies):.2f}"
    print(f"Accuracy over {len(results)} runs: {spread} (min {min(accuracies):.2f}%, max {max(accuracies):.2f}%)")


def _exit(code, message, signum=None):
    # Outside the except clause: what the traceback held (a data iterator) is finalised now, not after our line.
    gc.collect()
    for stream, text in ((sys.stdout, ""), (sys.stderr, message + "\n")):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: the message still goes to stderr
            stream.write(text)
            stream.flush()
    if signum:  # a script stopped by a signal dies of it, so that a shell loop around it stops too
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
    sys.exit(code)
