"""The serving model --save writes (helpers/serving.py): raw text in, each class's probability out, TensorFlow alone."""

import json
import os
import shutil

import keras
import numpy as np
import pytest
import tensorflow as tf

import baseline
import common
import lstm_simple
import predict
from conftest import ROOT, SAVES, one_error_line, run_in_process, run_script
from helpers import corpus, flags, folders, saving, serving, texts

TINY = ["--epochs", "1", "--max-len", "30", "--top-words", "200", "--verbose", "0"]
# A Python that knows nothing of this project: isolated (-I: no PYTHONPATH, no user site, no script folder on
# sys.path), started in an empty folder. It classifies awkward input with TensorFlow alone.
CLEAN_LOADER = """
import importlib.util, json, sys
import tensorflow as tf
assert not [name for name in ("common", "helpers", "lstm_simple", "predict") if importlib.util.find_spec(name)]
texts = [b"wonderful word3 wonderful", b"awful word5 awful", b"", "x " * 500_000, b"\\xff\\xfe not UTF-8 \\xc3"]
results = {}
for folder in sys.argv[1:]:
    classifier = tf.saved_model.load(folder)
    outputs = classifier.serve(tf.constant(texts))
    none = classifier.serve(tf.constant([], tf.string))
    default = classifier.signatures["serving_default"](texts=tf.constant(texts[:1]))
    results[folder] = {
        "probabilities": outputs["probabilities"].numpy().tolist(),
        "predicted_class": [name.decode() for name in outputs["predicted_class"].numpy()],
        "class_names": [name.decode() for name in classifier.class_names().numpy()],
        "no_texts": list(none["probabilities"].shape),
        "serving_default": default["probabilities"].numpy().tolist(),
        "alone": [classifier.serve(tf.constant([text]))["probabilities"].numpy()[0].tolist() for text in texts],
    }
print(json.dumps(results))
"""


def check_in_a_python_of_tensorflow_alone(saves, tmp_path):
    """Each save's serving model, loaded by CLEAN_LOADER in a Python that cannot import this project."""
    for folder in saves.values():
        assert sorted(os.listdir(folder)) == [saving.MODEL_FILE, saving.SERVING_FOLDER], folder
    empty = tmp_path / "empty"
    empty.mkdir()
    serving_folders = [os.path.join(folder, saving.SERVING_FOLDER) for folder in saves.values()]
    completed = run_script("-I", "-c", CLEAN_LOADER, *serving_folders, cwd=empty, env={"TF_CPP_MIN_LOG_LEVEL": "3"})
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = json.loads(completed.stdout.splitlines()[-1])
    assert len(results) == len(SAVES)
    for folder, result in results.items():
        probabilities = np.array(result["probabilities"])
        assert probabilities.shape == (5, 2), folder
        np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
        assert result["class_names"] == ["neg", "pos"]
        assert result["predicted_class"] == [result["class_names"][row.argmax()] for row in probabilities]
        assert result["no_texts"] == [0, 2]  # a batch of no texts is an answer of no rows
        np.testing.assert_allclose(result["serving_default"], probabilities[:1], atol=1e-6)
        # A text's answer does not depend on its batch; on JAX, cnn_lstm's texts of 32 and of 40 indices or fewer
        # go to the programs exported for those lengths.
        np.testing.assert_allclose(result["alone"], probabilities, atol=1e-6)


@pytest.mark.slow
@pytest.mark.xdist_group("tensorflow_saves")
@pytest.mark.thorough
def test_every_scripts_serving_model_classifies_raw_text_with_tensorflow_alone(tensorflow_saves, tmp_path):
    check_in_a_python_of_tensorflow_alone(tensorflow_saves, tmp_path)


@pytest.mark.slow
@pytest.mark.xdist_group("other_backends")
@pytest.mark.thorough
def test_every_scripts_serving_model_exported_from_another_backend_classifies_with_tensorflow_alone(
    backend_run, small_corpus, tmp_path
):
    backend, (saves, _) = backend_run
    if backend not in serving.SERVING_BACKENDS:
        pytest.skip(f"Keras exports no serving model from {backend}")
    check_in_a_python_of_tensorflow_alone(saves, tmp_path)
    # cnn_lstm's model, trained on JAX's batch lengths (32, then --max-len 40), is served at those lengths.
    served, expected = served_and_trained(saves["cnn_lstm", "default"], small_corpus, [32, 40])
    assert np.abs(served - expected).max() < 1e-5


def trained_models_probabilities(model, sequences, max_len, lengths):
    """model.keras on the training encoding, each text cut to its last max_len indices and padded as in training:
    after it, to the longest (lengths None: a masked model, where the amount changes nothing), or in front, alone,
    to the first of `lengths` that holds it (cnn_lstm.py's length-sorted batches; --literal's is max_len alone)."""
    cut = [sequence[-max_len:] for sequence in sequences]
    if lengths is None:
        padded = keras.utils.pad_sequences(cut, maxlen=max(map(len, cut)), padding="post", dtype="int32")
        return model.predict(padded, verbose=0)[:, 0]
    widths = [min(length for length in lengths if length >= len(sequence)) for sequence in cut]
    return np.array([
        model.predict(keras.utils.pad_sequences([sequence], maxlen=width, dtype="int32"), verbose=0)[0, 0]
        for sequence, width in zip(cut, widths)
    ])  # fmt: skip


