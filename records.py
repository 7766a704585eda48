"""Run records for results/: one JSON file per run with its command, figures, versions, hardware and commit.

Imported only when a run is asked to leave a record (`--results-dir`), so a
script copied for another problem runs no git and no platform probing.
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

from cli import atomic_paths, check_new_file

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
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def git_commit():
    """The commit of the code that runs, "-dirty" if a .py file differs from it; None outside git."""
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, check=True
        ).stdout
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "*.py"], cwd=here, capture_output=True, text=True, check=True
        ).stdout.strip()
        return commit.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def versions():
    """The versions that change the numbers: Python, Keras, its backend, NumPy."""
    backend = keras.backend.backend()
    backend_module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch", "numpy": "numpy"}.get(backend)
    found = {"python": platform.python_version(), "keras": keras.__version__, "numpy": np.__version__}
    try:
        found[backend] = __import__(backend_module).__version__
    except (ImportError, TypeError):
        found[backend] = None
    found["backend"] = backend
    return found


def record_name(script, configuration, seed):
    return f"{os.path.splitext(script)[0]}-{configuration}-seed{seed}.json"


def check_record_paths(results_dir, script, configuration, seeds):
    """Refuse, before any work, a run whose record would replace an earlier run's record."""
    for seed in seeds:
        check_new_file("--results-dir", os.path.join(results_dir, record_name(script, configuration, seed)))


def write_record(results_dir, record):
    """Write one run's record (a dict) into results_dir, whole or not at all, never over another; returns its path."""
    record = dict(record)
    record["command"] = shlex.join(record["command"])
    record.update(
        peak_memory_mb=peak_memory_mb(),
        versions=versions(),
        cpu=cpu_name(),
        cpu_count=os.cpu_count(),
        date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    )
    os.makedirs(results_dir, exist_ok=True)
    path = os.path.join(results_dir, record_name(record["script"], record["configuration"], record["seed"]))
    with atomic_paths(path, replace=False) as (temporary_path,):
        with open(temporary_path, "w") as handle:
            json.dump(record, handle, indent=1)
            handle.write("\n")
    return path
