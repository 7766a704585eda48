"""The padded texts that model.fit() reads: length-bucketed batches by default, the tutorial's padding with --literal.

Both kinds give `for_fit()` (what model.fit reads: its x, y, shuffle and
class_weight), `for_validation()` (its validation_data), `predict(model)`
(class probabilities in the texts' order) and `labels`; `padded_batches`
makes either.
"""

import bisect
import collections

import keras
import numpy as np
from keras import ops

EVALUATION_BATCH_SIZE = 1024  # prediction keeps no gradients: big batches are cheaper
BUCKET_POOL_BATCHES = 50  # length-sorting happens within pools of 50 batches
BATCH_LENGTH_MULTIPLE = 16  # batch lengths are rounded up to a multiple of this: a few dozen shapes, not hundreds
# JAX compiles a program for each input shape (TensorFlow's traced functions and PyTorch take any length):
# there, a batch is padded to the first of these lengths that holds it (or to max_len), a dozen shapes in all.
COMPILED_BATCH_LENGTHS = (32, 64, 96, 128, 160, 192, 256, 320, 384, 448)


# What model.fit(x, y, batch_size=..., shuffle=..., class_weight=...) is given: the listing's X_train and y_train,
# which Keras batches and shuffles (--literal), or length-bucketed batches already made, which hold their labels
# and row weights and shuffle themselves (y, batch_size and class_weight None, shuffle False).
FitData = collections.namedtuple("FitData", "x y batch_size shuffle class_weight")


def batch_lengths(max_len, fixed_shapes):
    """The lengths a batch may be padded to, shortest first: multiples of BATCH_LENGTH_MULTIPLE, or with
    fixed_shapes (JAX) COMPILED_BATCH_LENGTHS, below max_len; then max_len itself."""
    if fixed_shapes:
        shorter = [length for length in COMPILED_BATCH_LENGTHS if length < max_len]
    else:
        shorter = list(range(BATCH_LENGTH_MULTIPLE, max_len, BATCH_LENGTH_MULTIPLE))
    return shorter + [max_len]


class LengthBucketedBatches(keras.utils.PyDataset):
    """Batches of texts of similar length, each cut to max_len as the tutorial cuts it and padded to its longest.

    Training batches are drawn anew each epoch: the texts shuffled, sorted by
    length within pools of BUCKET_POOL_BATCHES batches, the batches shuffled.
    With fixed_shapes (JAX), the last training batch is filled up with empty
    rows that weigh nothing; class weights travel as row weights.
    """

    def __init__(
        self,
        sequences,
        labels,
        batch_size,
        max_len,
        shuffle,
        seed=0,
        padding="pre",
        truncating="pre",
        fixed_shapes=False,
        class_weight=None,
    ):
        super().__init__()
        self.sequences = [row[-max_len:] if truncating == "pre" else row[:max_len] for row in sequences]
        self.labels = labels
        self.batch_size = batch_size
        self.max_len = max_len
        self.shuffle = shuffle
        self.padding = padding
        self.fixed_shapes = fixed_shapes
        self.lengths_to_pad_to = batch_lengths(max_len, fixed_shapes)
        self.row_weights = None
        if class_weight is not None or (fixed_shapes and shuffle):
            self.row_weights = row_weights(labels, class_weight)
        self.rng = np.random.default_rng(seed)
        self.lengths = np.array([len(sequence) for sequence in self.sequences])
        self.batches = self._batch_order()

    def _batch_order(self):
        if not self.shuffle:
            # Sorted once: prediction order does not matter, padding does.
            one_length = self.labels.ndim == 2 and self.padding == "pre"
            return sorted_batches(self.lengths, self.batch_size, self.padded_length if one_length else None)
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

    def padded_length(self, longest):
        """The length a batch whose longest text has `longest` words is padded to: the first that holds it."""
        return self.lengths_to_pad_to[bisect.bisect_left(self.lengths_to_pad_to, longest)]

    def __getitem__(self, index):
        return self._batch(self.batches[index])

    def _batch(self, rows):
        length = self.padded_length(int(self.lengths[rows].max()))
        x = keras.utils.pad_sequences(
            [self.sequences[row] for row in rows], maxlen=length, dtype="int32", padding=self.padding
        )
        if self.row_weights is None:
            return x, self.labels[rows]
        y = self.labels[rows]
        weights = self.row_weights[rows]
        missing = self.batch_size - len(rows) if self.fixed_shapes and self.shuffle else 0
        if missing:  # the last batch, filled up to the one shape JAX compiled for training
            x = np.concatenate([x, np.zeros((missing, length), x.dtype)])
            y = np.concatenate([y, np.zeros((missing, *y.shape[1:]), y.dtype)])
            weights = np.concatenate([weights, np.zeros(missing, weights.dtype)])
        return x, y, weights

    def on_epoch_end(self):
        """New batches for the next epoch (when shuffling); Keras calls it after each epoch of a PyDataset."""
        if self.shuffle:
            self.batches = self._batch_order()

    def _one_epoch(self):
        # The next epoch's batches are drawn as this one starts: tf.data may start
        # the next epoch's generator before this one has run to its end.
        batches = self.batches
        self.on_epoch_end()
        for rows in batches:
            yield self._batch(rows)

    def pipeline(self):
        """The batches as fit() takes them: a tf.data pipeline on TensorFlow, else this PyDataset.

        Not a PyDataset on TensorFlow: Keras would fix the batch length if the first two were equally long. On
        JAX and PyTorch, tf.data's threads compete with the backend's for the cores (on JAX: stalls of seconds).
        """
        if keras.backend.backend() != "tensorflow":
            return self
        import tensorflow as tf

        signature = (tf.TensorSpec((None, None), tf.int32), tf.TensorSpec(batch_shape(self.labels), self.labels.dtype))
        if self.row_weights is not None:
            signature += (tf.TensorSpec((None,), tf.float32),)
        dataset = tf.data.Dataset.from_generator(self._one_epoch, output_signature=signature)
        # A known length lets Keras' progress bar count the steps of an epoch.
        return dataset.apply(tf.data.experimental.assert_cardinality(len(self))).prefetch(2)

    def for_fit(self):
        """model.fit's x: the batches, which hold their labels and row weights and shuffle themselves."""
        return FitData(self.pipeline(), None, None, False, None)

    for_validation = pipeline  # model.fit's validation_data: the batches themselves

    def predict(self, model):
        """Class probabilities in input order, shape (n, classes), batch by batch."""
        probabilities = np.empty((len(self.sequences), model.output_shape[-1]), np.float32)
        for rows in self.batches:
            probabilities[rows] = ops.convert_to_numpy(model.predict_on_batch(self._batch(rows)[0]))
        return class_probabilities(probabilities)


