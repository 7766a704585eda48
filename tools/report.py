"""Maintainer tool: build results/README.md, the learning curves and every published figure from the run records.

    python tools/report.py

Reads the records the scripts' --results-dir wrote (normally through tools/benchmark.py) and rewrites, from those
records only and each file whole: results/README.md, the learning curves, each script's "Gets to ..." line and
README.md's generated tables. tests/test_results.py checks that the files agree with the records; targets.py
says which targets hold.
"""

import glob
import json
import os
import re
import statistics

import families
from families import (
    ALL_SCRIPTS,
    BASELINE,
    CORPUS_TITLES,
    HERE,
    MULTI_LABEL_RECIPES,
    OWN_DATA_FLAGS,
    OWN_DATA_RECIPE,
    QUICK_TRY_FLAGS,
    RESULTS_DIR,
    SCRIPTS,
    STUDY_SEED_RANGE,
    STUDY_SEEDS,
)
from helpers.files import written_whole  # families puts the repository on the path
from targets import (
    QUICK_TRY_TARGET,
    TUTORIAL_ACCURACY,
    imdb_targets,
    multi_label_targets,
    own_data_targets,
    quick_try_verdict,
)

GENERATED_BLOCKS = {  # the tables written into the docs, between markers: (file, start marker)
    "results": ("README.md", "<!-- results:start (written by tools/report.py from results/runs; do not edit) -->"),
    "own-data": ("README.md", "<!-- own-data:start (written by tools/report.py from results/study; do not edit) -->"),
    "multi-label": (
        "docs/own-data.md",
        "<!-- multi-label:start (written by tools/report.py from results/study; do not edit) -->",
    ),
    "multi-label-verdict": (
        "README.md",
        "<!-- multi-label-verdict:start (written by tools/report.py from results/study; do not edit) -->",
    ),
}
PATH_FLAGS = r"--(data-dir|data|test-data|validation-data|label-names|results-dir|save) \S+"  # shown as PATH
CLAIM_PATTERN = re.compile(r"^Gets to .*$", re.MULTILINE)
TARGETS_HEADER = "target | measured | verdict"


def load(folder):
    """Every record in a folder, each with `group`: the path of its folder below results/."""
    records = []
    for path in sorted(glob.glob(os.path.join(folder, "**", "*.json"), recursive=True)):
        with open(path) as handle:
            records.append(json.load(handle) | {"group": os.path.relpath(os.path.dirname(path), RESULTS_DIR)})
    return records


def run_facts(runs):
    """What every table says of a group of runs, whatever its figure: seeds, times, memory, epochs, command, code."""
    return dict(
        seeds=[record["seed"] for record in runs],
        epoch_seconds=statistics.median(epoch["seconds"] for record in runs for epoch in record["per_epoch"]),
        shared_cores=any("timing" in record for record in runs),  # a record that says other jobs ran beside it
        evaluation_seconds=statistics.median(record["evaluation_seconds"] for record in runs),
        longest_run_seconds=max(record["training_seconds"] + record["evaluation_seconds"] for record in runs),
        peak_memory_mb=max(record["peak_memory_mb"] or 0 for record in runs),
        kept_epochs=[(record.get("best_epoch"), len(record["per_epoch"])) for record in runs],
        command=re.sub(PATH_FLAGS, r"--\1 PATH", runs[0]["command"]),
        git_commits=sorted({record["git_commit"] or "?" for record in runs}),
        **{key: runs[0][key] for key in ("epochs", "parameters", "cpu", "cpu_count", "versions")},
    )


def spread_of(values):
    return dict(
        mean=statistics.mean(values),
        std=statistics.stdev(values) if len(values) > 1 else 0.0,
        min=min(values),
        max=max(values),
    )


def summarize(runs):
    """One group of runs of one label a text (a script, a configuration or recipe, a corpus): the figures the
    tables show, the test accuracy in percent."""
    runs = sorted(runs, key=lambda record: record["seed"])
    recalls = [(100 * recall, name) for record in runs for name, recall in record["test_class_accuracy"].items()]
    return dict(
        **spread_of([100 * record["test_accuracy"] for record in runs]),
        lowest_class_recall=min(recalls),  # (recall, class) over every class of every run
        **run_facts(runs),
    )


