"""The tutorial's shared steps, in its order: seed, load the data, pad and truncate, evaluate.

Every listing of "Sequence Classification with LSTM Recurrent Neural Networks
in Python with Keras" repeats the same steps around its model. The scripts
call them in the listing's order, with the model, `model.summary()` and
`model.fit(...)` in plain sight:

| the tutorial's listing                                    | here                                      |
|-----------------------------------------------------------|-------------------------------------------|
| `numpy.random.seed(7)`                                    | `set_seed`                                |
| `imdb.load_data(num_words=top_words)`                     | `load_data` (or your own texts)           |
| `sequence.pad_sequences(X_train, maxlen=500)`, and X_test | `pad_and_truncate` (batches of 64 for fit) |
| `Dense(1, activation='sigmoid')`, `binary_crossentropy`   | `output_layer`, `loss_for` (any classes)  |
| `model.compile(..., optimizer='adam', ...)`               | `model_config` (what build_model is told) |
| `model.summary()`, `model.fit(...)`                       | in the script, as in the listing          |
| `scores = model.evaluate(X_test, y_test, verbose=0)`      | `evaluate` (and each class's figures)     |

A template user changes one place for each thing swapped: the model is
`build_model` in the script; the data is the `common.load_data(args)` call in
its `main` (`load_texts` takes Python lists); the tokenizer, for a language
without spaces, is `split_into_tokens` here.

What is not a step of the tutorial sits beneath, in `helpers/`: the flags,
your own texts and their encoding, the batches, the training callbacks, the
per-class report, saving, run records and the shell (one-line errors, Ctrl-C,
`--runs`).
"""

import helpers.startup  # noqa: F401 (first: keeps TensorFlow's start-up notices off the terminal)

import dataclasses
import math
import sys
import time

import keras
import numpy as np
from keras import layers

from helpers import batches, corpus, multi_label, report, shell, tables, text_encoding, texts, training
from helpers.shell import UsageError

# The seed -------------------------------------------------------------------------------------------------------------


def set_seed(seed):
    """The listing's numpy.random.seed(7), for Python, NumPy and the backend; TensorFlow's kernels deterministic."""
    keras.utils.set_random_seed(seed)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


# Loading the data -----------------------------------------------------------------------------------------------------


def split_into_tokens(texts):
    """The tokenizer: a batch of strings (a tf.string tensor) as a tf.RaggedTensor of tokens, one row a text.

    Keras' classic words by default: lower case, punctuation dropped, split at
    white space, as keras.datasets.imdb was made. It runs when your own texts
    are encoded for training and again inside the saved serving model, so the
    function you put here must be stateless TensorFlow string ops (no
    tf.py_function, no lookup table; a run checks this before reading any
    text). For a language written without spaces (Chinese, Japanese, Thai),
    characters (Unicode code points) instead:

        return text_encoding.split_into_characters(texts)

    --top-words then keeps the most frequent characters, and --max-len counts
    characters. keras.datasets.imdb comes split into words by Keras: its
    serving model splits words whatever this function does, and with a
    tokenizer other than words it is refused.
    """
    return text_encoding.split_into_words(texts)


def load_keras_imdb(top_words):
    """The tutorial's data: keras.datasets.imdb, downloaded once by Keras."""
    text_encoding.check_tokenizer(split_into_tokens)
    if not text_encoding.splits_into_words(split_into_tokens):
        raise UsageError(
            "keras.datasets.imdb comes split into words, and split_into_tokens in common.py splits otherwise; "
            "give your texts with --data PATH (for IMDB, the Stanford aclImdb folder or its .tar.gz)"
        )
    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data(num_words=top_words)
    except Exception as error:  # Keras reports a failed download as a bare Exception
        raise UsageError(
            f"could not download keras.datasets.imdb ({shell.first_line(error)}); "
            "without network, pass --data PATH to the Stanford aclImdb folder or its .tar.gz"
        )

    x_train, x_test = ([np.array(row, dtype=np.int32) for row in rows] for rows in (x_train, x_test))
    return corpus.Dataset(x_train, y_train.astype(np.int32), x_test, y_test.astype(np.int32), ["neg", "pos"])


