"""Maintainer tool: build results/README.md, the learning curves and every published figure from the run records.

    python tools/report.py

Reads the records the scripts' --results-dir wrote (normally through
tools/benchmark.py) and rewrites, from those records only and each file whole:
results/README.md and summary.json, the learning curves, the "Gets to ..."
line of each script and the generated tables of README.md. Nothing here is
typed by hand; tests/test_results.py checks that the files agree with the
records.
"""

import glob
import json
import os
import re
import statistics
import sys

# The repository: this file lives in tools/.
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

from cli import atomic_path  # noqa: E402 (the repository must be on the path first)

RESULTS_DIR = os.path.join(HERE, "results")
RUNS_DIR = os.path.join(RESULTS_DIR, "runs")  # the tutorial's reproduction on all 50,000 reviews
EARLIER_DIR = os.path.join(RESULTS_DIR, "earlier")  # records of earlier code, the diagnosis' evidence
STUDY_DIR = os.path.join(RESULTS_DIR, "study")  # own-data recipes: study/<corpus>/<recipe>/
QUICK_TRY_DIR = os.path.join(RESULTS_DIR, "quick-try")
BACKENDS_DIR = os.path.join(RESULTS_DIR, "backends")

SCRIPTS = ("lstm_simple.py", "lstm_dropout.py", "lstm_recurrent_dropout.py", "cnn_lstm.py")
BASELINE = "baseline.py"
TUTORIAL_ACCURACY = {  # the tutorial's printed single-run figures, in percent
    "lstm_simple.py": 86.79,
    "lstm_dropout.py": 85.56,
    "lstm_recurrent_dropout.py": 82.82,
    "cnn_lstm.py": 86.36,
}

# The own-data recipes of the study (issue 15), each a set of flags run on each corpus with seeds 41-43.
STUDY_RECIPES = {
    name: tuple(flags.split())
    for name, flags in {
        "cosine-patience5": "--validation-split 0.1 --epochs 50 --patience 5 --learning-rate-schedule cosine",
        "plateau": "--validation-split 0.1 --epochs 50 --patience 8",
        "plateau-batch32": "--validation-split 0.1 --epochs 50 --patience 8 --batch-size 32",
        "plateau-first200": "--validation-split 0.1 --epochs 50 --patience 8 --truncating post --max-len 200",
        "plateau-batch32-first200": "--validation-split 0.1 --epochs 50 --patience 8 --batch-size 32 "
        "--truncating post --max-len 200",
        "plateau-batch32-first100": "--validation-split 0.1 --epochs 50 --patience 8 --batch-size 32 "
        "--truncating post --max-len 100",
        "plateau-balanced": "--validation-split 0.1 --epochs 50 --patience 8 --class-weight balanced",
        "plateau-first200-balanced": "--validation-split 0.1 --epochs 50 --patience 8 --truncating post "
        "--max-len 200 --class-weight balanced",
        "plateau-first200-top2000": "--validation-split 0.1 --epochs 50 --patience 8 --truncating post "
        "--max-len 200 --top-words 2000",
        "plateau-first200-top10000": "--validation-split 0.1 --epochs 50 --patience 8 --truncating post "
        "--max-len 200 --top-words 10000",
        "plateau3-patience12-first200": "--validation-split 0.1 --epochs 50 --patience 12 --plateau-patience 3 "
        "--truncating post --max-len 200",
        "plateau-first200-split0.2": "--validation-split 0.2 --epochs 50 --patience 8 --truncating post --max-len 200",
        "plateau-batch32-first200-balanced": "--validation-split 0.1 --epochs 50 --patience 8 --batch-size 32 "
        "--truncating post --max-len 200 --class-weight balanced",
    }.items()
}
OWN_DATA_RECIPE = "plateau3-patience12-first200"  # the README's own-data command: the study's choice
OWN_DATA_FLAGS = STUDY_RECIPES[OWN_DATA_RECIPE]
WHOLE_TEXT_FLAGS = ("--max-len", "--truncating")  # baseline.py reads whole texts: it has no such flags