def threshold_range(thresholds):
    """A run's thresholds: "0.29" where one serves every label, "0.12-0.61" where each label has its own."""
    low, high = min(thresholds), max(thresholds)
    return f"{low:.2f}" if low == high else f"{low:.2f}-{high:.2f}"


def summarize_f1(runs):
    """One group of runs of several labels a text: macro-F1 (the spread), micro-F1, exact match, the thresholds."""
    runs = sorted(runs, key=lambda record: record["seed"])
    return dict(
        **spread_of([record["test_macro_f1"] for record in runs]),
        micro_f1=statistics.mean(record["test_micro_f1"] for record in runs),
        exact_match=statistics.mean(100 * record["test_exact_match"] for record in runs),
        thresholds=[threshold_range(record["test_thresholds"].values()) for record in runs],
        **run_facts(runs),
    )


def grouped(records, *keys, summary=summarize):
    """{(record[key], ...): summary} for each group of runs that share those keys, in the scripts' order."""
    groups = {}
    for record in sorted(records, key=lambda record: script_order(record["script"])):
        groups.setdefault(tuple(record[key] for key in keys), []).append(record)
    return {key: summary(runs) for key, runs in groups.items()}


def script_order(script):
    return ALL_SCRIPTS.index(script)


def table(header, rows):
    """A Markdown table: header is cells separated by " | ", each row a sequence of cells."""
    rule = "|" + "---|" * (header.count(" | ") + 1)
    return "\n".join([f"| {header} |", rule] + [f"| {' | '.join(map(str, row))} |" for row in rows])


def spread(entry):
    """ "86.10 ± 0.52 %" over several seeds; "86.10 % (one seed)" for one."""
    if len(entry["seeds"]) == 1:
        return f"{entry['mean']:.2f} % (one seed)"
    return f"{entry['mean']:.2f} ± {entry['std']:.2f} %"


def claim_line(entry):
    """A script's "Gets to ..." line, from its default runs on IMDB."""
    seeds = entry["seeds"]
    how = (
        f"mean of {len(seeds)} seeds, {entry['min']:.2f}-{entry['max']:.2f} %" if seeds[1:] else f"one seed, {seeds[0]}"
    )
    return (
        f"Gets to {entry['mean']:.2f} % test accuracy after {entry['epochs']} epochs ({how}), "
        f"{entry['epoch_seconds']:.0f} s/epoch on a {entry['cpu_count']}-core CPU."
    )


def accuracy_table(imdb):
    rows = [
        (f"`{s}`", f"{TUTORIAL_ACCURACY[s]:.2f} %", spread(e), f"{e['min']:.2f} %", f"{e['max']:.2f} %",
         len(e["seeds"]), f"{e['epoch_seconds']:.0f}", f"{e['parameters']:,}")
        for (s, configuration), e in imdb.items() if configuration == "default"
    ]  # fmt: skip
    return table("script | tutorial | mean ± std | min | max | seeds | s/epoch | parameters", rows)


def speed_table(imdb):
    rows = [
        (f"`{s}`", c, len(e["seeds"]), f"{e['epoch_seconds']:.1f}", f"{e['evaluation_seconds']:.1f}",
         f"{e['peak_memory_mb']:.0f}", spread(e))
        for (s, c), e in sorted(imdb.items(), key=lambda item: (script_order(item[0][0]), item[0][1]))
    ]  # fmt: skip
    return table("script | configuration | seeds | s/epoch | evaluate 25,000 (s) | peak memory (MB) | accuracy", rows)


