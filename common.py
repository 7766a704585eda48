"""The tutorial's steps, once, in the tutorial's order, so that each script shows only its model.

Every listing of "Sequence Classification with LSTM Recurrent Neural Networks
in Python with Keras" repeats the same steps around its model. They are here,
in that order; the script supplies the model and the tutorial's values:

| the tutorial's listing                                  | the script's main() | which uses              |
|---------------------------------------------------------|---------------------|-------------------------|
| (its constants, run as a script)                        | `Run(...)`          | `build_parser`          |
| `numpy.random.seed(7)`                                  | `run.set_seed`      | `set_seed`              |
| `imdb.load_data(num_words=top_words)`                   | `run.load_data`     | `load_data`             |
| `sequence.pad_sequences(X, maxlen=500)`                 | (in `run.fit`)      | `DEFAULT` / `LITERAL`   |
| `Dense(1, activation='sigmoid')`, `binary_crossentropy` | (the model)         | `output_layer`, `loss_for` |
| `model.fit(X_train, y_train, epochs=3, batch_size=64)`  | `run.fit`           | `train`                 |
| `model.evaluate(X_test, y_test)`                        | `run.evaluate`      | `evaluate`              |
| `print("Accuracy: %.2f%%" % (scores[1]*100))`           | its own `print`     |                         |

What is not a step of the tutorial lives in a file of its own: `textdata.py`
(your own text folders, the Keras-IMDB encoding, the cache), `batching.py`
(the speed-ups), `saved_model.py` (`--save` and `predict.py`), `records.py`
(run records for results/), `cli.py` (one-line errors, Ctrl-C, whole files),
`startup.py` (quiet imports).
"""

import startup  # noqa: F401 (first: keeps TensorFlow's start-up notices off the terminal)

import dataclasses
import math
import os
import sys
import time
import unicodedata

import keras
import numpy as np
from keras import layers

import batching
import cli
import saved_model
import textdata
from cli import UsageError

# How Adam's step changes over the training (not the tutorial's: it keeps Keras' constant step).
LEARNING_RATE_SCHEDULES = ("cosine", "plateau")
PLATEAU_FACTOR = 0.5  # the 'plateau' schedule halves the step when the validation loss stalls,
PLATEAU_MIN_FRACTION = 0.01  # down to a hundredth of the first step
# A small validation set gives a noisy loss: the study (results/README.md) found that halving the step
# after 2 stalled epochs and stopping after 8 ended good runs early; 3 and 12 are its own-data recipe.
PATIENCE = 12  # epochs without a better validation loss before training stops
PLATEAU_PATIENCE = 3  # ... before the 'plateau' schedule halves the step: well before stopping

# The largest values the flags take: beyond them a run would not fit in memory or time, or a
# seed in NumPy's range, and is refused at once rather than after the data is loaded.
MAX_SEED = 2**32 - 1
MAX_EPOCHS = 100_000
MAX_BATCH_SIZE = 1_000_000
MAX_TOP_WORDS = 2_000_000  # an Embedding of 32 numbers a word: 256 MB, and as much again twice for Adam
MAX_LEN = 100_000
MAX_RUNS = 1_000

# ---------------------------------------------------------------------------
# The flags: the script's constants are their defaults