def row_weights(labels, class_weight):
    """Each text's weight in the loss: its class's, or 1 (several labels a text: their loss weighs each label)."""
    if labels.ndim == 2:
        return np.ones(len(labels), np.float32)
    return np.array([(class_weight or {}).get(int(label), 1.0) for label in labels], np.float32)


def sorted_batches(lengths, batch_size, padded_length=None):
    """Batches of texts sorted by length, for prediction. With padded_length, each batch holds texts of one padded
    length: a model that reads its padding then gives each text what the serving model gives it, and the
    thresholds of several labels a text are chosen on that."""
    order = np.argsort(lengths, kind="stable")
    if padded_length is None:
        return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    padded = np.array([padded_length(max(1, length)) for length in lengths[order]])
    groups = np.split(order, np.flatnonzero(np.diff(padded)) + 1)
    return [part for group in groups for part in np.array_split(group, -(-len(group) // batch_size))]


def batch_shape(labels):
    """The shape of a batch of labels: one class a text, or a row of 0 and 1 a text for several labels a text."""
    return (None, *labels.shape[1:])


def masks_padding(model):
    """Whether the model masks its padding (Embedding(mask_zero=True)): its batches are then padded after the text."""
    return any(getattr(layer, "mask_zero", False) for layer in model.layers)


def class_probabilities(probabilities):
    """A sigmoid's one column as the probabilities of both classes."""
    if probabilities.shape[1] == 1:
        probabilities = np.concatenate([1.0 - probabilities, probabilities], axis=1)
    return probabilities


class PaddedTexts:
    """The tutorial's padding: every text padded (in front) or cut to max_len, batched by Keras as model.fit does."""

    def __init__(self, sequences, labels, batch_size, max_len, shuffle, truncating="pre", class_weight=None):
        # sequence.pad_sequences(X, maxlen=max_review_length): zeros in front, every text max_len long.
        self.x = keras.utils.pad_sequences(sequences, maxlen=max_len, dtype="int32", truncating=truncating)
        self.labels = labels
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.class_weight = class_weight

    def for_fit(self):
        """model.fit(X_train, y_train, batch_size=..., shuffle=True), as the listing calls it: Keras batches and
        shuffles the arrays itself."""
        return FitData(self.x, self.labels, self.batch_size, self.shuffle, self.class_weight)

    def for_validation(self):
        """model.fit's validation_data: the arrays, which Keras batches by fit's batch_size."""
        return (self.x, self.labels)

    def predict(self, model):
        """Class probabilities in input order, shape (n, classes); Keras' default batch size, as the tutorial."""
        return class_probabilities(model.predict(self.x, verbose=0))


def padded_batches(
    sequences, labels, batch_size, max_len, truncating, literal, mask_padding, shuffle=False, seed=0, class_weight=None
):
    """The texts padded as the configuration feeds them: the tutorial's (literal), or length-bucketed batches.

    Bucketed batches put the padding after the text when the model masks it
    (mask_padding): cuDNN, which Keras' TensorFlow backend uses for a masked
    LSTM on a GPU, accepts only masks padded on the right, and with the
    padding masked the side changes nothing else. A model that cannot mask
    (cnn_lstm.py) keeps the tutorial's padding in front, so that its LSTM
    reads the real words last.
    """
    if literal:
        return PaddedTexts(sequences, labels, batch_size, max_len, shuffle, truncating, class_weight)
    fixed_shapes = keras.backend.backend() == "jax"
    padding = "post" if mask_padding else "pre"
    configuration = dict(padding=padding, truncating=truncating, fixed_shapes=fixed_shapes, class_weight=class_weight)
    return LengthBucketedBatches(sequences, labels, batch_size, max_len, shuffle, seed, **configuration)