def take_shuffled_subset(sequences, labels, limit, seed):
    """`limit` items in a shuffled order that keeps every class present."""
    if limit is None or limit >= len(labels):
        return sequences, labels
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(labels))
    # Deal one item of each class first (of several labels, the rarest), so that even a tiny limit sees every class.
    strata = corpus.stratum(labels)
    first_of_each = [order[strata[order] == label][0] for label in np.unique(strata)]
    dealt = set(first_of_each)
    rest = [index for index in order if index not in dealt]
    chosen = np.array((first_of_each + rest)[:limit])
    chosen = chosen[rng.permutation(len(chosen))]
    return [sequences[index] for index in chosen], labels[chosen]


def hold_out_validation(sequences, labels, fraction, seed, class_names):
    """Split the training texts into (train, validation), seeded, each class in proportion; every class gives
    validation one text at least and keeps one for training, so that early stopping judges every class."""
    too_few = (
        "class {name!r} has {count} training text: --validation-split cannot hold one out and still train on it; "
        "add training texts of that class (or give a larger --limit), or give --validation-split 0"
    )
    is_validation = corpus.held_out(labels, fraction, seed, class_names, too_few)
    train_rows = np.flatnonzero(~is_validation)
    validation_rows = np.flatnonzero(is_validation)
    train = [sequences[row] for row in train_rows], labels[train_rows]
    return train, ([sequences[row] for row in validation_rows], labels[validation_rows])


def load_data(args):
    """The training and test texts as word indices below --top-words: keras.datasets.imdb, or --data."""
    if args.data is None:
        return prepared(load_keras_imdb(args.top_words), args)
    columns = None  # a folder's texts have no columns (the recipe's TEXT_COLUMN and LABEL_COLUMN are a table's)
    if any(tables.kind_of(path or "") for path in (args.data, args.test_data, args.validation_data)):
        columns = texts.TableColumns(args.text_column, args.label_column, not args.no_header, args.label_separator)
    data = texts.load_own_texts(
        args.data,
        columns,
        test_path=args.test_data,
        test_split=args.test_split,
        tokenizer=split_into_tokens,
        validation_path=args.validation_data,
        label_names_path=args.label_names,
    )
    return prepared(data, args)


def load_texts(args, train_texts, train_labels, test_texts, test_labels):
    """In place of load_data: your own texts and labels as Python lists (labels: class names, words or numbers)."""
    return prepared(texts.encode_lists(train_texts, train_labels, test_texts, test_labels, split_into_tokens), args)


def prepared(data, args):
    """Not the tutorial's: --limit's selection (by the first run's seed), the data summary, --validation-split."""
    if data.multi_label:
        data.label_joiner = multi_label.joiner(args.label_separator, data.class_names)
    for split in ("train", "test") + ("validation",) * (data.validation_labels is not None):  # --validation-data's
        setattr(data, f"{split}_sequences", texts.cut_to_top_words(getattr(data, f"{split}_sequences"), args.top_words))
    if args.limit is not None and args.limit < data.num_classes:
        raise UsageError(
            f"--limit {args.limit} is fewer texts than the {data.num_classes} classes; give --limit "
            f"{data.num_classes} or more, so that every class is trained and tested"
        )
    counts = len(data.train_labels), len(data.test_labels)
    data.train_sequences, data.train_labels = take_shuffled_subset(
        data.train_sequences, data.train_labels, args.limit, args.first_seed
    )
    data.test_sequences, data.test_labels = take_shuffled_subset(
        data.test_sequences, data.test_labels, args.limit, args.first_seed + 1
    )
    if data.validation_labels is not None:  # --validation-data's texts: as many as the test's
        data.validation_sequences, data.validation_labels = take_shuffled_subset(
            data.validation_sequences, data.validation_labels, args.limit, args.first_seed + 2
        )
    data.summary = report.summarize_data(data, args.top_words, args.max_len)
    # The texts --limit takes depend on the seed: the summary and the record say so, and which seed chose them.
    limited = (("training", data.train_labels, counts[0]), ("test", data.test_labels, counts[1]))
    taken = [f"{len(labels)} of the {count} {what}" for what, labels, count in limited if len(labels) < count]
    if taken:
        first = " (the first run's)" if args.seed != args.first_seed else ""
        data.summary["limit_seed"] = args.first_seed
        data.summary["limit_choice"] = (
            f"--limit {args.limit} takes {' and '.join(taken)} texts, chosen by seed {args.first_seed}{first}: "
            "another --seed takes others"
        )
    if data.summary["test_source"] and len(data.test_labels) == counts[1]:
        data.summary["test_source"] += ", the same for every seed"
    report.print_data_summary(data.summary, args.max_len, args.truncating)
    if args.validation_split > 0:
        (data.train_sequences, data.train_labels), (data.validation_sequences, data.validation_labels) = (
            hold_out_validation(
                data.train_sequences, data.train_labels, args.validation_split, args.seed, data.class_names
            )
        )
        print(f"Validation: {len(data.validation_labels)} of the training texts held out (seed {args.seed}).")
    elif data.validation_labels is not None:
        print(f"Validation: the {len(data.validation_labels)} texts of --validation-data.")
        validation_counts = report.label_counts(np.asarray(data.validation_labels), data.num_classes)
        absent = [name for name, count in zip(data.class_names, validation_counts) if not count]
        if absent:  # early stopping and the thresholds judge the others only
            many = len(absent) > 1
            kind = ("labels" if many else "label") if data.multi_label else ("classes" if many else "class")
            judges = "early stopping and the thresholds judge" if data.multi_label else "early stopping judges"
            print(f"note: the {kind} {shell.listed(absent)} {'have' if many else 'has'} no validation texts; "
                  f"{judges} the others alone", file=sys.stderr)  # fmt: skip
    return data


