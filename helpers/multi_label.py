"""Several labels a text: the loss that weighs each label's rare positives, the decision thresholds, the F1 figures.

A multi-label model has one sigmoid unit a label. A label is predicted when
its probability reaches a threshold chosen on the validation texts, never on
the test texts; the figures are each label's precision, recall and F1, their
mean over the labels (macro-F1), the F1 of all decisions pooled (micro-F1),
and the share of texts whose every label is right (exact match).
"""

import json

import keras
import numpy as np
from keras import ops

from helpers.shell import UsageError, listed

DEFAULT_THRESHOLD = 0.5  # without validation texts to choose on
# Tried on the validation texts, as float32, the precision the models' probabilities and the serving model have.
CANDIDATE_THRESHOLDS = np.round(np.arange(0.01, 1.0, 0.01), 2).astype(np.float32)
# One threshold for all labels (True), or each label its own (False), both chosen on the validation texts:
# tools/threshold_study.py measures the two on a saved model (docs/own-data.md gives GoEmotions' figures).
ONE_THRESHOLD_FOR_ALL_LABELS = True


@keras.saving.register_keras_serializable(package="lstm_sequence_classification")
class BalancedBinaryCrossentropy(keras.losses.Loss):
    """Binary cross-entropy of each label, its positives and its negatives weighted so that each side weighs half
    (scikit-learn's 'balanced', label by label), averaged over the labels: a rare label's few positives count."""

    def __init__(self, positive_weights, negative_weights, name="balanced_binary_crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.positive_weights = [float(weight) for weight in positive_weights]
        self.negative_weights = [float(weight) for weight in negative_weights]

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, y_pred.dtype)
        y_pred = ops.clip(y_pred, keras.config.epsilon(), 1.0 - keras.config.epsilon())
        positive = y_true * ops.log(y_pred) * ops.convert_to_tensor(self.positive_weights, y_pred.dtype)
        negative = (1.0 - y_true) * ops.log(1.0 - y_pred) * ops.convert_to_tensor(self.negative_weights, y_pred.dtype)
        return -ops.mean(positive + negative, axis=-1)

    def get_config(self):
        return super().get_config() | {
            "positive_weights": self.positive_weights,
            "negative_weights": self.negative_weights,
        }


@keras.saving.register_keras_serializable(package="lstm_sequence_classification")
class BestThresholdMacroF1(keras.metrics.Metric):
    """Macro-F1 at the candidate threshold that gives the best (one for all labels, or with `one_for_all` False each
    label's best): what choose_thresholds will pick after training, watched each epoch (--monitor val_macro_f1).
    Counts texts, as the report does: no sample weights."""

    def __init__(self, num_labels, one_for_all=ONE_THRESHOLD_FOR_ALL_LABELS, name="macro_f1", **kwargs):
        super().__init__(name=name, **kwargs)
        self.num_labels = num_labels
        self.one_for_all = one_for_all
        by_candidate = (len(CANDIDATE_THRESHOLDS), num_labels)
        self.true_positives = self.add_variable(shape=by_candidate, initializer="zeros", name="true_positives")
        self.predicted = self.add_variable(shape=by_candidate, initializer="zeros", name="predicted")
        self.actual = self.add_variable(shape=(num_labels,), initializer="zeros", name="actual")

    def update_state(self, y_true, y_pred, sample_weight=None):
        # Each probability's bin: how many candidates it reaches (searchsorted), so that a label's decisions at
        # every candidate come from one histogram of (bin, label), O(texts x labels) in memory, not x candidates.
        num_labels = self.num_labels
        y_true = ops.reshape(ops.cast(y_true, "float32"), (-1,))
        reached = ops.searchsorted(ops.convert_to_tensor(CANDIDATE_THRESHOLDS), ops.reshape(y_pred, (-1,)), "right")
        label = ops.arange(ops.shape(y_true)[0]) % num_labels
        bins = ops.cast(reached, "int32") * num_labels + ops.cast(label, "int32")
        size = (len(CANDIDATE_THRESHOLDS) + 1) * num_labels

        def at_every_candidate(weights):  # the texts whose probability reaches each candidate, label by label
            histogram = ops.reshape(ops.segment_sum(weights, bins, num_segments=size), (-1, num_labels))
            return ops.flip(ops.cumsum(ops.flip(histogram, 0), axis=0), 0)[1:]

        self.true_positives.assign_add(at_every_candidate(y_true))
        self.predicted.assign_add(at_every_candidate(ops.ones_like(y_true)))
        self.actual.assign_add(ops.sum(ops.reshape(y_true, (-1, num_labels)), axis=0))

    def result(self):
        both = self.predicted + self.actual
        f1 = ops.where(both > 0, 2.0 * self.true_positives / ops.maximum(both, 1.0), 0.0)  # f1_of's, by candidate
        return ops.max(ops.mean(f1, axis=1)) if self.one_for_all else ops.mean(ops.max(f1, axis=0))

    def reset_state(self):
        for variable in self.variables:
            variable.assign(ops.zeros(variable.shape, variable.dtype))

    def get_config(self):
        return super().get_config() | {"num_labels": self.num_labels, "one_for_all": self.one_for_all}


