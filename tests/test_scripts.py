"""The four scripts run as a user runs them, on generated reviews in the Stanford layout."""

import importlib
import os
import re

import numpy as np
import pytest

import common
import lstm_simple
from conftest import (
    LSTM_SCRIPTS,
    ROOT,
    brief_run_flags,
    exit_code_of,
    one_error_line,
    run_in_process,
    write_corpus,
)
from helpers import folders, shell, text_encoding

REAL_ARCHIVE = os.path.join(ROOT, "..", "shared", "data", "aclImdb_train_test.tar.gz")
QUICK = ["--epochs", "1", "--max-len", "40", "--top-words", "400", "--verbose", "0"]


@pytest.mark.slow
@pytest.mark.parametrize("script", [*LSTM_SCRIPTS, "baseline"])
def test_each_script_trains_on_three_classes_and_prints_its_accuracy(script, tmp_path_factory, capsys):
    """Every script briefly, here, with a softmax of three classes (the thorough tests save each script, in both
    configurations, and see lstm_simple.py learn three classes)."""
    corpus = write_corpus(tmp_path_factory.mktemp("three") / "data", ("mixed", "neg", "pos"), reviews_per_class=15)
    completed = run_in_process(
        capsys, importlib.import_module(script).main, "--data-dir", corpus, *brief_run_flags(script)
    )
    assert completed.returncode == 0, completed.stderr
    assert "Training completed in" in completed.stdout and "3 classes:" in completed.stdout
    assert re.search(r"^Accuracy: \d+\.\d\d%$", completed.stdout, re.MULTILINE)
    for class_name in ("mixed", "neg", "pos"):  # each class's precision, recall and count
        assert re.search(rf"^  {class_name}\s+[\d.]+ %\s+[\d.]+ %\s+\d+$", completed.stdout, re.MULTILINE)


@pytest.mark.slow
@pytest.mark.xdist_group("tensorflow_saves")
@pytest.mark.thorough
def test_each_script_in_both_configurations_and_the_baseline_runs_end_to_end(tensorflow_saves):
    """What each run printed (conftest.tensorflow_saves ran them): its training, its accuracy, its save."""
    for (script, configuration), folder in tensorflow_saves.items():
        with open(folder + ".stdout", encoding="utf-8") as handle:
            output = handle.read()
        assert "Training completed in" in output, (script, configuration)
        assert re.search(r"^Accuracy: \d+\.\d\d%$", output, re.MULTILINE), (script, configuration)
        assert f"Saved the model of seed 7 and its serving model in {folder}" in output, (script, configuration)


def test_help_lists_every_flag_with_its_default(capsys):
    import cnn_lstm

    completed = run_in_process(capsys, cnn_lstm.main, "--help")
    assert completed.returncode == 0
    for flag in (
        "--epochs",
        "--batch-size",
        "--top-words",
        "--max-len",
        "--seed",
        "--data-dir",
        "--limit",
        "--runs",
        "--literal",
    ):
        assert flag in completed.stdout
    help_text = " ".join(completed.stdout.split())
    for flag, default in (
        ("--epochs", 3),
        ("--batch-size", 64),
        ("--top-words", 5000),
        ("--max-len", 500),
        ("--seed", 7),
    ):
        assert re.search(re.escape(flag) + r" \S+ .*?\(default: " + str(default) + r"\)", help_text), flag


@pytest.mark.parametrize(
    "arguments, expected",
    [
        (["--epochs", "zero"], "is not a whole number"),
        (["--bogus"], "unrecognized arguments"),
        (["--data-dir", "/no/such/folder"], "does not exist"),
    ],
)
def test_bad_input_gets_one_line_and_exit_code_2(arguments, expected, capsys):
    completed = run_in_process(capsys, lstm_simple.main, *arguments)
    assert completed.returncode == 2
    line = one_error_line(completed)
    assert expected in line and "Traceback" not in completed.stderr


def test_no_network_names_data(monkeypatch, capsys):
    def offline(**kwargs):
        raise Exception("URL fetch failure on https://storage.googleapis.com/imdb.npz: None -- [Errno -3]")

    monkeypatch.setattr(common.keras.datasets.imdb, "load_data", offline)
    assert exit_code_of(lstm_simple.main, ["--epochs", "1"]) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "--data PATH" in error


@pytest.mark.slow
@pytest.mark.thorough
def test_the_simple_lstm_learns_a_clear_signal(shared_corpus):
    scores = lstm_simple.main(
        ["--data-dir", shared_corpus, "--epochs", "3", "--max-len", "60", "--top-words", "400", "--verbose", "0"]
    )
    assert scores["accuracy"] >= 0.90


@pytest.mark.slow
def test_the_same_seed_gives_the_same_accuracy(small_corpus):
    arguments = ["--data-dir", small_corpus, *brief_run_flags("lstm_simple")]
    first = lstm_simple.main(arguments + ["--seed", "3"])
    second = lstm_simple.main(arguments + ["--seed", "3"])
    assert first["accuracy"] == second["accuracy"]
    assert first["loss"] == second["loss"]


@pytest.mark.slow
@pytest.mark.thorough
def test_runs_prints_each_accuracy_then_mean_and_std(small_corpus, capsys):
    flags = ["--data-dir", small_corpus, "--limit", "40", "--verbose", "0", "--epochs", "1", "--max-len", "30"]
    output = run_in_process(capsys, lstm_simple.main, *flags, "--runs", "2").stdout
    assert "Run 1 of 2, seed 7" in output and "Run 2 of 2, seed 8" in output
    assert output.count("Accuracy: ") == 2 and "Accuracy over 2 runs: " in output