# Padding and truncating -----------------------------------------------------------------------------------------------


def pad_and_truncate(data, args, mask_padding):
    """The listing's pad_sequences, for training, validation (or None) and test: what model.fit reads.

    By default (not the tutorial's), batches of BATCH_SIZE texts of similar
    length, each cut to MAX_LEN and padded to its own longest, after it when
    the model masks the padding; test and validation in batches of 1,024 (no
    gradients: bigger is cheaper). With --literal, the listing's padding.
    """

    def padded(sequences, labels, batch_size, shuffle=False, class_weight=None):
        configuration = (args.max_len, args.truncating, args.literal, mask_padding)
        return batches.padded_batches(
            sequences, labels, batch_size, *configuration, shuffle=shuffle, seed=args.seed, class_weight=class_weight
        )

    evaluation_batch_size = args.batch_size if args.literal else batches.EVALUATION_BATCH_SIZE
    class_weight = training.class_weight(args, data.train_labels)
    train = padded(data.train_sequences, data.train_labels, args.batch_size, True, class_weight)
    validation = None
    if data.validation_labels is not None:
        validation = padded(data.validation_sequences, data.validation_labels, evaluation_batch_size).for_validation()
    return train.for_fit(), validation, padded(data.test_sequences, data.test_labels, evaluation_batch_size)


# The model's output and loss, and what build_model() is told ----------------------------------------------------------


def output_layer(num_classes, multi_label=False, **dense_options):
    """The tutorial's Dense(1, sigmoid) for two classes; a softmax over the classes for more; with several labels a
    text (multi_label), a sigmoid for each label."""
    if multi_label:
        return layers.Dense(num_classes, activation="sigmoid", **dense_options)
    if num_classes == 2:
        return layers.Dense(1, activation="sigmoid", **dense_options)
    return layers.Dense(num_classes, activation="softmax", **dense_options)


def loss_for(num_classes, multi_label=False):
    """The tutorial's binary cross-entropy for two classes, and for each label of several a text; its many-class form
    for more classes."""
    return "binary_crossentropy" if num_classes == 2 or multi_label else "sparse_categorical_crossentropy"


@dataclasses.dataclass
class ModelConfig:
    """What a script's build_model() needs to know about the data and the flags."""

    top_words: int
    num_classes: int
    mask_padding: bool  # Embedding(mask_zero=...): the script's choice, off with --literal
    literal: bool  # the listing's model exactly: Keras' own layers, Adam's constant step, no clipping
    training_steps: int  # batches over all epochs: a decaying step falls to 0 over them
    train_texts: int  # the texts it trains on (a penalty per text, as scikit-learn's C, needs it)
    learning_rate_schedule: str  # 'cosine', 'plateau' (training.callbacks halves it) or None (--literal)
    multi_label: bool = False  # several labels a text: a sigmoid for each label
    balanced_loss: object = None  # with several labels a text and --class-weight balanced: each label's weights

    def metric(self):
        """What fit shows after each epoch: the tutorial's accuracy, or with several labels a text macro-F1 at the
        threshold that gives the best, as chosen after training (Keras' "accuracy" would compare the most probable
        label alone)."""
        if not self.multi_label:
            return "accuracy"
        return multi_label.BestThresholdMacroF1(self.num_classes)

    def loss(self):
        """The loss to compile with: loss_for's, or with several labels a text and --class-weight balanced the
        binary cross-entropy that weighs each label's positives and negatives alike (multi_label.py)."""
        return self.balanced_loss or loss_for(self.num_classes, self.multi_label)

    def learning_rate(self, initial):
        """Adam's step: from `initial` down to 0 over the training (cosine), or `initial` to start with."""
        positive_number("LEARNING_RATE", initial)
        if self.learning_rate_schedule != "cosine":
            return initial
        return keras.optimizers.schedules.CosineDecay(initial, decay_steps=self.training_steps)

    def clipnorm(self, norm):
        """Adam's clipnorm: `norm`, or None (Keras' default, no clipping) with --literal."""
        positive_number("GRADIENT_CLIP_NORM", norm)
        return None if self.literal else norm


