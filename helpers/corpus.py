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
    """Raw texts of both splits, labels as indices into class_names."""

    train_texts: list
    train_labels: np.ndarray
    test_texts: list
    test_labels: np.ndarray
    class_names: list
    has_test: bool = True  # False: every text is in train_texts, and a test set is still to be set aside


def corpus_of(train_texts, train_names, test_texts, test_names, has_test=True):
    """A TextCorpus of texts labelled by class names; the classes sorted by class_order."""
    class_names = sorted(set(train_names) | set(test_names), key=class_order)
    index = {name: number for number, name in enumerate(class_names)}
    train_labels, test_labels = (
        np.array([index[name] for name in names], np.int32) for names in (train_names, test_names)
    )
    return TextCorpus(list(train_texts), train_labels, list(test_texts), test_labels, class_names, has_test)


def class_order(name):
    """Sort key of class names, as folders sort but for numbers, which go first in numeric order (2 before 10.0)."""
    is_number = re.fullmatch(r"-?[0-9]+(\.[0-9]*)?", name) is not None  # ASCII digits only: float() takes others
    return (0, float(name), name) if is_number else (1, 0.0, name)


def held_out(labels, fraction, seed, class_names, too_few):
    """A mask of the rows set aside: `fraction` of each class (at least one; one kept), seeded, in proportion.
    A class of fewer than two texts cannot give one and keep one: `too_few`, given its name and count, says so."""
    counts = np.bincount(labels, minlength=len(class_names))
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
    validation_sequences: list = None  # held out of the training texts with --validation-split
    validation_labels: np.ndarray = None
    summary: dict = None  # what the data summary printed before training said (for the run record)
    test_source: str = None  # where the test texts came from, when not from the data's own test split
    tokenizer: object = text_encoding.split_into_words  # what made the vocabulary's tokens (common.split_into_tokens)

    @property
    def num_classes(self):
        return len(self.class_names)
