"""Unit tests of common.py on tiny hand-made inputs."""

import os
import re
import tarfile

import keras
import numpy as np
import pytest

import common
from conftest import write_corpus


def test_tokenize_lowercases_filters_punctuation_and_keeps_apostrophes():
    text = "Don't miss it!<br />It's GREAT, (really)\tgreat."
    assert common.tokenize(text) == ["don't", "miss", "it", "br", "it's", "great", "really", "great"]


def test_rank_words_by_frequency_with_alphabetical_ties():
    ranked = common.rank_words([["b", "a", "c"], ["c", "a"], ["c"]])
    assert ranked == ["c", "a", "b"]
    assert common.rank_words([["zeta", "alpha"]]) == ["alpha", "zeta"]


def test_index_convention_and_top_words_cut_match_keras_imdb(tmp_path, monkeypatch):
    """Keras' own load_data() on a tiny imdb.npz of ranks gives what we give the same words."""
    vocabulary = ["the", "and", "a", "of", "to", "is"]  # ranked: "the" is Keras' rank 1
    reviews = [["the", "of", "is", "and"], ["to", "a", "the"]]
    ranks = [[vocabulary.index(word) + 1 for word in review] for review in reviews]
    npz = tmp_path / "imdb.npz"
    ragged = lambda rows: np.array([np.array(row) for row in rows], dtype=object)
    # One review per split: load_data() shuffles each split.
    np.savez(npz, x_train=ragged(ranks[:1]), y_train=np.array([0]), x_test=ragged(ranks[1:]), y_test=np.array([1]))
    monkeypatch.setattr(keras.src.datasets.imdb, "get_file", lambda *args, **kwargs: str(npz))
    for top_words in (5, 6, 8, 100):
        (keras_train, _), (keras_test, _) = keras.datasets.imdb.load_data(num_words=top_words)
        ours = common.cut_to_top_words([common.encode(review, common.word_index_of(vocabulary)) for review in reviews], top_words)
        keras_rows = [[int(index) for index in row] for row in (keras_train[0], keras_test[0])]
        assert keras_rows == [row.tolist() for row in ours], top_words
    assert common.word_index_of(vocabulary)["the"] == 4  # Keras: rank 1 + index_from 3


def test_top_words_keeps_indices_below_the_cut_as_load_data_does():
    sequences = [np.array([1, 4, 5, 6, 7, 2], np.int32)]
    assert common.cut_to_top_words(sequences, 6)[0].tolist() == [1, 4, 5, 2, 2, 2]
    word_index = common.word_index_of(["the", "and", "a", "of"])
    assert common.cut_to_top_words([common.encode(["of", "the"], word_index)], 6)[0].tolist() == [1, 2, 4]


def test_padding_goes_before_the_review_and_long_reviews_keep_their_last_words():
    padded = common.pad([np.array([1, 5, 6]), np.array([1, 7, 8, 9, 10, 11])], 4)
    assert padded.tolist() == [[0, 1, 5, 6], [8, 9, 10, 11]]


def test_folder_and_archive_read_the_same_corpus(corpus, tmp_path):
    archive_path = tmp_path / "corpus.tar.gz"
    with tarfile.open(archive_path, "w:gz") as archive:
        archive.add(corpus, arcname="aclImdb")
    from_folder = common.read_text_corpus(corpus)
    from_archive = common.read_text_corpus(str(archive_path))
    assert from_folder.class_names == from_archive.class_names == ["neg", "pos"]
    assert from_folder.train_texts == from_archive.train_texts
    assert from_folder.test_texts == from_archive.test_texts
    assert from_folder.train_labels.tolist() == from_archive.train_labels.tolist()
    assert sorted(np.bincount(from_folder.train_labels).tolist()) == [60, 60]


def test_unlabelled_reviews_of_the_stanford_download_are_left_out(corpus):
    os.makedirs(os.path.join(corpus, "train", "unsup"))
    with open(os.path.join(corpus, "train", "unsup", "0_0.txt"), "w") as handle:
        handle.write("no label")
    assert common.read_text_corpus(corpus).class_names == ["neg", "pos"]


