"""Build results/README.md, the learning curves and every published accuracy line from the run records.

    python tools/report.py

reads results/runs/*.json (written by the scripts' --results-dir, normally
through tools/benchmark.py) and rewrites, from those records only:
- results/README.md: the accuracy table, the speed table and the targets;
- results/summary.json: the same figures, machine-readable;
- results/<script>_learning_curve.png: loss and accuracy per epoch;
- the "Gets to ..." line of each script's docstring and the table between the
  results markers of README.md.
Nothing here is typed by hand; tests/test_results.py checks that the files
agree with the records.
"""

import glob
import json
import os
import re
import statistics

# The repository: this file lives in tools/.
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS_DIR = os.path.join(HERE, "results")
RUNS_DIR = os.path.join(RESULTS_DIR, "runs")
# Records of earlier code, one folder per configuration, kept as the diagnosis' evidence.
EARLIER_DIR = os.path.join(RESULTS_DIR, "earlier")
SCRIPTS = ("lstm_simple.py", "lstm_dropout.py", "lstm_recurrent_dropout.py", "cnn_lstm.py")
TUTORIAL_ACCURACY = {  # the tutorial's printed single-run figures, in percent
    "lstm_simple.py": 86.79,
    "lstm_dropout.py": 85.56,
    "lstm_recurrent_dropout.py": 82.82,
    "cnn_lstm.py": 86.36,
}
README_START = "<!-- results:start (written by tools/report.py from results/runs; do not edit) -->"
README_END = "<!-- results:end -->"
OWN_DATA_START = "<!-- own-data:start (written by tools/report.py from results/own-data; do not edit) -->"
OWN_DATA_END = "<!-- own-data:end -->"
CLAIM_PATTERN = re.compile(r"^Gets to .*$", re.MULTILINE)

# The README's own-data command, and the folders of the records that are not the tutorial's reproduction.
BASELINE = "baseline.py"
OWN_DATA_FLAGS = ("--validation-split", "0.1", "--epochs", "50", "--patience", "5")
OWN_DATA_DIR = os.path.join(RESULTS_DIR, "own-data")
# corpus: (every LSTM's mean at least, the best LSTM's mean at least, the smallest class's recall at least)
OWN_DATA_TARGETS = {
    "bbc_news": (94.0, 97.0, None),
    "sms_spam": (98.0, None, 90.0),
}
# The own-data recipe study (issue 15): each candidate's flags, run on each shared corpus with seeds 41-43.
STUDY_DIR = os.path.join(RESULTS_DIR, "study")
STUDY_RECIPES = {
    name: tuple(flags.split())
    for name, flags in {
        "cosine-patience5": "--validation-split 0.1 --epochs 50 --patience 5 --learning-rate-schedule cosine",
        "plateau": "--validation-split 0.1 --epochs 50 --patience 8",
        "plateau-batch32": "--validation-split 0.1 --epochs 50 --patience 8 --batch-size 32",
        "plateau-first200": "--validation-split 0.1 --epochs 50 --patience 8 --truncating post --max-len 200",
        "plateau-batch32-first200": "--validation-split 0.1 --epochs 50 --patience 8 --batch-size 32 "
        "--truncating post --max-len 200",
    }.items()
}
QUICK_TRY_FLAGS = ("--limit", "5000")
QUICK_TRY_DIR = os.path.join(RESULTS_DIR, "quick-try")
QUICK_TRY_TARGET = (80.0, 60.0)  # accuracy at least, in a command of at most this many seconds
BACKENDS_DIR = os.path.join(RESULTS_DIR, "backends")


def corpus_name(data_path):
    """bbc_news for .../bbc_news.tar.gz or .../bbc_news/."""
    name = os.path.basename(os.path.normpath(data_path))
    for suffix in (".tar.gz", ".tgz", ".tar"):
        name = name.removesuffix(suffix)
    return name