def recipe_flags(recipe, script):
    """A recipe's flags for one script: the baseline's without those about cutting texts."""
    flags = list(STUDY_RECIPES[recipe])
    if script == BASELINE:
        for flag in WHOLE_TEXT_FLAGS:
            if flag in flags:
                del flags[flags.index(flag) : flags.index(flag) + 2]
    return tuple(flags)


QUICK_TRY_FLAGS = ("--limit", "5000")

# The targets, declared once; the tables say which hold.
SEEDS_TO_JUDGE = {"imdb": 5, "literal": 3, "own-data": 3}
OWN_DATA_TARGETS = {  # corpus: every LSTM's mean, worst run, lowest class recall, best LSTM's mean, at least
    "bbc_news": dict(every_mean=94.0, worst_run=92.0, class_recall=80.0, best_mean=96.0),
    "sms_spam": dict(every_mean=98.0, worst_run=None, class_recall=90.0, best_mean=None),
}
QUICK_TRY_TARGET = dict(accuracy=80.0, seconds=60.0)
# The bag of words every practitioner runs first, for baseline.py to come within a point of: scikit-learn's
# TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True) + LogisticRegression(C=10) on all the
# training texts, as measured by issue 15's author (scikit-learn is not among this project's requirements).
BAG_OF_WORDS_REFERENCE = {"bbc_news": 98.87, "sms_spam": 97.85, "aclImdb_train_test": 90.68}

README_BLOCKS = {  # README.md's generated tables, between markers
    "results": "<!-- results:start (written by tools/report.py from results/runs; do not edit) -->",
    "own-data": "<!-- own-data:start (written by tools/report.py from results/study; do not edit) -->",
}
CLAIM_PATTERN = re.compile(r"^Gets to .*$", re.MULTILINE)


def corpus_name(data_path):
    """bbc_news for .../bbc_news.tar.gz or .../bbc_news/."""
    name = os.path.basename(os.path.normpath(data_path))
    for suffix in (".tar.gz", ".tgz", ".tar"):
        name = name.removesuffix(suffix)
    return name


# ---------------------------------------------------------------------------
# Records and their summaries


def load(folder):
    """Every record in a folder, each with `group`: the path of its folder below results/."""
    records = []
    for path in sorted(glob.glob(os.path.join(folder, "**", "*.json"), recursive=True)):
        with open(path) as handle:
            record = json.load(handle)
        record["group"] = os.path.relpath(os.path.dirname(path), RESULTS_DIR)
        records.append(record)
    return records


def summarize(runs):
    """One group of runs (a script, a configuration or recipe, a corpus): the figures the tables show."""
    runs = sorted(runs, key=lambda record: record["seed"])
    accuracies = [100 * record["test_accuracy"] for record in runs]
    recalls = [(100 * recall, name) for record in runs for name, recall in record["test_class_accuracy"].items()]
    return dict(
        script=runs[0]["script"],
        seeds=[record["seed"] for record in runs],
        accuracies=accuracies,
        mean=statistics.mean(accuracies),
        std=statistics.stdev(accuracies) if len(runs) > 1 else 0.0,
        min=min(accuracies),
        max=max(accuracies),
        lowest_class_recall=min(recalls),  # (recall, class) over every class of every run
        epoch_seconds=statistics.median(epoch["seconds"] for record in runs for epoch in record["per_epoch"]),
        shared_cores=any("timing" in record for record in runs),  # a record that says other jobs ran beside it
        evaluation_seconds=statistics.median(record["evaluation_seconds"] for record in runs),
        peak_memory_mb=max(record["peak_memory_mb"] or 0 for record in runs),
        kept_epochs=[(record.get("best_epoch"), len(record["per_epoch"])) for record in runs],
        command=re.sub(r"--(data|results)-dir \S+", r"--\1-dir PATH", runs[0]["command"]),
        git_commits=sorted({record["git_commit"] or "?" for record in runs}),
        **{key: runs[0][key] for key in ("epochs", "parameters", "train_reviews", "test_reviews", "cpu", "cpu_count")},
        versions=runs[0]["versions"],
    )


