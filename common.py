"""The tutorial's steps, once, in the tutorial's order, so that each script shows only its model.

Every listing of "Sequence Classification with LSTM Recurrent Neural Networks
in Python with Keras" repeats the same steps around its model. They are here,
in that order; the script supplies the model and the tutorial's values:

| the tutorial's listing                              | here                                  |
|-----------------------------------------------------|---------------------------------------|
| (its constants, run as a script)                    | `build_parser`: the flags             |
| `numpy.random.seed(7)`                              | `set_seed`                            |
| `imdb.load_data(num_words=top_words)`               | `load_data` (and `summarize_data`)    |
| `sequence.pad_sequences(X, maxlen=500)`             | `DEFAULT` / `LITERAL`: how batches are padded and fed |
| `Dense(1, activation='sigmoid')`, `binary_crossentropy` | `output_layer`, `loss_for`        |
| `model.fit(X_train, y_train, epochs=3, batch_size=64)` | `train`                            |
| `model.evaluate(X_test, y_test)`, `print("Accuracy")` | `evaluate`, `print_evaluation`     |
| the listing as a whole                              | `run`                                 |

What is not a step of the tutorial lives in a file of its own: `textdata.py`
(your own text folders, the Keras-IMDB encoding, the cache), `batching.py`
(the speed-ups), `saved_model.py` (`--save` and `predict.py`), `records.py`
(run records for results/), `cli.py` (one-line errors, Ctrl-C, whole files).
"""

import os

# TensorFlow prints C++ start-up notices (CPU instructions, missing CUDA) that
# say nothing to a reader of this tutorial; real warnings still get through.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import dataclasses  # noqa: E402 (the environment variable must come first)
import inspect  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

import batching  # noqa: E402
import cli  # noqa: E402
import saved_model  # noqa: E402
import textdata  # noqa: E402
from cli import UsageError  # noqa: E402

# How Adam's step changes over the training (not the tutorial's: it keeps Keras' constant step).
LEARNING_RATE_SCHEDULES = ("cosine", "plateau")
PLATEAU_FACTOR = 0.5  # the 'plateau' schedule halves the step when the validation loss stalls,
PLATEAU_MIN_FRACTION = 0.01  # down to a hundredth of the first step

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
        type=cli.whole_number_from(1),
        default=epochs,
        help="training epochs (the most, with --validation-split)",
    )
    add("--batch-size", type=cli.whole_number_from(1), default=batch_size, help="training batch size")
    add(
        "--top-words",
        type=cli.whole_number_from(textdata.FIRST_WORD_INDEX + 1),  # below that no word would be left
        default=top_words,
        help="keep word indices below this (the most frequent TOP_WORDS - 4 words); the rest become 'unknown'",
    )
    add("--seed", type=cli.whole_number_from(0), default=seed, help="random seed of the first run")
    add(
        "--runs",
        type=cli.whole_number_from(1),
        default=1,
        help="train RUNS times with seeds SEED, SEED+1, ... and print mean +- std",
    )
    add(
        "--data-dir",
        metavar="PATH",
        help="read your own texts instead of downloading keras.datasets.imdb: a folder with train/<class>/*.txt "
        "and test/<class>/*.txt (such as Stanford's aclImdb), or a .tar.gz of one",
    )
    add(
        "--limit",
        type=cli.whole_number_from(1),
        metavar="N",
        help="use N training and N test texts, a shuffled selection, for a quick try",
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
    add(
        "--patience",
        type=cli.whole_number_from(1),
        default=3,
        help="epochs without a better validation loss before stopping",
    )
    add(
        "--learning-rate-schedule",
        choices=LEARNING_RATE_SCHEDULES,
        help="how Adam's step changes: 'cosine' falls to 0 over EPOCHS (for a fixed number of epochs), 'plateau' "
        "is halved whenever the validation loss has not improved for PLATEAU_PATIENCE epochs "
        "(if not given: plateau with --validation-split, else cosine)",
    )
    add(
        "--plateau-patience",
        type=cli.whole_number_from(1),
        default=2,
        help="epochs without a better validation loss before the 'plateau' schedule halves the step",
    )
    if reads_whole_texts:
        parser.set_defaults(max_len=None, truncating=None, literal=False, save=None)
    else:
        add("--max-len", type=cli.whole_number_from(1), default=max_len, help="cut longer texts to MAX_LEN words")
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
            "--save", metavar="PATH", help="save the trained model and its text encoding in folder PATH, for predict.py"
        )
    add("--results-dir", metavar="DIR", help="write one JSON record per run into DIR")
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