def test_encoded_corpus_ranks_training_words_only(tmp_path):
    root = tmp_path / "tiny"
    for split, label, name, text in [
        ("train", "neg", "0.txt", "bad bad movie"),
        ("train", "pos", "0.txt", "good movie movie"),
        ("test", "neg", "0.txt", "bad unseen"),
        ("test", "pos", "0.txt", "good"),
    ]:
        os.makedirs(root / split / label, exist_ok=True)
        (root / split / label / name).write_text(text)
    dataset = common.load_dataset(str(root), top_words=100)
    assert dataset.vocabulary == ["movie", "bad", "good"]
    assert [sequence.tolist() for sequence in dataset.train_sequences] == [[1, 5, 5, 4], [1, 6, 4, 4]]
    assert [sequence.tolist() for sequence in dataset.test_sequences] == [[1, 5, 2], [1, 6]]


def test_second_load_comes_from_the_cache_and_a_changed_source_is_reread(corpus, monkeypatch):
    first = common.load_dataset(corpus, top_words=50)
    reads = []
    original = common.read_text_corpus
    monkeypatch.setattr(common, "read_text_corpus", lambda path: reads.append(path) or original(path))
    second = common.load_dataset(corpus, top_words=50)
    assert reads == []
    assert all(np.array_equal(a, b) for a, b in zip(first.train_sequences, second.train_sequences))
    assert second.vocabulary == first.vocabulary
    changed = os.path.join(corpus, "train", "pos", "0_pos.txt")
    with open(changed, "a") as handle:
        handle.write(" brandnewword")
    os.utime(changed, ns=(1, 1))
    common.load_dataset(corpus, top_words=50)
    assert reads == [corpus]


def test_limit_takes_a_shuffled_selection_with_both_classes(corpus):
    dataset = common.load_dataset(corpus, top_words=50, limit=4, seed=3)
    assert len(dataset.train_labels) == len(dataset.test_labels) == 4
    assert set(dataset.train_labels.tolist()) == set(dataset.test_labels.tolist()) == {0, 1}
    tiny = common.load_dataset(corpus, top_words=50, limit=2, seed=5)
    assert set(tiny.train_labels.tolist()) == {0, 1}


@pytest.mark.parametrize(
    "layout, message",
    [
        ({"train/neg/a.txt": "x", "train/pos/b.txt": "y"}, "no test/<class>/*.txt"),
        ({"train/neg/a.txt": "x", "train/pos/b.txt": "y", "test/neg/c.txt": "x", "test/other/d.txt": "y"}, "differ"),
        ({"train/neg/a.txt": "x", "test/neg/b.txt": "y"}, "at least two"),
        ({"train/neg/a.txt": "x", "train/pos/": None, "test/neg/b.txt": "y", "test/pos/c.txt": "z"}, "holds no .txt"),
        ({"readme.txt": "x"}, "no train/<class>/*.txt"),
    ],
)
def test_bad_layouts_are_usage_errors(tmp_path, layout, message):
    for relative, text in layout.items():
        path = tmp_path / "data" / relative
        if text is None:
            os.makedirs(path, exist_ok=True)
        else:
            os.makedirs(path.parent, exist_ok=True)
            path.write_text(text)
    with pytest.raises(common.UsageError, match=re.escape(message)):
        common.read_text_corpus(str(tmp_path / "data"))


def test_a_missing_path_and_a_file_that_is_no_archive_are_usage_errors(tmp_path):
    with pytest.raises(common.UsageError, match="does not exist"):
        common.load_dataset(str(tmp_path / "nowhere"), top_words=10)
    not_an_archive = tmp_path / "reviews.tar.gz"
    not_an_archive.write_bytes(b"this is not gzip")
    with pytest.raises(common.UsageError, match="readable .tar.gz"):
        common.read_text_corpus(str(not_an_archive))