def grouped(records, *keys):
    """{(record[key], ...): summary} for each group of runs that share those keys."""
    groups = {}
    for record in records:
        groups.setdefault(tuple(record[key] for key in keys), []).append(record)
    return {key: summarize(runs) for key, runs in groups.items()}


def script_order(script):
    return (list(SCRIPTS) + [BASELINE]).index(script)


# ---------------------------------------------------------------------------
# Tables


def table(header, rows):
    """A Markdown table: header and rows are strings with cells separated by " | "."""
    return "\n".join([f"| {header} |", "|" + "---|" * (header.count(" | ") + 1)] + [f"| {row} |" for row in rows])


def spread(entry):
    """ "86.10 ± 0.52 %" over several seeds; "86.10 % (one seed)" for one."""
    if len(entry["seeds"]) == 1:
        return f"{entry['mean']:.2f} % (one seed)"
    return f"{entry['mean']:.2f} ± {entry['std']:.2f} %"


def verdict(met, seeds, needed):
    if seeds < needed:
        return f"{'holds' if met else 'fails'} so far; needs {needed} seeds of every script"
    return "met" if met else "**not met**"


def claim_line(entry):
    """A script's "Gets to ..." line, from its default runs on IMDB."""
    seeds = entry["seeds"]
    how = (
        f"one seed, {seeds[0]}"
        if len(seeds) == 1
        else f"mean of {len(seeds)} seeds, {entry['min']:.2f}-{entry['max']:.2f} %"
    )
    return (
        f"Gets to {entry['mean']:.2f} % test accuracy after {entry['epochs']} epochs ({how}), "
        f"{entry['epoch_seconds']:.0f} s/epoch on a {entry['cpu_count']}-core CPU."
    )


def accuracy_table(imdb):
    rows = [
        f"`{script}` | {TUTORIAL_ACCURACY[script]:.2f} % | {spread(entry)} | {entry['min']:.2f} % | "
        f"{entry['max']:.2f} % | {len(entry['seeds'])} | {entry['epoch_seconds']:.0f} | {entry['parameters']:,}"
        for (script, configuration), entry in sorted(imdb.items(), key=lambda item: script_order(item[0][0]))
        if configuration == "default"
    ]
    return table("script | tutorial | mean ± std | min | max | seeds | s/epoch | parameters", rows)


def imdb_targets(imdb):
    """The tutorial's figures, speed against --literal and memory, per script."""
    rows = []
    for script in SCRIPTS:
        default, literal = imdb.get((script, "default")), imdb.get((script, "literal"))
        if default is None:
            continue
        tutorial, seeds = TUTORIAL_ACCURACY[script], len(default["seeds"])
        checks = [
            (f"mean ≥ tutorial {tutorial:.2f} %", f"{default['mean']:.2f} %", default["mean"] >= tutorial, seeds),
            (f"worst seed ≥ {tutorial - 2:.2f} %", f"{default['min']:.2f} %", default["min"] >= tutorial - 2, seeds),
            ("std ≤ 1 point", f"{default['std']:.2f}", default["std"] <= 1.0, seeds),
            ("peak memory ≤ 4 GB", f"{default['peak_memory_mb']:.0f} MB", default["peak_memory_mb"] <= 4096, 5),
        ]
        if literal is not None:
            epoch_ratio = default["epoch_seconds"] / literal["epoch_seconds"]
            evaluation_ratio = default["evaluation_seconds"] / literal["evaluation_seconds"]
            checks += [
                ("epoch ≤ 0.5 × literal", f"{epoch_ratio:.2f} ×", epoch_ratio <= 0.5, 5),
                ("evaluation ≤ 0.25 × literal", f"{evaluation_ratio:.2f} ×", evaluation_ratio <= 0.25, 5),
            ]
        simple = imdb.get(("lstm_simple.py", "default"))
        if script == "lstm_recurrent_dropout.py" and simple is not None:
            ratio = default["epoch_seconds"] / simple["epoch_seconds"]
            checks.append(("epoch ≤ 1.5 × simple LSTM's", f"{ratio:.2f} ×", ratio <= 1.5, 5))
        rows += [f"`{script}` | {target} | {measured} | {verdict(met, n, 5)}" for target, measured, met, n in checks]
    return table("script | target | measured | verdict", rows)