def load_records(runs_dir=RUNS_DIR):
    """Full-data records only: a --limit run is a quick try, not a result."""
    records = []
    for path in sorted(glob.glob(os.path.join(runs_dir, "*.json"))):
        with open(path) as handle:
            record = json.load(handle)
        if record["limit"] is None:
            records.append(record)
    return records


def load_earlier_records(earlier_dir=EARLIER_DIR):
    """Records in results/earlier/<configuration>/, labelled with their folder's name."""
    records = []
    for folder in sorted(glob.glob(os.path.join(earlier_dir, "*", ""))):
        for record in load_records(folder):
            record["configuration"] = os.path.basename(os.path.dirname(folder))
            records.append(record)
    return records


def _mean_std(values):
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def summarize(records):
    """Per script and configuration: accuracy over seeds, median epoch and evaluation times, memory."""
    summary = {}
    for record in records:
        entry = summary.setdefault(record["script"], {}).setdefault(record["configuration"], {"runs": []})
        entry["runs"].append(record)
    for script, configurations in summary.items():
        for configuration, entry in configurations.items():
            runs = sorted(entry.pop("runs"), key=lambda record: record["seed"])
            accuracies = [100 * record["test_accuracy"] for record in runs]
            mean, std = _mean_std(accuracies)
            # Medians: one epoch slowed by other work on the machine does not move them.
            epoch_seconds = [epoch["seconds"] for record in runs for epoch in record["per_epoch"]]
            entry.update(
                seeds=[record["seed"] for record in runs],
                accuracies=accuracies,
                mean=mean,
                std=std,
                min=min(accuracies),
                max=max(accuracies),
                epoch_seconds=statistics.median(epoch_seconds),
                evaluation_seconds=statistics.median(record["evaluation_seconds"] for record in runs),
                peak_memory_mb=max(record["peak_memory_mb"] for record in runs),
                parameters=runs[0]["parameters"],
                epochs=runs[0]["epochs"],
                train_reviews=runs[0]["train_reviews"],
                test_reviews=runs[0]["test_reviews"],
                command=_general_command(runs[0]["command"]),
                cpu=runs[0]["cpu"],
                cpu_count=runs[0]["cpu_count"],
                versions=runs[0]["versions"],
                git_commits=sorted({record["git_commit"] for record in runs}),
            )
    return summary


def _general_command(command):
    """The recorded command with the machine's own paths made general."""
    command = re.sub(r"--data-dir \S+", "--data-dir PATH", command)
    return re.sub(r"--results-dir \S+", "--results-dir DIR", command)


def _mean_and_spread(entry):
    """ "86.10 ± 0.52 %" over several seeds; just the figure for one."""
    if len(entry["seeds"]) == 1:
        return f"{entry['mean']:.2f} % (one seed)"
    return f"{entry['mean']:.2f} ± {entry['std']:.2f} %"


def claim_line(script, summary):
    entry = summary[script]["default"]
    if len(entry["seeds"]) == 1:
        spread = f"one seed, {entry['seeds'][0]}"
    else:
        spread = f"mean of {len(entry['seeds'])} seeds, {entry['min']:.2f}-{entry['max']:.2f} %"
    return (
        f"Gets to {entry['mean']:.2f} % test accuracy after {entry['epochs']} epochs ({spread}), "
        f"{entry['epoch_seconds']:.0f} s/epoch on a {entry['cpu_count']}-core CPU."
    )