def check_output_paths(args):
    """Refuse an output that could not be written before any data is loaded, not after hours of training."""
    if args.save:
        saved_model.check_save_path(args.save)
    if args.results_dir:
        path = args.results_dir
        if os.path.exists(path) and not os.path.isdir(path):
            raise UsageError(f"--results-dir {path} is a file; give a folder (it is created)")
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise UsageError(f"--results-dir {path}: the folder {parent} does not exist; create it first")
        if not os.access(path if os.path.isdir(path) else parent, os.W_OK | os.X_OK):
            raise UsageError(f"--results-dir {path}: cannot write there; choose a folder you may write to")


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
    dataset.train_sequences, dataset.train_labels = take_shuffled_subset(
        dataset.train_sequences, dataset.train_labels, limit, seed
    )
    dataset.test_sequences, dataset.test_labels = take_shuffled_subset(
        dataset.test_sequences, dataset.test_labels, limit, seed + 1
    )
    return dataset


def hold_out_validation(sequences, labels, fraction, seed):
    """Split the training texts into (train, validation), seeded, each class in proportion."""
    rng = np.random.default_rng(seed)
    validation_rows = []
    for label in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == label))
        count = int(round(fraction * len(rows)))
        if count >= len(rows):
            count = len(rows) - 1  # every class keeps at least one training text
        validation_rows.extend(rows[:count].tolist())
    is_validation = np.zeros(len(labels), bool)
    is_validation[validation_rows] = True
    train_rows, validation_rows = np.flatnonzero(~is_validation), np.flatnonzero(is_validation)
    if len(validation_rows) == 0:
        raise UsageError(f"--validation-split {fraction} holds out no text of {len(labels)}; give a larger fraction")
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


