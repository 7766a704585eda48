"""The template is the script: copied with common.py and helpers/, and adapted by editing the script alone."""

import os
import shutil

import keras

import common
import lstm_simple
from conftest import ROOT, one_error_line, run_in_process, run_script, write_corpus

QUICK = ["--epochs", "2", "--max-len", "40", "--top-words", "400", "--verbose", "0"]


def copy_of_the_template(folder, script="lstm_simple.py", edits=()):
    """What the README says to copy, into an empty folder, with the script edited as a user would edit it."""
    os.makedirs(folder)
    shutil.copy(os.path.join(ROOT, "common.py"), folder)
    shutil.copytree(
        os.path.join(ROOT, "helpers"), os.path.join(folder, "helpers"), ignore=shutil.ignore_patterns("__pycache__")
    )
    with open(os.path.join(ROOT, script), encoding="utf-8") as handle:
        source = handle.read()
    for old, new in edits:
        assert old in source, old
        source = source.replace(old, new)
    with open(os.path.join(folder, script), "w", encoding="utf-8") as handle:
        handle.write(source)
    return str(folder)


def accuracy_of(completed):
    (line,) = [line for line in completed.stdout.splitlines() if line.startswith("Accuracy: ")]
    return float(line.removeprefix("Accuracy: ").removesuffix("%"))


def test_the_script_common_py_and_helpers_alone_train_and_save_in_an_empty_folder(tmp_path):
    folder = copy_of_the_template(tmp_path / "mine")
    corpus = write_corpus(tmp_path / "corpus", reviews_per_class=150, seed=4)
    environment = {"KERAS_HOME": str(tmp_path / "keras_home")}
    completed = run_script(
        "lstm_simple.py", "--data-dir", corpus, "--save", "model", *QUICK, cwd=folder, env=environment
    )
    assert completed.returncode == 0, completed.stderr
    assert accuracy_of(completed) > 60  # chance is 50
    assert sorted(os.listdir(os.path.join(folder, "model"))) == ["model.keras", "serving"]


def test_another_keras_model_in_build_model_fits_evaluates_saves_and_predicts(tmp_path):
    """Any compiled model that reads word indices: a bidirectional LSTM whose outputs are averaged."""
    other_model = """def build_model(config):
    model = keras.Sequential(
        [
            keras.Input(shape=(None,), dtype="int32"),
            layers.Embedding(config.top_words, 16, mask_zero=config.mask_padding),
            layers.Bidirectional(layers.LSTM(8, return_sequences=True)),
            layers.GlobalAveragePooling1D(),
            common.output_layer(config.num_classes),
        ]
    )
    model.compile(loss=common.loss_for(config.num_classes), optimizer="adam", metrics=["accuracy"])
    return model


def main("""
    start_of_the_model, start_of_main = "def build_model(config):", "def main("
    with open(os.path.join(ROOT, "lstm_simple.py"), encoding="utf-8") as handle:
        source = handle.read()
    the_tutorials = source[source.index(start_of_the_model) : source.index(start_of_main) + len(start_of_main)]
    folder = copy_of_the_template(tmp_path / "mine", edits=[(the_tutorials, other_model)])
    corpus = write_corpus(tmp_path / "corpus", reviews_per_class=150, seed=4)
    environment = {"KERAS_HOME": str(tmp_path / "keras_home")}
    trained = run_script("lstm_simple.py", "--data-dir", corpus, "--save", "model", *QUICK, cwd=folder, env=environment)
    assert trained.returncode == 0, trained.stderr
    assert "bidirectional" in trained.stdout and accuracy_of(trained) > 90
    model = os.path.join(folder, "model")
    predicted = run_script("predict.py", model, "wonderful word3 wonderful word8", "awful word5 awful", env=environment)
    assert predicted.returncode == 0, predicted.stderr
    assert [line.split("\t")[0] for line in predicted.stdout.splitlines()] == ["pos", "neg"]


def test_your_own_lists_of_texts_and_labels_in_place_of_the_data_call(tmp_path):
    data_call = "data = common.load_data(args)"
    own_lists = """texts = ["a wonderful film", "awful, just awful", "wonderful wonderful", "an awful plot"] * 40
    labels = ["good", "bad", "good", "bad"] * 40
    data = common.load_texts(args, texts[:120], labels[:120], texts[120:], labels[120:])"""
    folder = copy_of_the_template(tmp_path / "mine", edits=[(data_call, own_lists)])
    completed = run_script("lstm_simple.py", *QUICK, cwd=folder, env={"KERAS_HOME": str(tmp_path / "keras_home")})
    assert completed.returncode == 0, completed.stderr
    assert "120 training and 40 test texts, 2 classes:" in completed.stdout
    assert "  bad " in completed.stdout and "  good " in completed.stdout  # the class names are the labels
    assert accuracy_of(completed) == 100.0


def test_a_model_that_does_not_mask_while_mask_padding_says_it_does_is_one_line(tmp_path, capsys, monkeypatch):
    """Batches padded after the text, read unmasked, would teach the LSTM the padding last: refused, not trained."""

    def build_model(config):
        model = keras.Sequential(
            [keras.Input(shape=(None,), dtype="int32"), keras.layers.Embedding(config.top_words, 4)]
            + [keras.layers.LSTM(4), common.output_layer(config.num_classes)]
        )
        model.compile(loss=common.loss_for(config.num_classes), optimizer="adam")
        return model

    monkeypatch.setattr(lstm_simple, "build_model", build_model)
    corpus = write_corpus(tmp_path / "corpus", reviews_per_class=10)
    completed = run_in_process(capsys, lstm_simple.main, "--data-dir", corpus, *QUICK)
    assert completed.returncode == 2 and "set MASK_PADDING = False" in one_error_line(completed)