def served_and_trained(folder, corpus, lengths):
    """The serving model's probability of the second class on the corpus' raw test texts, and model.keras' on
    their training encoding (conftest.BRIEF_RUN: 60 top words, cut to 40)."""
    sequences = texts.cut_to_top_words(texts.load_own_texts(corpus).test_sequences, 60)
    trained = keras.saving.load_model(os.path.join(folder, saving.MODEL_FILE))
    expected = trained_models_probabilities(trained, sequences, 40, lengths)
    classifier = serving.load(folder)  # held: TensorFlow frees what a loaded model no one holds refers to
    served = classifier.serve(tf.constant(folders.read_corpus(corpus)[0].test_texts))["probabilities"].numpy()[:, 1]
    assert classifier.padded_lengths().numpy().tolist() == (lengths or [])
    return served, expected


@pytest.mark.xdist_group("tensorflow_saves")
@pytest.mark.parametrize(
    "script, configuration", [("lstm_simple", "default"), ("cnn_lstm", "default"), ("cnn_lstm", "literal")]
)
@pytest.mark.slow
@pytest.mark.thorough
def test_the_serving_model_gives_the_trained_models_probabilities_on_the_training_encoding(
    script, configuration, tensorflow_saves, small_corpus
):
    lengths = {"lstm_simple": None, "cnn_lstm": [16, 32, 40] if configuration == "default" else [40]}[script]
    sequences = texts.load_own_texts(small_corpus).test_sequences
    assert {min(length for length in (16, 32, 40) if length >= min(len(row), 40)) for row in sequences} == {16, 32, 40}
    served, expected = served_and_trained(tensorflow_saves[script, configuration], small_corpus, lengths)
    assert np.abs(served - expected).max() < 1e-5
    classifier = serving.load(tensorflow_saves[script, configuration])
    raw_texts = folders.read_corpus(small_corpus)[0].test_texts
    alone = [classifier.serve(tf.constant([text]))["probabilities"].numpy()[0, 1] for text in raw_texts[:8]]
    assert np.abs(served[:8] - alone).max() < 1e-6  # a text's answer does not depend on the others in its batch


@pytest.mark.slow
@pytest.mark.xdist_group("tensorflow_saves")
@pytest.mark.thorough
def test_the_baselines_serving_model_gives_its_probabilities_on_the_training_tf_idf(tensorflow_saves, small_corpus):
    folder = tensorflow_saves["baseline", "default"]
    argv = ["--data-dir", small_corpus, "--limit", "40"]  # as conftest.save_runs trained it
    args = flags.parse(argv, "baseline.py", "", flags.Recipe.of_script(vars(baseline)))
    data = common.load_data(args)
    tf_idf = baseline.TfIdfOfWordsAndPairs(data.train_sequences)  # weighed on the same texts as in training
    trained = keras.saving.load_model(os.path.join(folder, saving.MODEL_FILE))
    test_sequences = texts.cut_to_top_words(texts.load_own_texts(small_corpus).test_sequences, args.top_words)
    expected = trained.predict(tf_idf.tf_idf(tf_idf.as_strings(test_sequences)), verbose=0)[:, 0]
    raw_texts = folders.read_corpus(small_corpus)[0].test_texts  # all of them, not only the 40 of --limit
    classifier = serving.load(folder)  # held: TensorFlow frees what a loaded model no one holds refers to
    served = classifier.serve(tf.constant(raw_texts))["probabilities"].numpy()[:, 1]
    assert np.abs(served - expected).max() < 1e-5


def test_the_baselines_own_counts_are_the_vectorizers(small_corpus):
    data = texts.load_own_texts(small_corpus)
    tf_idf = baseline.TfIdfOfWordsAndPairs(texts.cut_to_top_words(data.train_sequences, 300))
    strings = tf_idf.as_strings(texts.cut_to_top_words(data.test_sequences, 300))
    vectorizer_counts = keras.ops.convert_to_numpy(tf_idf.vectorizer(strings))
    assert vectorizer_counts.sum() > 0
    np.testing.assert_array_equal(tf_idf.counts(strings).numpy(), vectorizer_counts)


@pytest.mark.slow
@pytest.mark.thorough
def test_a_model_of_keras_imdb_serves_with_keras_word_index(tmp_path, monkeypatch):
    """Trained on keras.datasets.imdb (no vocabulary of ours): its words are Keras' ranks, shifted by 3."""
    monkeypatch.setattr(keras.datasets.imdb, "get_word_index", lambda: {"the": 1, "film": 2, "wonderful": 3})
    model = keras.Sequential([keras.Input((None,), dtype="int32"), keras.layers.Embedding(6, 2, mask_zero=True)])
    model.add(keras.layers.LSTM(2))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    args = lstm_args_for_saving(top_words=6)
    data = corpus.Dataset([], np.array([]), [], np.array([]), ["neg", "pos"], None)
    saving.save_model(model, str(tmp_path / "model"), saving.text_path(model, args, data))
    classifier = serving.load(str(tmp_path / "model"))
    encoded = classifier.encode(tf.constant(["The wonderful film, the end"])).numpy()
    assert encoded.tolist() == [[1, 4, 2, 5, 4, 2]]  # wonderful is index 6, beyond the 6 top words: OOV


