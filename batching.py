"""Speed-ups: how reviews are batched and fed to a model, and a recurrent-dropout cell that stays fused.

Two ways to feed a model, chosen once in `common.py` (`--literal` or not):
- `PaddedToMaxLen`, the tutorial's: every review padded or cut to MAX_LEN,
  Keras' own batching for training and prediction;
- `LengthBucketed`, the default: batches of reviews of similar length, each
  padded only to its own longest review (rounded up to a multiple of 16), the
  padding after the review when the model masks it.
Both have the same two methods, `fit` and `predict`, so nothing else needs to
know which one runs. On JAX, which compiles a program for each input shape,
bucketed batches take their length from a short fixed list and every training
batch is full, so that only the first epoch compiles.
"""

import keras
import numpy as np
from keras import layers, ops

EVALUATION_BATCH_SIZE = 1024  # prediction keeps no gradients: big batches are cheaper
BUCKET_POOL_BATCHES = 50  # length-sorting happens within pools of 50 batches
# Batch lengths are rounded up to a multiple of this, so that a backend that
# compiles one program per input shape (JAX) compiles a few dozen, not hundreds.
BATCH_LENGTH_MULTIPLE = 16
# JAX compiles a program for each input shape (TensorFlow's traced functions and
# PyTorch take any length): there, a batch is padded to the first of these
# lengths that holds it (or to max_len), a dozen shapes in all.
COMPILED_BATCH_LENGTHS = (32, 64, 96, 128, 160, 192, 256, 320, 384, 448)


def compiles_per_shape():
    """Whether the Keras backend compiles a program for each input shape (JAX does)."""
    return keras.backend.backend() == "jax"


def cut(sequence, max_len, truncating):
    """A review cut to max_len words: the last ones ("pre", the tutorial's) or the first ("post")."""
    return sequence[-max_len:] if truncating == "pre" else sequence[:max_len]


def pad(sequences, max_len, truncating="pre"):
    """The tutorial's padding: zeros before the review, every review max_len long."""
    return keras.utils.pad_sequences(sequences, maxlen=max_len, dtype="int32", truncating=truncating)


def padding_side(model):
    """Where bucketed batches put their padding: after the review when the model masks it.

    cuDNN, which Keras' TensorFlow backend uses for a masked LSTM on a GPU,
    accepts only masks padded on the right; with the padding masked, the side
    changes nothing else. A model that cannot mask (cnn_lstm.py) keeps the
    tutorial's padding in front, so its LSTM reads the real words last.
    """
    masked = any(getattr(layer, "mask_zero", False) for layer in model.layers)
    return "post" if masked else "pre"


class LengthBucketedBatches(keras.utils.PyDataset):
    """Batches of reviews of similar length, each padded only to its own longest review.

    Every review is cut to max_len as the tutorial cuts it; a batch is padded
    to its longest review rounded up to BATCH_LENGTH_MULTIPLE (at most
    max_len). For training, each epoch shuffles the reviews, sorts them by
    length within pools of BUCKET_POOL_BATCHES batches and shuffles the order
    of the batches, so batches stay random while holding little padding.

    With fixed_shapes (for JAX), a batch's length is the first of
    COMPILED_BATCH_LENGTHS that holds its longest review, and the last, short
    training batch is filled up with empty rows that weigh nothing in the
    loss. Class weights, if given, travel as per-row weights (what Keras
    makes of fit's class_weight, which it refuses beside row weights).
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
        self.sequences = [cut(sequence, max_len, truncating) for sequence in sequences]
        self.labels = labels
        self.batch_size = batch_size
        self.max_len = max_len
        self.shuffle = shuffle
        self.padding = padding
        self.lengths_to_pad_to = None
        if fixed_shapes:
            self.lengths_to_pad_to = [length for length in COMPILED_BATCH_LENGTHS if length < max_len] + [max_len]
        self.row_weights = None
        if class_weight is not None or (fixed_shapes and shuffle):
            self.row_weights = np.array([(class_weight or {}).get(int(label), 1.0) for label in labels], np.float32)
        self.rng = np.random.default_rng(seed)
        self.lengths = np.array([len(sequence) for sequence in self.sequences])
        self.batches = self._batch_order()

    def _batch_order(self):
        if not self.shuffle:
            # Sorted once: prediction order does not matter, padding does.
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

    def padded_length(self, longest):
        """The length a batch whose longest review has `longest` words is padded to."""
        if self.lengths_to_pad_to is not None:
            return next(length for length in self.lengths_to_pad_to if length >= longest)
        return min(self.max_len, -(-longest // BATCH_LENGTH_MULTIPLE) * BATCH_LENGTH_MULTIPLE)

    def __getitem__(self, index):
        return self._batch(self.batches[index])

    def _batch(self, rows):
        length = self.padded_length(int(self.lengths[rows].max()))
        x = keras.utils.pad_sequences(
            [self.sequences[row] for row in rows], maxlen=length, dtype="int32", padding=self.padding
        )
        if self.row_weights is None:
            return x, self.labels[rows]
        y, weights = self.labels[rows], self.row_weights[rows]
        missing = self.batch_size - len(rows) if self.lengths_to_pad_to is not None and self.shuffle else 0
        if missing:  # the last batch, filled up to the one shape JAX compiled for training
            x = np.concatenate([x, np.zeros((missing, length), x.dtype)])
            y = np.concatenate([y, np.zeros(missing, y.dtype)])
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

    def for_fit(self):
        """The batches as fit() takes them, a new order each epoch: a tf.data pipeline on TensorFlow, else a PyDataset.

        On TensorFlow not a keras.utils.PyDataset: Keras guesses a PyDataset's
        shapes from its first two batches and would fix the length if those
        two happened to be equally long; here every batch has a length of its
        own. On JAX and PyTorch, a tf.data pipeline's threads compete with the
        backend's for the cores (on JAX, on two cores: stalls of seconds, an
        epoch twice as long); a PyDataset is read in Keras' own loop.
        """
        if keras.backend.backend() != "tensorflow":
            return self
        import tensorflow as tf

        signature = (tf.TensorSpec((None, None), tf.int32), tf.TensorSpec((None,), self.labels.dtype))
        if self.row_weights is not None:
            signature += (tf.TensorSpec((None,), tf.float32),)
        dataset = tf.data.Dataset.from_generator(self._one_epoch, output_signature=signature)
        # A known length lets Keras' progress bar count the steps of an epoch.
        return dataset.apply(tf.data.experimental.assert_cardinality(len(self))).prefetch(2)


def class_probabilities(probabilities):
    """A sigmoid's one column as the probabilities of both classes."""
    if probabilities.shape[1] == 1:
        probabilities = np.concatenate([1.0 - probabilities, probabilities], axis=1)
    return probabilities