def per_run_table(records):
    """Every IMDB run, epoch by epoch: the evidence for the README's diagnosis."""
    rows = []
    for record in sorted(records, key=lambda r: (r["group"], script_order(r["script"]), r["configuration"], r["seed"])):
        epochs = record["per_epoch"]
        watched = " → ".join(f"{100 * epoch['test_accuracy']:.1f}" for epoch in epochs if "test_accuracy" in epoch)
        configuration = record["configuration"] if record["group"] == "runs" else os.path.basename(record["group"])
        classes = ", ".join(f"{name} {100 * value:.1f}" for name, value in record["test_class_accuracy"].items())
        rows.append(
            f"`{record['script']}` | {configuration} | {record['seed']} | "
            + " → ".join(f"{epoch['loss']:.3f}" for epoch in epochs)
            + " | "
            + " → ".join(f"{100 * epoch['accuracy']:.1f}" for epoch in epochs)
            + f" % | {f'{watched} %' if watched else '-'} | {100 * record['test_accuracy']:.2f} % | {classes} % | "
            f"{(record['git_commit'] or '?')[:7]}"
        )
    header = "script | configuration | seed | training loss per epoch | training accuracy per epoch | "
    return table(header + "test accuracy per epoch (watched) | test accuracy | per class | commit", rows)


def study_table(study):
    rows = []
    for (corpus, recipe, script), entry in sorted(study.items(), key=lambda i: (*i[0][:2], script_order(i[0][2]))):
        recall, name = entry["lowest_class_recall"]
        kept = ", ".join(f"{best} of {run}" for best, run in entry["kept_epochs"])
        rows.append(
            f"{corpus} | {recipe} | `{script}` | {len(entry['seeds'])} | {spread(entry)} | {entry['min']:.2f} % | "
            f"{name} {recall:.1f} % | {kept} | {entry['epoch_seconds']:.1f}"
            + (" (shared)" if entry["shared_cores"] else "")
        )
    header = "corpus | recipe | script | seeds | mean ± std | worst run | lowest class recall (any run) | "
    return table(header + "epoch kept, of | s/epoch", rows)


def own_data_targets(study):
    """The targets of the README's own-data command, on its records (the study's chosen recipe)."""
    rows = []
    for corpus, target in OWN_DATA_TARGETS.items():
        lstms = {s: e for (c, r, s), e in study.items() if c == corpus and r == OWN_DATA_RECIPE and s in SCRIPTS}
        if not lstms:
            continue
        seeds = min(len(entry["seeds"]) for entry in lstms.values()) if len(lstms) == len(SCRIPTS) else 0
        means = ", ".join(f"{os.path.splitext(s)[0]} {e['mean']:.2f}" for s, e in lstms.items()) + " %"
        worst = min(entry["min"] for entry in lstms.values())
        best = max(entry["mean"] for entry in lstms.values())
        recall, name = min(entry["lowest_class_recall"] for entry in lstms.values())
        every_mean, worst_run, class_recall, best_mean = (target[key] for key in target)
        checks = [
            (
                f"every LSTM script's mean ≥ {every_mean:.0f} %",
                means,
                min(e["mean"] for e in lstms.values()),
                every_mean,
            ),
            (f"no LSTM run below {worst_run or 0:.0f} %", f"{worst:.2f} %", worst, worst_run),
            (
                f"every class's recall ≥ {class_recall:.0f} % in every run",
                f"{name} {recall:.2f} %",
                recall,
                class_recall,
            ),
            (f"the best LSTM script's mean ≥ {best_mean or 0:.0f} %", f"{best:.2f} %", best, best_mean),
        ]
        rows += [
            f"{corpus} | {goal} | {measured} | {verdict(value >= bound, seeds, SEEDS_TO_JUDGE['own-data'])}"
            for goal, measured, value, bound in checks
            if bound is not None
        ]
    for corpus, reference in BAG_OF_WORDS_REFERENCE.items():
        bag = study.get((corpus, OWN_DATA_RECIPE, BASELINE))
        if bag is not None:
            recall, name = bag["lowest_class_recall"]
            rows.append(
                f"{corpus} | `{BASELINE}`'s mean within 1 point of scikit-learn's {reference:.2f} % "
                f"(and its lowest class recall) | {bag['mean']:.2f} % ({name} {recall:.2f} %) | "
                f"{verdict(bag['mean'] >= reference - 1, len(bag['seeds']), 1)}"
            )
    return table("corpus | target | measured | verdict", rows)


