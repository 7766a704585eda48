"""The plumbing the four model scripts share, so that each script shows only its model.

The tutorial "Sequence Classification with LSTM Recurrent Neural Networks in
Python with Keras" repeats the same setup in every listing: fix the random
seed, load IMDB limited to the top 5,000 words, pad every review to 500
tokens, train, evaluate, print the accuracy. This module holds that setup
once:

- the command line (one parser; its defaults are the tutorial's values);
- seeding of Python, NumPy and the backend, with TensorFlow's op determinism;
- the data: `keras.datasets.imdb` by default, or raw text folders in the
  Stanford layout (`train/<class>/*.txt`, `test/<class>/*.txt`, as a folder or
  a `.tar.gz`), encoded the way Keras built its IMDB copy and cached;
- batching: the tutorial's fixed padding to 500 tokens (`--literal`), or, by
  default, batches of reviews of similar length with the padding masked;
- the output layer and loss for two or more classes;
- training with Keras' progress bar, timing, evaluation, per-run records for
  `results/`, and saving a trained model with its text encoding.

Every error a user can cause is raised as `UsageError` and reported by `run()`
as one line on stderr with exit code 2.
"""

import os

# TensorFlow prints C++ start-up notices (CPU instructions, missing CUDA) that
# say nothing to a reader of this tutorial; real warnings still get through.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import argparse
import collections
import contextlib
import dataclasses
import datetime
import hashlib
import inspect
import json
import math
import platform
import random
import re
import resource
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

import numpy as np
import keras
from keras import layers, ops

PADDING_INDEX = 0  # pad_sequences fills with 0, and Embedding(mask_zero=True) masks it
START_INDEX = 1  # marks the start of every review, as in keras.datasets.imdb
OUT_OF_VOCABULARY_INDEX = 2  # stands for every word outside the top words
UNUSED_INDEX = 3  # keras.datasets.imdb shifts its ranks by index_from=3, so 3 is never used
FIRST_WORD_INDEX = 4  # the most frequent word gets 4, the next 5, and so on, as in Keras

# Keras' classic text filter (keras.preprocessing.text): these characters
# become spaces; the apostrophe is not among them, so "don't" stays one word.
KERAS_TEXT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
_FILTER_TABLE = str.maketrans({character: " " for character in KERAS_TEXT_FILTERS})

# The Stanford download also holds train/unsup: 50,000 unlabelled reviews.
UNLABELLED_FOLDER = "unsup"

CACHE_FORMAT_VERSION = 2  # 2: the most frequent word is 4, as in keras.datasets.imdb
ENCODING_FORMAT_VERSION = 1
ENCODING_FILE = "text_encoding.json"
MODEL_FILE = "model.keras"
EVALUATION_BATCH_SIZE = 1024  # evaluation has no gradients to keep: big batches are cheaper
BUCKET_POOL_BATCHES = 50  # length-sorting happens within pools of 50 batches
# Batch lengths are rounded up to a multiple of this, so that a backend that
# compiles one program per input shape (JAX) compiles a few dozen, not hundreds.
BATCH_LENGTH_MULTIPLE = 16


class UsageError(Exception):
    """A problem the user can fix; `run()` prints it as one line, exit code 2."""


def _first_line(error, limit=200):
    """An exception's message cut to one line, to quote inside a UsageError."""
    lines = str(error).strip().splitlines() or [type(error).__name__]
    return lines[0][:limit]


# ---------------------------------------------------------------------------
# The command line


class OneLineErrorParser(argparse.ArgumentParser):
    """argparse, but a bad flag gets one line, not the usage block."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _whole_number_from(minimum):
    """An argparse type: a whole number of at least `minimum`."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} must be {minimum} or more")
        return value

    return parse


_positive_int = _whole_number_from(1)