def test_invalid_utf8_is_replaced_and_counted(corpus):
    with open(os.path.join(corpus, "train", "neg", "latin1.txt"), "wb") as handle:
        handle.write("caf\xe9 awful".encode("latin-1"))
    read = common.read_text_corpus(corpus)
    assert read.undecodable_files == 1
    assert "caf\ufffd awful" in read.train_texts


@pytest.mark.parametrize("padding", ["pre", "post"])
def test_bucketed_batches_hold_each_review_cut_as_the_tutorial_with_few_distinct_lengths(padding):
    rng = np.random.default_rng(0)
    sequences = [rng.integers(1, 50, size=length).astype(np.int32) for length in rng.integers(1, 70, size=300)]
    labels = rng.integers(0, 2, size=300).astype(np.int32)
    max_len = 50
    straight = common.pad(sequences, max_len)  # the tutorial's: zeros in front, the last max_len words kept
    batches = common.LengthBucketedBatches(sequences, labels, 16, max_len, shuffle=True, seed=1, padding=padding)
    seen, lengths = [], set()
    for index in range(len(batches)):
        x, y = batches[index]
        rows = batches.batches[index]
        longest = min(max_len, max(len(sequences[row]) for row in rows))
        assert longest <= x.shape[1] <= max_len and (x.shape[1] % common.BATCH_LENGTH_MULTIPLE == 0 or x.shape[1] == max_len)
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
    assert len(lengths) <= -(-max_len // common.BATCH_LENGTH_MULTIPLE)
    first_epoch = [rows.tolist() for rows in batches.batches]
    list(batches._one_epoch())
    assert [rows.tolist() for rows in batches.batches] != first_epoch


def _tiny_masked_model():
    return keras.Sequential(
        [
            keras.Input(shape=(None,), dtype="int32"),
            keras.layers.Embedding(20, 4, mask_zero=True),
            keras.layers.LSTM(5),
            common.output_layer(2),
        ]
    )


def test_a_masked_model_predicts_the_same_whatever_the_padding_length():
    common.set_seed(0)
    model = _tiny_masked_model()
    review = np.array([1, 5, 7, 3], np.int32)
    predictions = [model.predict(common.pad([review], length), verbose=0)[0, 0] for length in (4, 9, 40)]
    np.testing.assert_allclose(predictions, predictions[0], rtol=1e-5)


def test_every_masked_batch_is_right_padded_as_cudnn_requires():
    """Keras' own cuDNN check (run on CPU) accepts every batch the default path feeds a masked model."""
    import tensorflow as tf
    from keras.src.backend.tensorflow.rnn import _assert_valid_mask

    model = _tiny_masked_model()
    assert common.padding_side(model) == "post"
    rng = np.random.default_rng(3)
    sequences = [rng.integers(1, 20, size=length).astype(np.int32) for length in rng.integers(1, 90, size=200)]
    for shuffle, batch_size in ((True, 16), (False, common.EVALUATION_BATCH_SIZE)):
        batches = common.LengthBucketedBatches(
            sequences, np.zeros(200, np.int32), batch_size, 64, shuffle=shuffle, padding=common.padding_side(model)
        )
        for index in range(len(batches)):
            x, _ = batches[index]
            _assert_valid_mask(tf.constant(x != common.PADDING_INDEX))
    with pytest.raises(tf.errors.InvalidArgumentError, match="right-padded"):
        _assert_valid_mask(tf.constant(common.pad(sequences[:8], 64) != common.PADDING_INDEX))


def test_a_masked_model_predicts_the_same_for_a_review_padded_either_way():
    common.set_seed(0)
    model = _tiny_masked_model()
    review = [np.array([1, 5, 7, 3], np.int32)]
    before = model.predict(keras.utils.pad_sequences(review, maxlen=12, padding="pre"), verbose=0)
    after = model.predict(keras.utils.pad_sequences(review, maxlen=12, padding="post"), verbose=0)
    np.testing.assert_allclose(before, after, rtol=1e-5)


def test_bucketed_evaluation_returns_predictions_in_input_order():
    common.set_seed(0)
    model = _tiny_masked_model()
    rng = np.random.default_rng(1)
    sequences = [rng.integers(1, 20, size=length).astype(np.int32) for length in rng.integers(1, 15, size=50)]
    bucketed = common.predict_probabilities(model, sequences, max_len=10, literal=False)
    straight = common.predict_probabilities(model, sequences, max_len=10, literal=True)
    np.testing.assert_allclose(bucketed, straight, atol=1e-5)


def test_shared_mask_cell_is_keras_lstm_when_nothing_is_dropped():
    common.set_seed(0)
    inputs = np.random.default_rng(2).normal(size=(3, 7, 4)).astype(np.float32)
    reference = keras.layers.LSTM(6)
    shared = common.shared_mask_lstm(6, dropout=0.2, recurrent_dropout=0.2)
    reference(inputs)
    shared(inputs)
    shared.set_weights(reference.get_weights())
    np.testing.assert_allclose(shared(inputs, training=False), reference(inputs), atol=1e-5)


def test_shared_mask_cell_drops_recurrent_units_in_training():
    common.set_seed(0)
    inputs = np.ones((2, 5, 3), np.float32)
    layer = common.shared_mask_lstm(8, dropout=0.0, recurrent_dropout=0.5)
    assert not np.allclose(layer(inputs, training=True), layer(inputs, training=False))


def test_output_layer_and_loss_follow_the_number_of_classes():
    assert common.output_layer(2).units == 1 and common.loss_for(2) == "binary_crossentropy"
    assert common.output_layer(3).units == 3 and common.loss_for(3) == "sparse_categorical_crossentropy"


def test_the_default_step_decays_to_zero_over_training_and_the_literal_step_is_kerass_default():
    steps = 1000
    decaying = common.ModelConfig(5000, 2, literal=False, training_steps=steps).learning_rate
    assert float(decaying(0)) == pytest.approx(0.001)
    assert float(decaying(steps // 2)) == pytest.approx(0.0005, rel=1e-3)
    assert float(decaying(steps)) == 0.0
    literal = common.ModelConfig(5000, 2, literal=True, training_steps=steps)
    assert literal.learning_rate == 0.001 and literal.gradient_clip_norm is None
    assert common.ModelConfig(5000, 2, literal=False, training_steps=steps).gradient_clip_norm == 1.0


def test_a_model_left_uncompiled_gets_one_line(tmp_path, capsys):
    corpus = write_corpus(tmp_path / "data", reviews_per_class=4)

    def build_model(config):
        layers = [keras.layers.Embedding(10, 2), keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1)]
        return keras.Sequential([keras.Input(shape=(None,), dtype="int32")] + layers)  # no compile()

    with pytest.raises(SystemExit) as exit:
        common.run(build_model, "test", ["--data-dir", corpus, "--top-words", "10"])
    assert exit.value.code == 2
    assert "must compile the model" in capsys.readouterr().err


def test_evaluate_reports_per_class_accuracy():
    class FixedModel:
        def predict(self, x, verbose=0):
            return np.array([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])

    sequences = [np.array([1, 3])] * 4
    result = common.evaluate(FixedModel(), sequences, np.array([0, 1, 1, 2]), ["a", "b", "c"], 5, literal=True)
    assert result["accuracy"] == 0.75
    assert result["class_accuracy"] == {"a": 1.0, "b": 0.5, "c": 1.0}


def test_a_file_written_atomically_appears_only_when_complete(tmp_path):
    target = tmp_path / "record.json"
    with pytest.raises(RuntimeError):
        with common._atomic_path(str(target)) as temporary:
            open(temporary, "w").write("half")
            raise RuntimeError("interrupted")
    assert os.listdir(tmp_path) == []
    with common._atomic_path(str(target)) as temporary:
        open(temporary, "w").write("whole")
    assert os.listdir(tmp_path) == ["record.json"] and target.read_text() == "whole"