def own_data_readme_table(study):
    """README.md's own-data table: per corpus and script, the mean, the worst run and the lowest class recall."""
    rows = []
    for corpus in sorted({corpus for corpus, recipe, _ in study if recipe == OWN_DATA_RECIPE}):
        cells = []
        for script in list(SCRIPTS) + [BASELINE]:
            entry = study.get((corpus, OWN_DATA_RECIPE, script))
            recall, name = entry["lowest_class_recall"] if entry else (0, "")
            cells.append(f"{entry['mean']:.2f} % (worst {entry['min']:.2f} %; {name} {recall:.0f} %)" if entry else "-")
        rows.append(" | ".join([corpus] + cells))
    return table("corpus | " + " | ".join(f"`{script}`" for script in list(SCRIPTS) + [BASELINE]), rows)


def quick_try_table(records):
    accuracy, seconds = QUICK_TRY_TARGET["accuracy"], QUICK_TRY_TARGET["seconds"]
    rows = []
    for record in sorted(records, key=lambda record: (script_order(record["script"]), record["seed"])):
        command_seconds = record.get("command_seconds") or float("nan")
        met = 100 * record["test_accuracy"] >= accuracy and command_seconds <= seconds
        rows.append(
            f"`{record['script']}` | {record['seed']} | {100 * record['test_accuracy']:.2f} % | "
            f"{record['training_seconds']:.0f} | {command_seconds:.0f} | {'met' if met else '**not met**'}"
        )
    header = f"script | seed | accuracy | training (s) | whole command (s) | ≥ {accuracy:.0f} % within {seconds:.0f} s"
    return table(header, rows)


def backends_table(records):
    rows = []
    for record in sorted(records, key=lambda record: (record["versions"]["backend"], record["configuration"])):
        versions = record["versions"]
        backend = versions["backend"]
        rows.append(
            f"{backend} | Keras {versions['keras']}, {backend} {versions.get(backend)} | `{record['script']}` | "
            f"{record['configuration']} | {record['seed']} | "
            f"{record['train_reviews']:,} + {record['test_reviews']:,} | "
            f"{100 * record['test_accuracy']:.2f} % | "
            f"{statistics.median(epoch['seconds'] for epoch in record['per_epoch']):.1f}"
        )
    return table("backend | versions | script | configuration | seed | texts | accuracy | s/epoch", rows)


# ---------------------------------------------------------------------------
# The files


def speed_table(imdb):
    rows = [
        f"`{s}` | {c} | {len(e['seeds'])} | {e['epoch_seconds']:.1f} | {e['evaluation_seconds']:.1f} | "
        f"{e['peak_memory_mb']:.0f} | {spread(e)}"
        for (s, c), e in sorted(imdb.items(), key=lambda item: (script_order(item[0][0]), item[0][1]))
    ]
    return table("script | configuration | seeds | s/epoch | evaluate 25,000 (s) | peak memory (MB) | accuracy", rows)


