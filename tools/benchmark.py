"""Maintainer tool: run the scripts as the README says, record every run, then rebuild the report.

Each published number comes from one of these commands (see docs/reproducing.md):

    python tools/benchmark.py imdb --data-dir aclImdb_v1.tar.gz        # the tutorial's reproduction
    python tools/benchmark.py own-data --data-dir my_corpus.tar.gz     # the README's own-data command
    python tools/benchmark.py own-data --data bbc_news.csv --data-flags "--label-column category"   # on a table
    python tools/benchmark.py own-data --data goemotions/train.tsv --corpus goemotions --data-flags "..."
    python tools/benchmark.py quick-try --data-dir aclImdb_v1.tar.gz   # the README's quick try
    python tools/benchmark.py backend --backend jax --data-dir aclImdb_v1.tar.gz

Each script runs in a process of its own (so its peak memory is its own),
leaves one JSON record per run in a folder of results/ and its console output
in that folder's logs/; then report.py rebuilds results/README.md, the
learning curves and every accuracy line from the records. Run it on an
otherwise idle machine: it measures time.
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import time

import families
import report
from families import HERE


def run_script(script, arguments, results_dir, log_name, environment=None):
    """Run one script in a process of its own, its output logged; returns the command's wall time in seconds."""
    command = [sys.executable, script] + arguments + ["--results-dir", results_dir, "--verbose", "2"]
    logs_dir = os.path.join(results_dir, "logs")
    os.makedirs(logs_dir, exist_ok=True)
    log_path = os.path.join(logs_dir, log_name + ".log")
    print(f"{time.strftime('%H:%M:%S')} {' '.join(command[1:])}: log in {os.path.relpath(log_path, HERE)}", flush=True)
    started = time.perf_counter()
    with open(log_path, "w") as log:
        prefix = "".join(f"{name}={value} " for name, value in (environment or {}).items())
        log.write("$ " + prefix + " ".join(["python"] + command[1:]) + "\n")
        log.flush()
        completed = subprocess.run(
            command, cwd=HERE, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(environment or {})}
        )
    if completed.returncode != 0:
        sys.exit(f"benchmark.py: error: {script} failed (exit {completed.returncode}); see {log_path}")
    return time.perf_counter() - started


def imdb(args):
    """The tutorial's reproduction: every script, default and --literal, on all 50,000 reviews."""
    for configuration, seeds in (("default", args.seeds), ("literal", args.literal_seeds)):
        for script in args.scripts:
            if seeds > 0:
                flag = ["--literal"] if configuration == "literal" else ["--watch-test"]
                arguments = ["--data-dir", args.data_dir, "--seed", str(args.first_seed), "--runs", str(seeds)] + flag
                last_seed = args.first_seed + seeds - 1
                log_name = f"{os.path.splitext(script)[0]}-{configuration}-seeds{args.first_seed}-{last_seed}"
                run_script(script, arguments, families.RUNS_DIR, log_name)


def study(args):
    """One recipe of the own-data study on one corpus: each script (and the baseline) over the seeds."""
    corpus = args.corpus or families.corpus_name(args.data_dir)
    results_dir = os.path.join(families.STUDY_DIR, corpus, args.recipe)
    last_seed = args.first_seed + args.seeds - 1
    own_validation = "--validation-data" in args.data_flags
    for script in args.scripts + ([families.BASELINE] if args.baseline else []):
        recipe = families.recipe_flags(args.recipe, script, own_validation)
        arguments = ["--data", args.data_dir, *args.data_flags, *recipe]
        arguments += ["--seed", str(args.first_seed), "--runs", str(args.seeds)]
        if args.save_dir:  # the last seed's model, for tools/threshold_study.py or predict.py
            os.makedirs(args.save_dir, exist_ok=True)  # --save makes its own folder, not the folders above it
            saved = f"{corpus}-{args.recipe}-{os.path.splitext(script)[0]}"
            arguments += ["--save", os.path.join(os.path.abspath(args.save_dir), saved)]
        run_script(script, arguments, results_dir, f"{os.path.splitext(script)[0]}-seeds{args.first_seed}-{last_seed}")