def build_parser(
    description, prog, top_words, max_len, epochs, batch_size, seed, validation_split=0.0, reads_whole_texts=False
):
    """The one parser of every script; the defaults are the values a script passes (the tutorial's).

    A model that reads whole texts (baseline.py's bag of words) has no use for
    --max-len, --truncating, --literal or --save.
    """
    parser = cli.OneLineErrorParser(prog=prog, description=description)
    add = parser.add_argument
    add(
        "--epochs",
        type=cli.whole_number_from(1, MAX_EPOCHS),
        default=epochs,
        help="training epochs (the most, with --validation-split)",
    )
    add("--batch-size", type=cli.whole_number_from(1, MAX_BATCH_SIZE), default=batch_size, help="training batch size")
    add(
        "--top-words",
        # Below FIRST_WORD_INDEX + 1 no word would be left.
        type=cli.whole_number_from(textdata.FIRST_WORD_INDEX + 1, MAX_TOP_WORDS),
        default=top_words,
        help="keep word indices below this (the most frequent TOP_WORDS - 4 words); the rest become 'unknown'",
    )
    add("--seed", type=cli.whole_number_from(0, MAX_SEED), default=seed, help="random seed of the first run")
    add(
        "--runs",
        type=cli.whole_number_from(1, MAX_RUNS),
        default=1,
        help="train RUNS times with seeds SEED, SEED+1, ... and print mean +- std",
    )
    add(
        "--data-dir",
        type=cli.path_argument,
        metavar="PATH",
        help="read your own texts instead of downloading keras.datasets.imdb: a folder with train/<class>/*.txt "
        "and test/<class>/*.txt (such as Stanford's aclImdb), or a .tar.gz of one",
    )
    add(
        "--limit",
        type=cli.whole_number_from(1, 2**31 - 1),
        metavar="N",
        help="use N training and N test texts for a quick try: a shuffled selection, drawn with SEED, the same "
        "in every run",
    )
    add(
        "--validation-split",
        type=cli.fraction_below(1.0),
        default=validation_split,
        metavar="FRACTION",
        help="hold out this fraction of the training texts (seeded, every class in proportion), show its accuracy "
        "after each epoch, stop when its loss has not improved for PATIENCE epochs and keep the best epoch's "
        "weights; 0: train on all of them for EPOCHS epochs, as the tutorial",
    )
    # --patience, --learning-rate-schedule and --plateau-patience default to None, so that
    # check_flags can tell one given without --validation-split, where it would do nothing.
    add(
        "--patience",
        type=cli.whole_number_from(1, MAX_EPOCHS),
        help=f"with --validation-split: epochs without a better validation loss before stopping (default: {PATIENCE})",
    )
    add(
        "--learning-rate-schedule",
        choices=LEARNING_RATE_SCHEDULES,
        help="how Adam's step changes: 'cosine' falls to 0 over EPOCHS (for a fixed number of epochs), 'plateau' "
        "is halved whenever the validation loss has not improved for PLATEAU_PATIENCE epochs "
        "(if not given: plateau with --validation-split, else cosine)",
    )
    add(
        "--class-weight",
        choices=("none", "balanced"),
        default="none",
        help="'balanced': each class weighs as much in the training loss as the others, however few its texts",
    )
    add(
        "--plateau-patience",
        type=cli.whole_number_from(1, MAX_EPOCHS),
        help="epochs without a better validation loss before the 'plateau' schedule halves the step "
        f"(default: {PLATEAU_PATIENCE})",
    )
    add(
        "--refit",
        action="store_true",
        help="with --validation-split: once it has found the best epoch, train again from the same first weights "
        "on all the training texts, the held-out ones too, for that many epochs with the same steps; the test "
        "and --save take this model",
    )
    if reads_whole_texts:
        parser.set_defaults(max_len=None, truncating=None, literal=False, save=None)
    else:
        add(
            "--max-len",
            type=cli.whole_number_from(1, MAX_LEN),
            default=max_len,
            help="cut longer texts to MAX_LEN words",
        )
        add(
            "--truncating",
            choices=("pre", "post"),
            default="pre",
            help="which words a longer text loses: 'pre' its first ones, keeping the last MAX_LEN (the tutorial's), "
            "'post' its last ones, keeping the first (a title or lead)",
        )
        add(
            "--literal",
            action="store_true",
            help="run the tutorial's listing exactly: every text padded to MAX_LEN, no masking, Keras' own "
            "recurrent-dropout cell, Adam with a constant step and no clipping (see README)",
        )
        add(
            "--save",
            type=cli.path_argument,
            metavar="PATH",
            help="save the trained model and its text encoding in folder PATH, for predict.py",
        )
    add("--results-dir", type=cli.path_argument, metavar="DIR", help="write one JSON record per run into DIR")
    add(
        "--watch-test",
        action="store_true",
        help="also measure the test accuracy after every epoch, for learning curves; nothing is chosen by it",
    )
    add(
        "--verbose",
        type=int,
        choices=(0, 1, 2),
        help="Keras progress output: 0 silent, 1 progress bar, 2 one line per epoch "
        "(if not given: 1 on a terminal, else 2)",
    )
    return parser


def check_flags(args, parser):
    """What no single flag's type can check: flags that need another, seeds that must stay in range."""
    if args.seed + args.runs - 1 > MAX_SEED:
        parser.error(f"--seed {args.seed} with --runs {args.runs} would go past the largest seed, {MAX_SEED}")
    if not args.validation_split > 0:
        for flag, value in (
            ("--patience", args.patience),
            ("--plateau-patience", args.plateau_patience),
            ("--learning-rate-schedule plateau", args.learning_rate_schedule == "plateau" or None),
            ("--refit", args.refit or None),
        ):
            if value is not None:
                parser.error(f"{flag} needs a validation loss to watch; add --validation-split 0.1")
    args.patience = PATIENCE if args.patience is None else args.patience
    args.plateau_patience = PLATEAU_PATIENCE if args.plateau_patience is None else args.plateau_patience


