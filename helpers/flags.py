"""The scripts' flags: the tutorial's constants as defaults, each flag's help, and the checks made before any work."""

import argparse
import dataclasses
import os
import sys

from helpers import files, records, saving, shell, startup, tables, text_encoding
from helpers.shell import UsageError

# The largest values the flags take: beyond them a run would not fit in memory or time, or a
# seed in NumPy's range, and is refused at once rather than after the data is loaded.
MAX_SEED = 2**32 - 1
MAX_EPOCHS = 100_000
MAX_BATCH_SIZE = 1_000_000
MAX_TOP_WORDS = 2_000_000  # an Embedding of 32 numbers a word: 256 MB, and as much again twice for Adam
MAX_LEN = 100_000  # the longest --max-len
MAX_RUNS = 1_000


@dataclasses.dataclass
class Recipe:
    """The defaults of a script's flags: the constants at the top of the script, where a user adapting it edits
    them. Nothing of the recipe is set here."""

    top_words: int
    max_len: int  # None: a model that reads whole texts (no --max-len, --truncating or --literal)
    truncating: str  # 'pre' or 'post' (None with max_len None)
    epochs: int
    batch_size: int
    seed: int
    validation_split: float
    patience: int
    plateau_patience: int
    text_column: str
    label_column: str

    @classmethod
    def of_script(cls, constants):
        """The recipe of a script's constants (its globals()), by their names (CONSTANTS); each one checked."""
        missing = [name for name in CONSTANTS.values() if name not in constants]
        if missing:
            raise UsageError(f"the script has no constant {missing[0]}, the default of a flag; add it at its top")
        recipe = cls(**{field: constants[name] for field, name in CONSTANTS.items()})
        recipe.check()
        return recipe

    def check(self):
        """Refuse, as one line, a constant no flag would take: argparse checks what is typed, not the defaults."""
        wholes = {"TOP_WORDS": (self.top_words, text_encoding.FIRST_WORD_INDEX + 1), "EPOCHS": (self.epochs, 1)}
        wholes |= {"BATCH_SIZE": (self.batch_size, 1), "SEED": (self.seed, 0), "PATIENCE": (self.patience, 1)}
        wholes |= {"PLATEAU_PATIENCE": (self.plateau_patience, 1)}
        if self.max_len is not None:
            wholes["MAX_REVIEW_LENGTH"] = (self.max_len, 1)
        for name, (value, least) in wholes.items():
            if not isinstance(value, int) or value < least:
                raise UsageError(f"{name} = {value!r} at the top of the script: give a whole number of {least} or more")
        if (self.truncating not in ("pre", "post")) if self.max_len is not None else self.truncating is not None:
            allowed = "'pre' or 'post'" if self.max_len is not None else "None, as MAX_REVIEW_LENGTH is"
            raise UsageError(f"TRUNCATING = {self.truncating!r} at the top of the script: give {allowed}")
        if not isinstance(self.validation_split, (int, float)) or not 0 <= self.validation_split < 1:
            raise UsageError(
                f"VALIDATION_SPLIT = {self.validation_split!r} at the top of the script: give a number of at least 0 "
                "and below 1"
            )
        for name, value in (("TEXT_COLUMN", self.text_column), ("LABEL_COLUMN", self.label_column)):
            if not isinstance(value, str) or not value:
                raise UsageError(f"{name} = {value!r} at the top of the script: give a column's name, as a string")


# Each field of Recipe, and the script's constant that sets it.
CONSTANTS = {
    "top_words": "TOP_WORDS",
    "max_len": "MAX_REVIEW_LENGTH",
    "truncating": "TRUNCATING",
    "epochs": "EPOCHS",
    "batch_size": "BATCH_SIZE",
    "seed": "SEED",
    "validation_split": "VALIDATION_SPLIT",
    "patience": "PATIENCE",
    "plateau_patience": "PLATEAU_PATIENCE",
    "text_column": "TEXT_COLUMN",
    "label_column": "LABEL_COLUMN",
}


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """The script's docstring as written; each flag's default shown, but None and False: their help says."""

    def _get_help_string(self, action):
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