def accuracy_table(summary):
    lines = [
        "| script | tutorial | mean ± std | min | max | seeds | s/epoch | parameters |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for script in SCRIPTS:
        if "default" not in summary.get(script, {}):
            continue
        entry = summary[script]["default"]
        lines.append(
            f"| `{script}` | {TUTORIAL_ACCURACY[script]:.2f} % | {_mean_and_spread(entry)} | "
            f"{entry['min']:.2f} % | {entry['max']:.2f} % | {len(entry['seeds'])} | {entry['epoch_seconds']:.0f} | "
            f"{entry['parameters']:,} |"
        )
    return "\n".join(lines)


def speed_table(summary):
    lines = [
        "| script | configuration | seeds | s/epoch | evaluate 25,000 (s) | peak memory (MB) | accuracy mean ± std |",
        "|---|---|---|---|---|---|---|",
    ]
    for script in SCRIPTS:
        for configuration in ("literal", "default"):
            entry = summary.get(script, {}).get(configuration)
            if entry is None:
                continue
            lines.append(
                f"| `{script}` | {configuration} | {len(entry['seeds'])} | {entry['epoch_seconds']:.1f} | "
                f"{entry['evaluation_seconds']:.1f} | {entry['peak_memory_mb']:.0f} | {_mean_and_spread(entry)} |"
            )
    return "\n".join(lines)


SEEDS_FOR_ACCURACY_TARGETS = 5  # a claim about the tutorial's figures needs 5 seeds
SEEDS_FOR_LITERAL_COMPARISON = 3  # default against literal: means of at least 3 seeds


def target_rows(summary):
    """Each target a user can hold the scripts to (the tutorial's figures, speed, memory), against the records.

    A target measured on fewer seeds than it asks for is marked so, not met.
    """
    rows = []
    simple = summary.get("lstm_simple.py", {}).get("default")
    for script in SCRIPTS:
        default = summary.get(script, {}).get("default")
        literal = summary.get(script, {}).get("literal")
        if default is None:
            continue
        tutorial = TUTORIAL_ACCURACY[script]
        seeds = len(default["seeds"])
        enough = seeds >= SEEDS_FOR_ACCURACY_TARGETS
        checks = [
            (f"mean ≥ tutorial {tutorial:.2f} %", f"{default['mean']:.2f} %", default["mean"] >= tutorial, enough),
            (f"worst seed ≥ {tutorial - 2:.2f} %", f"{default['min']:.2f} %", default["min"] >= tutorial - 2, enough),
            (
                "std ≤ 1 point",
                f"{default['std']:.2f}" if seeds > 1 else "n/a (one seed)",
                default["std"] <= 1.0,
                enough,
            ),
            ("peak memory ≤ 4 GB", f"{default['peak_memory_mb']:.0f} MB", default["peak_memory_mb"] <= 4096, True),
        ]
        if literal is not None:
            common_seeds = sorted(set(default["seeds"]) & set(literal["seeds"]))
            if common_seeds:
                default_mean = statistics.mean(
                    a for s, a in zip(default["seeds"], default["accuracies"]) if s in common_seeds
                )
                literal_mean = statistics.mean(
                    a for s, a in zip(literal["seeds"], literal["accuracies"]) if s in common_seeds
                )
                checks.append(
                    (
                        f"accuracy ≥ literal's on the same seeds ({', '.join(map(str, common_seeds))})",
                        f"{default_mean:.2f} vs {literal_mean:.2f} %",
                        default_mean >= literal_mean,
                        len(common_seeds) >= SEEDS_FOR_LITERAL_COMPARISON,
                    )
                )
            epoch_ratio = default["epoch_seconds"] / literal["epoch_seconds"]
            evaluation_ratio = default["evaluation_seconds"] / literal["evaluation_seconds"]
            checks.append(("epoch ≤ 0.5 × literal", f"{epoch_ratio:.2f} ×", epoch_ratio <= 0.5, True))
            checks.append(("evaluation ≤ 0.25 × literal", f"{evaluation_ratio:.2f} ×", evaluation_ratio <= 0.25, True))
        if script == "lstm_recurrent_dropout.py" and simple is not None:
            ratio = default["epoch_seconds"] / simple["epoch_seconds"]
            checks.append(("epoch ≤ 1.5 × simple LSTM's", f"{ratio:.2f} ×", ratio <= 1.5, True))
        for target, measured, met, measured_enough in checks:
            verdict = "met" if met else "**not met**"
            if not measured_enough:
                verdict = f"{'holds' if met else 'fails'} so far; too few seeds to judge"
            rows.append(f"| `{script}` | {target} | {measured} | {verdict} |")
    return "\n".join(["| script | target | measured | verdict |", "|---|---|---|---|"] + rows)


def per_run_table(records, show_commit=False):
    """Every run, epoch by epoch: the evidence for the README's diagnosis.

    A run whose training loss rises or stalls has gone astray; a test accuracy that drops in
    the last epoch while one class's accuracy falls far below the other's is a run that ended
    on an unlucky step.
    """
    lines = [
        "| script | configuration | seed | training loss per epoch | training accuracy per epoch | "
        "test accuracy per epoch (watched) | test accuracy | per class |" + (" commit |" if show_commit else ""),
        "|---|---|---|---|---|---|---|---|" + ("---|" if show_commit else ""),
    ]
    order = {script: index for index, script in enumerate(SCRIPTS)}
    for record in sorted(records, key=lambda r: (order.get(r["script"], 99), r["configuration"], r["seed"])):
        epochs = record["per_epoch"]
        losses = " → ".join(f"{epoch['loss']:.3f}" for epoch in epochs)
        accuracies = " → ".join(f"{100 * epoch['accuracy']:.1f}" for epoch in epochs)
        watched = "-"  # literal runs do not watch the test set
        if "test_accuracy" in epochs[0]:
            watched = " → ".join(f"{100 * epoch['test_accuracy']:.1f}" for epoch in epochs) + " %"
        classes = ", ".join(f"{name} {100 * value:.1f}" for name, value in record["test_class_accuracy"].items()) + " %"
        lines.append(
            f"| `{record['script']}` | {record['configuration']} | {record['seed']} | {losses} | {accuracies} % | "
            f"{watched} | {100 * record['test_accuracy']:.2f} % | {classes} |"
            + (f" {(record['git_commit'] or '?')[:7]} |" if show_commit else "")
        )
    return "\n".join(lines)


def earlier_section(earlier_records):
    if not earlier_records:
        return []
    return [
        "## Earlier configurations (evidence for the diagnosis)",
        "",
        "Records of earlier code, kept in `earlier/<configuration>/` for the README's diagnosis;",
        "they are not the final code's figures. Each row names the commit that made it.",
        "",
        per_run_table(earlier_records, show_commit=True),
        "",
    ]


def results_readme(summary, records, earlier_records=()):
    any_entry = next(entry for configurations in summary.values() for entry in configurations.values())
    versions = any_entry["versions"]
    commands = [
        f"- `{script}`, {configuration}: `{summary[script][configuration]['command']}`"
        for script in SCRIPTS
        for configuration in ("default", "literal")
        if configuration in summary.get(script, {})
    ]
    curves = [
        f"![{script} learning curve]({os.path.splitext(script)[0]}_learning_curve.png)"
        for script in SCRIPTS
        if "default" in summary.get(script, {})
    ]
    return "\n".join(
        [
            "# Results",
            "",
            "Written by `python tools/report.py` from the run records in `runs/` (one JSON file per run:",
            "command, seed, per-epoch loss, accuracy and time, test accuracy, parameters, versions, CPU,",
            "date, git commit); the console output of each run is in `logs/`. Rebuild everything with",
            "`python tools/benchmark.py imdb --data-dir PATH` (see the README). Do not edit by hand.",
            "",
            f"Machine: {any_entry['cpu']}, {any_entry['cpu_count']} cores, no GPU. Python {versions['python']}, "
            f"TensorFlow {versions['tensorflow']}, Keras {versions['keras']}, NumPy {versions['numpy']}.",
            f"Data: all {any_entry['train_reviews']:,} training and {any_entry['test_reviews']:,} test reviews of the "
            "Stanford download, read with `--data-dir`; 3 epochs, batch 64, top 5,000 words, 500 tokens.",
            "",
            "## Accuracy (default configuration)",
            "",
            accuracy_table(summary),
            "",
            "The tutorial's figures are single runs with Keras 1 and the `load_data` of its day; ours",
            "are one run per seed on the full 25,000 + 25,000 split of the Stanford download.",
            "",
            "## Speed: default against the tutorial's literal configuration",
            "",
            "`literal` is `--literal`: every review padded to 500 tokens, no masking, Keras' own",
            "recurrent-dropout cell, evaluation at Keras' default batch size of 32. Times are medians over",
            "all epochs of all seeds (the first epoch includes building the graph); evaluation is one pass",
            "over the 25,000 test reviews; peak memory is the largest resident size of a run's process.",
            "",
            speed_table(summary),
            "",
            "## Targets",
            "",
            target_rows(summary),
            "",
            "## Every run",
            "",
            "A training loss that rises or stalls from one epoch to the next is a run going astray; a",
            "test accuracy that drops in the last epoch, with one class far behind the other, is a run",
            "that ended on an unlucky step.",
            "",
            per_run_table(records),
            "",
            *earlier_section(earlier_records),
            *other_sections(),
            "## Learning curves",
            "",
            "Training loss and accuracy are Keras' running averages over each epoch; the test accuracy",
            "after each epoch is measured on the test set (only watched: nothing is chosen by it).",
            "Literal runs (grey) are drawn for comparison, training figures only.",
            "",
            *curves,
            "",
            "## Commands",
            "",
            *commands,
            "",
        ]
    )


def load_folder(folder):
    """Every record in one folder, quick tries included."""
    records = []
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        with open(path) as handle:
            records.append(json.load(handle))
    return records


def _minority_class(record):
    counts = {name: counts[0] for name, counts in record["data_summary"]["class_counts"].items()}
    return min(counts, key=lambda name: (counts[name], name))


def own_data_summary(own_data_dir=OWN_DATA_DIR):
    """Per corpus and script: accuracy over seeds, the smallest class's recall, epochs kept, time per epoch."""
    summary = {}
    for folder in sorted(glob.glob(os.path.join(own_data_dir, "*", ""))):
        corpus = os.path.basename(os.path.dirname(folder))
        for record in load_folder(folder):
            summary.setdefault(corpus, {}).setdefault(record["script"], []).append(record)
    for corpus, scripts in summary.items():
        for script, runs in scripts.items():
            runs.sort(key=lambda record: record["seed"])
            accuracies = [100 * record["test_accuracy"] for record in runs]
            minority = _minority_class(runs[0])
            recalls = [100 * record["test_class_accuracy"][minority] for record in runs]
            mean, std = _mean_std(accuracies)
            scripts[script] = dict(
                seeds=[record["seed"] for record in runs],
                accuracies=accuracies,
                mean=mean,
                std=std,
                min=min(accuracies),
                max=max(accuracies),
                minority_class=minority,
                minority_recall_mean=statistics.mean(recalls),
                minority_recall_min=min(recalls),
                classes=len(runs[0]["class_names"]),
                train_texts=runs[0]["train_reviews"],
                test_texts=runs[0]["test_reviews"],
                best_epochs=[record["best_epoch"] for record in runs],
                epochs_run=[len(record["per_epoch"]) for record in runs],
                epoch_seconds=statistics.median(epoch["seconds"] for record in runs for epoch in record["per_epoch"]),
                command=_general_command(runs[0]["command"]),
                git_commits=sorted({record["git_commit"] for record in runs}),
            )
    return summary


def _own_data_rows(summary):
    order = list(SCRIPTS) + [BASELINE]
    for corpus, scripts in sorted(summary.items()):
        for script in sorted(scripts, key=order.index):
            yield corpus, script, scripts[script]


def own_data_table(summary):
    lines = [
        "| corpus | script | seeds | mean ± std | min | max | smallest class's recall (mean, min) "
        "| epochs kept (of run) | s/epoch |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for corpus, script, entry in _own_data_rows(summary):
        kept = ", ".join(f"{best} ({run})" for best, run in zip(entry["best_epochs"], entry["epochs_run"]))
        lines.append(
            f"| {corpus} ({entry['classes']} classes, {entry['train_texts']:,} / {entry['test_texts']:,}) "
            f"| `{script}` | "
            f"{len(entry['seeds'])} | {_mean_and_spread(entry)} | {entry['min']:.2f} % | {entry['max']:.2f} % | "
            f"{entry['minority_class']}: {entry['minority_recall_mean']:.2f} %, {entry['minority_recall_min']:.2f} % | "
            f"{kept} | {entry['epoch_seconds']:.1f} |"
        )
    return "\n".join(lines)


def own_data_target_rows(summary):
    rows = []
    for corpus, (every_mean, best_mean, minority_recall) in OWN_DATA_TARGETS.items():
        lstms = {script: entry for script, entry in summary.get(corpus, {}).items() if script in SCRIPTS}
        if not lstms:
            continue
        enough = all(len(entry["seeds"]) >= 3 for entry in lstms.values()) and len(lstms) == len(SCRIPTS)
        checks = [
            (
                f"every LSTM script's mean ≥ {every_mean:.0f} %",
                ", ".join(f"{os.path.splitext(script)[0]} {entry['mean']:.2f}" for script, entry in lstms.items())
                + " %",
                all(entry["mean"] >= every_mean for entry in lstms.values()),
            )
        ]
        if best_mean is not None:
            best = max(lstms.values(), key=lambda entry: entry["mean"])
            checks.append(
                (f"the best LSTM script's mean ≥ {best_mean:.0f} %", f"{best['mean']:.2f} %", best["mean"] >= best_mean)
            )
        if minority_recall is not None:
            worst = min(entry["minority_recall_min"] for entry in lstms.values())
            minority = next(iter(lstms.values()))["minority_class"]
            checks.append(
                (
                    f"{minority} recall ≥ {minority_recall:.0f} % in every run",
                    f"lowest {worst:.2f} %",
                    worst >= minority_recall,
                )
            )
        for target, measured, met in checks:
            verdict = (
                ("met" if met else "**not met**")
                if enough
                else f"{'holds' if met else 'fails'} so far; needs 3 seeds of every script"
            )
            rows.append(f"| {corpus} | {target} | {measured} | {verdict} |")
    return "\n".join(["| corpus | target | measured | verdict |", "|---|---|---|---|"] + rows)


def quick_try_table(records):
    lines = ["| script | seed | accuracy | training (s) | whole command (s) |", "|---|---|---|---|---|"]
    order = list(SCRIPTS)
    for record in sorted(records, key=lambda record: (order.index(record["script"]), record["seed"])):
        command_seconds = record.get("command_seconds")
        lines.append(
            f"| `{record['script']}` | {record['seed']} | {100 * record['test_accuracy']:.2f} % | "
            f"{record['training_seconds']:.0f} | {'-' if command_seconds is None else f'{command_seconds:.0f}'} |"
        )
    accuracy, seconds = QUICK_TRY_TARGET
    met = [
        100 * record["test_accuracy"] >= accuracy and (record.get("command_seconds") or 1e9) <= seconds
        for record in records
        if record["script"] == "lstm_simple.py"
    ]
    verdict = "no record" if not met else ("met" if all(met) else "**not met**")
    lines += [
        "",
        f"Target: `lstm_simple.py` ≥ {accuracy:.0f} % in a command of at most {seconds:.0f} s, every seed: {verdict}.",
    ]
    return "\n".join(lines)


def backends_table(records):
    lines = [
        "| backend | versions | script | configuration | seed | texts | accuracy | s/epoch (median) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for record in sorted(records, key=lambda record: (record["versions"].get("backend", ""), record["configuration"])):
        versions = record["versions"]
        backend = versions.get("backend", "tensorflow")
        epoch_seconds = statistics.median(epoch["seconds"] for epoch in record["per_epoch"])
        lines.append(
            f"| {backend} | Keras {versions['keras']}, {backend} {versions.get(backend)} | `{record['script']}` | "
            f"{record['configuration']} | {record['seed']} | "
            f"{record['train_reviews']:,} + {record['test_reviews']:,} | "
            f"{100 * record['test_accuracy']:.2f} % | {epoch_seconds:.1f} |"
        )
    return "\n".join(lines)


def other_sections():
    """Your own data, the quick try and the other backends: sections that appear once their records exist."""
    sections = []
    own = own_data_summary()
    if own:
        commands = sorted({f"`{entry['command']}`" for _, _, entry in _own_data_rows(own)})
        sections += [
            "## Your own data: the README's own-data command",
            "",
            "Each corpus read with `--data-dir`, every script with the same flags "
            f"(`{' '.join(OWN_DATA_FLAGS)}`): 10 % of the training texts held out, seeded, to stop on; "
            '`baseline.py` is the bag of words. "Smallest class" is the class with the fewest training texts.',
            "",
            own_data_table(own),
            "",
            own_data_target_rows(own),
            "",
            "Commands:",
            "",
            *[f"- {command}" for command in commands],
            "",
        ]
    quick = load_folder(QUICK_TRY_DIR)
    if quick:
        sections += [
            "## The quick try",
            "",
            f"The README's quick try (`{' '.join(QUICK_TRY_FLAGS)}`: 5,000 training and 5,000 test reviews) on the",
            'Stanford download; "whole command" is the wall time of the process, start-up and data loading included.',
            "",
            quick_try_table(quick),
            "",
        ]
    backends = [
        record for folder in sorted(glob.glob(os.path.join(BACKENDS_DIR, "*", ""))) for record in load_folder(folder)
    ]
    if backends:
        sections += [
            "## Other Keras backends",
            "",
            "The same script, seed and reviews under each `KERAS_BACKEND`, on this CPU, each run in a",
            "process of its own (`tools/benchmark.py backend`).",
            "",
            backends_table(backends),
            "",
        ]
    return sections


def own_data_readme_block(summary):
    lines = [
        OWN_DATA_START,
        "",
        "| corpus | " + " | ".join(f"`{script}`" for script in list(SCRIPTS) + [BASELINE]) + " |",
    ]
    lines.append("|---" * (len(SCRIPTS) + 2) + "|")
    for corpus, scripts in sorted(summary.items()):
        cells = [
            f"{scripts[script]['mean']:.2f} %" if script in scripts else "-" for script in list(SCRIPTS) + [BASELINE]
        ]
        lines.append(f"| {corpus} | " + " | ".join(cells) + " |")
    return "\n".join(lines + ["", OWN_DATA_END])


def plot_learning_curves(records, summary):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for script in SCRIPTS:
        runs = [record for record in records if record["script"] == script and record["configuration"] == "default"]
        literal_runs = [
            record for record in records if record["script"] == script and record["configuration"] == "literal"
        ]
        if not runs:
            continue
        figure, (loss_axis, accuracy_axis) = plt.subplots(1, 2, figsize=(10, 4))
        for index, record in enumerate(sorted(literal_runs, key=lambda record: record["seed"])):
            epochs = [epoch["epoch"] for epoch in record["per_epoch"]]
            label = "literal: training" if index == 0 else None
            loss_axis.plot(epochs, [epoch["loss"] for epoch in record["per_epoch"]], "^:", color="gray", label=label)
            accuracy_axis.plot(
                epochs, [100 * epoch["accuracy"] for epoch in record["per_epoch"]], "^:", color="gray", label=label
            )
        for index, record in enumerate(sorted(runs, key=lambda record: record["seed"])):
            epochs = [epoch["epoch"] for epoch in record["per_epoch"]]

            def label(text, first=index == 0):
                return text if first else None

            loss_axis.plot(
                epochs,
                [epoch["loss"] for epoch in record["per_epoch"]],
                "o-",
                color="tab:blue",
                alpha=0.6,
                label=label("training loss"),
            )
            if "test_loss" in record["per_epoch"][0]:
                loss_axis.plot(
                    epochs,
                    [epoch["test_loss"] for epoch in record["per_epoch"]],
                    "s--",
                    color="tab:orange",
                    alpha=0.6,
                    label=label("test loss (watched)"),
                )
            accuracy_axis.plot(
                epochs,
                [100 * epoch["accuracy"] for epoch in record["per_epoch"]],
                "o-",
                color="tab:blue",
                alpha=0.6,
                label=label("training accuracy"),
            )
            if "test_accuracy" in record["per_epoch"][0]:
                accuracy_axis.plot(
                    epochs,
                    [100 * epoch["test_accuracy"] for epoch in record["per_epoch"]],
                    "s--",
                    color="tab:orange",
                    alpha=0.6,
                    label=label("test accuracy (watched)"),
                )
        accuracy_axis.axhline(TUTORIAL_ACCURACY[script], color="gray", linestyle=":", label="tutorial's figure")
        for axis, name in ((loss_axis, "loss"), (accuracy_axis, "accuracy (%)")):
            axis.set_xlabel("epoch")
            axis.set_ylabel(name)
            axis.set_xticks(epochs)
            axis.legend()
        figure.suptitle(
            f"{script}, default configuration: {len(runs)} seed{'s' if len(runs) > 1 else ''}, one line per seed"
        )
        figure.tight_layout()
        figure.savefig(os.path.join(RESULTS_DIR, f"{os.path.splitext(script)[0]}_learning_curve.png"), dpi=80)
        plt.close(figure)


def readme_block(summary):
    return "\n".join([README_START, "", accuracy_table(summary), "", README_END])


def expected_files(summary, records):
    """Every generated text, by path: what tests/test_results.py compares with the files."""
    return {os.path.join(RESULTS_DIR, "README.md"): results_readme(summary, records, load_earlier_records())}


def _replace_in_file(path, pattern, replacement):
    with open(path) as handle:
        text = handle.read()
    new_text, count = pattern.subn(lambda match: replacement, text, count=1)
    if count != 1:
        raise SystemExit(f"report.py: error: {os.path.relpath(path, HERE)} has no place for the generated text")
    with open(path, "w") as handle:
        handle.write(new_text)


def main():
    records = load_records()
    if not records:
        raise SystemExit(f"report.py: error: no full-data records in {RUNS_DIR}; run tools/benchmark.py first")
    summary = summarize(records)
    with open(os.path.join(RESULTS_DIR, "summary.json"), "w") as handle:
        json.dump(summary, handle, indent=1)
        handle.write("\n")
    for path, text in expected_files(summary, records).items():
        with open(path, "w") as handle:
            handle.write(text)
    for script in SCRIPTS:
        if "default" in summary.get(script, {}):
            _replace_in_file(os.path.join(HERE, script), CLAIM_PATTERN, claim_line(script, summary))
    readme_pattern = re.compile(re.escape(README_START) + ".*?" + re.escape(README_END), re.DOTALL)
    _replace_in_file(os.path.join(HERE, "README.md"), readme_pattern, readme_block(summary))
    own = own_data_summary()
    if own:
        own_pattern = re.compile(re.escape(OWN_DATA_START) + ".*?" + re.escape(OWN_DATA_END), re.DOTALL)
        _replace_in_file(os.path.join(HERE, "README.md"), own_pattern, own_data_readme_block(own))
    plot_learning_curves(records, summary)
    print(
        f"report.py: wrote results/README.md, results/summary.json and the learning curves from {len(records)} records"
    )


if __name__ == "__main__":
    main()