def lstm_args_for_saving(top_words):
    recipe = flags.Recipe.of_script(vars(lstm_simple) | {"TOP_WORDS": top_words, "MAX_REVIEW_LENGTH": 10})
    return flags.parse([], "lstm_simple.py", "", recipe)


@pytest.mark.slow
@pytest.mark.thorough
def test_a_save_from_an_earlier_version_is_replaced_whole_and_its_encoding_removed(small_corpus, tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / saving.MODEL_FILE).write_bytes(b"an earlier model")
    (folder / saving.EARLIER_ENCODING_FILE).write_text("{}")
    (folder / "NOTES.txt").write_text("mine")
    lstm_simple.main(["--data-dir", small_corpus, "--save", str(folder), *TINY])
    assert sorted(os.listdir(folder)) == ["NOTES.txt", saving.MODEL_FILE, saving.SERVING_FOLDER]


@pytest.mark.slow
@pytest.mark.thorough
def test_on_a_backend_that_cannot_export_save_writes_model_keras_and_says_so_before_training(
    small_corpus, tmp_path, monkeypatch, capsys
):
    """PyTorch (Keras exports a SavedModel from TensorFlow and JAX only): the mechanism, on this backend."""
    monkeypatch.setattr(serving, "SERVING_BACKENDS", ())
    folder = tmp_path / "model"
    completed = run_in_process(capsys, lstm_simple.main, "--data-dir", small_corpus, "--save", str(folder), *TINY)
    assert completed.returncode == 0, completed.stderr
    note = [line for line in completed.stderr.splitlines() if "serving model" in line]
    assert len(note) == 1 and note[0].startswith("note: --save writes model.keras only")
    assert completed.stdout.index("Saved the model of seed 7 in") > completed.stdout.index("Accuracy:")
    assert os.listdir(folder) == [saving.MODEL_FILE]
    refused = run_in_process(capsys, predict.main, str(folder), "a text")
    assert refused.returncode == 2 and "is not a folder written by --save" in one_error_line(refused)


@pytest.mark.slow
def test_predict_py_classifies_a_megabyte_line_and_bytes_that_are_not_utf8(saved_model, tmp_path, capsys):
    texts_file = tmp_path / "texts.txt"
    texts_file.write_bytes(b"wonderful " * 100_000 + b"\nawful \xff\xfe word3\n")
    completed = run_in_process(capsys, predict.main, str(saved_model), "--file", str(texts_file))
    assert completed.returncode == 0, completed.stderr
    assert len(completed.stdout.splitlines()) == 2 and "not valid UTF-8" in completed.stderr


@pytest.mark.slow
@pytest.mark.xdist_group("tensorflow_saves")
@pytest.mark.thorough
def test_predict_py_gives_each_text_the_serving_models_answer_whatever_the_batch(tensorflow_saves, monkeypatch):
    """cnn_lstm.py's model, which reads its padding: texts of 2 to 50 words, in batches that mix their lengths."""
    many = [f"wonderful word{number} " * (number % 25 + 1) for number in range(50)] + ["awful word3 awful"] * 3
    classifier = predict.load_serving_model(tensorflow_saves["cnn_lstm", "default"]).classifier
    one_by_one = np.concatenate([classifier.serve(tf.constant([text]))["probabilities"].numpy() for text in many])
    monkeypatch.setattr(predict, "CLASSIFY_BATCH_SIZE", 8)  # batches of texts sorted by length
    np.testing.assert_allclose(predict.classify(classifier, many)[0], one_by_one, atol=1e-6)


@pytest.mark.slow
def test_the_serving_models_readme_lines_run_as_written(saved_model, tmp_path):
    """The README's few lines of Python, with the saved folder's name: TensorFlow alone, outside the project."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    start = readme.index("    import tensorflow as tf\n")
    lines = []
    for line in readme[start:].splitlines():
        if not line.startswith("    "):
            break
        lines.append(line[4:])
    program = "\n".join(lines).replace("imdb_model", str(saved_model))
    completed = run_script("-I", "-c", program, cwd=tmp_path, env={"TF_CPP_MIN_LOG_LEVEL": "3"})
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "pos" in completed.stdout or "neg" in completed.stdout


@pytest.mark.slow
def test_a_backend_that_cannot_export_refuses_a_folder_whose_serving_model_it_could_not_replace(
    saved_model, tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(serving, "SERVING_BACKENDS", ())
    folder = tmp_path / "earlier"
    shutil.copytree(saved_model, folder)
    argv = ["--data-dir", str(tmp_path / "not read"), "--save", str(folder)]
    completed = run_in_process(capsys, lstm_simple.main, *argv)
    assert completed.returncode == 2 and "which this backend cannot write anew" in one_error_line(completed)