class PaddedToMaxLen:
    """The tutorial's feeding: every review padded to max_len, Keras' fit() and predict() as they come."""

    def __init__(self, max_len, truncating="pre"):
        self.max_len = max_len
        self.truncating = truncating

    def fit(
        self, model, sequences, labels, epochs, batch_size, seed, callbacks, verbose, validation=None, class_weight=None
    ):
        validation_data = None
        if validation is not None:
            validation_data = (pad(validation[0], self.max_len, self.truncating), validation[1])
        return model.fit(
            pad(sequences, self.max_len, self.truncating),
            labels,
            epochs=epochs,
            batch_size=batch_size,
            callbacks=callbacks,
            verbose=verbose,
            validation_data=validation_data,
            class_weight=class_weight,
        )

    def predict(self, model, sequences):
        """Class probabilities in input order, shape (n, classes); Keras' default batch size, as the tutorial."""
        return class_probabilities(model.predict(pad(sequences, self.max_len, self.truncating), verbose=0))


class LengthBucketed:
    """The default feeding: length-bucketed batches, padded after the review when the model masks it."""

    def __init__(self, max_len, truncating="pre"):
        self.max_len = max_len
        self.truncating = truncating

    def _batches(self, model, sequences, labels, batch_size, shuffle, seed=0, class_weight=None):
        return LengthBucketedBatches(
            sequences,
            labels,
            batch_size,
            self.max_len,
            shuffle,
            seed,
            padding_side(model),
            self.truncating,
            fixed_shapes=compiles_per_shape(),
            class_weight=class_weight,
        )

    def fit(
        self, model, sequences, labels, epochs, batch_size, seed, callbacks, verbose, validation=None, class_weight=None
    ):
        batches = self._batches(
            model, sequences, labels, batch_size, shuffle=True, seed=seed, class_weight=class_weight
        )
        validation_data = None
        if validation is not None:
            validation_data = self._batches(model, *validation, EVALUATION_BATCH_SIZE, shuffle=False).for_fit()
        # shuffle=False: the batches shuffle themselves, by length pools, each epoch.
        return model.fit(
            batches.for_fit(),
            epochs=epochs,
            shuffle=False,
            callbacks=callbacks,
            verbose=verbose,
            validation_data=validation_data,  # the batches weigh their rows themselves: no class_weight here
        )

    def predict(self, model, sequences):
        """Class probabilities in input order, shape (n, classes), from sorted batches of 1,024."""
        batches = self._batches(
            model, sequences, np.zeros(len(sequences), np.int32), EVALUATION_BATCH_SIZE, shuffle=False
        )
        probabilities = np.empty((len(sequences), model.output_shape[-1]), np.float32)
        for index in range(len(batches)):
            probabilities[batches.batches[index]] = ops.convert_to_numpy(model.predict_on_batch(batches[index][0]))
        return class_probabilities(probabilities)


# ---------------------------------------------------------------------------
# Recurrent dropout that keeps the LSTM's two fused products per step


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
