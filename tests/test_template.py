"""The template is the script: copied with common.py and helpers/, and adapted by editing the script alone."""

import csv
import os
import random
import shutil

import keras
import pytest
import tensorflow as tf

import common
import lstm_simple
from conftest import ROOT, one_error_line, run_in_process, run_script, write_corpus
from helpers import startup

QUICK = ["--epochs", "2", "--max-len", "40", "--top-words", "400", "--verbose", "0"]


def copy_of_the_template(folder, script="lstm_simple.py", edits=(), common_edits=()):
    """What the README says to copy, into an empty folder, with the script (and common.py) edited as a user would."""
    os.makedirs(folder)
    shutil.copytree(
        os.path.join(ROOT, "helpers"), os.path.join(folder, "helpers"), ignore=shutil.ignore_patterns("__pycache__")
    )
    for name, changes in ((script, edits), ("common.py", common_edits)):
        with open(os.path.join(ROOT, name), encoding="utf-8") as handle:
            source = handle.read()
        for old, new in changes:
            assert old in source, old
            source = source.replace(old, new)
        with open(os.path.join(folder, name), "w", encoding="utf-8") as handle:
            handle.write(source)
    return str(folder)


def accuracy_of(completed):
    (line,) = [line for line in completed.stdout.splitlines() if line.startswith("Accuracy: ")]
    return float(line.removeprefix("Accuracy: ").removesuffix("%"))


@pytest.mark.slow
@pytest.mark.thorough
def test_the_script_common_py_and_helpers_alone_train_and_save_in_an_empty_folder(tmp_path):
    """A copy whose script was edited to read a table's columns 'body' and 'topic' by default: it trains on such a
    table with no flag but --data, and on a folder of texts, where the column constants do nothing."""
    edits = [('TEXT_COLUMN = "text"', 'TEXT_COLUMN = "body"'), ('LABEL_COLUMN = "label"', 'LABEL_COLUMN = "topic"')]
    folder = copy_of_the_template(tmp_path / "mine", edits=edits)
    corpus = write_corpus(tmp_path / "corpus", reviews_per_class=150, seed=4)
    with open(tmp_path / "reviews.csv", "w", encoding="utf-8", newline="") as handle:
        table = csv.writer(handle)
        table.writerow(["id", "topic", "body"])
        for split in ("train", "test"):
            for class_name in sorted(os.listdir(os.path.join(corpus, split))):
                for name in sorted(os.listdir(os.path.join(corpus, split, class_name))):
                    with open(os.path.join(corpus, split, class_name, name), encoding="utf-8") as review:
                        table.writerow([name, class_name, review.read()])
    environment = {"KERAS_HOME": str(tmp_path / "keras_home")}
    from_table = run_script(
        "lstm_simple.py",
        "--data",
        str(tmp_path / "reviews.csv"),
        "--save",
        "model",
        *QUICK,
        cwd=folder,
        env=environment,
    )
    assert from_table.returncode == 0, from_table.stderr
    assert accuracy_of(from_table) > 60  # chance is 50
    assert sorted(os.listdir(os.path.join(folder, "model"))) == ["model.keras", "serving"]
    from_folder = run_script(
        "lstm_simple.py", "--data-dir", corpus, "--limit", "100", *QUICK, cwd=folder, env=environment
    )
    assert from_folder.returncode == 0, from_folder.stderr


@pytest.mark.slow
@pytest.mark.thorough
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


FILLER_CHARACTERS = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产"


def texts_without_spaces(count, seed):
    """Chinese-like texts with no spaces: filler characters, and 好 (good) or 坏 (bad) hidden among them twice."""
    rng = random.Random(seed)
    rows = []
    for number in range(count):
        label = ("bad", "good")[number % 2]
        characters = [rng.choice(FILLER_CHARACTERS) for _ in range(rng.randint(8, 20))]
        for _ in range(2):
            characters.insert(rng.randint(0, len(characters)), "好" if label == "good" else "坏")
        rows.append((label, "".join(characters)))
    return rows


@pytest.mark.slow
@pytest.mark.thorough
def test_characters_in_place_of_words_are_trained_saved_and_served(tmp_path):
    """The tokenizer swap: split_into_tokens in common.py returns characters. Words cannot learn texts without
    spaces (each text is one word); characters can, and the serving model splits a text into the same characters."""
    tokenizer = "    return text_encoding.split_into_words(texts)\n"
    characters = "    return text_encoding.split_into_characters(texts)\n"
    folder = copy_of_the_template(tmp_path / "mine", common_edits=[(tokenizer, characters)])
    for name, rows in (("train.csv", texts_without_spaces(300, seed=1)), ("test.csv", texts_without_spaces(100, 2))):
        with open(tmp_path / name, "w", encoding="utf-8", newline="") as handle:
            table = csv.writer(handle)
            table.writerow(["label", "text"])
            table.writerows(rows)
    environment = {"KERAS_HOME": str(tmp_path / "keras_home")}
    data = ["--data", str(tmp_path / "train.csv"), "--test-data", str(tmp_path / "test.csv")]
    trained = run_script(
        "lstm_simple.py", *data, "--save", "model", *QUICK, "--epochs", "5", cwd=folder, env=environment
    )
    assert trained.returncode == 0, trained.stderr
    assert accuracy_of(trained) > 90
    distinct = len(set(FILLER_CHARACTERS)) + 2  # the fillers, 好 and 坏: characters, not whole texts
    assert f"all {distinct} distinct training tokens" in trained.stdout

    serving = tf.saved_model.load(os.path.join(folder, "model", "serving"))
    text = "我们好好说的"
    (encoded,) = serving.encode(tf.constant([text])).numpy().tolist()
    assert len(encoded) == 1 + len(text) and encoded[0] == 1  # the start mark, then one index a character
    assert encoded.count(encoded[3]) == 2  # 好 twice, one index
    served = serving.serve(tf.constant(["我们好好说的", "他们坏坏说的"]))["predicted_class"].numpy().tolist()
    assert served == [b"good", b"bad"]
    # keras.datasets.imdb comes as words: with characters it is refused before any download.
    refused = run_script("lstm_simple.py", *QUICK, cwd=folder, env=environment)
    assert refused.returncode == 2 and "split_into_tokens in common.py" in one_error_line(refused)
    # The original's word tokenizer on the same cache folder: another key, so the characters are not reused.
    original = copy_of_the_template(tmp_path / "original")
    by_words = run_script("lstm_simple.py", *data, *QUICK, cwd=original, env=environment)
    assert by_words.returncode == 0, by_words.stderr
    assert "all 300 distinct training words" in by_words.stdout  # each text one word


@pytest.mark.slow
@pytest.mark.thorough
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
    assert not [line for line in completed.stderr.splitlines() if startup.START_UP_NOTICE.match(line)]


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