def per_run_table(records):
    """Every IMDB run, epoch by epoch: the evidence for docs/tutorial.md's diagnosis."""
    rows = []
    for record in sorted(records, key=lambda r: (r["group"], script_order(r["script"]), r["configuration"], r["seed"])):
        epochs = record["per_epoch"]
        watched = " → ".join(f"{100 * epoch['test_accuracy']:.1f}" for epoch in epochs if "test_accuracy" in epoch)
        rows.append((
            f"`{record['script']}`",
            record["configuration"] if record["group"] == "runs" else os.path.basename(record["group"]),
            record["seed"],
            " → ".join(f"{epoch['loss']:.3f}" for epoch in epochs),
            " → ".join(f"{100 * epoch['accuracy']:.1f}" for epoch in epochs) + " %",
            f"{watched} %" if watched else "-",
            f"{100 * record['test_accuracy']:.2f} %",
            ", ".join(f"{name} {100 * value:.1f}" for name, value in record["test_class_accuracy"].items()) + " %",
            (record["git_commit"] or "?")[:7],
        ))  # fmt: skip
    header = "script | configuration | seed | training loss per epoch | training accuracy per epoch | "
    return table(header + "test accuracy per epoch (watched) | test accuracy | per class | commit", rows)


def study_table(study):
    rows = [
        (corpus, recipe, f"`{script}`", len(e["seeds"]), spread(e), f"{e['min']:.2f} %",
         "{1} {0:.1f} %".format(*e["lowest_class_recall"]), ", ".join(f"{b} of {n}" for b, n in e["kept_epochs"]),
         f"{e['epoch_seconds']:.1f}" + (" (shared)" if e["shared_cores"] else ""),
         ", ".join(commit[:7] for commit in e["git_commits"]))
        for (corpus, recipe, script), e in sorted(study.items(), key=lambda i: (*i[0][:2], script_order(i[0][2])))
    ]  # fmt: skip
    header = "corpus | recipe | script | seeds | mean ± std | worst run | lowest class recall (any run) | "
    return table(header + "epoch kept, of | s/epoch | commit", rows)


def f1_spread(entry):
    """ "0.452 ± 0.004" over several seeds; "0.452 (one seed)" for one."""
    if len(entry["seeds"]) == 1:
        return f"{entry['mean']:.3f} (one seed)"
    return f"{entry['mean']:.3f} ± {entry['std']:.3f}"


def multi_label_table(multi_label):
    """Several labels a text: per corpus, recipe and script, macro-F1 over the seeds and the other figures."""
    rows = [
        (corpus, recipe, f"`{script}`", len(e["seeds"]), f1_spread(e), f"{e['min']:.3f}", f"{e['micro_f1']:.3f}",
         f"{e['exact_match']:.2f} %", ", ".join(e["thresholds"]),
         ", ".join(f"{b} of {n}" for b, n in e["kept_epochs"]),
         f"{e['epoch_seconds']:.1f}" + (" (shared)" if e["shared_cores"] else ""),
         ", ".join(commit[:7] for commit in e["git_commits"]))
        for (corpus, recipe, script), e in sorted(multi_label.items(), key=lambda i: (*i[0][:2], script_order(i[0][2])))
    ]  # fmt: skip
    header = "corpus | recipe | script | seeds | macro-F1 mean ± std | worst run | micro-F1 | exact match | "
    return table(header + "threshold per run | epoch kept, of | s/epoch | commit", rows)


def multi_label_docs_table(multi_label):
    """docs/own-data.md's table of several labels a text: per corpus and script (each by its corpus' recipe for it),
    the mean macro-F1 and the worst run, then whether the bag of words wins."""
    rows = [[corpus] + [multi_label_cell(entry) for entry in entries.values()]
            for corpus, entries in judged_entries(multi_label).items() if any(entries.values())]  # fmt: skip
    header = "corpus (macro-F1) | " + " | ".join(f"`{script}`" for script in ALL_SCRIPTS)
    return "\n\n".join([table(header, rows), multi_label_verdicts(multi_label)])


def judged_entries(multi_label):
    """{corpus: {script: entry, or None without a run}} for each corpus of MULTI_LABEL_RECIPES, by the recipe judged
    for each script."""
    return {
        corpus: {s: multi_label.get((corpus, recipes["baseline" if s == BASELINE else "lstm"], s)) for s in ALL_SCRIPTS}
        for corpus, recipes in MULTI_LABEL_RECIPES.items()
    }