class OneLineErrorParser(argparse.ArgumentParser):
    """argparse, but a bad flag gets one line, not the usage block."""

    def __init__(self, **kwargs):
        super().__init__(formatter_class=HelpFormatter, **kwargs)

    def error(self, message):
        words = message.removeprefix("unrecognized arguments: ").split()
        if message.startswith("unrecognized arguments: ") and any(os.path.exists(word) for word in words):
            message += "; to read your texts, give --data PATH"  # a path given without its flag
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def whole_number_from(minimum, maximum=None):
    """An argparse type: a whole number of at least `minimum` and, if given, at most `maximum`."""

    def parse(text):
        value = _number(text, int, "a whole number")
        if value < minimum or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(
                f"{text!r} must be {minimum} or more" if value < minimum else f"{text!r} must be {maximum:,} or less"
            )
        return value

    return parse


def fraction_below(maximum):
    """An argparse type: a number from 0 up to, not including, `maximum`."""

    def parse(text):
        value = _number(text, float, "a number")
        if not 0.0 <= value < maximum:
            raise argparse.ArgumentTypeError(f"{text!r} must be at least 0 and below {maximum}")
        return value

    return parse


def _number(text, kind, name):
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {name}")


def path_argument(text):
    """An argparse type: a path, which an empty string is not."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path; give a file or folder name")
    return text


def build_parser(prog, description, recipe):
    """The parser of every script, its defaults the script's Recipe."""
    parser = OneLineErrorParser(prog=prog, description=description)
    add_training_flags(parser.add_argument, recipe)
    add_data_flags(parser.add_argument, recipe)
    add_schedule_flags(parser.add_argument, recipe)
    add_padding_flags(parser, recipe)
    add_output_flags(parser.add_argument)
    return parser


def add_training_flags(add, recipe):
    """The listing's constants that are flags (but the text length, which add_padding_flags adds), and --runs."""
    add(
        "--epochs",
        type=whole_number_from(1, MAX_EPOCHS),
        default=recipe.epochs,
        help="epochs (the most, with a validation split)",
    )
    add(
        "--batch-size", type=whole_number_from(1, MAX_BATCH_SIZE), default=recipe.batch_size, help="training batch size"
    )
    add(
        "--top-words",
        type=whole_number_from(text_encoding.FIRST_WORD_INDEX + 1, MAX_TOP_WORDS),  # below it no word would be left
        default=recipe.top_words,
        help="keep word indices below this (the most frequent TOP_WORDS - 4 words); the rest become 'unknown'",
    )
    add("--seed", type=whole_number_from(0, MAX_SEED), default=recipe.seed, help="random seed of the first run")
    add(
        "--runs",
        type=whole_number_from(1, MAX_RUNS),
        default=1,
        help="train with seeds SEED, SEED+1, ...; print the mean",
    )
    add("--run-index", type=int, default=0, help=argparse.SUPPRESS)  # set by shell.run for each run of --runs


def add_data_flags(add, recipe):
    """Your own texts: where they are, their test set, a table's columns, and --limit's quick try."""
    add(
        "--data",
        "--data-dir",
        type=path_argument,
        metavar="PATH",
        help="read your own texts instead of downloading keras.datasets.imdb: a folder with train/<class>/ and "
        "test/<class>/ folders of text files (such as Stanford's aclImdb) or with <class>/ folders alone, a .tar.gz "
        "of one, or a table with a text and a label a row: .csv, .tsv or .jsonl (each also .gz)",
    )
    add(
        "--test-data",
        type=path_argument,
        metavar="PATH",
        help="with --data: the test texts, as a table or <class>/ folders (else --test-split sets some aside)",
    )
    add(
        "--test-split",
        type=fraction_below(1.0),
        metavar="FRACTION",
        help="with --data that has no test/ folder: this fraction of each class (at least one text) is the test set, "
        "the same texts for every seed (default: 0.2)",
    )
    add(
        "--validation-data",
        type=path_argument,
        metavar="PATH",
        help="with --data: validation texts you already have, as a table or <class>/ folders, in place of "
        "--validation-split: early stopping, the plateau rule and a multi-label threshold are judged on them",
    )
    add_table_flags(add, recipe)
    add(
        "--limit",
        type=whole_number_from(1, 2**31 - 1),
        metavar="N",
        help="use N training and N test (and validation) texts for a quick try: a shuffled selection chosen by --seed "
        "(with --runs, "
        "the first run's), so that every run of --runs trains and tests on the same texts",
    )