@pytest.mark.slow
@pytest.mark.thorough
def test_a_run_of_runs_is_the_run_of_its_own_seed(small_corpus, capsys):
    """lstm_recurrent_dropout.py: Keras' RNN draws dropout masks even when predicting, as the max-len check does."""
    import lstm_recurrent_dropout

    flags = ["--data-dir", small_corpus, *QUICK]
    second_of_two = shell.run(lstm_recurrent_dropout.main, [*flags, "--seed", "7", "--runs", "2"])[1]
    on_its_own = lstm_recurrent_dropout.main([*flags, "--seed", "8"])
    assert second_of_two["loss"] == on_its_own["loss"]


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists(REAL_ARCHIVE), reason="../shared/data is not here")
@pytest.mark.thorough
def test_the_real_archive_reads_as_25000_and_25000_reviews():
    corpus = folders.read_corpus(REAL_ARCHIVE)[0]
    assert corpus.class_names == ["neg", "pos"]
    assert np.bincount(corpus.train_labels).tolist() == [12500, 12500]
    assert np.bincount(corpus.test_labels).tolist() == [12500, 12500]
    ranked = text_encoding.rank_words(corpus.train_texts)
    assert ranked[:20] == ("the and a of to is br in it i this that was as for with movie but film on".split())


@pytest.mark.slow
@pytest.mark.thorough
def test_the_baseline_learns_a_clear_signal(shared_corpus, capsys):
    import baseline

    completed = run_in_process(capsys, baseline.main, "--data-dir", shared_corpus, "--epochs", "10", "--verbose", "0")
    accuracy = float(re.search(r"^Accuracy: ([\d.]+)%$", completed.stdout, re.MULTILINE)[1])
    assert accuracy >= 85  # chance is 50
    assert "Kept the weights of epoch" in completed.stdout  # the baseline holds out a validation split by default


def test_the_baseline_weighs_words_and_pairs_as_scikit_learns_sublinear_tf_idf():
    import keras

    import baseline

    # Three texts after the start mark (1): "4 5 4", "5 6" and "4 4 4 7".
    feed = baseline.TfIdfOfWordsAndPairs([np.array([1, 4, 5, 4]), np.array([1, 5, 6]), np.array([1, 4, 4, 4, 7])])
    vocabulary = feed.vectorizer.get_vocabulary()
    weights = keras.ops.convert_to_numpy(feed.tf_idf(feed.as_strings([np.array([1, 5, 6]), np.array([1, 4, 4, 6])])))

    def weight(row, token):
        return weights[row, vocabulary.index(token)]

    # "5 6": each token once (tf 1); IDF ln((1 + 3) / (1 + texts with it)) + 1: "5" 1.2877, "6" and "5 6" 1.6931;
    # scaled to length 1 by sqrt(1.2877² + 2 × 1.6931²) = 2.7188.
    assert weight(0, "5") == pytest.approx(0.4736, abs=1e-4)
    assert weight(0, "6") == pytest.approx(0.6227, abs=1e-4)
    assert weight(0, "5 6") == pytest.approx(0.6227, abs=1e-4)
    # "4 4 6": 4 twice, so tf 1 + ln 2 = 1.6931 (not 2); the pair "4 6" is not in the training texts.
    four, six, four_four = 1.6931 * 1.2877, 1.6931, 1.6931  # "4" in two training texts; "6" and "4 4" in one
    length = (four**2 + six**2 + four_four**2) ** 0.5
    assert weight(1, "4") == pytest.approx(four / length, abs=1e-4)
    assert weight(1, "4 4") == pytest.approx(four_four / length, abs=1e-4)
    assert weights[1, 0] == 0  # index 0 counts the unseen pair "4 6": it weighs nothing
    assert np.linalg.norm(weights, axis=1) == pytest.approx([1.0, 1.0], abs=1e-6)


@pytest.mark.slow
@pytest.mark.thorough
def test_watching_the_test_set_changes_nothing_of_the_run(small_corpus, capsys):
    """lstm_recurrent_dropout.py: predicting draws the RNN's dropout masks; watching must not move the training."""
    import lstm_recurrent_dropout

    flags = ["--data-dir", small_corpus, *QUICK, "--epochs", "2"]
    watched = lstm_recurrent_dropout.main([*flags, "--watch-test"])
    unwatched = lstm_recurrent_dropout.main(flags)
    assert watched["loss"] == unwatched["loss"]


def test_the_baselines_texts_cost_their_own_length_not_the_longest_texts():
    """NumPy's fixed-width strings made every text as wide as the longest: 7.3 GB on 20 Newsgroups."""
    import baseline

    sequences = [np.arange(1, 20_001, dtype=np.int32)] + [np.array([1, 5, 6], np.int32)] * 1000
    strings = baseline.TfIdfOfWordsAndPairs.as_strings(sequences)
    assert strings.nbytes <= 8 * len(strings) and strings[1] == "5 6"


def test_the_baselines_vocabulary_is_counted_on_a_bounded_sample_of_a_big_corpus(monkeypatch, capsys):
    """Keras' adapt holds every distinct word and pair it sees: 3 GB for 144,000 texts; a sample bounds it."""
    import baseline

    sequences = [np.array([1, 4 + number % 7, 5, 6], np.int32) for number in range(1000)]  # 3 words each
    assert baseline.TfIdfOfWordsAndPairs.vocabulary_sample(sequences) == slice(None)  # IMDB's 5.9 M words: all
    monkeypatch.setattr(baseline, "VOCABULARY_SAMPLE_WORDS", 300)
    chosen = baseline.TfIdfOfWordsAndPairs.vocabulary_sample(sequences)
    assert len(chosen) == 100 and list(chosen) == sorted(set(chosen)) and chosen[-1] > 500  # spread, not the first
    assert "counted on 100 of the 1,000 training texts" in capsys.readouterr().out