def check_output_paths(args, script, configuration):
    """Refuse an output that could not be written before any data is loaded, not after hours of training.

    Returns the records module when --results-dir asks for records, else None.
    """
    if args.save:
        saved_model.check_save_path(args.save)
    if not args.results_dir:
        return None
    try:
        import records  # only a run that keeps records needs git and platform probing
    except ImportError:
        raise UsageError("--results-dir needs records.py beside the script; copy it from the project")
    cli.check_output_folder("--results-dir", args.results_dir)
    records.check_record_paths(args.results_dir, script, configuration.name, range(args.seed, args.seed + args.runs))
    return records


# ---------------------------------------------------------------------------
# The seed


def set_seed(seed):
    """Seed Python, NumPy and the backend; make TensorFlow's kernels deterministic."""
    keras.utils.set_random_seed(seed)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


# ---------------------------------------------------------------------------
# Loading the data


def load_keras_imdb(top_words):
    """The tutorial's data: keras.datasets.imdb, downloaded once by Keras."""
    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data(num_words=top_words)
    except Exception as error:  # Keras reports a failed download as a bare Exception
        raise UsageError(
            f"could not download keras.datasets.imdb ({cli.first_line(error)}); "
            "without network, pass --data-dir PATH to the Stanford aclImdb folder or its .tar.gz"
        )

    def to_arrays(sequences):
        return [np.array(sequence, dtype=np.int32) for sequence in sequences]

    return textdata.Dataset(
        to_arrays(x_train), y_train.astype(np.int32), to_arrays(x_test), y_test.astype(np.int32), ["neg", "pos"]
    )


def take_shuffled_subset(sequences, labels, limit, seed):
    """`limit` items in a shuffled order that keeps every class present."""
    if limit is None or limit >= len(labels):
        return sequences, labels
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(labels))
    # Deal one item of each class first, so that even a tiny limit sees every class.
    first_of_each = [order[labels[order] == label][0] for label in np.unique(labels)]
    rest = [index for index in order if index not in set(first_of_each)]
    chosen = np.array((first_of_each + rest)[:limit])
    chosen = chosen[rng.permutation(len(chosen))]
    return [sequences[index] for index in chosen], labels[chosen]


def load_data(data_dir, top_words, limit=None, seed=0):
    """Train and test texts, cut to top_words, optionally limited to `limit` each."""
    if data_dir is None:
        dataset = load_keras_imdb(top_words)
    else:
        dataset = textdata.load_text_folders(data_dir)
        dataset.train_sequences = textdata.cut_to_top_words(dataset.train_sequences, top_words)
        dataset.test_sequences = textdata.cut_to_top_words(dataset.test_sequences, top_words)
    if limit is not None and limit < dataset.num_classes:
        raise UsageError(
            f"--limit {limit} is fewer texts than the {dataset.num_classes} classes; give --limit "
            f"{dataset.num_classes} or more, so that every class is trained and tested"
        )
    dataset.train_sequences, dataset.train_labels = take_shuffled_subset(
        dataset.train_sequences, dataset.train_labels, limit, seed
    )
    dataset.test_sequences, dataset.test_labels = take_shuffled_subset(
        dataset.test_sequences, dataset.test_labels, limit, seed + 1
    )
    return dataset


def hold_out_validation(sequences, labels, fraction, seed, class_names):
    """Split the training texts into (train, validation), seeded, each class in proportion.

    Every class gives at least one text to validation and keeps at least one
    for training, so that early stopping judges every class.
    """
    rng = np.random.default_rng(seed)
    validation_rows = []
    for label in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == label))
        if len(rows) < 2:
            raise UsageError(
                f"class {class_names[label]!r} has {len(rows)} training text: --validation-split cannot hold one out "
                "and still train on it; add training texts of that class (or give a larger --limit), "
                "or leave out --validation-split"
            )
        count = min(max(1, int(round(fraction * len(rows)))), len(rows) - 1)
        validation_rows.extend(rows[:count].tolist())
    is_validation = np.zeros(len(labels), bool)
    is_validation[validation_rows] = True
    train_rows, validation_rows = np.flatnonzero(~is_validation), np.flatnonzero(is_validation)
    pick = lambda rows: ([sequences[row] for row in rows], labels[rows])  # noqa: E731
    return pick(train_rows), pick(validation_rows)