def build_parser(description, prog=None):
    """The one parser of all four scripts; defaults are the tutorial's values."""
    parser = OneLineErrorParser(
        prog=prog,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--epochs", type=_positive_int, default=3, help="training epochs (default: 3)")
    add("--batch-size", type=_positive_int, default=64, help="training batch size (default: 64)")
    add(
        "--top-words",
        type=_whole_number_from(FIRST_WORD_INDEX + 1),  # below that no word would be left
        default=5000,
        help="keep word indices below this; rarer words become 'unknown' (default: 5000)",
    )
    add(
        "--max-len",
        type=_positive_int,
        default=500,
        help="cut longer reviews to their last MAX_LEN words (default: 500)",
    )
    add("--seed", type=_whole_number_from(0), default=7, help="random seed of the first run (default: 7)")
    add(
        "--runs",
        type=_positive_int,
        default=1,
        help="train RUNS times with seeds SEED, SEED+1, ... and print mean +- std (default: 1)",
    )
    add(
        "--data-dir",
        metavar="PATH",
        help="read raw text instead of downloading keras.datasets.imdb: a folder with "
        "train/<class>/*.txt and test/<class>/*.txt (such as Stanford's aclImdb), "
        "or a .tar.gz of one (default: download keras.datasets.imdb)",
    )
    add(
        "--limit",
        type=_positive_int,
        metavar="N",
        help="use only N training and N test reviews, a shuffled selection, for a quick try "
        "(default: all)",
    )
    add(
        "--literal",
        action="store_true",
        help="run the tutorial's listing exactly: every review padded to MAX_LEN, no masking, "
        "Keras' own recurrent-dropout cell, evaluation at Keras' default batch size "
        "(default: off; see README, 'What differs from the tutorial')",
    )
    add(
        "--save",
        metavar="PATH",
        help="save the trained model and its text encoding in folder PATH, for predict.py "
        "(default: not saved)",
    )
    add(
        "--results-dir",
        metavar="DIR",
        help="write one JSON record per run into DIR (default: no record)",
    )
    add(
        "--watch-test",
        action="store_true",
        help="also measure the test accuracy after every epoch, for learning curves; the test set "
        "is only watched, nothing is chosen by it (default: off)",
    )
    add(
        "--verbose",
        type=int,
        choices=(0, 1, 2),
        default=None,
        help="Keras progress output: 0 silent, 1 progress bar, 2 one line per epoch "
        "(default: 1 on a terminal, 2 otherwise)",
    )
    return parser


# ---------------------------------------------------------------------------
# Text encoding, as Keras built its IMDB copy


def tokenize(text):
    """Lower-case words, Keras' classic filter characters read as spaces."""
    return text.lower().translate(_FILTER_TABLE).split()


def rank_words(tokenized_texts):
    """Words by frequency, most frequent first; ties in alphabetical order."""
    counts = collections.Counter()
    for tokens in tokenized_texts:
        counts.update(tokens)
    return [word for word, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def word_index_of(vocabulary):
    """Map each word to its index: the most frequent word gets FIRST_WORD_INDEX."""
    return {word: rank + FIRST_WORD_INDEX for rank, word in enumerate(vocabulary)}


def encode(tokens, word_index):
    """One review as integers: START, then each word's index, or OOV if unknown."""
    return np.array([START_INDEX] + [word_index.get(token, OUT_OF_VOCABULARY_INDEX) for token in tokens], dtype=np.int32)


def cut_to_top_words(sequences, top_words):
    """Replace indices >= top_words by OOV, exactly as load_data(num_words=top_words)."""
    return [
        np.where(sequence < top_words, sequence, OUT_OF_VOCABULARY_INDEX).astype(np.int32)
        for sequence in sequences
    ]


# ---------------------------------------------------------------------------
# Reading text folders: train/<class>/*.txt and test/<class>/*.txt

_FILE_PATTERN = re.compile(r"^(?:(?P<root>.*)/)?(?P<split>train|test)/(?P<label>[^/]+)/[^/]+\.txt$")
_FOLDER_PATTERN = re.compile(r"^(?:(?P<root>.*)/)?(?P<split>train|test)/(?P<label>[^/]+)$")


@dataclasses.dataclass
class TextCorpus:
    """Raw reviews of both splits, labels as indices into class_names."""

    train_texts: list
    train_labels: np.ndarray
    test_texts: list
    test_labels: np.ndarray
    class_names: list
    undecodable_files: int = 0


def _list_folder(path):
    """(relative name, is a file) of everything below a folder, sorted."""
    entries = []
    for directory, subdirectories, file_names in os.walk(path):
        subdirectories.sort()
        relative = os.path.relpath(directory, path).replace(os.sep, "/")
        prefix = "" if relative == "." else relative + "/"
        entries.extend((prefix + name, False) for name in subdirectories)
        entries.extend((prefix + name, True) for name in sorted(file_names))
    return entries


def _find_layout(path, entries):
    """The .txt files of each (split, class), checked: same classes in both splits, none empty."""
    files = collections.defaultdict(list)
    classes = {"train": set(), "test": set()}
    roots = set()
    for name, is_file in entries:
        match = (_FILE_PATTERN if is_file else _FOLDER_PATTERN).match(name)
        if match and match["label"] != UNLABELLED_FOLDER:
            roots.add(match["root"] or "")
            classes[match["split"]].add(match["label"])
            if is_file:
                files[match["split"], match["label"]].append(name)
    if len(roots) > 1:
        raise UsageError(f"{path} holds more than one train/test layout ({', '.join(sorted(roots))}); point --data-dir at one")
    for split in ("train", "test"):
        if not classes[split]:
            raise UsageError(f"{path} has no {split}/<class>/*.txt files; --data-dir needs train/<class>/*.txt and test/<class>/*.txt")
    if classes["train"] != classes["test"]:
        raise UsageError(
            f"{path}: test classes {sorted(classes['test'])} differ from train classes {sorted(classes['train'])}; "
            "give both splits the same class folders"
        )
    for split in ("train", "test"):
        for label in sorted(classes[split]):
            if not files[split, label]:
                raise UsageError(f"{path}: {split}/{label} holds no .txt files; add some or remove the folder")
    if len(classes["train"]) < 2:
        raise UsageError(f"{path} has only the class {sorted(classes['train'])}; a classifier needs at least two class folders")
    return {key: sorted(names) for key, names in files.items()}, sorted(classes["train"])


def _read_files(path, wanted):
    """The bytes of each wanted name, from a folder or a .tar.gz."""
    if os.path.isdir(path):
        contents = {}
        for name in wanted:
            with open(os.path.join(path, name), "rb") as handle:
                contents[name] = handle.read()
        return contents
    with tarfile.open(path, "r:*") as archive:
        # One pass in archive order: a .tar.gz cannot seek backwards cheaply.
        return {
            member.name.removeprefix("./"): archive.extractfile(member).read()
            for member in archive
            if member.name.removeprefix("./") in wanted
        }


def read_text_corpus(path):
    """Read train/<class>/*.txt and test/<class>/*.txt from a folder or a .tar.gz.

    Class names are the folder names in sorted order. Files are read in sorted
    order, so the corpus is the same whatever the file system's order. Bytes
    that are not UTF-8 are replaced (and counted), never fatal.
    """
    try:
        if os.path.isdir(path):
            entries = _list_folder(path)
        else:
            with tarfile.open(path, "r:*") as archive:
                entries = [(member.name.removeprefix("./"), member.isfile()) for member in archive.getmembers()]
        files, class_names = _find_layout(path, entries)
        contents = _read_files(path, {name for names in files.values() for name in names})
    except (tarfile.TarError, EOFError) as error:
        raise UsageError(f"--data-dir {path} is neither a folder nor a readable .tar.gz ({error}); give the aclImdb folder or its .tar.gz")

    undecodable = 0
    texts, labels = {"train": [], "test": []}, {"train": [], "test": []}
    for split in ("train", "test"):
        for class_index, label in enumerate(class_names):
            for name in files[split, label]:
                try:
                    texts[split].append(contents[name].decode("utf-8"))
                except UnicodeDecodeError:
                    undecodable += 1
                    texts[split].append(contents[name].decode("utf-8", errors="replace"))
                labels[split].append(class_index)
    return TextCorpus(
        texts["train"],
        np.array(labels["train"], np.int32),
        texts["test"],
        np.array(labels["test"], np.int32),
        class_names,
        undecodable,
    )


# ---------------------------------------------------------------------------
# The dataset


@dataclasses.dataclass
class Dataset:
    """Encoded reviews (lists of int32 arrays, unpadded) and what they mean."""

    train_sequences: list
    train_labels: np.ndarray
    test_sequences: list
    test_labels: np.ndarray
    class_names: list
    vocabulary: list = None  # words by rank; None when the data is keras.datasets.imdb
    source: str = "keras.datasets.imdb"

    @property
    def num_classes(self):
        return len(self.class_names)


def cache_dir():
    """Where Keras keeps downloaded datasets; our encoded copies go beside them."""
    keras_home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(keras_home, "datasets")


def _source_fingerprint(path):
    """A key that changes when the data changes: path, sizes and modification times."""
    path = os.path.abspath(path)
    digest = hashlib.sha256(f"v{CACHE_FORMAT_VERSION}:{path}".encode())
    if os.path.isdir(path):
        for name, _ in _list_folder(path):
            status = os.stat(os.path.join(path, name))
            digest.update(f"{name}:{status.st_size}:{status.st_mtime_ns}\n".encode())
    else:
        status = os.stat(path)
        digest.update(f"{status.st_size}:{status.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def _pack(sequences):
    """Ragged sequences as one flat array and the offsets between them."""
    lengths = np.array([len(sequence) for sequence in sequences], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    flat = np.concatenate(sequences) if sequences else np.zeros(0, np.int32)
    return flat.astype(np.int32), offsets


def _unpack(flat, offsets):
    return [flat[start:end] for start, end in zip(offsets[:-1], offsets[1:])]


def encode_corpus(corpus):
    """Rank the training words and encode both splits with that ranking (no top-words cut)."""
    train_tokens = [tokenize(text) for text in corpus.train_texts]
    vocabulary = rank_words(train_tokens)
    word_index = word_index_of(vocabulary)
    train_sequences = [encode(tokens, word_index) for tokens in train_tokens]
    test_sequences = [encode(tokenize(text), word_index) for text in corpus.test_texts]
    return train_sequences, test_sequences, vocabulary


def load_text_folders(path):
    """The encoded corpus at path, from the cache when the source is unchanged."""
    if not os.path.exists(path):
        raise UsageError(f"--data-dir {path} does not exist; give the aclImdb folder or a .tar.gz of it")
    cache_path = os.path.join(cache_dir(), f"text-folders-{_source_fingerprint(path)}.npz")
    if os.path.exists(cache_path):
        try:
            with np.load(cache_path, allow_pickle=False) as cached:
                return Dataset(
                    _unpack(cached["train_flat"], cached["train_offsets"]),
                    cached["train_labels"],
                    _unpack(cached["test_flat"], cached["test_offsets"]),
                    cached["test_labels"],
                    [str(name) for name in cached["class_names"]],
                    [str(word) for word in cached["vocabulary"]],
                    source=os.path.abspath(path),
                )
        except (OSError, KeyError, ValueError):
            pass  # an unreadable cache is rebuilt below
    print(f"Reading and encoding {path} (cached for next time) ...", flush=True)
    corpus = read_text_corpus(path)
    if corpus.undecodable_files:
        print(
            f"warning: {corpus.undecodable_files} files in {path} are not valid UTF-8; "
            "their undecodable bytes were replaced",
            file=sys.stderr,
        )
    train_sequences, test_sequences, vocabulary = encode_corpus(corpus)
    train_flat, train_offsets = _pack(train_sequences)
    test_flat, test_offsets = _pack(test_sequences)
    try:
        os.makedirs(cache_dir(), exist_ok=True)
        with _atomic_path(cache_path) as temporary_path:
            with open(temporary_path, "wb") as handle:
                np.savez(
                    handle,
                    train_flat=train_flat,
                    train_offsets=train_offsets,
                    train_labels=corpus.train_labels,
                    test_flat=test_flat,
                    test_offsets=test_offsets,
                    test_labels=corpus.test_labels,
                    class_names=np.array(corpus.class_names),
                    vocabulary=np.array(vocabulary, dtype=str),
                )
    except OSError as error:
        print(f"warning: could not cache the encoded data in {cache_dir()} ({error})", file=sys.stderr)
    return Dataset(
        train_sequences,
        corpus.train_labels,
        test_sequences,
        corpus.test_labels,
        corpus.class_names,
        vocabulary,
        source=os.path.abspath(path),
    )


def load_keras_imdb(top_words):
    """The tutorial's data: keras.datasets.imdb, downloaded once by Keras."""
    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data(num_words=top_words)
    except Exception as error:  # Keras reports a failed download as a bare Exception
        raise UsageError(
            f"could not download keras.datasets.imdb ({_first_line(error)}); "
            "without network, pass --data-dir PATH to the Stanford aclImdb folder or its .tar.gz"
        )
    to_arrays = lambda sequences: [np.array(sequence, dtype=np.int32) for sequence in sequences]
    return Dataset(to_arrays(x_train), y_train.astype(np.int32), to_arrays(x_test), y_test.astype(np.int32), ["neg", "pos"])


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


def load_dataset(data_dir, top_words, limit=None, seed=0):
    """Train and test reviews, cut to top_words, optionally limited to `limit` each."""
    if data_dir is None:
        dataset = load_keras_imdb(top_words)
    else:
        dataset = load_text_folders(data_dir)
        dataset.train_sequences = cut_to_top_words(dataset.train_sequences, top_words)
        dataset.test_sequences = cut_to_top_words(dataset.test_sequences, top_words)
    dataset.train_sequences, dataset.train_labels = take_shuffled_subset(
        dataset.train_sequences, dataset.train_labels, limit, seed
    )
    dataset.test_sequences, dataset.test_labels = take_shuffled_subset(
        dataset.test_sequences, dataset.test_labels, limit, seed + 1
    )
    return dataset


# ---------------------------------------------------------------------------
# Padding and batching


def pad(sequences, max_len):
    """The tutorial's padding: zeros before the review; long reviews keep their last words."""
    return keras.utils.pad_sequences(sequences, maxlen=max_len, dtype="int32")


class LengthBucketedBatches:
    """Batches of reviews of similar length, each padded only to its own longest review.

    Every review is cut to max_len and padded in front exactly as `pad()` does;
    a batch just drops the columns that would be padding in all its rows. For
    training, each epoch shuffles the reviews, sorts them by length within
    pools of BUCKET_POOL_BATCHES batches and shuffles the order of the
    batches, so batches stay random while holding little padding.
    """

    def __init__(self, sequences, labels, batch_size, max_len, shuffle, seed=0, padding="pre"):
        self.sequences = [sequence[-max_len:] for sequence in sequences]
        self.max_len = max_len
        self.padding = padding
        self.labels = labels
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.rng = np.random.default_rng(seed)
        self.lengths = np.array([len(sequence) for sequence in self.sequences])
        self.batches = self._batch_order()

    def _batch_order(self):
        if not self.shuffle:
            # Sorted once: evaluation order does not matter, padding does.
            order = np.argsort(self.lengths, kind="stable")
            return [order[start : start + self.batch_size] for start in range(0, len(order), self.batch_size)]
        order = self.rng.permutation(len(self.sequences))
        pool_size = self.batch_size * BUCKET_POOL_BATCHES
        batches = []
        for pool_start in range(0, len(order), pool_size):
            pool = order[pool_start : pool_start + pool_size]
            pool = pool[np.argsort(self.lengths[pool], kind="stable")]
            batches.extend(pool[start : start + self.batch_size] for start in range(0, len(pool), self.batch_size))
        return [batches[index] for index in self.rng.permutation(len(batches))]

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, index):
        rows = self.batches[index]
        longest = int(self.lengths[rows].max())
        length = min(self.max_len, -(-longest // BATCH_LENGTH_MULTIPLE) * BATCH_LENGTH_MULTIPLE)
        x = keras.utils.pad_sequences(
            [self.sequences[row] for row in rows], maxlen=length, dtype="int32", padding=self.padding
        )
        return x, self.labels[rows]

    def _one_epoch(self):
        for index in range(len(self)):
            yield self[index]
        if self.shuffle:
            self.batches = self._batch_order()  # the next epoch gets new batches

    def as_tf_dataset(self):
        """The batches for fit(), a new order each epoch.

        Not a keras.utils.PyDataset: Keras guesses a PyDataset's shapes from
        its first two batches and would fix the length if those two happened
        to be equally long; here every batch has a length of its own.
        """
        import tensorflow as tf

        signature = (tf.TensorSpec((None, None), tf.int32), tf.TensorSpec((None,), self.labels.dtype))
        dataset = tf.data.Dataset.from_generator(self._one_epoch, output_signature=signature)
        # A known length lets Keras' progress bar count the steps of an epoch.
        return dataset.apply(tf.data.experimental.assert_cardinality(len(self))).prefetch(2)


# ---------------------------------------------------------------------------
# Model pieces


def output_layer(num_classes):
    """The tutorial's Dense(1, sigmoid) for two classes; a softmax over the classes for more."""
    if num_classes == 2:
        return layers.Dense(1, activation="sigmoid")
    return layers.Dense(num_classes, activation="softmax")


def loss_for(num_classes):
    return "binary_crossentropy" if num_classes == 2 else "sparse_categorical_crossentropy"


@keras.saving.register_keras_serializable(package="lstm_tutorial")
class SharedMaskLSTMCell(layers.LSTMCell):
    """An LSTM cell that drops the same recurrent units for all four gates.

    Keras 3's LSTMCell with recurrent_dropout draws one mask per gate and so
    falls back to eight small matrix products per step. One mask for all four
    gates (as Keras 1's consume_less='gpu' did) keeps the two fused products.
    Dropout is still variational: one mask per sequence, the same at every step.
    """

    def __init__(self, units, **kwargs):
        super().__init__(units, **kwargs)
        self.implementation = 2
        self.dropout_mask_count = None  # one input mask and one recurrent mask

    def call(self, inputs, states, training=False):
        hidden, carry = states
        if training and 0.0 < self.dropout < 1.0:
            inputs = inputs * self.get_dropout_mask(inputs)
        if training and 0.0 < self.recurrent_dropout < 1.0:
            hidden = hidden * self.get_recurrent_dropout_mask(hidden)
        gates = ops.matmul(inputs, self.kernel) + ops.matmul(hidden, self.recurrent_kernel)
        if self.use_bias:
            gates = gates + self.bias
        carry, output_gate = self._compute_carry_and_output_fused(ops.split(gates, 4, axis=1), carry)
        hidden = output_gate * self.activation(carry)
        return hidden, [hidden, carry]


def shared_mask_lstm(units, dropout, recurrent_dropout):
    """An LSTM layer like layers.LSTM(units, dropout=..., recurrent_dropout=...), but fast on CPU."""
    return layers.RNN(SharedMaskLSTMCell(units, dropout=dropout, recurrent_dropout=recurrent_dropout))


@dataclasses.dataclass
class ModelConfig:
    """What a script's build_model() needs to know about the data and the mode."""

    top_words: int
    num_classes: int
    literal: bool
    training_steps: int  # batches over all epochs: the step decays to 0 over them

    @property
    def mask_padding(self):
        return not self.literal

    @property
    def learning_rate(self):
        """Adam's step: from Keras' default 0.001 down to 0 over the training, or 0.001 throughout with --literal."""
        if self.literal:
            return 0.001
        return keras.optimizers.schedules.CosineDecay(0.001, decay_steps=self.training_steps)

    @property
    def gradient_clip_norm(self):
        """Adam's clipnorm: 1.0, or None (no clipping, Keras' default) with --literal."""
        return None if self.literal else 1.0


# ---------------------------------------------------------------------------
# Training and evaluation


def set_seed(seed):
    """Seed Python, NumPy and the backend; make TensorFlow's kernels deterministic."""
    keras.utils.set_random_seed(seed)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def padding_side(model):
    """Where bucketed batches put their padding: after the review when the model masks it.

    cuDNN, which Keras' TensorFlow backend uses for a masked LSTM on a GPU,
    accepts only masks padded on the right; with the padding masked, the side
    changes nothing else. A model that cannot mask (cnn_lstm.py) keeps the
    tutorial's padding in front, so its LSTM reads the real words last.
    """
    masked = any(getattr(layer, "mask_zero", False) for layer in model.layers)
    return "post" if masked else "pre"


def predict_probabilities(model, sequences, max_len, literal, verbose=0):
    """Class probabilities in input order, shape (n, num_classes)."""
    if literal:
        # The tutorial's evaluate(): padded to max_len, Keras' default batch size.
        probabilities = model.predict(pad(sequences, max_len), verbose=verbose)
    else:
        batches = LengthBucketedBatches(
            sequences,
            np.zeros(len(sequences), np.int32),
            EVALUATION_BATCH_SIZE,
            max_len,
            shuffle=False,
            padding=padding_side(model),
        )
        probabilities = np.empty((len(sequences), model.output_shape[-1]), np.float32)
        for index in range(len(batches)):
            x, _ = batches[index]
            probabilities[batches.batches[index]] = keras.ops.convert_to_numpy(model.predict_on_batch(x))
    if probabilities.shape[1] == 1:
        probabilities = np.concatenate([1.0 - probabilities, probabilities], axis=1)
    return probabilities


def evaluate(model, sequences, labels, class_names, max_len, literal, verbose=0):
    """Loss, accuracy and per-class accuracy on the given reviews."""
    started = time.perf_counter()
    probabilities = predict_probabilities(model, sequences, max_len, literal, verbose)
    seconds = time.perf_counter() - started
    predictions = probabilities.argmax(axis=1)
    chosen = np.clip(probabilities[np.arange(len(labels)), labels], 1e-7, 1.0)
    return {
        "loss": float(-np.mean(np.log(chosen))),
        "accuracy": float(np.mean(predictions == labels)),
        "class_accuracy": {
            name: float(np.mean(predictions[labels == index] == index)) for index, name in enumerate(class_names)
        },
        "seconds": seconds,
    }


class EpochRecorder(keras.callbacks.Callback):
    """Times each epoch and, when asked, watches the test accuracy after it."""

    def __init__(self, watch=None):
        super().__init__()
        self.watch = watch
        self.epochs = []
        self.last_watched = None  # the full evaluation after the last epoch

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        record = {"epoch": epoch + 1, "seconds": time.perf_counter() - self.started}
        record.update({name: float(value) for name, value in (logs or {}).items()})
        if self.watch is not None:
            watched = self.last_watched = self.watch(self.model)
            record["test_loss"], record["test_accuracy"] = watched["loss"], watched["accuracy"]
        self.epochs.append(record)


def train(model, dataset, args, seed, verbose):
    """Fit the model; returns the per-epoch records and, with --watch-test, the last test evaluation."""
    watch = None
    if args.watch_test:
        watch = lambda model: evaluate(
            model, dataset.test_sequences, dataset.test_labels, dataset.class_names, args.max_len, args.literal
        )
    recorder = EpochRecorder(watch)
    if args.literal:
        model.fit(
            pad(dataset.train_sequences, args.max_len),
            dataset.train_labels,
            epochs=args.epochs,
            batch_size=args.batch_size,
            callbacks=[recorder],
            verbose=verbose,
        )
    else:
        batches = LengthBucketedBatches(
            dataset.train_sequences,
            dataset.train_labels,
            args.batch_size,
            args.max_len,
            shuffle=True,
            seed=seed,
            padding=padding_side(model),
        )
        # shuffle=False: the batches shuffle themselves, by length pools, each epoch.
        model.fit(batches.as_tf_dataset(), epochs=args.epochs, shuffle=False, callbacks=[recorder], verbose=verbose)
    return recorder.epochs, recorder.last_watched


# ---------------------------------------------------------------------------
# Records, saving


@dataclasses.dataclass
class RunResult:
    seed: int
    epochs: list
    test: dict
    parameters: int
    training_seconds: float


@contextlib.contextmanager
def _atomic_path(final_path):
    """A temporary name beside final_path, renamed onto it only if the block succeeds."""
    directory = os.path.dirname(os.path.abspath(final_path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".partial-", suffix=os.path.basename(final_path))
    os.close(handle)
    try:
        yield temporary
        os.replace(temporary, final_path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_commit():
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "*.py"], cwd=here, capture_output=True, text=True, check=True
        ).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def peak_memory_mb():
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_record(results_dir, script, args, argv, dataset, result, git_commit):
    """One JSON record of one run, for results/ and the tables built from it."""
    import tensorflow as tf

    record = {
        "script": script,
        "command": shlex.join(["python", script] + list(argv)),
        "seed": result.seed,
        "configuration": "literal" if args.literal else "default",
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "top_words": args.top_words,
        "max_len": args.max_len,
        "limit": args.limit,
        "data": dataset.source,
        "train_reviews": len(dataset.train_labels),
        "test_reviews": len(dataset.test_labels),
        "parameters": result.parameters,
        "per_epoch": result.epochs,
        "training_seconds": result.training_seconds,
        "test_loss": result.test["loss"],
        "test_accuracy": result.test["accuracy"],
        "test_class_accuracy": result.test["class_accuracy"],
        "evaluation_seconds": result.test["seconds"],
        "peak_memory_mb": peak_memory_mb(),
        "versions": {
            "python": platform.python_version(),
            "keras": keras.__version__,
            "tensorflow": tf.__version__,
            "numpy": np.__version__,
        },
        "cpu": _cpu_name(),
        "cpu_count": os.cpu_count(),
        "git_commit": git_commit,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    os.makedirs(results_dir, exist_ok=True)
    name = f"{os.path.splitext(script)[0]}-{record['configuration']}-seed{result.seed}.json"
    with _atomic_path(os.path.join(results_dir, name)) as temporary_path:
        with open(temporary_path, "w") as handle:
            json.dump(record, handle, indent=1)
            handle.write("\n")


def save_model(model, path, dataset, args):
    """Save the model (Keras format) and its text encoding in folder `path`, atomically."""
    encoding = {
        "format": ENCODING_FORMAT_VERSION,
        "class_names": dataset.class_names,
        "top_words": args.top_words,
        "max_len": args.max_len,
        "literal": args.literal,
        "word_index_source": "keras.datasets.imdb" if dataset.vocabulary is None else "vocabulary",
        # Only the words the model can see: index = rank + FIRST_WORD_INDEX < top_words.
        "vocabulary": None if dataset.vocabulary is None else dataset.vocabulary[: args.top_words - FIRST_WORD_INDEX],
    }
    path = os.path.abspath(path)
    staging = tempfile.mkdtemp(dir=os.path.dirname(path), prefix=".partial-")
    try:
        model.save(os.path.join(staging, MODEL_FILE))
        with open(os.path.join(staging, ENCODING_FILE), "w") as handle:
            json.dump(encoding, handle)
        if os.path.isdir(path):
            shutil.rmtree(path)
        os.replace(staging, path)
    finally:
        if os.path.isdir(staging):
            shutil.rmtree(staging)


def load_saved_model(path):
    """The model and text encoding that --save wrote; never runs code from the file."""
    if not os.path.exists(path):
        raise UsageError(f"no saved model at {path}; train one with e.g. 'python lstm_simple.py --save {path}'")
    model_path, encoding_path = os.path.join(path, MODEL_FILE), os.path.join(path, ENCODING_FILE)
    if not os.path.isdir(path) or not os.path.isfile(model_path):
        raise UsageError(f"{path} is not a folder written by --save (it needs {MODEL_FILE} and {ENCODING_FILE}); give such a folder")
    if not os.path.isfile(encoding_path):
        raise UsageError(f"{path} has a model but no {ENCODING_FILE} (its vocabulary); save it again with the scripts' --save")
    try:
        with open(encoding_path) as handle:
            encoding = json.load(handle)
        if encoding.get("format") != ENCODING_FORMAT_VERSION:
            raise ValueError(f"format {encoding.get('format')!r}, expected {ENCODING_FORMAT_VERSION}")
    except (OSError, ValueError) as error:
        raise UsageError(f"{encoding_path} is unreadable ({error}); save the model again with --save")
    try:
        # safe_mode=True (Keras' default, spelled out): a saved lambda is refused, not run.
        model = keras.saving.load_model(model_path, safe_mode=True)
    except Exception as error:  # Keras raises many kinds for a file that is not a model
        raise UsageError(f"{model_path} is not a loadable Keras model ({_first_line(error)}); save it again with --save")
    return model, encoding


def _prediction_word_index(encoding):
    """word -> index as in training: our vocabulary, or Keras' IMDB word index."""
    if encoding["word_index_source"] == "vocabulary":
        return word_index_of(encoding["vocabulary"])
    try:
        ranks = keras.datasets.imdb.get_word_index()
    except Exception as error:  # Keras reports a failed download as a bare Exception
        raise UsageError(
            f"could not download Keras' IMDB word index ({_first_line(error)}); "
            "it is needed once for models trained on keras.datasets.imdb; train with --data-dir to work offline"
        )
    # load_data() shifts Keras' 1-based ranks by index_from=3 (so its index 3 stays unused).
    return {word: rank + 3 for word, rank in ranks.items()}


def encode_for_prediction(texts, encoding):
    """Raw texts as the integer sequences the saved model was trained on."""
    word_index = _prediction_word_index(encoding)
    return cut_to_top_words([encode(tokenize(text), word_index) for text in texts], encoding["top_words"])


# ---------------------------------------------------------------------------
# The entry point of every script


def _check_output_paths(args):
    """Fail before training, not after, when a result could not be written."""
    if args.save:
        if os.path.exists(args.save) and not os.path.isdir(args.save):
            raise UsageError(f"--save {args.save} is a file; give a folder name (it is created)")
        if os.path.isdir(args.save) and os.listdir(args.save) and not os.path.exists(os.path.join(args.save, ENCODING_FILE)):
            raise UsageError(f"--save {args.save} is a folder that holds something else; give a new folder name")
    for flag, path in (("--save", args.save), ("--results-dir", args.results_dir)):
        if path:
            parent = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(parent):
                raise UsageError(f"{flag} {path}: the folder {parent} does not exist; create it first")


def check_max_len_fits(model, max_len, script):
    """One line, not a backend traceback, when a review of max_len tokens is too short for the model."""
    try:
        model.predict_on_batch(np.full((1, max_len), START_INDEX, np.int32))
    except Exception as error:  # each backend raises its own kind for a shape that cannot be pooled
        raise UsageError(
            f"--max-len {max_len} is too short for the model of {script} "
            f"({type(error).__name__} on a review of {max_len} tokens); give a larger --max-len"
        )


def run(build_model, description, argv=None):
    """Parse the flags, load the data, then train and evaluate `--runs` models.

    build_model(config) must return a compiled model; config is a ModelConfig.
    Returns one RunResult per run. User errors exit with one line and code 2.
    """
    script = os.path.basename(inspect.getfile(build_model))
    parser = build_parser(description, prog=script)
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    prog = parser.prog
    try:
        _check_output_paths(args)
        git_commit = _git_commit()  # the code as it was when the run started
        dataset = load_dataset(args.data_dir, args.top_words, args.limit, args.seed)
        verbose = args.verbose if args.verbose is not None else (1 if sys.stdout.isatty() else 2)
        print(
            f"{len(dataset.train_labels)} training and {len(dataset.test_labels)} test reviews, "
            f"classes: {', '.join(dataset.class_names)}"
        )
        steps_per_epoch = math.ceil(len(dataset.train_labels) / args.batch_size)
        config = ModelConfig(args.top_words, dataset.num_classes, args.literal, steps_per_epoch * args.epochs)
        results = []
        for run_index in range(args.runs):
            seed = args.seed + run_index
            set_seed(seed)
            model = build_model(config)
            if not model.compiled:
                raise UsageError(f"build_model() in {script} must compile the model before returning it, as lstm_simple.py does")
            if run_index == 0:
                check_max_len_fits(model, args.max_len, script)
                model.summary()
            if args.runs > 1:
                print(f"Run {run_index + 1} of {args.runs}, seed {seed}")
            epochs, last_watched = train(model, dataset, args, seed, verbose)
            # The epochs' own time: without the test accuracy watched after each.
            training_seconds = sum(epoch["seconds"] for epoch in epochs)
            # The test set watched after the last epoch is the final evaluation: not done twice.
            test = last_watched or evaluate(
                model, dataset.test_sequences, dataset.test_labels, dataset.class_names, args.max_len, args.literal
            )
            result = RunResult(seed, epochs, test, model.count_params(), training_seconds)
            results.append(result)
            print(f"Training completed in {training_seconds / 60:.2f} minutes ({training_seconds / args.epochs:.0f} s/epoch).")
            if dataset.num_classes > 2:
                for name, accuracy in test["class_accuracy"].items():
                    print(f"  {name}: {accuracy * 100:.2f}%")
            print(f"Accuracy: {test['accuracy'] * 100:.2f}%", flush=True)
            if args.results_dir:
                write_record(args.results_dir, script, args, argv, dataset, result, git_commit)
        if args.runs > 1:
            accuracies = np.array([result.test["accuracy"] for result in results]) * 100
            print(
                f"Accuracy over {args.runs} runs: {accuracies.mean():.2f}% +- {accuracies.std(ddof=1):.2f} "
                f"(min {accuracies.min():.2f}%, max {accuracies.max():.2f}%)"
            )
        if args.save:
            save_model(model, args.save, dataset, args)
            print(f"Saved the model of seed {results[-1].seed} and its text encoding in {args.save}")
        return results
    except UsageError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        sys.exit(2)
    except OSError as error:
        print(f"{prog}: error: {error.filename or ''} {error.strerror or error}; check the path and free space", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; nothing was saved from the unfinished run", file=sys.stderr)
        sys.exit(130)