def multi_label_verdicts(multi_label):
    """The README's sentences per corpus of several labels a text: whether the bag of words wins (so far, while
    some scripts have no run), and which scripts have no run or fewer than the study's seeds."""
    sentences = []
    for corpus, entries in judged_entries(multi_label).items():
        name = CORPUS_TITLES.get(corpus, corpus)
        ran = {script: entry for script, entry in entries.items() if entry is not None}
        missing = [script for script in entries if script not in ran]
        if BASELINE in ran and len(ran) > 1:
            sentences.append(bag_of_words_verdict(name, ran, so_far=bool(missing)))
        if missing:
            sentences.append(f"{joined(missing)} {'have' if len(missing) > 1 else 'has'} no recorded run yet.")
        short = [script for script, entry in ran.items() if len(set(entry["seeds"])) < STUDY_SEEDS]
        if short:
            every = len(short) == len(entries)
            scripts, verb = ("Every script", "has") if every else (joined(short), "have" if len(short) > 1 else "has")
            sentences.append(f"{scripts} {verb} run on fewer than {STUDY_SEEDS} seeds so far.")
    return " ".join(sentences)


def joined(scripts):
    """`a`, `b` and `c`."""
    names = [f"`{script}`" for script in scripts]
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


def multi_label_cell(entry):
    """A script's mean macro-F1 and its worst run, or the one seed it stands on so far; "-" without a run."""
    if entry is None:
        return "-"
    if len(entry["seeds"]) == 1:
        return f"{entry['mean']:.3f} (seed {entry['seeds'][0]} alone)"
    return f"{entry['mean']:.3f} (worst {entry['min']:.3f})"


def bag_of_words_verdict(corpus, entries, so_far=False):
    """Whether the bag of words wins on a corpus, in one sentence, from the means (as printed) of the scripts."""
    lstms = {script: round(entry["mean"], 3) for script, entry in entries.items() if script != BASELINE}
    bag = round(entries[BASELINE]["mean"], 3)
    best_script, best = max(lstms.items(), key=lambda item: item[1])
    every = "every LSTM script with a run" if so_far else "every LSTM script"
    start = f"On {corpus}, {'so far, ' if so_far else ''}"
    if bag > best:
        return (
            f"{start}the bag of words' mean macro-F1 ({bag:.3f}) is above that of {every} (the best, `{best_script}`, "
            f"{best:.3f}): run `baseline.py` first."
        )
    if bag == best:
        return (
            f"{start}the bag of words' mean macro-F1 is level with the best LSTM script's, `{best_script}` ({bag:.3f})."
        )
    return f"{start}the best LSTM script, `{best_script}` ({best:.3f}), is above the bag of words ({bag:.3f})."


def own_data_readme_table(study):
    """README.md's own-data table: per corpus and script, the mean, the worst run and the lowest class recall."""
    cell = "{0[mean]:.2f} % (worst {0[min]:.2f} %; {2} {1:.0f} %)"
    rows = [
        [corpus] + [cell.format(e, *e["lowest_class_recall"]) if (e := study.get((corpus, OWN_DATA_RECIPE, s))) else "-"
                    for s in ALL_SCRIPTS]
        for corpus in sorted({corpus for corpus, recipe, _ in study if recipe == OWN_DATA_RECIPE})
    ]  # fmt: skip
    return table("corpus | " + " | ".join(f"`{script}`" for script in ALL_SCRIPTS), rows)


def quick_try_table(records):
    rows = [
        (f"`{r['script']}`", r["seed"], f"{100 * r['test_accuracy']:.2f} %", f"{r['training_seconds']:.0f}",
         f"{r.get('command_seconds') or float('nan'):.0f}", quick_try_verdict(r))
        for r in sorted(records, key=lambda record: (script_order(record["script"]), record["seed"]))
    ]  # fmt: skip
    target = "≥ {accuracy:.0f} % within {seconds:.0f} s".format(**QUICK_TRY_TARGET)
    return table(f"script | seed | accuracy | training (s) | whole command (s) | {target}", rows)