def summarize_data(dataset, top_words, max_len):
    """What a user should know before training: class sizes, text lengths, how much the cuts lose."""
    words = np.array([len(sequence) - 1 for sequence in dataset.train_sequences])  # less the start mark
    train_counts = np.bincount(dataset.train_labels, minlength=dataset.num_classes)
    test_counts = np.bincount(dataset.test_labels, minlength=dataset.num_classes)
    tokens = np.concatenate(dataset.train_sequences) if dataset.train_sequences else np.zeros(0, np.int32)
    known = tokens[tokens >= textdata.FIRST_WORD_INDEX]
    summary = {
        "train_texts": int(len(dataset.train_labels)),
        "test_texts": int(len(dataset.test_labels)),
        "class_counts": {
            name: [int(train_counts[index]), int(test_counts[index])] for index, name in enumerate(dataset.class_names)
        },
        "median_words": float(np.median(words)) if len(words) else 0.0,
        "percentile_90_words": float(np.percentile(words, 90)) if len(words) else 0.0,
        "share_cut": None if max_len is None else float(np.mean(words + 1 > max_len)) if len(words) else 0.0,
        "distinct_words": None if dataset.vocabulary is None else len(dataset.vocabulary),
        "kept_words": max(0, top_words - textdata.FIRST_WORD_INDEX),
        "share_known": float(len(known) / max(1, np.sum(tokens != textdata.START_INDEX))),
    }
    return summary


def print_data_summary(summary, max_len, truncating=None):
    print(
        f"{summary['train_texts']} training and {summary['test_texts']} test texts, "
        f"{len(summary['class_counts'])} classes:"
    )
    width = max(len(name) for name in summary["class_counts"])
    for name, (train_count, test_count) in summary["class_counts"].items():
        share = 100 * train_count / max(1, summary["train_texts"])
        print(f"  {name:<{width}}  {train_count:>6} training ({share:4.1f} %), {test_count:>6} test")
    cut = ""
    if max_len is not None:
        kept_part = "last" if truncating == "pre" else "first"
        cut = f"; {100 * summary['share_cut']:.1f} % are cut to their {kept_part} {max_len} words"
    print(
        f"Words per training text: median {summary['median_words']:.0f}, "
        f"90th percentile {summary['percentile_90_words']:.0f}{cut}."
    )
    if max_len is not None and summary["share_cut"] > 0.25:
        # What the user must decide: the data summary says what the cut costs.
        print(
            "  Many texts are cut (--max-len): keep the words that tell the class. A review's verdict\n"
            "  comes last (--truncating pre); a news article's title and lead come first (--truncating post)."
        )
    distinct, kept = summary["distinct_words"], summary["kept_words"]
    if distinct is None:
        kept_text = f"the {kept:,} most frequent words"
    elif kept >= distinct:
        kept_text = f"all {distinct:,} distinct training words"
    else:
        kept_text = f"the {kept:,} most frequent of the corpus' {distinct:,} distinct training words"
    print(
        f"Vocabulary: --top-words keeps {kept_text}, {100 * summary['share_known']:.1f} % of the words "
        "in the training texts; the rest read as 'unknown'.",
        flush=True,
    )


# ---------------------------------------------------------------------------
# Padding and feeding: the one place that decides what --literal changes


@dataclasses.dataclass(frozen=True)
class Configuration:
    """Everything --literal switches, decided here and nowhere else."""

    name: str
    feed: type  # how batches are padded and fed: batching.LengthBucketed or batching.PaddedToMaxLen
    mask_padding: bool  # Embedding(mask_zero=...)
    shared_recurrent_dropout_mask: bool  # batching.shared_mask_lstm instead of Keras' per-gate masks
    decay_learning_rate: bool  # Adam's step falls to 0 over the training (cosine)
    clip_gradients: bool  # Adam's clipnorm


DEFAULT = Configuration("default", batching.LengthBucketed, True, True, True, True)
LITERAL = Configuration("literal", batching.PaddedToMaxLen, False, False, False, False)  # the listing as printed
CONFIGURATIONS = {configuration.name: configuration for configuration in (DEFAULT, LITERAL)}


# ---------------------------------------------------------------------------
# The model's output and loss, and what build_model() is told


def output_layer(num_classes, **dense_options):
    """The tutorial's Dense(1, sigmoid) for two classes; a softmax over the classes for more."""
    if num_classes == 2:
        return layers.Dense(1, activation="sigmoid", **dense_options)
    return layers.Dense(num_classes, activation="softmax", **dense_options)


def loss_for(num_classes):
    """The tutorial's binary cross-entropy for two classes; its many-class form for more."""
    return "binary_crossentropy" if num_classes == 2 else "sparse_categorical_crossentropy"


