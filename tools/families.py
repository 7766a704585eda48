"""Maintainer tools' catalogue: each family of published records, its folder in results/ and the flags that make it.

benchmark.py runs these flags; report.py describes the records they left.
"""

import os
import sys

# The repository: this file lives in tools/.
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

RESULTS_DIR = os.path.join(HERE, "results")
RUNS_DIR = os.path.join(RESULTS_DIR, "runs")  # the tutorial's reproduction on all 50,000 reviews
EARLIER_DIR = os.path.join(RESULTS_DIR, "earlier")  # records of earlier code, the diagnosis' evidence
STUDY_DIR = os.path.join(RESULTS_DIR, "study")  # own-data recipes: study/<corpus>/<recipe>/
QUICK_TRY_DIR = os.path.join(RESULTS_DIR, "quick-try")
BACKENDS_DIR = os.path.join(RESULTS_DIR, "backends")
TABLES_DIR = os.path.join(RESULTS_DIR, "tables")  # tools/table_benchmark.py: reading a big table

SCRIPTS = ("lstm_simple.py", "lstm_dropout.py", "lstm_recurrent_dropout.py", "cnn_lstm.py")
BASELINE = "baseline.py"
ALL_SCRIPTS = (*SCRIPTS, BASELINE)  # the order of every table's columns

QUICK_TRY_FLAGS = ("--limit", "5000")

# The seeds of every study and own-data figure: 41, 42 and 43.
STUDY_FIRST_SEED = 41
STUDY_SEEDS = 3
STUDY_SEED_RANGE = f"{STUDY_FIRST_SEED}-{STUDY_FIRST_SEED + STUDY_SEEDS - 1}"  # as the docs print it

# The own-data recipes compared in results/study, each a set of flags run on each corpus with the study's seeds.
_PLATEAU = "--validation-split 0.1 --epochs 50 --patience 8"
_FIRST_200 = "--truncating post --max-len 200"
_PLATEAU3 = "--validation-split 0.1 --epochs 50 --patience 12 --plateau-patience 3"
STUDY_RECIPES = {
    name: tuple(flags.split())
    for name, flags in {
        "cosine-patience5": "--validation-split 0.1 --epochs 50 --patience 5 --learning-rate-schedule cosine",
        "plateau": _PLATEAU,
        "plateau-batch32": f"{_PLATEAU} --batch-size 32",
        "plateau-first200": f"{_PLATEAU} {_FIRST_200}",
        "plateau-batch32-first200": f"{_PLATEAU} --batch-size 32 {_FIRST_200}",
        "plateau-batch32-first100": f"{_PLATEAU} --batch-size 32 --truncating post --max-len 100",
        "plateau-balanced": f"{_PLATEAU} --class-weight balanced",
        "plateau-first200-balanced": f"{_PLATEAU} {_FIRST_200} --class-weight balanced",
        "plateau-first200-top2000": f"{_PLATEAU} {_FIRST_200} --top-words 2000",
        "plateau-first200-top10000": f"{_PLATEAU} {_FIRST_200} --top-words 10000",
        "plateau3-patience12-first200": f"{_PLATEAU3} {_FIRST_200}",
        "plateau-first200-split0.2": f"--validation-split 0.2 --epochs 50 --patience 8 {_FIRST_200}",
        "plateau-batch32-first200-balanced": f"{_PLATEAU} --batch-size 32 {_FIRST_200} --class-weight balanced",
        # Screened again once every epoch trained on batches of its own (ebabe8e).
        "plateau3-patience12": _PLATEAU3,
        "plateau3-patience12-first100": f"{_PLATEAU3} --truncating post --max-len 100",
        "plateau3-patience12-first200-batch32": f"{_PLATEAU3} {_FIRST_200} --batch-size 32",
        "plateau3-patience12-first200-balanced": f"{_PLATEAU3} {_FIRST_200} --class-weight balanced",
        "plateau3-patience12-first200-refit": f"{_PLATEAU3} {_FIRST_200} --refit",
        # More cuts of the chosen recipe: more of each article, a larger vocabulary.
        "plateau3-patience12-first300": f"{_PLATEAU3} --truncating post --max-len 300",
        "plateau3-patience12-first400": f"{_PLATEAU3} --truncating post --max-len 400",
        "plateau3-patience12-first500": f"{_PLATEAU3} --truncating post --max-len 500",
        "plateau3-patience12-first200-top10000": f"{_PLATEAU3} {_FIRST_200} --top-words 10000",
        # Several labels a text: stop on the validation macro-F1 at its best threshold, the report's figure.
        "plateau3-patience12-first200-f1": f"{_PLATEAU3} {_FIRST_200} --monitor val_macro_f1",
        "plateau3-patience12-first200-balanced-f1": f"{_PLATEAU3} {_FIRST_200} --class-weight balanced "
        "--monitor val_macro_f1",
    }.items()
}
# Recipes whose flag the scripts no longer have (it earned nothing in the study): their records stay.
RETIRED_RECIPES = {
    "cosine-patience5": "--learning-rate-schedule (cosine with a validation split) left the scripts",
    "plateau3-patience12-first200-refit": "--refit left the scripts",
}
OWN_DATA_RECIPE = "plateau3-patience12-first200"  # the README's own-data command: the study's choice
OWN_DATA_FLAGS = STUDY_RECIPES[OWN_DATA_RECIPE]
# Corpora of several labels a text, with the recipe their LSTMs and their bag of words are judged by: the own-data
# recipe stopping on the validation macro-F1, for the bag of words with balanced label weights, as scikit-learn's
# reference (class_weight="balanced") is run. On GoEmotions, seed 41, the validation loss is lowest long before the
# macro-F1 is highest: stopping on the loss gives lstm_simple.py 0.342 and the bag of words 0.415 on test,
# stopping on macro-F1 0.391 and 0.449.
CORPUS_TITLES = {"goemotions": "GoEmotions"}  # a corpus' name in sentences, where its folder's differs
MULTI_LABEL_RECIPES = {
    "goemotions": {"lstm": "plateau3-patience12-first200-f1", "baseline": "plateau3-patience12-first200-balanced-f1"}
}
WHOLE_TEXT_FLAGS = ("--max-len", "--truncating")  # baseline.py reads whole texts: it has no such flags


def recipe_flags(recipe, script, own_validation=False):
    """A recipe's flags for one script: the baseline's without those about cutting texts, and without
    --validation-split for a corpus with validation texts of its own (--validation-data, which the scripts
    refuse beside an explicit split)."""
    flags = list(STUDY_RECIPES[recipe])
    dropped = (WHOLE_TEXT_FLAGS if script == BASELINE else ()) + (("--validation-split",) if own_validation else ())
    for flag in dropped:
        if flag in flags:
            del flags[flags.index(flag) : flags.index(flag) + 2]
    return tuple(flags)


def corpus_name(data_path):
    """bbc_news for .../bbc_news.tar.gz or .../bbc_news/; a table keeps its suffix (bbc_news.csv)."""
    name = os.path.basename(os.path.normpath(data_path))
    for suffix in (".tar.gz", ".tgz", ".tar"):
        name = name.removesuffix(suffix)
    return name