JOINERS = (",", "|", ";")  # what may join a text's predicted labels when the training table gave no separator


def joiner(separator, class_names):
    """What joins a text's predicted labels in the serving model's output: the table's --label-separator, else the
    first of JOINERS that no label holds; a label that holds it would make the joined labels ambiguous."""
    free = [
        candidate
        for candidate in ([separator] if separator else JOINERS)
        if all(candidate not in name for name in class_names)
    ]
    if free:
        return free[0]
    if separator:  # labels split on it cannot hold it: these come from a JSONL list or a --label-names file
        holding = [name for name in class_names if separator in name]
        raise UsageError(
            f"the labels [{listed(holding)}] hold the --label-separator {separator!r}, which joins a text's "
            "predicted labels; rename them where they are given (the table, the --label-names file or your lists)"
        )
    holding = [name for name in class_names if any(joiner in name for joiner in JOINERS)]
    raise UsageError(
        f"the labels [{listed(holding)}] hold {', '.join(map(repr, JOINERS[:-1]))} and {JOINERS[-1]!r} between "
        "them, one of which joins a text's predicted labels; rename them, or give --label-separator a character "
        "that no label holds"
    )


def compiled_with(model, *classes):
    """Whether the model is compiled with a loss or metric of one of these classes (by its registered name)."""
    compiled = json.dumps(model.get_compile_config() or {}, default=str)
    return any(keras.saving.get_registered_name(kind) in compiled for kind in classes)


def watches_macro_f1(model):
    """Whether the model's compiled metrics hold BestThresholdMacroF1, which gives val_macro_f1 (--monitor)."""
    return compiled_with(model, BestThresholdMacroF1)


def compiled_with_our_classes(model):
    """Whether the model is compiled with a loss or metric of this module, which plain Keras could not load."""
    return compiled_with(model, BalancedBinaryCrossentropy, BestThresholdMacroF1)


def balanced_loss(labels):
    """The balanced loss for training labels (rows of 0 and 1): each label's positives and negatives weigh half."""
    texts = len(labels)
    positives = labels.sum(axis=0)
    negatives = texts - positives
    return BalancedBinaryCrossentropy(
        texts / (2.0 * np.maximum(positives, 1)), texts / (2.0 * np.maximum(negatives, 1))
    )


def counts(probabilities, labels, thresholds):
    """For each label, its true positives, predicted positives and actual positives at the thresholds."""
    predicted = probabilities >= np.asarray(thresholds, np.float32)
    actual = labels > 0
    return (predicted & actual).sum(axis=0), predicted.sum(axis=0), actual.sum(axis=0)


def f1_of(true_positives, predicted, actual):
    """F1 from counts; 0 where a label is neither predicted nor present (scikit-learn's zero_division=0)."""
    return np.where(predicted + actual > 0, 2.0 * true_positives / np.maximum(predicted + actual, 1), 0.0)


def choose_thresholds(probabilities, labels, one_for_all=ONE_THRESHOLD_FOR_ALL_LABELS):
    """The thresholds that give the best F1 on the validation texts: one for every label (best macro-F1), or with
    `one_for_all` False one for each label (its best F1); ties go to the lowest."""
    scores = []  # candidate by label
    for threshold in CANDIDATE_THRESHOLDS:
        scores.append(f1_of(*counts(probabilities, labels, np.full(labels.shape[1], threshold))))
    scores = np.array(scores)
    shared = float(CANDIDATE_THRESHOLDS[int(np.argmax(scores.mean(axis=1)))])
    if one_for_all:
        return [shared] * labels.shape[1]
    # A label no validation text carries has F1 0 at every threshold: it takes the shared one.
    each = [float(CANDIDATE_THRESHOLDS[index]) for index in np.argmax(scores, axis=0)]
    return [best if present else shared for best, present in zip(each, labels.sum(axis=0) > 0)]


def figures(probabilities, labels, class_names, thresholds):
    """Loss; each label's precision, recall, F1 and texts; macro-F1, micro-F1 and exact match; the thresholds."""
    true_positives, predicted, actual = counts(probabilities, labels, thresholds)
    clipped = np.clip(probabilities, 1e-7, 1 - 1e-7)
    loss = -np.mean(labels * np.log(clipped) + (1 - labels) * np.log(1 - clipped))
    label_f1 = f1_of(true_positives, predicted, actual)
    decisions = probabilities >= np.asarray(thresholds, np.float32)

    def by_label(values):
        return {name: float(value) for name, value in zip(class_names, values)}

    return {
        "loss": float(loss),
        "macro_f1": float(label_f1.mean()),
        "micro_f1": float(f1_of(true_positives.sum(), predicted.sum(), actual.sum())),
        "exact_match": float(np.mean(np.all(decisions == (labels > 0), axis=1))),
        "label_precision": by_label(np.where(predicted > 0, true_positives / np.maximum(predicted, 1), 0.0)),
        "label_recall": by_label(np.where(actual > 0, true_positives / np.maximum(actual, 1), 0.0)),
        "label_f1": by_label(label_f1),
        "label_texts": {name: int(count) for name, count in zip(class_names, actual)},
        "thresholds": by_label(thresholds),
    }