# Each section of results/README.md: its title, what it shows, and its tables (built only if it has records).
SECTIONS = [
    ("Accuracy on IMDB (default configuration)", "All 25,000 training and 25,000 test reviews of the Stanford "
     "download; 3 epochs, batch 64, top 5,000 words, 500 tokens. The tutorial's figures are single runs with Keras 1.",
     "imdb", lambda r: [accuracy_table(r["imdb"])]),
    ("Speed and targets on IMDB", "`literal` is `--literal`, the listing as printed. Times are medians over every "
     "epoch of every seed; evaluation is one pass over the 25,000 test reviews; memory is a run's peak resident size.",
     "imdb", lambda r: [speed_table(r["imdb"]), imdb_targets(r["imdb"])]),
    ("Every IMDB run", "A training loss that rises or stalls is a run going astray; a test accuracy that drops in "
     "the last epoch, one class far behind the other, is a run that ended on an unlucky step.",
     "imdb_records", lambda r: [per_run_table(r["imdb_records"])]),
    ("Earlier configurations (evidence for the diagnosis)", "Records of earlier code in `earlier/`, not the final "
     "code's figures; each names its commit.", "earlier", lambda r: [per_run_table(r["earlier"])]),
    ("Your own data: the recipe study", "Candidate recipes for the own-data command (`study/<corpus>/<recipe>/`), "
     f"seeds 41-43. The README's own-data command is the recipe `{OWN_DATA_RECIPE}`: `{' '.join(OWN_DATA_FLAGS)}` "
     "(`baseline.py` without the flags about cutting texts), chosen for its worst runs across both corpora "
     "and the four scripts; single runs move by ±3 points with the seed. \"Epoch kept, of\": the epoch whose "
     "weights early stopping kept, of those run; \"(shared)\": timed while other jobs used the cores.", "study",
     lambda r: [study_table(r["study"]), own_data_targets(r["study"])]),
    ("The quick try", f"`lstm_simple.py {' '.join(QUICK_TRY_FLAGS)}` on the Stanford download; \"whole command\" "
     "is the process' wall time, start-up and data loading included.", "quick",
     lambda r: [quick_try_table(r["quick"])]),
    ("Other Keras backends", "The same script, seed and reviews under each `KERAS_BACKEND`, on this CPU.",
     "backends", lambda r: [backends_table(r["backends"])]),
]  # fmt: skip


def results_readme(records):
    """results/README.md, from every family of records (a dict of lists and summaries)."""
    machine = next(iter(records["imdb"].values()))
    versions = machine["versions"]
    lines = [
        "# Results",
        "",
        "Written by `python tools/report.py` from the run records below this folder (one JSON file per run: command,",
        "seed, per-epoch figures and times, test accuracy per class, versions, CPU, date, git commit); each folder's",
        "`logs/` holds the runs' console output, and `tools/benchmark.py` runs each family again (see the README).",
        "",
        f"Machine: {machine['cpu']}, {machine['cpu_count']} cores, no GPU. Python {versions['python']}, "
        f"TensorFlow {versions.get('tensorflow')}, Keras {versions['keras']}, NumPy {versions['numpy']}.",
        "",
    ]
    for title, text, needs, tables in SECTIONS:
        if records[needs]:
            lines += [f"## {title}", "", text, ""] + [part for generated in tables(records) for part in (generated, "")]
    curves = [f"![{s}]({os.path.splitext(s)[0]}_learning_curve.png)" for s, c in records["imdb"] if c == "default"]
    commands = {f"`{s}` {c}: `{e['command']}`" for (s, c), e in records["imdb"].items()}
    commands |= {f"{c}, {r}, `{s}`: `{e['command']}`" for (c, r, s), e in records["study"].items()}
    lines += ["## Learning curves", "", "Default runs, one line per seed; literal runs in grey.", "", *curves, ""]
    return "\n".join(lines + ["## Commands", "", *[f"- {command}" for command in sorted(commands)], ""])