@dataclasses.dataclass
class ModelConfig:
    """What a script's build_model() needs to know about the data and the configuration."""

    top_words: int
    num_classes: int
    configuration: Configuration
    training_steps: int  # batches over all epochs: a decaying step falls to 0 over them
    train_texts: int = 0  # the texts it trains on (a penalty per text, as scikit-learn's C, needs it)
    learning_rate_schedule: str = "cosine"  # 'cosine' or 'plateau' (see resolve_learning_rate_schedule)

    @property
    def mask_padding(self):
        return self.configuration.mask_padding

    @property
    def shared_recurrent_dropout_mask(self):
        return self.configuration.shared_recurrent_dropout_mask

    def learning_rate(self, initial):
        """Adam's step: from `initial` down to 0 over the training (cosine), or `initial` to start with.

        A constant `initial` is what --literal runs throughout, and what the
        'plateau' schedule starts from: train() then halves it when the
        validation loss stalls (Keras' ReduceLROnPlateau needs a plain number).
        """
        if not self.configuration.decay_learning_rate or self.learning_rate_schedule != "cosine":
            return initial
        return keras.optimizers.schedules.CosineDecay(initial, decay_steps=self.training_steps)

    def clipnorm(self, norm):
        """Adam's clipnorm: `norm`, or None (Keras' default, no clipping) with --literal."""
        return norm if self.configuration.clip_gradients else None


# ---------------------------------------------------------------------------
# Training


class EpochRecorder(keras.callbacks.Callback):
    """Times each epoch, keeps Keras' figures and, when asked, watches the test accuracy after it."""

    def __init__(self, watch=None):
        super().__init__()
        self.watch = watch
        self.epochs = []
        self.last_watched = None  # the full evaluation after the last epoch

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        cli.stop_if_interrupted()  # a Ctrl-C that a library swallowed still stops the run

    def on_epoch_end(self, epoch, logs=None):
        record = {"epoch": epoch + 1, "seconds": time.perf_counter() - self.started}
        record.update({name: float(value) for name, value in (logs or {}).items()})
        if self.watch is not None:
            watched = self.last_watched = self.watch(self.model)
            record["test_loss"], record["test_accuracy"] = watched["loss"], watched["accuracy"]
        self.epochs.append(record)


def resolve_learning_rate_schedule(args, configuration):
    """'cosine', 'plateau', or None for a constant step (--literal, the tutorial's Adam)."""
    if not configuration.decay_learning_rate:
        return None
    return args.learning_rate_schedule or ("plateau" if args.validation_split > 0 else "cosine")


def train(model, feed, train_data, validation_data, args, seed, verbose, watch=None):
    """Fit the model; returns the per-epoch records, the best epoch (or None) and the last watched evaluation."""
    recorder = EpochRecorder(watch)
    callbacks = []
    early_stopping = None
    if validation_data is not None:
        if args.learning_rate_schedule == "plateau":
            # A step that suits the first epochs is too large once the validation loss stalls:
            # halve it then, rather than decay it over EPOCHS, an upper bound that training rarely reaches.
            first_step = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
            callbacks.append(
                keras.callbacks.ReduceLROnPlateau(
                    monitor="val_loss",
                    factor=PLATEAU_FACTOR,
                    patience=args.plateau_patience,
                    min_lr=first_step * PLATEAU_MIN_FRACTION,
                    verbose=1 if verbose else 0,
                )
            )
        early_stopping = keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=args.patience, restore_best_weights=True
        )
        callbacks.append(early_stopping)
    callbacks.append(recorder)  # last: it records the step the plateau rule set for the next epoch
    feed.fit(
        model,
        *train_data,
        args.epochs,
        args.batch_size,
        seed,
        callbacks,
        verbose,
        validation=validation_data,
        class_weight=class_weight(args, train_data[1]),
    )
    best_epoch = None if early_stopping is None else early_stopping.best_epoch + 1
    last_watched = recorder.last_watched
    if best_epoch is not None and best_epoch != len(recorder.epochs):
        last_watched = None  # watched after the last epoch, but the best epoch's weights came back
    return recorder.epochs, best_epoch, last_watched


def refit(model, feed, first_weights, train_data, kept_epochs, args, seed, verbose):
    """--refit: train again from first_weights on train_data for as many epochs as were kept, each with its step."""
    model.set_weights(first_weights)
    model.compile_from_config(model.get_compile_config())  # a fresh Adam
    recorder = EpochRecorder()
    callbacks = [recorder]
    if args.learning_rate_schedule == "plateau":
        # The plateau rule's steps, replayed; a schedule (or --literal's constant step) starts again by itself.
        steps = [epoch["learning_rate"] for epoch in kept_epochs]
        callbacks.insert(0, keras.callbacks.LearningRateScheduler(lambda epoch, step: steps[epoch]))
    feed.fit(
        model,
        *train_data,
        len(kept_epochs),
        args.batch_size,
        seed,
        callbacks,
        verbose,
        class_weight=class_weight(args, train_data[1]),
    )
    return recorder.epochs