def add_table_flags(add, recipe):
    """A table's columns, and its labels when a text has several."""
    # None when not given (the recipe's then), so that one given where it would do nothing is refused.
    add(
        "--text-column",
        metavar="NAME",
        help=f"a table's column (or JSONL key) that holds the text (default: {recipe.text_column})",
    )
    add(
        "--label-column",
        metavar="NAME",
        help=f"a table's column (or JSONL key) holding the class (default: {recipe.label_column})",
    )
    add(
        "--label-separator",
        metavar="SEP",
        help="a table's label cell holds several labels separated by SEP (GoEmotions: ','): each text may have "
        "several labels, one sigmoid output a label (multi-label); a JSONL label that is a list needs no SEP",
    )
    add(
        "--label-names",
        type=path_argument,
        metavar="FILE",
        help="a text file naming the label ids 0, 1, 2, ... one name a line (GoEmotions' labels.txt): reports, "
        "predictions and the saved model give the names",
    )
    add(
        "--no-header",
        action="store_true",
        help="the CSV or TSV table has no header row: name its columns by number from 0 "
        "(--text-column 1 --label-column 0)",
    )


def add_schedule_flags(add, recipe):
    """How long training goes on and how Adam's step falls: the validation split, patience, class weights."""
    # None when not given (the recipe's then, or 0 with --validation-data), so that both given are refused.
    add(
        "--validation-split",
        type=fraction_below(1.0),
        metavar="FRACTION",
        help="hold out this fraction of the training texts (seeded, every class in proportion), show its accuracy "
        "after each epoch, stop when its loss has not improved for PATIENCE epochs and keep the best epoch's "
        f"weights; 0: train on all of them for EPOCHS epochs, as the tutorial (default: {recipe.validation_split})",
    )
    # None when not given, so that a flag given without --validation-split, where it would do nothing, is refused.
    add(
        "--patience",
        type=whole_number_from(1, MAX_EPOCHS),
        help="with --validation-split or --validation-data: epochs without a better validation loss (or --monitor's) "
        "before stopping "
        f"(default: {recipe.patience})",
    )
    add(
        "--plateau-patience",
        type=whole_number_from(1, MAX_EPOCHS),
        help="epochs without a better validation loss (or --monitor's) before the 'plateau' schedule halves the step "
        f"(default: {recipe.plateau_patience})",
    )
    add(
        "--monitor",
        choices=("val_loss", "val_macro_f1"),
        default="val_loss",
        help="what early stopping and the halved step watch on the validation texts: their loss, or with several "
        "labels a text their macro-F1 at the best threshold, the figure the report gives",
    )
    add(
        "--class-weight",
        choices=("none", "balanced"),
        default="none",
        help="'balanced': each class weighs as much in the training loss as the others, however few its texts",
    )


def add_padding_flags(parser, recipe):
    """--max-len, --truncating and --literal, for a model that reads texts cut to a length (not baseline.py)."""
    add = parser.add_argument
    if recipe.max_len is None:
        parser.set_defaults(max_len=None, truncating=None, literal=False)
    else:
        add(
            "--max-len",
            type=whole_number_from(1, MAX_LEN),
            default=recipe.max_len,
            help="cut longer texts to MAX_LEN words",
        )
        add(
            "--truncating",
            choices=("pre", "post"),
            default=recipe.truncating,
            help="which words a longer text loses: 'pre' its first ones, keeping the last MAX_LEN (the tutorial's), "
            "'post' its last ones, keeping the first (a title or lead)",
        )
        add(
            "--literal",
            action="store_true",
            help="run the tutorial's listing exactly: every text padded to MAX_LEN, no masking, Keras' own "
            "recurrent-dropout cell, Adam with a constant step and no clipping (see docs/tutorial.md)",
        )


def add_output_flags(add):
    """What a run writes and shows: the model, the run records, the test curve, Keras' progress output."""
    add(
        "--save",
        type=path_argument,
        metavar="PATH",
        help="save the model of the last run in folder PATH: model.keras, and serving/, which reads raw text "
        "(predict.py PATH, or TensorFlow alone)",
    )
    add("--results-dir", type=path_argument, metavar="DIR", help="write one JSON record per run into DIR")
    add(
        "--watch-test",
        action="store_true",
        help="also measure the test accuracy after every epoch (shown beside the epoch's figures and kept in "
        "the record), for learning curves; nothing is chosen by it",
    )
    progress = "Keras' progress output: 0 none, 1 a bar, 2 a line per epoch (if not given: 1 on a terminal, else 2)"
    add("--verbose", type=int, choices=(0, 1, 2), help=progress)


