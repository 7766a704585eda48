"""Unit tests of common.py, the tutorial's steps, and of what a run does around them, on tiny inputs."""

import glob
import importlib
import json
import os
import re

import keras
import numpy as np
import pytest

import common
import lstm_simple
from conftest import lstm_args, run_in_process, write_corpus
from helpers import batches, corpus, flags, report, training
from helpers.shell import UsageError


def test_limit_takes_a_shuffled_selection_with_both_classes(corpus):
    dataset = common.load_data(lstm_args("--data-dir", corpus, "--top-words", "50", "--limit", "4", "--seed", "3"))
    assert len(dataset.train_labels) == len(dataset.test_labels) == 4
    assert set(dataset.train_labels.tolist()) == set(dataset.test_labels.tolist()) == {0, 1}
    tiny = common.load_data(lstm_args("--data-dir", corpus, "--top-words", "50", "--limit", "2", "--seed", "5"))
    assert set(tiny.train_labels.tolist()) == {0, 1}


def test_output_layer_and_loss_follow_the_number_of_classes():
    assert common.output_layer(2).units == 1 and common.loss_for(2) == "binary_crossentropy"
    assert common.output_layer(3).units == 3 and common.loss_for(3) == "sparse_categorical_crossentropy"


def test_the_default_step_decays_to_zero_over_training_and_the_literal_step_is_kerass_default():
    steps = 1000
    default = common.model_config(lstm_args("--epochs", "10"), _data(train_texts=6400), mask_padding=True)
    assert default.training_steps == steps  # 100 batches of 64 texts, 10 epochs
    decaying = default.learning_rate(0.001)
    assert float(decaying(0)) == pytest.approx(0.001)
    assert float(decaying(steps // 2)) == pytest.approx(0.0005, rel=1e-3)
    assert float(decaying(steps)) == 0.0
    assert default.clipnorm(1.0) == 1.0 and default.mask_padding
    literal = common.model_config(lstm_args("--literal"), _data(train_texts=6400), mask_padding=True)
    assert literal.learning_rate(0.001) == 0.001 and literal.clipnorm(1.0) is None and not literal.mask_padding


def _data(train_texts):
    labels = np.arange(train_texts, dtype=np.int32) % 2
    return corpus.Dataset([np.array([1, 4], np.int32)] * train_texts, labels, [], np.zeros(0, np.int32), ["a", "b"])


def _run(build_model, argv, monkeypatch, capsys):
    """lstm_simple.py's main() with another build_model, as the shell runs it."""
    monkeypatch.setattr(lstm_simple, "build_model", build_model)
    return run_in_process(capsys, lstm_simple.main, *argv)


def test_a_model_left_uncompiled_gets_one_line(tmp_path, capsys, monkeypatch):
    corpus = write_corpus(tmp_path / "data", reviews_per_class=4)

    def build_model(config):
        layers = [keras.layers.Embedding(10, 2), keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1)]
        return keras.Sequential([keras.Input(shape=(None,), dtype="int32")] + layers)  # no compile()

    completed = _run(build_model, ["--data-dir", corpus, "--top-words", "10"], monkeypatch, capsys)
    assert completed.returncode == 2
    assert "must compile the model" in completed.stderr and len(completed.stderr.splitlines()) == 1


class FixedTestSet:
    """Test texts whose model always predicts the same probabilities."""

    def __init__(self, probabilities, labels):
        self.probabilities, self.labels = np.array(probabilities), np.array(labels)

    def predict(self, model):
        return self.probabilities


def test_evaluate_reports_per_class_recall_precision_and_confusion():
    test = FixedTestSet([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], [0, 1, 1, 2])
    result = common.evaluate(None, test, ["a", "b", "c"])
    assert result["accuracy"] == 0.75
    assert result["class_accuracy"] == {"a": 1.0, "b": 0.5, "c": 1.0}
    assert result["class_precision"] == {"a": 0.5, "b": 1.0, "c": 1.0}
    assert result["confusion_matrix"] == [[1, 0, 0], [1, 1, 0], [0, 0, 1]]


def test_a_class_never_predicted_has_precision_zero_not_a_crash():
    result = common.evaluate(None, FixedTestSet([[0.9, 0.1], [0.8, 0.2]], [0, 1]), ["ham", "spam"])
    assert result["class_precision"] == {"ham": 0.5, "spam": 0.0} and result["class_accuracy"]["spam"] == 0.0


def test_the_validation_split_is_seeded_stratified_and_disjoint_from_training():
    labels = np.array([0] * 90 + [1] * 10, np.int32)
    sequences = [np.array([1, index + 4], np.int32) for index in range(100)]
    (train_x, train_y), (valid_x, valid_y) = common.hold_out_validation(sequences, labels, 0.2, 3, ["many", "few"])
    train_ids = {int(row[1]) for row in train_x}
    valid_ids = {int(row[1]) for row in valid_x}
    assert not train_ids & valid_ids and len(train_ids | valid_ids) == 100
    assert np.bincount(valid_y).tolist() == [18, 2]  # each class in proportion
    (_, _), (again_x, _) = common.hold_out_validation(sequences, labels, 0.2, 3, ["many", "few"])
    assert [row.tolist() for row in again_x] == [row.tolist() for row in valid_x]
    (_, _), (other_x, _) = common.hold_out_validation(sequences, labels, 0.2, 4, ["many", "few"])
    assert {int(row[1]) for row in other_x} != valid_ids


def _records(folder):
    return [json.load(open(path)) for path in sorted(glob.glob(os.path.join(folder, "*.json")))]


@pytest.mark.slow
def test_early_stopping_keeps_the_weights_of_the_best_validation_epoch(tmp_path, monkeypatch, capsys):
    """Weights spoiled after epoch 2: training stops after PATIENCE worse epochs and epoch 2's weights come back."""
    corpus = write_corpus(tmp_path / "data", reviews_per_class=60)
    kept = {}

    class KeepThenSpoil(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            kept[epoch + 1] = (logs["val_loss"], [weight.copy() for weight in self.model.get_weights()])
            if epoch + 1 == 2:
                rng = np.random.default_rng(0)
                self.model.set_weights([rng.normal(0, 5, weight.shape) for weight in self.model.get_weights()])

    def build_model(config):
        model = keras.Sequential(
            [
                keras.Input(shape=(None,), dtype="int32"),
                keras.layers.Embedding(config.top_words, 8, mask_zero=config.mask_padding),
                keras.layers.GlobalAveragePooling1D(),
                common.output_layer(config.num_classes),
            ]
        )
        model.compile(loss=common.loss_for(2), optimizer=keras.optimizers.SGD(learning_rate=0.01), metrics=["accuracy"])
        model.fit = _with_callback(model.fit, KeepThenSpoil())
        kept["model"] = model
        return model

    argv = ["--data-dir", corpus, "--top-words", "400", "--max-len", "40", "--verbose", "0"]
    argv += ["--validation-split", "0.3", "--epochs", "10", "--patience", "2", "--results-dir", str(tmp_path / "r")]
    completed = _run(build_model, argv, monkeypatch, capsys)
    assert "Kept the weights of epoch 2 of 4, the best on the validation texts." in completed.stdout
    (record,) = _records(tmp_path / "r")
    model = kept.pop("model")
    assert record["best_epoch"] == 2 == min(kept, key=lambda epoch: kept[epoch][0])
    assert len(record["per_epoch"]) == len(kept) == 4  # epochs 3 and 4 were worse: patience 2 ran out
    for kept_weight, final_weight in zip(kept[2][1], model.get_weights()):
        np.testing.assert_array_equal(kept_weight, final_weight)


def _with_callback(fit, callback):
    def fit_with_callback(*args, callbacks=(), **kwargs):
        return fit(*args, callbacks=list(callbacks) + [callback], **kwargs)  # after EarlyStopping's own

    return fit_with_callback


def test_the_data_summary_counts_classes_lengths_cuts_and_vocabulary():
    dataset = corpus.Dataset(
        train_sequences=[np.array([1] + [4] * n, np.int32) for n in (3, 5, 10, 20)]
        + [np.array([1, 2, 5, 6], np.int32)],
        train_labels=np.array([0, 0, 1, 1, 1], np.int32),
        test_sequences=[np.array([1, 4], np.int32)] * 2,
        test_labels=np.array([0, 1], np.int32),
        class_names=["a", "b"],
        vocabulary=["w1", "w2", "w3", "w4", "w5", "w6", "w7"],
    )
    summary = report.summarize_data(dataset, top_words=7, max_len=10)
    assert summary["class_counts"] == {"a": [2, 1], "b": [3, 1]}
    assert summary["median_words"] == 5 and summary["percentile_90_words"] == pytest.approx(16.0)
    assert summary["share_cut"] == pytest.approx(0.4)  # 10 and 20 words, plus the start mark, exceed 10
    assert summary["distinct_words"] == 7 and summary["kept_words"] == 3
    assert summary["share_known"] == pytest.approx(40 / 41)  # one 'unknown' (2) among 41 words


@pytest.mark.parametrize("script", ["lstm_simple", "lstm_dropout", "lstm_recurrent_dropout", "cnn_lstm", "baseline"])
def test_each_flag_takes_its_default_from_the_scripts_constant_of_its_name(script):
    module = importlib.import_module(script)
    args = flags.parse([], f"{script}.py", "", flags.Recipe.of_script(vars(module)))
    for field, constant in flags.CONSTANTS.items():
        assert getattr(args, field) == getattr(module, constant), constant


def test_a_constant_no_flag_would_take_is_one_line(capsys):
    constants = vars(lstm_simple) | {"TRUNCATING": "Pre"}
    with pytest.raises(UsageError, match="TRUNCATING = 'Pre' at the top of the script"):
        flags.Recipe.of_script(constants)
    with pytest.raises(UsageError, match="no constant PATIENCE"):
        flags.Recipe.of_script({name: value for name, value in vars(lstm_simple).items() if name != "PATIENCE"})


def test_help_shows_each_default_from_the_script_constants():
    recipe = flags.Recipe(1234, 77, "post", 9, 16, 5, 0.2, 6, 2, "body", "topic")
    parser = flags.build_parser("lstm_simple.py", "test", recipe)
    help_text = " ".join(parser.format_help().split())
    for flag, default in (
        ("--top-words", 1234),
        ("--max-len", 77),
        ("--truncating", "post"),
        ("--epochs", 9),
        ("--batch-size", 16),
        ("--seed", 5),
        ("--validation-split", 0.2),
        ("--patience", 6),
        ("--plateau-patience", 2),
        ("--text-column", "body"),
        ("--label-column", "topic"),
    ):
        assert re.search(re.escape(flag) + r" \S+ .*?\(default: " + str(default) + r"\)", help_text), flag
    assert "(default: None)" not in help_text and "(default: False)" not in help_text
    script_defaults = vars(lstm_args())
    assert (script_defaults["top_words"], script_defaults["max_len"], script_defaults["epochs"]) == (5000, 500, 3)
    assert (script_defaults["batch_size"], script_defaults["seed"]) == (64, 7)
    assert (script_defaults["text_column"], script_defaults["label_column"]) == ("text", "label")


@pytest.mark.slow
@pytest.mark.thorough
def test_the_step_falls_when_the_validation_loss_stalls_and_training_stops_only_after(tmp_path, capsys):
    corpus = write_corpus(tmp_path / "data", reviews_per_class=40, seed=3)
    argv = ["--data-dir", corpus, "--top-words", "400", "--max-len", "40", "--verbose", "0", "--epochs", "60"]
    argv += ["--validation-split", "0.3", "--patience", "4", "--plateau-patience", "1"]
    run_in_process(capsys, lstm_simple.main, *argv, "--results-dir", str(tmp_path / "r"))
    (record,) = _records(tmp_path / "r")
    steps = [epoch["learning_rate"] for epoch in record["per_epoch"]]  # the step after each epoch
    first_fall = next(index for index, step in enumerate(steps) if step < steps[0])
    assert steps[first_fall] == pytest.approx(steps[0] * training.PLATEAU_FACTOR)
    assert all(later <= earlier for earlier, later in zip(steps, steps[1:]))  # it never rises again
    assert first_fall < len(steps) - 1 and len(steps) < 60  # it fell, kept training, then stopped early
    assert record["best_epoch"] <= len(steps) - 4


@pytest.mark.slow
@pytest.mark.thorough
def test_without_a_validation_split_the_step_follows_the_cosine_to_zero(tmp_path, capsys):
    corpus = write_corpus(tmp_path / "data", reviews_per_class=40, seed=3)
    argv = ["--data-dir", corpus, "--top-words", "400", "--max-len", "40", "--verbose", "0", "--epochs", "4"]
    run_in_process(capsys, lstm_simple.main, *argv, "--results-dir", str(tmp_path / "r"))
    (record,) = _records(tmp_path / "r")
    assert record["best_epoch"] is None and len(record["per_epoch"]) == 4
    steps = [epoch["learning_rate"] for epoch in record["per_epoch"]]  # after 1/4, 2/4, 3/4 and all the batches
    expected = [0.001 * (1 + np.cos(np.pi * quarter / 4)) / 2 for quarter in (1, 2, 3, 4)]
    assert steps == pytest.approx(expected, abs=1e-9) and steps[-1] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.slow
@pytest.mark.thorough
def test_balanced_class_weights_weigh_a_rare_class_up(tmp_path, monkeypatch, capsys):
    seen = []
    original = batches.padded_batches

    def padded_batches(*args, class_weight=None, **kwargs):
        seen.append(class_weight)
        return original(*args, class_weight=class_weight, **kwargs)

    monkeypatch.setattr(batches, "padded_batches", padded_batches)
    corpus = write_corpus(tmp_path / "data", reviews_per_class=20, seed=3)
    for index in range(15):  # leave 5 training texts of "pos": a rare class
        os.remove(os.path.join(corpus, "train", "pos", f"{index}_pos.txt"))
    argv = ["--data-dir", corpus, "--top-words", "400", "--max-len", "40", "--verbose", "0", "--epochs", "1"]
    assert run_in_process(capsys, lstm_simple.main, *argv, "--class-weight", "balanced").returncode == 0
    assert seen[0] == pytest.approx({0: 25 / 40, 1: 25 / 10})  # the training batches' own


def test_the_data_summary_says_which_words_a_cut_keeps_and_when_to_choose(capsys):
    summary = {
        "train_texts": 10, "test_texts": 10, "class_counts": {"a": [5, 5], "b": [5, 5]}, "median_words": 300.0,
        "percentile_90_words": 600.0, "share_cut": 0.6, "distinct_words": 900, "kept_words": 496, "share_known": 0.9,
    }  # fmt: skip
    report.print_data_summary(summary, 200, "post")
    output = capsys.readouterr().out
    assert "60.0 % are cut to their first 200 words" in output and "--truncating post" in output
    report.print_data_summary({**summary, "share_cut": 0.1}, 500, "pre")
    output = capsys.readouterr().out
    assert "10.0 % are cut to their last 500 words" in output and "Many texts are cut" not in output