def print_data_summary(summary, max_len):
    print(
        f"{summary['train_texts']} training and {summary['test_texts']} test texts, "
        f"{len(summary['class_counts'])} classes:"
    )
    width = max(len(name) for name in summary["class_counts"])
    for name, (train_count, test_count) in summary["class_counts"].items():
        share = 100 * train_count / max(1, summary["train_texts"])
        print(f"  {name:<{width}}  {train_count:>6} training ({share:4.1f} %), {test_count:>6} test")
    cut = "" if max_len is None else f"; {100 * summary['share_cut']:.1f} % are cut to --max-len {max_len}"
    print(
        f"Words per training text: median {summary['median_words']:.0f}, "
        f"90th percentile {summary['percentile_90_words']:.0f}{cut}."
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


def output_layer(num_classes):
    """The tutorial's Dense(1, sigmoid) for two classes; a softmax over the classes for more."""
    if num_classes == 2:
        return layers.Dense(1, activation="sigmoid")
    return layers.Dense(num_classes, activation="softmax")


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
    schedule = args.learning_rate_schedule or ("plateau" if args.validation_split > 0 else "cosine")
    if schedule == "plateau" and not args.validation_split > 0:
        raise UsageError("--learning-rate-schedule plateau needs a validation loss: add --validation-split 0.1")
    return schedule


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
    feed.fit(model, *train_data, args.epochs, args.batch_size, seed, callbacks, verbose, validation=validation_data)
    best_epoch = None if early_stopping is None else early_stopping.best_epoch + 1
    last_watched = recorder.last_watched
    if best_epoch is not None and best_epoch != len(recorder.epochs):
        last_watched = None  # watched after the last epoch, but the best epoch's weights came back
    return recorder.epochs, best_epoch, last_watched


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


def print_evaluation(test, class_names):
    """Per-class precision and recall, the confusion matrix, then the tutorial's accuracy line."""
    width = max(max(len(name) for name in class_names), len("class"))
    print(f"  {'class':<{width}}  precision  recall (accuracy of the class)  texts")
    for index, name in enumerate(class_names):
        print(
            f"  {name:<{width}}  {100 * test['class_precision'][name]:8.2f} %"
            f"  {100 * test['class_accuracy'][name]:6.2f} %{'':22}{sum(test['confusion_matrix'][index]):>6}"
        )
    column = max(6, max(len(name) for name in class_names))
    print(
        f"  Confusion matrix (rows: true class, columns: predicted):\n  {'':<{width}}  "
        + " ".join(f"{name:>{column}}" for name in class_names)
    )
    for name, row in zip(class_names, test["confusion_matrix"]):
        print(f"  {name:<{width}}  " + " ".join(f"{count:>{column}}" for count in row))
    print(f"Accuracy: {test['accuracy'] * 100:.2f}%", flush=True)


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


def run(
    build_model,
    description,
    argv=None,
    *,
    top_words,
    max_len,
    epochs,
    batch_size,
    seed,
    validation_split=0.0,
    configuration=None,
):
    """Parse the flags, load the data, then train and evaluate `--runs` models.

    build_model(config) must return a compiled model; config is a ModelConfig.
    The keyword arguments are the script's constants, the flags' defaults;
    a script with a configuration of its own (baseline.py) passes it, and
    max_len=None for a model that reads whole texts.
    Returns one RunResult per run. User errors exit with one line and code 2,
    Ctrl-C with code 130.
    """
    script = os.path.basename(inspect.getfile(build_model))
    parser = build_parser(
        description,
        script,
        top_words,
        max_len,
        epochs,
        batch_size,
        seed,
        validation_split,
        reads_whole_texts=max_len is None,
    )
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    with cli.report_user_errors(parser.prog):
        return _run(build_model, script, args, argv, configuration or (LITERAL if args.literal else DEFAULT))


def _run(build_model, script, args, argv, configuration):
    check_output_paths(args)
    args.learning_rate_schedule = resolve_learning_rate_schedule(args, configuration)
    records = git_commit = None
    if args.results_dir:
        import records  # only a run that keeps records needs git and platform probing

        git_commit = records.git_commit()  # the code as it was when the run started
    feed = configuration.feed(args.max_len, args.truncating)
    dataset = load_data(args.data_dir, args.top_words, args.limit, args.seed)
    verbose = args.verbose if args.verbose is not None else (1 if sys.stdout.isatty() else 2)
    data_summary = summarize_data(dataset, args.top_words, args.max_len)
    print_data_summary(data_summary, args.max_len)
    results, failures = [], []
    for run_index in range(args.runs):
        seed = args.seed + run_index
        train_data, validation_data = (dataset.train_sequences, dataset.train_labels), None
        if args.validation_split > 0:
            train_data, validation_data = hold_out_validation(*train_data, args.validation_split, seed)
            if run_index == 0:
                print(f"Validation: {len(validation_data[1])} of the training texts held out (seed {seed}).")
        steps_per_epoch = math.ceil(len(train_data[1]) / args.batch_size)
        config = ModelConfig(
            args.top_words,
            dataset.num_classes,
            configuration,
            steps_per_epoch * args.epochs,
            args.learning_rate_schedule,
        )
        set_seed(seed)
        model = build_model(config)
        if not model.compiled:
            raise UsageError(
                f"build_model() in {script} must compile the model before returning it, as lstm_simple.py does"
            )
        if run_index == 0:
            if args.max_len is not None:
                check_max_len_fits(model, feed, args.max_len, script)
            model.summary()
        if args.runs > 1:
            print(f"Run {run_index + 1} of {args.runs}, seed {seed}")

        def watch(model):
            return evaluate(model, feed, dataset.test_sequences, dataset.test_labels, dataset.class_names)

        epochs, best_epoch, last_watched = train(
            model, feed, train_data, validation_data, args, seed, verbose, watch if args.watch_test else None
        )
        # The epochs' own time: without the test accuracy watched after each.
        training_seconds = sum(epoch["seconds"] for epoch in epochs)
        # The test set watched after the last epoch is the final evaluation: not done twice.
        test = last_watched or watch(model)
        result = RunResult(seed, epochs, best_epoch, test, model.count_params(), training_seconds)
        results.append(result)
        print(
            f"Training completed in {training_seconds / 60:.2f} minutes ({training_seconds / len(epochs):.0f} s/epoch)."
        )
        if best_epoch is not None:
            print(f"Kept the weights of epoch {best_epoch} of {len(epochs)}, the best on the validation texts.")
        print_evaluation(test, dataset.class_names)
        if records:
            record = _record(script, argv, args, configuration, dataset, data_summary, result, git_commit)
            failures += _try_to_write("the run record", lambda: records.write_record(args.results_dir, record))
    if args.runs > 1:
        accuracies = np.array([result.test["accuracy"] for result in results]) * 100
        print(
            f"Accuracy over {args.runs} runs: {accuracies.mean():.2f}% +- {accuracies.std(ddof=1):.2f} "
            f"(min {accuracies.min():.2f}%, max {accuracies.max():.2f}%)"
        )
    cli.stop_if_interrupted()  # nothing is saved after a Ctrl-C that a library swallowed
    if args.save:
        encoding = saved_model.text_encoding(dataset, args.top_words, args.max_len, args.truncating, configuration.name)
        saved = _try_to_write("the model", lambda: saved_model.save_model(model, args.save, encoding))
        if not saved:
            print(f"Saved the model of seed {results[-1].seed} and its text encoding in {args.save}")
        failures += saved
    if failures:
        raise UsageError("; ".join(failures))
    return results


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
        "plateau_patience": args.plateau_patience if args.learning_rate_schedule == "plateau" else None,
        "best_epoch": result.best_epoch,
        "data": dataset.source,
        "data_summary": data_summary,
        "class_names": dataset.class_names,
        "train_reviews": len(dataset.train_labels),
        "test_reviews": len(dataset.test_labels),
        "parameters": result.parameters,
        "per_epoch": result.epochs,
        "training_seconds": result.training_seconds,
        "test_loss": result.test["loss"],
        "test_accuracy": result.test["accuracy"],
        "test_class_accuracy": result.test["class_accuracy"],
        "test_class_precision": result.test["class_precision"],
        "test_confusion_matrix": result.test["confusion_matrix"],
        "evaluation_seconds": result.test["seconds"],
        "git_commit": git_commit,
    }