def positive_number(name, value):
    """Refuse, in one line, a constant of the script's model that Keras would take only to fail on."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise UsageError(f"{name} = {value!r} at the top of the script: give a number above 0")


def model_config(args, data, mask_padding=False):
    """What build_model() is told: the vocabulary, the classes, whether to mask, how Adam's step changes."""
    if not isinstance(mask_padding, bool):  # "False", a string, would be true
        raise UsageError(f"MASK_PADDING = {mask_padding!r} at the top of the script: give True or False")
    steps = math.ceil(len(data.train_labels) / args.batch_size) * args.epochs
    texts_trained_on = len(data.train_labels)
    masks = mask_padding and not args.literal
    config = ModelConfig(
        args.top_words, data.num_classes, masks, args.literal, steps, texts_trained_on, args.learning_rate_schedule
    )
    config.multi_label = data.multi_label
    if data.multi_label and args.class_weight == "balanced":
        config.balanced_loss = multi_label.balanced_loss(data.train_labels)
    return config


# Evaluation -----------------------------------------------------------------------------------------------------------


def evaluate(model, test_batches, class_names, thresholds=None):
    """The listing's model.evaluate(X_test, y_test): loss and accuracy, and each class's figures (see report); with
    several labels a text, each label's figures, macro-F1, micro-F1 and exact match at `thresholds`."""
    started = time.perf_counter()
    probabilities = test_batches.predict(model)
    scores = report.test_figures(probabilities, test_batches.labels, class_names, thresholds)
    return scores | {"seconds": time.perf_counter() - started}


def choose_thresholds(model, data, args, mask_padding=False):
    """Not the tutorial's: with several labels a text, the probability a label needs to be predicted, chosen on the
    validation texts (never the test texts); kept in data.thresholds for --save. None with one label a text."""
    if not data.multi_label:
        return None
    validation = None
    if data.validation_labels is not None:
        configuration = (args.max_len, args.truncating, args.literal, mask_padding)
        size = args.batch_size if args.literal else batches.EVALUATION_BATCH_SIZE
        validation = batches.padded_batches(data.validation_sequences, data.validation_labels, size, *configuration)
    return thresholds_on(model, validation, data)


def thresholds_on(model, validation, data):
    """The thresholds that give the best F1 on `validation` (anything with predict(model) and labels), or without
    validation texts multi_label.DEFAULT_THRESHOLD for every label; said in one line and kept in data.thresholds."""
    if validation is None:
        data.thresholds = [multi_label.DEFAULT_THRESHOLD] * data.num_classes
        print(
            f"Thresholds: {multi_label.DEFAULT_THRESHOLD} for every label (no validation texts to choose on: "
            "give --validation-split or --validation-data)"
        )
        return data.thresholds
    probabilities = validation.predict(model)
    data.thresholds = multi_label.choose_thresholds(probabilities, validation.labels)
    chosen = sorted(set(data.thresholds))
    shown = f"{chosen[0]:.2f} for every label" if len(chosen) == 1 else f"{chosen[0]:.2f} to {chosen[-1]:.2f}"
    print(f"Thresholds: {shown}, the best F1 on the {len(validation.labels)} validation texts.")
    predicted = np.mean(probabilities >= np.asarray(data.thresholds, np.float32))
    if predicted >= 0.9 and np.mean(validation.labels) < 0.9:
        print(
            f"note: at these thresholds the model predicts {100 * predicted:.0f} % of the labels of the validation "
            "texts, which carry far fewer, as a model that learnt nothing would; train longer (more texts or epochs)",
            file=sys.stderr,
        )
    return data.thresholds


if __name__ == "__main__":
    print(
        "common.py: error: it holds the scripts' shared steps; run a script, e.g. python lstm_simple.py",
        file=sys.stderr,
    )
    raise SystemExit(2)
