"""What a corpus is as it is read and once encoded: texts and labels of both splits, the classes in order.

Class names sort as folders sort, but numbers go first in numeric order, so
that classes 2 and 10 are in the order a person expects. A held-out part
(the test split, --validation-split) takes the same fraction of each class.
"""

import dataclasses
import re

import numpy as np

from helpers import text_encoding
from helpers.shell import UsageError


@dataclasses.dataclass
class TextCorpus:
    """Raw texts of both splits, labels as indices into class_names (several labels a text: rows of 0 and 1)."""

    train_texts: list
    train_labels: np.ndarray
    test_texts: list
    test_labels: np.ndarray
    class_names: list
    has_test: bool = True  # False: every text is in train_texts, and a test set is still to be set aside
    validation_texts: list = None  # the texts of --validation-data, if given
    validation_labels: np.ndarray = None


def corpus_of(train_texts, train_names, test_texts, test_names, has_test=True):
    """A TextCorpus of texts labelled by class names; the classes sorted by class_order.

    A text given a list of names has several labels (multi-label): its labels are then a row of 0 and 1, one
    column a class, for every text.
    """
    every = [*train_names, *test_names]
    if any(isinstance(names, list) for names in every):
        class_names = sorted({name for names in every for name in names}, key=class_order)
        index = {name: number for number, name in enumerate(class_names)}
        train_labels, test_labels = (label_rows(names, index) for names in (train_names, test_names))
    else:
        class_names = sorted(set(every), key=class_order)
        index = {name: number for number, name in enumerate(class_names)}
        train_labels, test_labels = (
            np.array([index[name] for name in names], np.int32) for names in (train_names, test_names)
        )
    return TextCorpus(list(train_texts), train_labels, list(test_texts), test_labels, class_names, has_test)


def label_rows(names_of_each_text, index):
    """Several labels a text as rows of 0 and 1: a 1 in the column (index[name]) of each of its labels."""
    rows = np.zeros((len(names_of_each_text), len(index)), np.int32)
    for row, names in enumerate(names_of_each_text):
        rows[row, [index[name] for name in names]] = 1
    return rows


def names_of(labels, class_names):
    """Each text's class name, or (several labels a text) the list of its labels' names."""
    if labels.ndim == 1:
        return [class_names[label] for label in labels]
    return [[class_names[column] for column in np.flatnonzero(row)] for row in labels]


def stratum(labels):
    """The class a text counts in when a part is held out in proportion: its class, or with several labels its
    rarest one, so that rare labels are held out in proportion too."""
    if labels.ndim == 1:
        return labels
    counts = labels.sum(axis=0)
    return np.where(labels > 0, counts[np.newaxis, :], np.iinfo(np.int64).max).argmin(axis=1)


def class_order(name):
    """Sort key of class names, as folders sort but for numbers, which go first in numeric order (2 before 10.0)."""
    is_number = re.fullmatch(r"-?[0-9]+(\.[0-9]*)?", name) is not None  # ASCII digits only: float() takes others
    return (0, float(name), name) if is_number else (1, 0.0, name)


def held_out(labels, fraction, seed, class_names, too_few):
    """A mask of the rows set aside: `fraction` of each class (at least one; one kept), seeded, in proportion.
    A class of fewer than two texts cannot give one and keep one: `too_few`, given its name and count, says so.
    With several labels a text, each text is drawn in its rarest label's class (stratum), and each label needs two."""
    counts = labels.sum(axis=0) if labels.ndim == 2 else np.bincount(labels, minlength=len(class_names))
    labels = stratum(labels)
    for label in np.flatnonzero(counts < 2):
        raise UsageError(too_few.format(name=class_names[label], count=counts[label]))
    rng = np.random.default_rng(seed)
    is_held_out = np.zeros(len(labels), bool)
    for label in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == label))
        is_held_out[rows[: min(max(1, int(round(fraction * len(rows)))), len(rows) - 1)]] = True
    return is_held_out


@dataclasses.dataclass
class Dataset:
    """Encoded texts (lists of int32 arrays, unpadded) and what they mean."""

    train_sequences: list
    train_labels: np.ndarray
    test_sequences: list
    test_labels: np.ndarray
    class_names: list
    vocabulary: list = None  # words by rank; None when the data is keras.datasets.imdb
    source: str = "keras.datasets.imdb"
    validation_sequences: list = None  # held out of the training texts (--validation-split) or --validation-data
    validation_labels: np.ndarray = None
    summary: dict = None  # what the data summary printed before training said (for the run record)
    test_source: str = None  # where the test texts came from, when not from the data's own test split
    thresholds: list = None  # several labels a text: the probability each label needs (common.choose_thresholds)
    tokenizer: object = text_encoding.split_into_words  # what made the vocabulary's tokens (common.split_into_tokens)
    label_joiner: str = ","  # several labels a text: what joins a text's predicted labels (multi_label.joiner)

    @property
    def num_classes(self):
        return len(self.class_names)

    @property
    def multi_label(self):
        """Whether a text has several labels (labels as rows of 0 and 1), not one class."""
        return self.train_labels.ndim == 2
