"""Unit tests of helpers/batches.py and recurrent_dropout.py: bucketed batches, padding for cuDNN, the shared mask."""

import keras
import numpy as np
import pytest

import common
from helpers import batches as batching  # the tests' own variables are called batches
from helpers import recurrent_dropout, text_encoding


def pad(sequences, max_len):
    """The tutorial's padding (sequence.pad_sequences), to compare with."""
    return keras.utils.pad_sequences(sequences, maxlen=max_len, dtype="int32")


def test_padding_goes_before_the_review_and_long_reviews_keep_their_last_words():
    sequences = [np.array([1, 5, 6]), np.array([1, 7, 8, 9, 10, 11])]
    padded = batching.PaddedTexts(sequences, np.zeros(2, np.int32), 2, 4, shuffle=False).x  # --literal's
    assert padded.tolist() == [[0, 1, 5, 6], [8, 9, 10, 11]]


@pytest.mark.parametrize("padding", ["pre", "post"])
def test_bucketed_batches_hold_each_review_cut_as_the_tutorial_with_few_distinct_lengths(padding):
    rng = np.random.default_rng(0)
    sequences = [rng.integers(1, 50, size=length).astype(np.int32) for length in rng.integers(1, 70, size=300)]
    labels = rng.integers(0, 2, size=300).astype(np.int32)
    max_len = 50
    straight = pad(sequences, max_len)  # the tutorial's: zeros in front, the last max_len words kept
    batches = batching.LengthBucketedBatches(sequences, labels, 16, max_len, shuffle=True, seed=1, padding=padding)
    seen, lengths = [], set()
    for index in range(len(batches)):
        x, y = batches[index]
        rows = batches.batches[index]
        longest = min(max_len, max(len(sequences[row]) for row in rows))
        assert longest <= x.shape[1] <= max_len and (
            x.shape[1] % batching.BATCH_LENGTH_MULTIPLE == 0 or x.shape[1] == max_len
        )
        for row, padded in zip(rows, x):
            words = straight[row][straight[row] != 0]
            expected = np.zeros(x.shape[1], np.int32)
            if padding == "pre":
                expected[x.shape[1] - len(words) :] = words
            else:
                expected[: len(words)] = words
            assert np.array_equal(padded, expected)
        assert np.array_equal(y, labels[rows])
        seen.extend(rows.tolist())
        lengths.add(x.shape[1])
    assert sorted(seen) == list(range(300))
    assert len(lengths) <= -(-max_len // batching.BATCH_LENGTH_MULTIPLE)
    first_epoch = [rows.tolist() for rows in batches.batches]
    list(batches.pipeline())  # one epoch through fit()'s own feed (TensorFlow's)
    assert [rows.tolist() for rows in batches.batches] != first_epoch


def test_for_jax_every_training_batch_is_full_and_one_of_a_few_lengths_and_filler_rows_weigh_nothing():
    rng = np.random.default_rng(0)
    sequences = [rng.integers(1, 50, size=length).astype(np.int32) for length in rng.integers(1, 700, size=203)]
    labels = rng.integers(0, 2, size=203).astype(np.int32)
    class_weight = {0: 0.5, 1: 2.0}
    batches = batching.LengthBucketedBatches(
        sequences, labels, 16, 500, shuffle=True, seed=1, fixed_shapes=True, class_weight=class_weight
    )
    lengths = [length for length in batching.COMPILED_BATCH_LENGTHS if length < 500] + [500]
    weight_of = {}
    for index in range(len(batches)):
        x, y, weights = batches[index]
        rows = batches.batches[index]
        assert x.shape[0] == len(y) == len(weights) == 16 and x.shape[1] in lengths
        assert x.shape[1] >= min(500, max(len(sequences[row]) for row in rows))
        assert not x[len(rows) :].any() and not weights[len(rows) :].any()  # filler: empty, weighing nothing
        weight_of.update(zip(rows.tolist(), weights[: len(rows)].tolist()))
    assert weight_of == {row: class_weight[int(labels[row])] for row in range(203)}  # each text once, its weight
    evaluation = batching.LengthBucketedBatches(sequences, labels, 64, 500, shuffle=False, fixed_shapes=True)
    assert sorted(np.concatenate(evaluation.batches).tolist()) == list(range(203))
    assert all(evaluation[index][0].shape[1] in lengths for index in range(len(evaluation)))


@pytest.mark.slow
def test_each_epoch_of_fit_gets_new_batches_and_every_review_once(monkeypatch):
    """Through Keras' fit, as the scripts train: tf.data starts an epoch's generator before the last one ends."""
    rng = np.random.default_rng(0)
    sequences = [rng.integers(1, 20, size=length).astype(np.int32) for length in rng.integers(1, 30, size=100)]
    labels = rng.integers(0, 2, size=100).astype(np.int32)
    served = []
    batch = batching.LengthBucketedBatches._batch
    monkeypatch.setattr(
        batching.LengthBucketedBatches, "_batch", lambda self, rows: served.append(tuple(rows)) or batch(self, rows)
    )
    model = _tiny_masked_model()
    model.compile(loss=common.loss_for(2), optimizer="adam")
    train = batching.padded_batches(sequences, labels, 10, 30, "pre", False, True, shuffle=True, seed=1)
    model.fit(train.pipeline(), epochs=3, shuffle=False, verbose=0)
    epochs = [served[start : start + 10] for start in (0, 10, 20)]  # 100 reviews: 10 batches an epoch
    for epoch in epochs:
        assert sorted(row for rows in epoch for row in rows) == list(range(100))
    assert epochs[0] != epochs[1] and epochs[1] != epochs[2]
    # Keras drops an epoch's iterator after its last batch, before the generator's end, and whether tf.data's
    # prefetch thread reaches that end first is a race: the generator itself (private, the one way to take the
    # thread out) must give the next epoch new batches without being run to its end.
    served.clear()
    batches = batching.LengthBucketedBatches(sequences, labels, 10, 30, shuffle=True, seed=1)
    first, second = batches._one_epoch(), batches._one_epoch()
    [next(first) for _ in range(10)]
    [next(second) for _ in range(10)]
    assert served[:10] != served[10:]


def _tiny_masked_model():
    return keras.Sequential(
        [
            keras.Input(shape=(None,), dtype="int32"),
            keras.layers.Embedding(20, 4, mask_zero=True),
            keras.layers.LSTM(5),
            common.output_layer(2),
        ]
    )


@pytest.mark.slow
@pytest.mark.thorough
def test_a_masked_model_gets_from_the_batches_what_it_gives_each_text_alone():
    """Our promise for a model that masks its padding: however the batches sort, group and pad the texts, each
    text's probability is the model's on that text alone, unpadded, and in the texts' order."""
    common.set_seed(0)
    model = _tiny_masked_model()
    rng = np.random.default_rng(5)
    sequences = [rng.integers(1, 20, size=length).astype(np.int32) for length in rng.integers(1, 60, size=40)]
    batches = batching.padded_batches(sequences, np.zeros(40, np.int32), 16, 64, "pre", False, mask_padding=True)
    alone = [model.predict(sequence[np.newaxis], verbose=0)[0, 0] for sequence in sequences]
    np.testing.assert_allclose(batches.predict(model)[:, 1], alone, rtol=1e-4, atol=1e-6)


def right_padded(x):
    """Whether every row is its words, then padding only: what cuDNN requires of a masked LSTM's mask."""
    words = x != text_encoding.PADDING_INDEX
    return bool(np.all(words[:, 1:] <= words[:, :-1]))  # no word after a padding index


@pytest.mark.parametrize("mask_padding", [True, False])
def test_batches_pad_after_the_words_for_a_masked_model_and_in_front_otherwise(mask_padding):
    """cuDNN, which Keras uses for a masked LSTM on a GPU, accepts only right-padded masks; a model that reads its
    padding (cnn_lstm.py) gets it in front, as the tutorial's pad_sequences puts it."""
    rng = np.random.default_rng(3)
    sequences = [rng.integers(1, 20, size=length).astype(np.int32) for length in rng.integers(1, 90, size=200)]
    for shuffle, batch_size in ((True, 16), (False, batching.EVALUATION_BATCH_SIZE)):
        batches = batching.padded_batches(
            sequences, np.zeros(200, np.int32), batch_size, 64, "pre", False, mask_padding, shuffle=shuffle
        )
        for index in range(len(batches)):
            x = batches[index][0]
            assert right_padded(x) if mask_padding else right_padded(x[:, ::-1])  # reversed: padded in front
    assert not right_padded(pad(sequences[:8], 64))  # the check sees padding in front


@pytest.mark.slow
def test_bucketed_evaluation_returns_predictions_in_input_order():
    common.set_seed(0)
    model = _tiny_masked_model()
    rng = np.random.default_rng(1)
    sequences = [rng.integers(1, 20, size=length).astype(np.int32) for length in rng.integers(1, 15, size=50)]
    labels = np.zeros(len(sequences), np.int32)
    bucketed = batching.padded_batches(sequences, labels, 16, 10, "pre", literal=False, mask_padding=True)
    straight = batching.padded_batches(sequences, labels, 16, 10, "pre", literal=True, mask_padding=True)
    bucketed, straight = bucketed.predict(model), straight.predict(model)
    np.testing.assert_allclose(bucketed, straight, atol=1e-5)


def test_shared_mask_cell_is_keras_lstm_when_nothing_is_dropped():
    common.set_seed(0)
    inputs = np.random.default_rng(2).normal(size=(3, 7, 4)).astype(np.float32)
    reference = keras.layers.LSTM(6)
    shared = recurrent_dropout.shared_mask_lstm(6, dropout=0.2, recurrent_dropout=0.2)
    reference(inputs)
    shared(inputs)
    shared.set_weights(reference.get_weights())
    np.testing.assert_allclose(shared(inputs, training=False), reference(inputs), atol=1e-5)


def test_shared_mask_cell_drops_recurrent_units_in_training():
    common.set_seed(0)
    inputs = np.ones((2, 5, 3), np.float32)
    layer = recurrent_dropout.shared_mask_lstm(8, dropout=0.0, recurrent_dropout=0.5)
    assert not np.allclose(layer(inputs, training=True), layer(inputs, training=False))


def test_shared_mask_cell_drops_the_same_recurrent_units_for_all_four_gates_at_every_step():
    """Its promise: one recurrent mask, of the state's units, drawn once per sequence (Keras' LSTMCell with
    recurrent_dropout draws one per gate)."""
    common.set_seed(0)
    cell = recurrent_dropout.SharedMaskLSTMCell(6, recurrent_dropout=0.5)
    keras.layers.RNN(cell).build((2, 5, 3))
    hidden = keras.ops.ones((2, 6))
    mask = cell.get_recurrent_dropout_mask(hidden)
    assert not isinstance(mask, (list, tuple)) and tuple(mask.shape) == (2, 6)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(cell.get_recurrent_dropout_mask(hidden)), mask)