def backends_table(records):
    rows = [
        (v["backend"], f"Keras {v['keras']}, {v['backend']} {v.get(v['backend'])}", f"`{r['script']}`",
         r["configuration"], r["seed"], f"{r['train_reviews']:,} + {r['test_reviews']:,}",
         f"{100 * r['test_accuracy']:.2f} %", f"{statistics.median(e['seconds'] for e in r['per_epoch']):.1f}")
        for r in sorted(records, key=lambda record: (record["versions"]["backend"], record["configuration"]))
        for v in [r["versions"]]
    ]  # fmt: skip
    return table("backend | versions | script | configuration | seed | texts | accuracy | s/epoch", rows)


JUDGED_RECIPES = "; ".join(
    f"{corpus}: `{recipes['lstm']}` for the LSTMs, `{recipes['baseline']}` for the bag of words"
    for corpus, recipes in MULTI_LABEL_RECIPES.items()
)
# Each section of results/README.md: its title, what it shows, and its tables (built only if it has records).
SECTIONS = [
    ("Accuracy on IMDB (default configuration)", "All 25,000 training and 25,000 test reviews of the Stanford "
     "download; 3 epochs, batch 64, top 5,000 words, 500 tokens. The tutorial's figures are single runs with Keras 1.",
     "imdb", lambda r: [accuracy_table(r["imdb"])]),
    ("Speed and targets on IMDB", "`literal` is `--literal`, the listing as printed. Times are medians over every "
     "epoch of every seed; evaluation is one pass over the 25,000 test reviews; memory is a run's peak resident size. "
     "The runs were recorded one job at a time with nothing else running, yet epochs of one run still differ by "
     "up to a factor of two on this virtual machine (each record's `per_epoch`): compare medians, not single epochs.",
     "imdb", lambda r: [speed_table(r["imdb"]), table(f"script | {TARGETS_HEADER}", imdb_targets(r["imdb"]))]),
    ("Every IMDB run", "A training loss that rises or stalls is a run going astray; a test accuracy that drops in "
     "the last epoch, one class far behind the other, is a run that ended on an unlucky step.",
     "imdb_records", lambda r: [per_run_table(r["imdb_records"])]),
    ("Earlier configurations (evidence for the diagnosis)", "The default configuration before the gradient "
     "clipping and the decaying step (`earlier/`): records of earlier code, each naming its commit.",
     "earlier", lambda r: [per_run_table(r["earlier"])]),
    ("Your own data: the recipe study", "Candidate recipes for the own-data command (`study/<corpus>/<recipe>/`), "
     f"seeds {STUDY_SEED_RANGE}. The README's own-data command is the recipe `{OWN_DATA_RECIPE}`: "
     f"`{' '.join(OWN_DATA_FLAGS)}` "
     "(`baseline.py` without the flags about cutting texts), chosen for its means and worst runs across both "
     "corpora and the four scripts; single runs move by ±3 points with the seed. \"Epoch kept, of\": the epoch whose "
     "weights early stopping kept, of those run; \"(shared)\": timed while other jobs used the cores. The LSTM "
     "runs of commits before ebabe8e trained every epoch on the first epoch's batches (a bug, fixed there); the "
     "recipe was first chosen on those runs, then screened again on the fixed code (the `plateau3-patience12` "
     "rows of later commits) against batch 32, the first 100, 300, 400 and 500 words, no cut (the last 500), "
     "10,000 words of vocabulary, balanced class weights and `--refit`. `--refit` and `--learning-rate-schedule` "
     "(the `cosine-patience5` recipe) have since left the scripts; their records stay. The corpora `bbc_news.csv` and "
     "`sms_spam.tsv` are the same texts as `bbc_news` and `sms_spam`, read from one table each: their test set is the "
     "table's own split (20 % of each class, set aside by `--test-split`), not the archives' every fifth file, so "
     "the rows test on other texts (and train on others too) and differ by what the seeds' spread allows.", "study",
     lambda r: [study_table(r["study"]), table(f"corpus | {TARGETS_HEADER}", own_data_targets(r["study"]))]),
    ("Several labels a text", "Corpora whose texts carry several labels (`study/<corpus>/<recipe>/`), with their "
     "own validation and test files in place of `--validation-split`; the recipes judged are "
     f"{JUDGED_RECIPES}. Macro-F1 is the mean of each label's F1, "
     "micro-F1 the F1 of every decision pooled; exact match counts the texts whose labels are all right. Each run's "
     "thresholds are chosen on the validation texts (the best macro-F1): one number where one serves all labels, "
     "else their range.",
     "multi_label", lambda r: [multi_label_table(r["multi_label"]),
                               table(f"corpus | {TARGETS_HEADER}", multi_label_targets(r["multi_label"]))]),
    ("The quick try", f"Each script with `{' '.join(QUICK_TRY_FLAGS)}` on the Stanford download (the README's quick "
     "try is `lstm_simple.py`'s); \"whole command\" is the process' wall time, start-up and data loading included.",
     "quick",
     lambda r: [quick_try_table(r["quick"])]),
    ("Reading a big table", "`tools/table_benchmark.py`: a generated CSV read by `lstm_simple.py`'s data step "
     "(read, check every row, split, encode, cache), each load in a process of its own, TensorFlow and Keras "
     "imported (0.7 GB of the peak); targets: the first load within 2 minutes and 4 GB, the second within 10 "
     "seconds. `baseline.py` ran one epoch on the same table.", "tables", lambda r: [tables_table(r["tables"])]),
    ("Other Keras backends", "The same script, seed and reviews under each `KERAS_BACKEND`, on this CPU.",
     "backends", lambda r: [backends_table(r["backends"])]),
]  # fmt: skip