def class_weight(args, labels):
    """With --class-weight balanced, each class weighs as much in the loss as the others, however few its texts."""
    if args.class_weight != "balanced":
        return None
    counts = np.bincount(labels)
    return {label: len(labels) / (len(counts) * count) for label, count in enumerate(counts) if count}


# ---------------------------------------------------------------------------
# Evaluation


def evaluate(model, feed, sequences, labels, class_names):
    """Loss, accuracy, and per class: recall (its accuracy), precision and the confusion matrix."""
    started = time.perf_counter()
    probabilities = feed.predict(model, sequences)
    seconds = time.perf_counter() - started
    predictions = probabilities.argmax(axis=1)
    chosen = np.clip(probabilities[np.arange(len(labels)), labels], 1e-7, 1.0)
    confusion = np.zeros((len(class_names), len(class_names)), np.int64)
    np.add.at(confusion, (labels, predictions), 1)
    true_counts, predicted_counts = confusion.sum(axis=1), confusion.sum(axis=0)
    diagonal = np.diag(confusion)
    return {
        "loss": float(-np.mean(np.log(chosen))),
        "accuracy": float(np.mean(predictions == labels)),
        "class_accuracy": {
            name: float(diagonal[index] / max(1, true_counts[index])) for index, name in enumerate(class_names)
        },
        "class_precision": {
            name: float(diagonal[index] / predicted_counts[index]) if predicted_counts[index] else 0.0
            for index, name in enumerate(class_names)
        },
        "confusion_matrix": confusion.tolist(),
        "seconds": seconds,
    }


REPORT_WIDTH = 100  # columns of a terminal the per-class report keeps within


