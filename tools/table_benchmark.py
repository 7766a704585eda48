"""Maintainer tool: how long a script takes to read and encode a big table, and its peak memory (not a test).

    python tools/table_benchmark.py                       # 1,000,000 rows, about 500 MB, 20 classes
    python tools/table_benchmark.py --rows 100000 --baseline

It writes a CSV of generated texts (words drawn with Zipf's law from a
vocabulary of 100,000, some texts quoted with commas and line breaks), then,
each in a process of its own as a user's run: the first load (read, check,
split, encode, cache), the second (from the cache), and with --baseline one
epoch of baseline.py on it. Each prints its seconds and peak resident memory;
the figures go to results/tables/ with the command. The targets: the
first load within 2 minutes and 4 GB, the second within 10 seconds. Run it on
an otherwise idle machine: it measures time.
"""

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

from families import HERE, TABLES_DIR

VOCABULARY = 100_000
CLASSES = 20
# One user's load: the script's own flags and data step, as main() runs them before building the model.
LOAD = """
import resource, sys, time
sys.path.insert(0, {here!r})
import lstm_simple, common
from helpers import flags
args = flags.parse({argv!r}, "lstm_simple.py", "", flags.Recipe.of_script(vars(lstm_simple)))
started = time.perf_counter()
data = common.load_data(args)
seconds = time.perf_counter() - started
print("FIGURES", seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, len(data.train_labels))
"""


def write_table(path, rows, seed):
    """rows texts of about 500 bytes (80 words) in CLASSES classes, each class favouring words of its own."""
    rng = np.random.default_rng(seed)
    words = np.array([f"w{rank}" for rank in range(VOCABULARY)])
    weights = 1.0 / np.arange(1, VOCABULARY + 1)  # Zipf's law, as in natural text
    weights /= weights.sum()
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("text,label\n")
        for start in range(0, rows, 10_000):
            count = min(10_000, rows - start)
            lengths = rng.integers(30, 170, count)
            indices = rng.choice(VOCABULARY, size=int(lengths.sum()), p=weights)
            labels = rng.integers(0, CLASSES, count)
            lines, offset = [], 0
            for length, label in zip(lengths, labels):
                text = " ".join(words[indices[offset : offset + length]]) + f" class{label}"
                offset += length
                if label % 5 == 0:  # a quoted field, with a comma and a line break
                    text = '"' + text.replace(" ", ", ", 1).replace(" ", "\n", 1) + '"'
                lines.append(f"{text},topic{label}\n")
            handle.write("".join(lines))


def measure(command, environment):
    """Run a command; its seconds (its own, printed, or the wall time) and peak resident GB."""
    started = time.perf_counter()
    completed = subprocess.run(
        ["/usr/bin/time", "-f", "PEAK %M", *command], capture_output=True, text=True, env=environment, cwd=HERE
    )
    wall = time.perf_counter() - started
    if completed.returncode != 0:
        sys.exit(f"table_benchmark.py: error: {' '.join(command[:2])} failed:\n{completed.stderr[-2000:]}")
    peak_gb = int(re.search(r"PEAK (\d+)", completed.stderr).group(1)) / 2**20
    figures = re.search(r"FIGURES (\S+) \S+ (\d+)", completed.stdout)
    return {"seconds": round(float(figures.group(1)) if figures else wall, 1), "wall_seconds": round(wall, 1),
            "peak_gb": round(peak_gb, 2)}  # fmt: skip


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the generated table")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated texts")
    parser.add_argument("--baseline", action="store_true", help="also one epoch of baseline.py on the table")
    parser.add_argument("--note", default="nothing else ran", help="what else ran on the machine, for the record")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        table = os.path.join(scratch, "big.csv")
        print(f"Writing {args.rows:,} rows to {table} ...", flush=True)
        write_table(table, args.rows, args.seed)
        size_mb = os.path.getsize(table) / 1e6
        print(f"  {size_mb:,.0f} MB", flush=True)
        environment = {**os.environ, "KERAS_HOME": os.path.join(scratch, "keras_home")}  # a cache of its own
        load = [sys.executable, "-c", LOAD.format(here=HERE, argv=["--data", table])]
        figures = {"first_load": measure(load, environment)}
        print(f"  first load (read, split, encode, cache): {figures['first_load']}", flush=True)
        figures["cached_load"] = measure(load, environment)
        print(f"  second load (from the cache): {figures['cached_load']}", flush=True)
        if args.baseline:
            baseline = [sys.executable, "baseline.py", "--data", table, "--epochs", "1", "--verbose", "2"]
            figures["baseline_one_epoch"] = measure(baseline, environment)
            print(f"  baseline.py --epochs 1: {figures['baseline_one_epoch']}", flush=True)
    record = {
        "command": "python tools/table_benchmark.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "rows": args.rows,
        "table_mb": round(size_mb),
        "figures": figures,
        "targets": {"first_load": "2 minutes, 4 GB", "cached_load": "10 seconds"},
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "also_running": args.note,
        "git_commit": subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=HERE
        ).stdout.strip(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    os.makedirs(TABLES_DIR, exist_ok=True)
    path = os.path.join(TABLES_DIR, f"table-{args.rows}-rows{'-baseline' * args.baseline}.json")
    with open(path + ".partial", "w") as handle:
        json.dump(record, handle, indent=1)
    os.replace(path + ".partial", path)
    print(f"Recorded in {os.path.relpath(path, HERE)}")


if __name__ == "__main__":
    main()