def tables_table(records):
    def cell(figures, key):
        entry = figures.get(key)
        if not entry:
            return "-"
        wall = f" ({entry['wall_seconds']:.1f} s with start-up)" if entry["wall_seconds"] != entry["seconds"] else ""
        return f"{entry['seconds']:.1f} s{wall}, {entry['peak_gb']:.2f} GB"

    rows = [
        (f"{r['rows']:,}", f"{r['table_mb']:,}", cell(r["figures"], "first_load"), cell(r["figures"], "cached_load"),
         cell(r["figures"], "baseline_one_epoch"), r["machine"], r["also_running"], f"`{r['command']}`")
        for r in sorted(records, key=lambda record: record["rows"])
    ]  # fmt: skip
    header = (
        "rows | MB | first load (time, peak) | cached load | baseline.py, 1 epoch | machine | also running | command"
    )
    return table(header, rows)


def results_readme(records):
    """results/README.md, from every family of records (a dict of lists and summaries)."""
    machine = next(iter(records["imdb"].values()))
    versions = machine["versions"]
    lines = [
        "# Results",
        "",
        "Written by `python tools/report.py` from the run records below this folder (one JSON file per run: command,",
        "seed, per-epoch figures and times, test accuracy per class, versions, CPU, date, git commit); each folder's",
        "`logs/` holds the runs' console output, and `tools/benchmark.py` runs each family again "
        "(see docs/reproducing.md).",
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
    for family in ("study", "multi_label"):
        commands |= {f"{c}, {r}, `{s}`: `{e['command']}`" for (c, r, s), e in records[family].items()}
    lines += ["## Learning curves", "", "Default runs, one line per seed; literal runs in grey.", "", *curves, ""]
    return "\n".join(lines + ["## Commands", "", *[f"- {command}" for command in sorted(commands)], ""])


def load_all():
    """Every family of records: lists of records, and their summaries per group."""
    study_records = [
        record | dict(zip(("corpus", "recipe"), record["group"].split(os.sep)[1:3]))
        for record in load(families.STUDY_DIR)
    ]
    imdb_records = [record for record in load(families.RUNS_DIR) if record["limit"] is None]
    several_labels = [record for record in study_records if "test_macro_f1" in record]
    one_label = [record for record in study_records if "test_macro_f1" not in record]
    return dict(
        imdb_records=imdb_records,
        imdb=grouped(imdb_records, "script", "configuration"),
        earlier=load(families.EARLIER_DIR),
        study=grouped(one_label, "corpus", "recipe", "script"),
        multi_label=grouped(several_labels, "corpus", "recipe", "script", summary=summarize_f1),
        study_records=study_records,
        quick=load(families.QUICK_TRY_DIR),
        backends=load(families.BACKENDS_DIR),
        tables=load(families.TABLES_DIR),
    )


def expected_files():
    """Every generated text, by path relative to the repository: what main() writes and the tests compare."""
    records = load_all()
    imdb, study = records["imdb"], records["study"]
    if not imdb:
        raise SystemExit(f"report.py: error: no full-data records in {families.RUNS_DIR}; run tools/benchmark.py first")
    files = {"results/README.md": results_readme(records), "README.md": read("README.md")}
    files["docs/own-data.md"] = read("docs/own-data.md")
    blocks = {"results": accuracy_table(imdb)}
    if study:
        blocks["own-data"] = own_data_readme_table(study)
    if records["multi_label"]:
        blocks["multi-label"] = multi_label_docs_table(records["multi_label"])
        blocks["multi-label-verdict"] = multi_label_verdicts(records["multi_label"])
    for name, block in blocks.items():
        path, start = GENERATED_BLOCKS[name]
        end = f"<!-- {name}:end -->"
        pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.DOTALL)
        filled, count = pattern.subn(lambda match: f"{start}\n\n{block}\n\n{end}", files[path], count=1)
        if count != 1:
            raise SystemExit(f"report.py: error: {path} has no {name} block to fill")
        files[path] = filled
    for script in SCRIPTS:
        if (script, "default") in imdb:
            files[script] = CLAIM_PATTERN.sub(lambda match: claim_line(imdb[script, "default"]), read(script), count=1)
    return files