def quick_try(args):
    """The README's quick try, each script once per seed; the command's wall time is added to its record."""
    for script in args.scripts:
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            arguments = ["--data-dir", args.data_dir, *families.QUICK_TRY_FLAGS, "--seed", str(seed)]
            before = set(os.listdir(families.QUICK_TRY_DIR)) if os.path.isdir(families.QUICK_TRY_DIR) else set()
            seconds = run_script(script, arguments, families.QUICK_TRY_DIR, f"{os.path.splitext(script)[0]}-seed{seed}")
            (written,) = {name for name in os.listdir(families.QUICK_TRY_DIR) if name.endswith(".json")} - before
            _add_to_record(os.path.join(families.QUICK_TRY_DIR, written), command_seconds=seconds)


def backend(args):
    """One script on the full data under another Keras backend, default and --literal."""
    results_dir = os.path.join(families.BACKENDS_DIR, args.backend)
    environment = {"KERAS_BACKEND": args.backend}
    for configuration in args.configurations:
        for script in args.scripts:
            flag = ["--literal"] if configuration == "literal" else []
            arguments = ["--data-dir", args.data_dir, "--seed", str(args.first_seed), "--runs", str(args.seeds)] + flag
            if args.limit:
                arguments += ["--limit", str(args.limit)]
            log_name = f"{os.path.splitext(script)[0]}-{configuration}-seed{args.first_seed}"
            run_script(script, arguments, results_dir, log_name, environment)


def _add_to_record(path, **fields):
    with open(path) as handle:
        record = json.load(handle)
    record.update(fields)
    report.write_whole(os.path.relpath(path, HERE), json.dumps(record, indent=1) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name, function, help_text, seeds, first_seed, scripts=families.SCRIPTS):
        sub = commands.add_parser(name, help=help_text, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
        sub.add_argument(
            "--data",
            "--data-dir",
            dest="data_dir",
            metavar="PATH",
            required=True,
            help="the corpus: as --data takes it",
        )
        sub.add_argument(
            "--data-flags", type=shlex.split, default=[], help="the scripts' flags about reading it (own-data, study)"
        )
        sub.add_argument(
            "--corpus", help="the corpus' name in results/study (default: the --data file's or folder's name)"
        )
        sub.add_argument("--seeds", type=int, default=seeds, help="seeds per script")
        sub.add_argument("--first-seed", type=int, default=first_seed, help="seeds are FIRST_SEED, FIRST_SEED+1, ...")
        sub.add_argument("--scripts", nargs="*", choices=families.SCRIPTS, default=list(scripts), help="scripts to run")
        sub.add_argument("--save-dir", metavar="DIR", help="own-data, study: save each script's last model below DIR")
        # The report rewrites the scripts' "Gets to" lines: a later command of a chain would record "-dirty" code.
        sub.add_argument("--no-report", action="store_true", help="leave the report to the last command of a chain")
        sub.set_defaults(function=function)
        return sub

    imdb_parser = command("imdb", imdb, "the tutorial's reproduction on all 50,000 reviews", 5, 7)
    imdb_parser.add_argument("--literal-seeds", type=int, default=3, help="seeds of the --literal configuration")
    seeds = dict(seeds=families.STUDY_SEEDS, first_seed=families.STUDY_FIRST_SEED)
    own_data_parser = command(
        "own-data", study, "the README's own-data command and the baseline on one corpus", **seeds
    )
    own_data_parser.set_defaults(recipe=families.OWN_DATA_RECIPE, baseline=True)
    study_parser = command("study", study, "one candidate recipe of the own-data study on one corpus", **seeds)
    runnable = sorted(set(families.STUDY_RECIPES) - set(families.RETIRED_RECIPES))
    study_parser.add_argument("--recipe", choices=runnable, required=True, help="the candidate")
    study_parser.add_argument("--baseline", action="store_true", help="run baseline.py with the same flags too")
    command("quick-try", quick_try, "the README's quick try", 3, 41)
    backend_parser = command(
        "backend", backend, "a script under another Keras backend", 1, 7, scripts=["lstm_simple.py"]
    )
    backend_parser.add_argument("--backend", choices=("jax", "torch", "tensorflow"), required=True)
    backend_parser.add_argument("--configurations", nargs="+", choices=("default", "literal"), default=["default"])
    backend_parser.add_argument("--limit", type=int, help="a --limit for every run (default: all reviews)")
    args = parser.parse_args(argv)
    if not os.path.exists(args.data_dir):
        parser.error(f"--data-dir {args.data_dir} does not exist")
    args.data_dir = os.path.abspath(args.data_dir)
    args.function(args)
    if not args.no_report:
        report.main()


if __name__ == "__main__":
    main()
