"""Rebuild results/: run every script in its default and its --literal configuration, then report.

One command makes every number this project publishes:

    python benchmark.py --data-dir PATH

For each script it runs the default configuration (length-bucketed, masked
batches) for --seeds seeds, watching the test accuracy after every epoch for
the learning curves, and the tutorial's literal configuration (--literal:
every review padded to 500, Keras defaults) for --literal-seeds seeds, each
configuration in a process of its own so that its peak memory is its own.
Every run leaves a JSON record in results/runs/ and its console output in
results/logs/. The report step (report.py) then builds results/README.md, the
learning curves and the accuracy lines of the scripts and the README from
those records.

Run it on an otherwise idle machine: it measures time.
"""

import argparse
import os
import subprocess
import sys
import time

import report

HERE = report.HERE
LOGS_DIR = os.path.join(report.RESULTS_DIR, "logs")


def run_script(script, configuration, seeds, first_seed, data_dir, extra):
    """Run one script for `seeds` seeds in one process; its output goes to results/logs/."""
    command = [
        sys.executable,
        script,
        "--data-dir",
        data_dir,
        "--seed",
        str(first_seed),
        "--runs",
        str(seeds),
        "--results-dir",
        report.RUNS_DIR,
        "--verbose",
        "2",
    ] + extra
    if configuration == "literal":
        command.append("--literal")
    else:
        command.append("--watch-test")
    os.makedirs(LOGS_DIR, exist_ok=True)
    last_seed = first_seed + seeds - 1
    log_path = os.path.join(LOGS_DIR, f"{os.path.splitext(script)[0]}-{configuration}-seeds{first_seed}-{last_seed}.log")
    print(f"{time.strftime('%H:%M:%S')} {script} {configuration}, {seeds} seeds: log in {os.path.relpath(log_path, HERE)}", flush=True)
    with open(log_path, "w") as log:
        log.write("$ " + " ".join(["python"] + command[1:]) + "\n")
        log.flush()
        completed = subprocess.run(command, cwd=HERE, stdout=log, stderr=subprocess.STDOUT)
    if completed.returncode != 0:
        sys.exit(f"benchmark.py: error: {script} {configuration} failed (exit {completed.returncode}); see {log_path}")


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--data-dir", metavar="PATH", help="the Stanford aclImdb folder or its .tar.gz (needed unless --report-only)")
    parser.add_argument("--seeds", type=int, default=5, help="seeds of the default configuration")
    parser.add_argument("--literal-seeds", type=int, default=3, help="seeds of the literal configuration")
    parser.add_argument("--first-seed", type=int, default=7, help="seeds are FIRST_SEED, FIRST_SEED+1, ...")
    parser.add_argument("--scripts", nargs="+", choices=report.SCRIPTS, default=report.SCRIPTS, help="scripts to run")
    parser.add_argument(
        "--configurations", nargs="+", choices=("default", "literal"), default=("default", "literal"), help="configurations to run"
    )
    parser.add_argument("--report-only", action="store_true", help="only rebuild the report from results/runs/")
    args = parser.parse_args(argv)
    if not args.report_only:
        if args.data_dir is None:
            parser.error("--data-dir PATH is needed to run the scripts (or give --report-only)")
        if not os.path.exists(args.data_dir):
            parser.error(f"--data-dir {args.data_dir} does not exist; give the aclImdb folder or its .tar.gz")
        for configuration in args.configurations:
            seeds = args.seeds if configuration == "default" else args.literal_seeds
            for script in args.scripts:
                if seeds > 0:
                    run_script(script, configuration, seeds, args.first_seed, args.data_dir, [])
    report.main()


if __name__ == "__main__":
    main()