def read(path):
    with open(os.path.join(HERE, path), encoding="utf-8") as handle:
        return handle.read()


def plot_learning_curves(imdb_records):
    """One figure per script: training (and watched test) loss and accuracy per epoch, a line per run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for script in SCRIPTS:
        runs = sorted((r for r in imdb_records if r["script"] == script), key=lambda r: (r["configuration"], r["seed"]))
        if not any(record["configuration"] == "default" for record in runs):
            continue
        figure, axes = plt.subplots(1, 2, figsize=(10, 4))
        for record in runs:
            literal = "literal " if record["configuration"] == "literal" else ""
            for axis, key, scale in ((axes[0], "loss", 1), (axes[1], "accuracy", 100)):
                for prefix, style, color in (
                    ("", "o-", "gray" if literal else "tab:blue"),
                    ("test_", "s--", "tab:orange"),
                ):
                    if prefix + key in record["per_epoch"][0]:
                        epochs, values = zip(*((e["epoch"], scale * e[prefix + key]) for e in record["per_epoch"]))
                        label = f"{literal}{'test' if prefix else 'training'} {key}"
                        axis.plot(epochs, values, style, color=color, alpha=0.6, label=label)
        axes[1].axhline(TUTORIAL_ACCURACY[script], color="gray", linestyle=":", label="tutorial's figure")
        for axis, name in zip(axes, ("loss", "accuracy (%)")):
            axis.set(xlabel="epoch", ylabel=name)
            labelled = dict(zip(*reversed(axis.get_legend_handles_labels())))  # one entry per label
            axis.legend(labelled.values(), labelled.keys())
        figure.suptitle(f"{script}: one line per seed")
        figure.tight_layout()
        with written_whole(os.path.join(RESULTS_DIR, f"{os.path.splitext(script)[0]}_learning_curve.png")) as (path,):
            figure.savefig(path, dpi=80, format="png")
        plt.close(figure)


def write_whole(path, text):
    """A file of the repository written whole: a reader sees the old text or the new, never a part."""
    with written_whole(os.path.join(HERE, path)) as (temporary,), open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)


def main():
    for path, text in expected_files().items():
        write_whole(path, text)
    plot_learning_curves(load_all()["imdb_records"])


if __name__ == "__main__":
    main()