def _display_width(text):
    """Columns a text takes in a terminal: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in text)


def _aligned(text, width, right=False):
    padding = " " * max(0, width - _display_width(text))
    return padding + text if right else text + padding


def print_evaluation(test, class_names):
    """Per-class precision and recall and the confusion matrix (the script then prints the accuracy line)."""
    # Classes numbered when their names would make the matrix wider than a terminal (the record keeps it all).
    numbered = len(class_names) * (max(_display_width(name) for name in class_names) + 1) + 30 > REPORT_WIDTH
    labels = [f"{index + 1:>2}. {name}" if numbered else name for index, name in enumerate(class_names)]
    width = max(max(_display_width(label) for label in labels), len("class"))
    print(f"  {_aligned('class', width)}  precision  recall (accuracy of the class)  texts")
    for index, (name, label) in enumerate(zip(class_names, labels)):
        print(
            f"  {_aligned(label, width)}  {100 * test['class_precision'][name]:8.2f} %"
            f"  {100 * test['class_accuracy'][name]:6.2f} %{'':22}{sum(test['confusion_matrix'][index]):>6}"
        )
    if numbered:
        headers = row_labels = [str(index + 1) for index in range(len(class_names))]
        largest_count = max(max(row) for row in test["confusion_matrix"])
        column = max(len(str(largest_count)), len(headers[-1]))
        print("  Confusion matrix (rows: true class, columns: predicted; classes numbered as above):")
    else:
        headers = row_labels = class_names
        column = max(6, max(_display_width(header) for header in headers))
        print("  Confusion matrix (rows: true class, columns: predicted):")
    row_width = max(_display_width(label) for label in row_labels)
    print(f"  {_aligned('', row_width)}  " + " ".join(_aligned(header, column, right=True) for header in headers))
    for label, row in zip(row_labels, test["confusion_matrix"]):
        print(f"  {_aligned(label, row_width, right=numbered)}  " + " ".join(f"{count:>{column}}" for count in row))


# ---------------------------------------------------------------------------
# The listing as a whole


def check_max_len_fits(model, feed, max_len, script):
    """One line, not a backend traceback, when a text of max_len tokens is too short for the model."""
    try:
        feed.predict(model, [np.full(max_len, textdata.START_INDEX, np.int32)])
    except Exception as error:  # each backend raises its own kind for a sequence that cannot be pooled
        raise UsageError(
            f"--max-len {max_len} is too short for the model of {script} "
            f"({type(error).__name__} on a text of {max_len} tokens); give a larger --max-len"
        )


@dataclasses.dataclass
class RunResult:
    seed: int
    epochs: list
    best_epoch: int  # None without a validation split
    test: dict
    parameters: int
    training_seconds: float
    validation_texts: int = 0  # held out of the training texts
    refit_epochs: list = None  # with --refit: the epochs of training again on all the training texts


class Run:
    """One command line's run of a script: the tutorial's steps as methods, called by the script's main().

    Run(...) parses the flags (the script's constants are their defaults);
    then, inside `with run.at_the_shell():`, the script calls load_data,
    seeds, set_seed, model_config, fit, evaluate, record and finish, in the
    listing's order. A script with a configuration of its own (baseline.py)
    passes it, and max_len=None for a model that reads whole texts.
    """

    def __init__(
        self,
        script_path,
        description,
        argv,
        top_words,
        max_len,
        epochs,
        batch_size,
        seed,
        validation_split=0.0,
        configuration=None,
    ):
        self.script = os.path.basename(script_path)
        parser = build_parser(
            description, self.script, top_words, max_len, epochs, batch_size, seed, validation_split, max_len is None
        )
        self.argv = sys.argv[1:] if argv is None else list(argv)
        self.args = parser.parse_args(self.argv)
        check_flags(self.args, parser)
        self.configuration = configuration or (LITERAL if self.args.literal else DEFAULT)
        self.args.learning_rate_schedule = resolve_learning_rate_schedule(self.args, self.configuration)
        self.results, self.failures = [], []

    def at_the_shell(self):
        """One line and exit code 2 for a user's mistake, 130 for Ctrl-C, wherever it lands (cli.py)."""
        return cli.report_user_errors(self.script)

    def load_data(self):
        """Check the outputs, then load, cut and summarise the texts (the listing's imdb.load_data)."""
        args = self.args
        self.records = check_output_paths(args, self.script, self.configuration)
        self.git_commit = self.records.git_commit() if self.records else None  # the code as the run started
        self.feed = self.configuration.feed(args.max_len, args.truncating)
        self.dataset = load_data(args.data_dir, args.top_words, args.limit, args.seed)
        self.data_summary = summarize_data(self.dataset, args.top_words, args.max_len)
        print_data_summary(self.data_summary, args.max_len, args.truncating)
        return self.dataset

    def seeds(self):
        """The seed of each run: SEED, and SEED+1, ... with --runs."""
        return range(self.args.seed, self.args.seed + self.args.runs)

    def set_seed(self, seed):
        """The listing's numpy.random.seed(7), for Python, NumPy and the backend; and the validation split."""
        if self.args.runs > 1:
            print(f"Run {seed - self.args.seed + 1} of {self.args.runs}, seed {seed}")
        self.train_data, self.validation_data = (self.dataset.train_sequences, self.dataset.train_labels), None
        if self.args.validation_split > 0:
            self.train_data, self.validation_data = hold_out_validation(
                *self.train_data, self.args.validation_split, seed, self.dataset.class_names
            )
            if seed == self.args.seed:
                print(f"Validation: {len(self.validation_data[1])} of the training texts held out (seed {seed}).")
        set_seed(seed)

    def model_config(self):
        """What build_model() needs to know: the vocabulary, the classes and how Adam's step changes."""
        steps_per_epoch = math.ceil(len(self.train_data[1]) / self.args.batch_size)
        schedule = self.args.learning_rate_schedule
        return ModelConfig(
            self.args.top_words,
            self.dataset.num_classes,
            self.configuration,
            steps_per_epoch * self.args.epochs,
            len(self.train_data[1]),
            schedule,
        )

    def fit(self, model, seed):
        """Pad the texts and train (the listing's pad_sequences and model.fit); returns the run's history."""
        if not model.compiled:
            raise UsageError(f"build_model() in {self.script} must compile the model before returning it")
        if self.args.max_len is not None:
            # Every run, not only the first: Keras' RNN draws its dropout masks even when predicting, so this
            # predict moves the model's random state, and a run of --runs must start as a run of its own seed.
            check_max_len_fits(model, self.feed, self.args.max_len, self.script)
        if seed == self.args.seed:
            model.summary()
        args = self.args
        verbose = args.verbose if args.verbose is not None else (1 if sys.stdout.isatty() else 2)
        first_weights = model.get_weights() if args.refit else None
        epochs, best_epoch, self.last_watched = train(
            model,
            self.feed,
            self.train_data,
            self.validation_data,
            args,
            seed,
            verbose,
            self._evaluate if args.watch_test else None,
        )
        refit_epochs = []
        if args.refit:
            all_texts = (self.dataset.train_sequences, self.dataset.train_labels)
            print(
                f"Epoch {best_epoch} of {len(epochs)} was the best on the validation texts; training again for "
                f"{best_epoch} epochs on all {len(all_texts[1])} training texts (--refit)."
            )
            refit_epochs = refit(model, self.feed, first_weights, all_texts, epochs[:best_epoch], args, seed, verbose)
            self.last_watched = None  # the test is the refit model's
        elif best_epoch is not None:
            print(f"Kept the weights of epoch {best_epoch} of {len(epochs)}, the best on the validation texts.")
        # The epochs' own time, without the watching.
        seconds = sum(epoch["seconds"] for epoch in epochs + refit_epochs)
        per_epoch = seconds / len(epochs + refit_epochs)
        per_epoch_text = f"{per_epoch:.0f}" if per_epoch >= 10 else f"{per_epoch:.1f}"  # a fast epoch is not "0 s"
        print(f"Training completed in {seconds / 60:.2f} minutes ({per_epoch_text} s/epoch).")
        validation_texts = 0 if self.validation_data is None else len(self.validation_data[1])
        return dict(
            seed=seed,
            epochs=epochs,
            best_epoch=best_epoch,
            training_seconds=seconds,
            validation_texts=validation_texts,
            refit_epochs=refit_epochs if args.refit else None,
        )

    def _evaluate(self, model):
        dataset = self.dataset
        return evaluate(model, self.feed, dataset.test_sequences, dataset.test_labels, dataset.class_names)

    def evaluate(self, model):
        """The test texts' loss, accuracy and per-class figures (the listing's model.evaluate), printed per class."""
        # The test set watched after the last epoch is the final evaluation: not done twice.
        scores = self.last_watched or self._evaluate(model)
        print_evaluation(scores, self.dataset.class_names)
        return scores

    def record(self, model, history, scores):
        """Keep the run's figures, and with --results-dir write its record (a failure costs no other output)."""
        result = RunResult(test=scores, parameters=model.count_params(), **history)
        self.results.append(result)
        if self.records:
            record = _record(
                self.script,
                self.argv,
                self.args,
                self.configuration,
                self.dataset,
                self.data_summary,
                result,
                self.git_commit,
            )
            self.failures += _try_to_write(
                "the run record", lambda: self.records.write_record(self.args.results_dir, record)
            )

    def finish(self, model):
        """The mean over --runs; --save the last model with its text encoding; report any output not written."""
        args = self.args
        if args.runs > 1:
            accuracies = np.array([result.test["accuracy"] for result in self.results]) * 100
            print(
                f"Accuracy over {args.runs} runs: {accuracies.mean():.2f}% +- {accuracies.std(ddof=1):.2f} "
                f"(min {accuracies.min():.2f}%, max {accuracies.max():.2f}%)"
            )
        cli.stop_if_interrupted()  # nothing is saved after a Ctrl-C that a library swallowed
        if args.save:
            encoding = saved_model.text_encoding(
                self.dataset, args.top_words, args.max_len, args.truncating, self.configuration.name
            )
            saved = _try_to_write("the model", lambda: saved_model.save_model(model, args.save, encoding))
            if not saved:
                print(f"Saved the model of seed {self.results[-1].seed} and its text encoding in {args.save}")
            self.failures += saved
        if self.failures:
            raise UsageError("; ".join(self.failures))
        return self.results


def _try_to_write(what, write):
    """Write one output; a failure is returned as a message, so that it never costs the other outputs."""
    try:
        write()
    except OSError as error:
        return [f"could not write {what}: {cli.describe_os_error(error)}"]
    return []


def _record(script, argv, args, configuration, dataset, data_summary, result, git_commit):
    """One run's figures, for records.write_record."""
    return {
        "script": script,
        "command": ["python", script] + list(argv),
        "seed": result.seed,
        "configuration": configuration.name,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "top_words": args.top_words,
        "max_len": args.max_len,
        "truncating": args.truncating,
        "limit": args.limit,
        "validation_split": args.validation_split,
        "patience": args.patience if args.validation_split else None,
        "learning_rate_schedule": args.learning_rate_schedule,
        "class_weight": args.class_weight,
        "plateau_patience": args.plateau_patience if args.learning_rate_schedule == "plateau" else None,
        "best_epoch": result.best_epoch,
        "refit": args.refit,
        "data": dataset.source,
        "data_summary": data_summary,
        "class_names": dataset.class_names,
        # Those the tested model was trained on: with --refit, all of them.
        "train_reviews": len(dataset.train_labels) - (0 if args.refit else result.validation_texts),
        "validation_reviews": result.validation_texts,
        "test_reviews": len(dataset.test_labels),
        "parameters": result.parameters,
        "per_epoch": result.epochs,
        "refit_per_epoch": result.refit_epochs,
        "training_seconds": result.training_seconds,
        "test_loss": result.test["loss"],
        "test_accuracy": result.test["accuracy"],
        "test_class_accuracy": result.test["class_accuracy"],
        "test_class_precision": result.test["class_precision"],
        "test_confusion_matrix": result.test["confusion_matrix"],
        "evaluation_seconds": result.test["seconds"],
        "git_commit": git_commit,
    }