def replace_block(text, name, block):
    start, end = README_BLOCKS[name], f"<!-- {name}:end -->"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.DOTALL)
    new_text, count = pattern.subn(lambda match: f"{start}\n\n{block}\n\n{end}", text, count=1)
    if count != 1:
        raise SystemExit(f"report.py: error: README.md has no {name} block to fill")
    return new_text


def read(path):
    with open(os.path.join(HERE, path), encoding="utf-8") as handle:
        return handle.read()


def load_all():
    """Every family of records: lists of records, and their summaries per group."""
    study_records = load(STUDY_DIR)
    for record in study_records:
        record["corpus"], record["recipe"] = record["group"].split(os.sep)[1:3]
    imdb_records = [record for record in load(RUNS_DIR) if record["limit"] is None]
    return dict(
        imdb_records=imdb_records,
        imdb=grouped(imdb_records, "script", "configuration"),
        earlier=load(EARLIER_DIR),
        study=grouped(study_records, "corpus", "recipe", "script"),
        study_records=study_records,
        quick=load(QUICK_TRY_DIR),
        backends=load(BACKENDS_DIR),
    )


def expected_files():
    """Every generated text, by path relative to the repository: what main() writes and the tests compare."""
    records = load_all()
    if not records["imdb"]:
        raise SystemExit(f"report.py: error: no full-data records in {RUNS_DIR}; run tools/benchmark.py first")
    imdb, study = records["imdb"], records["study"]
    summary = {name: {" ".join(key): entry for key, entry in records[name].items()} for name in ("imdb", "study")}
    readme = replace_block(read("README.md"), "results", accuracy_table(imdb))
    if study:
        readme = replace_block(readme, "own-data", own_data_readme_table(study))
    files = {
        "results/README.md": results_readme(records),
        "results/summary.json": json.dumps(summary, indent=1) + "\n",
        "README.md": readme,
    }
    for script in SCRIPTS:
        if (script, "default") in imdb:
            files[script] = CLAIM_PATTERN.sub(lambda match: claim_line(imdb[script, "default"]), read(script), count=1)
    return files


def plot_learning_curves(imdb_records):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for script in SCRIPTS:
        runs = sorted((r for r in imdb_records if r["script"] == script), key=lambda r: (r["configuration"], r["seed"]))
        if not any(record["configuration"] == "default" for record in runs):
            continue
        figure, axes = plt.subplots(1, 2, figsize=(10, 4))
        labelled = set()
        for record in runs:
            literal = record["configuration"] == "literal"
            epochs = [epoch["epoch"] for epoch in record["per_epoch"]]
            for axis, key, scale in ((axes[0], "loss", 1), (axes[1], "accuracy", 100)):
                for prefix, style, color in (
                    ("", "o-", "gray" if literal else "tab:blue"),
                    ("test_", "s--", "tab:orange"),
                ):
                    if prefix + key not in record["per_epoch"][0]:
                        continue
                    label = f"{'literal ' if literal else ''}{'test' if prefix else 'training'} {key}"
                    axis.plot(
                        epochs,
                        [scale * epoch[prefix + key] for epoch in record["per_epoch"]],
                        style,
                        color=color,
                        alpha=0.6,
                        label=None if label in labelled else label,
                    )
                    labelled.add(label)
        axes[1].axhline(TUTORIAL_ACCURACY[script], color="gray", linestyle=":", label="tutorial's figure")
        for axis, name in zip(axes, ("loss", "accuracy (%)")):
            axis.set_xlabel("epoch")
            axis.set_ylabel(name)
            axis.legend()
        figure.suptitle(f"{script}: one line per seed")
        figure.tight_layout()
        with atomic_path(os.path.join(RESULTS_DIR, f"{os.path.splitext(script)[0]}_learning_curve.png")) as path:
            figure.savefig(path, dpi=80, format="png")
        plt.close(figure)


def write_whole(path, text):
    with atomic_path(os.path.join(HERE, path)) as temporary:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)


def main():
    for path, text in expected_files().items():
        write_whole(path, text)
    plot_learning_curves(load_all()["imdb_records"])


if __name__ == "__main__":
    main()