def check_data_flags(args, parser):
    """The flags about your own data need --data, and the columns' flags a table."""
    columns_given = args.text_column is not None or args.label_column is not None or args.no_header
    columns_given = columns_given or args.label_separator is not None
    data_flags = {"--test-data": args.test_data, "--test-split": args.test_split, "--no-header": args.no_header}
    data_flags |= {"--text-column": args.text_column is not None, "--label-column": args.label_column is not None}
    data_flags |= {"--validation-data": args.validation_data, "--label-separator": args.label_separator is not None}
    data_flags |= {"--label-names": args.label_names}
    for flag in (flag for flag, given in data_flags.items() if given and args.data is None):
        parser.error(f"{flag} is about your own data; give it with --data PATH")
    paths = (args.data, args.test_data, args.validation_data)
    if columns_given and not any(tables.kind_of(path or "") for path in paths):
        parser.error(
            f"--text-column, --label-column, --label-separator and --no-header are for a table; {args.data} is not one"
        )
    if args.label_separator == "":
        parser.error("--label-separator must be a character such as ',', '|' or ' ', not nothing")


def check_flags(args, parser):
    """What no single flag's type can check: flags that need another, seeds that must stay in range."""
    check_data_flags(args, parser)
    if args.test_data and args.test_split is not None:
        parser.error("--test-data is the test set, so --test-split would set aside nothing; leave one out")
    if args.test_split is not None and args.test_split == 0:
        parser.error("--test-split 0 leaves no test texts; give a fraction such as 0.2, or --test-data")
    if args.no_header and (args.text_column is None or args.label_column is None):
        parser.error("--no-header numbers the columns from 0: name them, e.g. --label-column 0 --text-column 1")
    if args.seed + args.runs - 1 > MAX_SEED:
        parser.error(f"--seed {args.seed} with --runs {args.runs} would go past the largest seed, {MAX_SEED}")
    watched = [("--patience", args.patience), ("--plateau-patience", args.plateau_patience)]
    watched.append(("--monitor", args.monitor if args.monitor != "val_loss" else None))
    for flag, value in watched:
        if value is not None and not args.validates:
            parser.error(f"{flag} needs validation texts to watch; add --validation-split 0.1 or --validation-data")
    if args.literal and args.plateau_patience is not None:
        parser.error("--literal keeps Adam's constant step, so --plateau-patience would do nothing; leave one out")


def parse(argv, script_path, description, recipe):
    """The flags of one run of a script, its Recipe (its constants) as their defaults; outputs checked.

    Besides argparse's own, the namespace holds `script`, `argv` (as given),
    `first_seed` and `seed` (this run's, among --runs), `verbose` (resolved), `validates` (a validation set is held
    out or given),
    `learning_rate_schedule` (None: --literal's constant step), `git_commit`.
    """
    shell.begin_run()
    script = os.path.basename(script_path)
    if argv is None:  # a notebook's sys.argv is its kernel's ("-f kernel.json"), not flags for the script
        argv = sys.argv[1:] if startup.AS_A_COMMAND else []
    argv = list(argv)
    parser = build_parser(script, description, recipe)
    args = parser.parse_args(argv)
    if args.validation_data is not None and args.validation_split:
        parser.error(
            "--validation-data is the validation set, so --validation-split would hold out more; leave one out"
        )
    if args.validation_split is None:  # not given: the recipe's, or none beside --validation-data
        args.validation_split = 0.0 if args.validation_data is not None else recipe.validation_split
    args.validates = args.validation_split > 0 or args.validation_data is not None
    check_flags(args, parser)
    args.script = script
    args.argv = [argument for argument in argv if not argument.startswith("--run-index")]
    args.first_seed, args.seed = args.seed, args.seed + args.run_index
    for name in ("patience", "plateau_patience", "text_column", "label_column"):  # not given: the recipe's
        if getattr(args, name) is None:
            setattr(args, name, getattr(recipe, name))
    # How Adam's step falls (not the tutorial's, whose step is constant): halved when the validation loss stalls
    # ('plateau'), or to 0 over EPOCHS ('cosine') when there is no validation split to watch.
    args.learning_rate_schedule = None if args.literal else "plateau" if args.validates else "cosine"
    if args.verbose is None:
        args.verbose = 1 if sys.stdout.isatty() else 2  # a closed one is the null device (startup.py)
    if args.save:
        saving.check_save_path(args.save)
    args.git_commit = None
    if args.results_dir:
        files.check_output_folder("--results-dir", args.results_dir)
        args.git_commit = records.git_commit()  # the code as the run started
    if args.runs > 1:
        print(f"Run {args.run_index + 1} of {args.runs}, seed {args.seed}")
    return args
