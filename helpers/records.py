"""Run records for results/: one JSON file per run with its command, figures, versions, hardware and commit.

Written only when a run is asked to leave a record (`--results-dir`); each
record gets a name of its own, so that runs of any corpus, flags and seed can
share one folder and none is ever written over.
"""

import datetime
import json
import os
import platform
import shlex
import subprocess
import sys

import keras
import numpy as np

from helpers import files, shell

try:
    import resource  # Unix only: Windows has no getrusage
except ImportError:
    resource = None


def peak_memory_mb():
    """Peak resident memory of this process so far, or None where the platform cannot say."""
    if resource is None:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def cpu_name():
    try:  # Linux names the model; elsewhere the platform's own word for it
        with open("/proc/cpuinfo") as handle:
            return next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def git_commit():
    """The commit of the code that runs, "-dirty" if a .py file differs from it; None outside git."""
    project = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # above helpers/

    def git(*arguments):
        return subprocess.run(["git", *arguments], cwd=project, capture_output=True, text=True, check=True).stdout

    try:
        return git("rev-parse", "HEAD").strip() + ("-dirty" if git("status", "--porcelain", "--", "*.py") else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def versions():
    """The versions that change the numbers: Python, Keras, its backend (imported by Keras), NumPy."""
    backend = keras.backend.backend()
    found = {"python": platform.python_version(), "keras": keras.__version__, "numpy": np.__version__}
    return found | {backend: getattr(sys.modules.get(backend), "__version__", None), "backend": backend}


RECORDED_SETTINGS = ("epochs", "batch_size", "top_words", "max_len", "truncating", "limit", "validation_split")
RECORDED_SETTINGS += ("learning_rate_schedule", "class_weight", "monitor")


def record_of(args, data, model, history, scores, configuration):
    """One run's figures, as write_record writes them."""
    # Keras' History as one dict per epoch: loss and metrics, seconds, learning rate, test figures.
    per_epoch = [
        {"epoch": epoch + 1} | {name: float(values[epoch]) for name, values in history.history.items()}
        for epoch in range(len(history.epoch))
    ]
    validation_texts = 0 if data.validation_labels is None else len(data.validation_labels)
    return {
        "script": args.script,
        "command": shlex.join(["python", args.script] + args.argv),
        "seed": args.seed,
        "configuration": configuration,
        **{name: getattr(args, name) for name in RECORDED_SETTINGS},
        "patience": args.patience if args.validates else None,
        "validation_data": args.validation_data,
        "plateau_patience": args.plateau_patience if args.learning_rate_schedule == "plateau" else None,
        "best_epoch": getattr(history, "best_epoch", None),
        "data": data.source,
        "data_summary": data.summary,
        "class_names": data.class_names,
        "train_reviews": len(data.train_labels),
        "validation_reviews": validation_texts,
        "test_reviews": len(data.test_labels),
        "parameters": model.count_params(),
        "per_epoch": per_epoch,
        "training_seconds": sum(epoch.get("seconds", 0.0) for epoch in per_epoch),  # RunWatcher's
        # Loss, accuracy, each class's figures and the confusion matrix; with several labels a text, macro-F1,
        # micro-F1, exact match, each label's figures and thresholds.
        **{f"test_{name}": value for name, value in scores.items() if name != "seconds"},
        "evaluation_seconds": scores["seconds"],
        "git_commit": args.git_commit,
        "peak_memory_mb": peak_memory_mb(),
        "versions": versions(),
        "cpu": cpu_name(),
        "cpu_count": os.cpu_count(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def write_record(args, data, model, history, scores, configuration=None):
    """Not the tutorial's: with --results-dir, the run's record, under a name no other record has; returns its path."""
    if not args.results_dir:
        return None
    configuration = configuration or ("literal" if args.literal else "default")
    record = record_of(args, data, model, history, scores, configuration)
    stem = f"{os.path.splitext(args.script)[0]}-{configuration}-seed{args.seed}"
    with shell.keep_going(f"the run record into {args.results_dir}"):
        os.makedirs(args.results_dir, exist_ok=True)
        for number in range(1, 1_000_000):
            # The first run of a name keeps the plain name; later ones are numbered.
            path = os.path.join(args.results_dir, stem + (f"-{number}" if number > 1 else "") + ".json")
            if os.path.lexists(path):
                continue
            try:
                with files.written_whole(path, replace=False) as (temporary_path,):
                    with open(temporary_path, "w", encoding="utf-8") as handle:
                        json.dump(record, handle, indent=1)
                        handle.write("\n")
                return path
            except FileExistsError:
                continue  # another run took the name meanwhile: the next number
    return None
