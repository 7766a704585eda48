"""Several labels a text: tables that give them (a separator, JSONL lists), training, the F1 report, the thresholds,
the saved serving model and predict.py."""

import csv
import json
import random
import re
import subprocess
import sys
import types
import warnings

import numpy as np
import pytest
import tensorflow as tf

import baseline
import common
import lstm_simple
import predict
from conftest import (
    FILLER_WORDS,
    OTHER_BACKENDS,
    ROOT,
    lstm_args,
    one_error_line,
    run_in_process,
    skip_unless_installed,
    user_environment,
)
from helpers import corpus, multi_label, report, tables, texts
from helpers.shell import UsageError

# Each label's signal word: a text carries one or two labels, and each label's word is hidden among fillers.
LABEL_WORDS = {"joy": "happy", "love": "adore", "anger": "furious"}
QUICK = ["--epochs", "10", "--max-len", "40", "--top-words", "400", "--verbose", "0"]


def texts_with_labels(count, seed):
    """(text, labels) pairs: one label in two texts of three, two labels in the third."""
    rng = random.Random(seed)
    rows = []
    for number in range(count):
        labels = rng.sample(sorted(LABEL_WORDS), 2 if number % 3 == 2 else 1)
        words = rng.choices(FILLER_WORDS, k=rng.randint(6, 20))
        for label in labels:
            for _ in range(2):
                words.insert(rng.randint(0, len(words)), LABEL_WORDS[label])
        rows.append((" ".join(words), labels))
    return rows


def write_labelled(path, rows, separator="|"):
    """A CSV with the labels of a row joined by `separator`, or (.jsonl) a JSON list a row."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        if str(path).endswith(".jsonl"):
            for text, labels in rows:
                handle.write(json.dumps({"text": text, "labels": labels}) + "\n")
            return str(path)
        writer = csv.writer(handle)
        writer.writerow(["text", "labels"])
        writer.writerows((text, separator.join(labels)) for text, labels in rows)
    return str(path)


def test_a_separator_or_a_json_list_gives_each_row_its_labels_once_and_an_empty_cell_is_one_line(tmp_path):
    path = write_labelled(
        tmp_path / "a.csv", [("one", ["joy"]), ("two", ["joy", "love", "joy"]), ("three", [" anger "])]
    )
    table = tables.read_table(path, "text", "labels", label_separator="|")
    assert table.multi_label and table.labels == [["joy"], ["joy", "love"], ["anger"]]
    lists = tmp_path / "b.jsonl"
    lists.write_text('{"text": "one", "labels": ["joy", 2]}\n{"text": "two", "labels": "love"}\n', encoding="utf-8")
    table = tables.read_table(str(lists), "text", "labels")
    assert table.multi_label and table.labels == [["joy", "2"], ["love"]]  # a list anywhere: each row a list
    empty = write_labelled(tmp_path / "c.csv", [("one", ["joy"]), ("two", [" | "])])
    with pytest.raises(UsageError, match=r"line 3 \(row 2\) has no label; give it one or more"):
        tables.read_table(empty, "text", "labels", label_separator="|")


def test_a_label_only_in_the_test_texts_is_one_line(tmp_path):
    train = write_labelled(tmp_path / "train.csv", texts_with_labels(30, seed=1))
    test = write_labelled(tmp_path / "test.csv", [("text", ["joy", "surprise"])] + texts_with_labels(5, seed=2))
    columns = texts.TableColumns("text", "labels", separator="|")
    with pytest.raises(UsageError, match=r"--test-data .*test.csv has the labels \['surprise'\], which no training"):
        texts.load_own_texts(train, columns, test_path=test)
    # Given as ids with a names file, the label is shown by both.
    ids = {name: str(number) for number, name in enumerate(sorted(LABEL_WORDS) + ["surprise"])}
    train, test = (
        write_labelled(
            tmp_path / f"{name}_ids.csv", [(text, [ids[label] for label in labels]) for text, labels in rows]
        )
        for name, rows in [("train", texts_with_labels(30, seed=1)), ("test", [("text", ["joy", "surprise"])])]
    )
    names = tmp_path / "labels.txt"
    names.write_text("\n".join(ids) + "\n", encoding="utf-8")
    with pytest.raises(UsageError, match=re.escape("has the labels ['3 surprise'], which no training text has")):
        texts.load_own_texts(train, columns, test_path=test, label_names_path=str(names))


def test_the_figures_of_several_labels_a_text_are_scikit_learns():
    """Macro-F1, micro-F1 and exact match worked out by hand for four texts and three labels."""
    labels = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1], [0, 1, 0]])
    probabilities = np.array([[0.9, 0.2, 0.1], [0.8, 0.3, 0.0], [0.6, 0.1, 0.7], [0.1, 0.9, 0.2]])
    scores = multi_label.figures(probabilities, labels, ["a", "b", "c"], [0.5, 0.5, 0.5])
    # a: 2 right of 3 predicted, 2 present (F1 0.8); b: 1 of 1, 2 present (2/3); c: 1 of 1, 1 present (1).
    assert scores["macro_f1"] == pytest.approx((0.8 + 2 / 3 + 1) / 3)
    assert scores["micro_f1"] == pytest.approx(2 * 4 / (5 + 5))
    assert scores["exact_match"] == pytest.approx(2 / 4)  # the first and the last text
    assert scores["label_texts"] == {"a": 2, "b": 2, "c": 1}


def test_the_threshold_is_chosen_for_the_best_f1_on_the_validation_texts():
    labels = np.array([[1, 0], [1, 0], [0, 1], [0, 1], [0, 0]])
    probabilities = np.array([[0.35, 0.1], [0.4, 0.2], [0.1, 0.3], [0.2, 0.45], [0.25, 0.05]])
    (threshold, again) = multi_label.choose_thresholds(probabilities, labels)
    assert threshold == again and 0.25 < threshold <= 0.3  # between the highest wrong and the lowest right


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".csv", pytest.param(".jsonl", marks=pytest.mark.thorough)])
def test_several_labels_a_text_train_report_save_serve_and_predict(suffix, tmp_path, capsys):
    rows = texts_with_labels(600, seed=3)
    train = write_labelled(tmp_path / f"train{suffix}", rows[:500])
    validation = write_labelled(tmp_path / f"dev{suffix}", rows[500:550])
    test = write_labelled(tmp_path / f"test{suffix}", rows[550:])
    data = ["--data", train, "--validation-data", validation, "--test-data", test, "--label-column", "labels"]
    # A JSONL list needs no separator; there, --class-weight balanced weighs each label's positives (its own loss).
    # The CSV run stops on the validation macro-F1.
    data += (
        ["--label-separator", "|", "--monitor", "val_macro_f1"] if suffix == ".csv" else ["--class-weight", "balanced"]
    )
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        completed = run_in_process(capsys, lstm_simple.main, *data, *QUICK, "--save", str(tmp_path / "model"))
    assert completed.returncode == 0, completed.stderr
    # Keras' EarlyStopping finds the figure it watches: it warns, and never stops, for one it does not find.
    assert not [warning for warning in warned if "not available" in str(warning.message)]
    out = completed.stdout
    assert "500 training and 50 test texts, 3 labels, several a text:" in out
    two = sum(len(labels) == 2 for _, labels in rows[:500]) / 5
    shares = f"1: {500 - 5 * two:.0f} ({100 - two:.1f} %), 2: {5 * two:.0f} ({two:.1f} %), 3+: 0 (0.0 %)"
    assert f"Labels per training text: {shares}." in out
    assert "Validation: the 50 texts of --validation-data." in out and "the best F1 on the 50 validation" in out
    assert "Accuracy:" not in out  # the tutorial's line only where it means what it says
    macro_f1 = float(out.split("Macro-F1: ")[1].split()[0])
    assert macro_f1 > 0.8 and "Micro-F1: " in out and "Exact match: " in out

    serving = tf.saved_model.load(str(tmp_path / "model" / "serving"))
    separator = "|" if suffix == ".csv" else ","  # a JSONL list has none: a comma joins the labels
    assert serving.label_separator().numpy().decode() == separator
    sent = ["word1 happy word2 happy word3", rows[550][0], rows[552][0]]
    outputs = serving.serve(tf.constant(sent))
    predicted = [labels.decode() for labels in outputs["predicted_labels"].numpy()]
    assert [labels for labels, _ in predict.main([str(tmp_path / "model"), *sent])] == predicted  # the served ones
    assert predicted[0] == "joy"
    # Each label whose probability reaches its threshold, in the order of the class names, joined.
    thresholds = serving.thresholds().numpy()
    expected = [
        separator.join(
            name for name, chance, needed in zip(["anger", "joy", "love"], row, thresholds) if chance >= needed
        )
        for row in outputs["probabilities"].numpy()
    ]
    assert predicted == expected and outputs["predicted"].shape == (3, 3)
    if suffix == ".csv":  # the threshold study, from the saved model alone, gives the run's own figure
        import threshold_study

        capsys.readouterr()
        study = [str(tmp_path / "model"), "--validation-data", validation, "--test-data", test]
        threshold_study.main([*study, "--label-column", "labels", "--label-separator", "|"])
        (as_saved,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("the saved model's")]
        assert f"test macro-F1 {macro_f1:.3f}," in as_saved
    else:  # (--thorough) the saved model.keras loads in plain Keras: compiled with Keras' own loss and F1, not ours
        load = f"import keras; print(keras.saving.load_model({str(tmp_path / 'model' / 'model.keras')!r}).output_shape)"
        loaded = subprocess.run([sys.executable, "-c", load], capture_output=True, text=True, env=user_environment())
        assert loaded.returncode == 0 and loaded.stdout.strip() == "(None, 3)", loaded.stderr[-500:]

    assert_predictions_file(capsys, tmp_path / "model", tmp_path / f"predictions{suffix}")


def assert_predictions_file(capsys, model, out_file):
    """predict.py --output adds the predicted labels and each label's probability: in JSONL, as JSON numbers."""
    completed = run_in_process(capsys, predict.main, str(model), "happy happy", "--output", str(out_file))
    assert completed.returncode == 0, completed.stderr
    columns = ["text", "predicted_labels", "probability_anger", "probability_joy", "probability_love"]
    with open(out_file, encoding="utf-8") as handle:
        if out_file.suffix == ".csv":
            (header, row) = list(csv.reader(handle))
            assert header == columns and row[1] == "joy" and float(row[3]) > 0.5
        else:  # the labels as text
            (row,) = [json.loads(line) for line in handle]
            assert list(row) == columns and row["predicted_labels"] == ["joy"] and row["probability_joy"] > 0.5


@pytest.mark.slow
@pytest.mark.thorough
def test_one_label_a_text_given_as_several_and_the_baseline_train_as_several_labels(tmp_path, capsys):
    """A multi-label table whose every text has one label is still read as several labels a text (sigmoids)."""
    rows = [(text, labels[:1]) for text, labels in texts_with_labels(600, seed=4)]
    train = write_labelled(tmp_path / "train.csv", rows[:500])
    test = write_labelled(tmp_path / "test.csv", rows[500:])
    data = ["--data", train, "--test-data", test, "--label-column", "labels", "--label-separator", "|"]
    completed = run_in_process(capsys, baseline.main, *data, "--verbose", "0")  # its recipe: a validation split
    assert completed.returncode == 0, completed.stderr
    assert (
        "3 labels, several a text" in completed.stdout
        and "Labels per training text: 1: 500 (100.0 %)" in completed.stdout
    )
    assert "the best F1 on the 50 validation texts" in completed.stdout
    # The bag of words learns these few texts slowly: read as one class a text, it reaches 70 % (chance: 33 %).
    assert float(completed.stdout.split("Macro-F1: ")[1].split()[0]) > 0.6


@pytest.mark.slow
@pytest.mark.thorough
def test_a_names_file_names_the_ids_and_an_id_it_lacks_is_one_line(tmp_path, capsys):
    rows = [
        (text, [str(sorted(LABEL_WORDS).index(label)) for label in labels]) for text, labels in texts_with_labels(30, 5)
    ]
    train = write_labelled(tmp_path / "train.csv", rows, separator=",")
    names = tmp_path / "labels.txt"
    names.write_text("anger\njoy\nlove\n", encoding="utf-8")
    data = ["--data", train, "--label-column", "labels", "--label-separator", ",", "--epochs", "1", "--verbose", "0"]
    completed = run_in_process(capsys, lstm_simple.main, *data, "--label-names", str(names), "--max-len", "20")
    assert completed.returncode == 0, completed.stderr
    assert "  anger " in completed.stdout and "  love " in completed.stdout
    names.write_text("anger\njoy\n", encoding="utf-8")
    completed = run_in_process(capsys, lstm_simple.main, *data, "--label-names", str(names))
    assert completed.returncode == 2
    assert "names the ids 0 to 1, but not the labels ['2']" in one_error_line(completed)


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ("anger\n\njoy\nlove\n", "line 2 is blank; give only a name on each line, the first naming id 0"),
        ("\n \n", "it holds no name"),
        ('{"0": "anger", "1": "joy", "2": "love"}\n', "looks like JSON; give only a name on each line"),
        ("0\tanger\n1\tjoy\n", "line 1: '0\\tanger' is not a name alone; give only a name on each line"),
        ("0,anger\n1,joy\n", "line 1: '0,anger' is not a name alone"),
        ("id,name\n0,anger\n", "line 1: 'id,name' is not a name alone"),
        ("anger\njoy\n".encode("utf-16-le"), "looks like UTF-16 without a byte-order mark; save it as UTF-8"),
        (b"PK\x03\x04xl/workbook.xml", "is a spreadsheet; save it as plain text (.txt), only a name on each line"),
    ],
)
def test_a_names_file_that_is_not_one_name_a_line_is_one_line(tmp_path, content, error):
    names = tmp_path / "labels.txt"
    names.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(UsageError, match=re.escape(error)):
        texts.read_label_names(str(names))


@pytest.mark.parametrize(
    "content",
    [
        "anger\r\njoy\r\nlove\r\n\r\n".encode("utf-16"),  # PowerShell's, a blank line at the end
        "\ufeffanger\njoy\nlove".encode(),  # Notepad's byte-order mark, no newline at the end
        b"anger\rjoy\rlove\r",  # an old Mac's line ends
        b"anger\r\njoy\rlove\n \n",  # all three, and a line of spaces at the end
    ],
)
def test_a_names_file_is_read_whatever_its_line_ends_and_marks(tmp_path, content):
    names = tmp_path / "labels.txt"
    names.write_bytes(content)
    assert texts.read_label_names(str(names)) == ["anger", "joy", "love"]


def test_ids_are_checked_against_the_names_before_the_texts_are_encoded(tmp_path, capsys):
    rows = [
        (text, [str(sorted(LABEL_WORDS).index(label)) for label in labels]) for text, labels in texts_with_labels(30, 5)
    ]
    train = write_labelled(tmp_path / "train.csv", rows, separator=",")
    columns = texts.TableColumns("text", "labels", separator=",")
    names = tmp_path / "labels.txt"
    for content, error in [
        ("anger\njoy\n", "names the ids 0 to 1, but not the labels ['2']"),
        ("anger\njoy\njoy\n", "names two ids ['joy']; give each id its own name"),
        ("anger\njoy, glad\nlove\n", "the labels ['joy, glad'] hold the --label-separator ',', which joins"),
    ]:
        names.write_text(content, encoding="utf-8")
        with pytest.raises(UsageError, match=re.escape(error)):
            texts.load_own_texts(train, columns, label_names_path=str(names))
        assert "Encoding" not in capsys.readouterr().out  # the table read, but no wait before the error
    names.write_text("anger\njoy\nlove\nfear\n", encoding="utf-8")  # a name for an id no text carries
    assert texts.load_own_texts(train, columns, label_names_path=str(names)).class_names == ["anger", "joy", "love"]
    printed = capsys.readouterr()
    assert "Encoding" in printed.out and printed.err.count("no text carries") == 1  # once, though checked twice
    assert printed.err.endswith("names 4 ids, and no text carries this one: '3 fear'\n")
    names.write_text("anger\njoy\n", encoding="utf-8")
    with pytest.raises(UsageError, match="names the ids 0 to 1"):  # from the cache, checked all the same
        texts.load_own_texts(train, columns, label_names_path=str(names))
    assert "Encoding" not in capsys.readouterr().out
    twice = write_labelled(tmp_path / "twice.csv", [("happy", ["1"]), ("glad", ["01"])] * 2)  # one label a text
    with pytest.raises(UsageError, match=re.escape("the labels ['01', '1'] are one id written 2 ways, which")):
        texts.load_own_texts(twice, texts.TableColumns("text", "labels"), twice, label_names_path=str(names))


def test_ids_counted_from_1_are_shown_so(capsys):
    agnews = ["World", "Sports", "Business", "SciTech"]
    assert texts.names_of_ids(["1", "2", "3"], agnews, "n.txt") == ["Sports", "Business", "SciTech"]
    assert capsys.readouterr().err == (
        "note: --label-names n.txt names 4 ids, and no text carries this one: '0 World' (ids count from 0: the "
        "first line names id 0)\n"
    )
    with pytest.raises(UsageError, match=re.escape("but not the labels ['4'] (ids count from 0: the first line")):
        texts.names_of_ids(["1", "2", "3", "4"], agnews, "n.txt")


def test_a_label_always_seen_with_a_rarer_one_is_split_in_proportion_too():
    """A parent label (sport) whose texts all carry a rarer child (football, tennis) is never a text's rarest label:
    it still has texts enough to hold some out, and every label keeps training texts."""
    labels = np.array([[1, 1, 0]] * 12 + [[1, 0, 1]] * 8 + [[0, 0, 0]] * 0)  # sport, football, tennis
    held = corpus.held_out(labels, 0.25, 0, ["sport", "football", "tennis"], "{name} has {count}")
    assert 3 <= held.sum() <= 7 and labels[held].sum(axis=0).min() > 0 and labels[~held].sum(axis=0).min() > 0


def test_lists_of_labels_in_python_lists_and_one_label_validation_texts_for_a_table_of_several(tmp_path):
    dataset = texts.encode_lists(
        ["happy day", "adore it", "both happy adore"] * 4,
        [["joy"], ["love"], ["joy", "love"]] * 4,
        ["happy"],
        [["joy"]],
    )
    assert dataset.multi_label and dataset.class_names == ["joy", "love"]
    train = write_labelled(tmp_path / "train.csv", texts_with_labels(40, seed=6))
    validation = tmp_path / "dev.csv"
    validation.write_text("text,labels\nhappy word1,joy\nadore word2,love\n", encoding="utf-8")
    columns = texts.TableColumns("text", "labels", separator="|")
    one_each = texts.TableColumns("text", "labels")
    data = texts.load_own_texts(train, columns, validation_path=str(validation))
    assert data.validation_labels.tolist() == [[0, 1, 0], [0, 0, 1]]  # anger, joy, love
    plain = tmp_path / "plain.jsonl"  # one label a text, as plain JSON strings
    plain.write_text("".join(json.dumps({"text": f"w{n}", "labels": ["joy", "love"][n % 2]}) + "\n" for n in range(8)))
    lists = write_labelled(tmp_path / "lists.jsonl", texts_with_labels(4, seed=7))
    with pytest.raises(UsageError, match="lists.jsonl has several labels a text, the training data one"):
        texts.load_own_texts(str(plain), one_each, test_path=str(plain), validation_path=lists)


def test_python_labels_of_every_shape_a_practitioner_has_are_read_as_their_labels_or_refused_in_one_line():
    dataset = texts.encode_lists(
        ["happy day", "adore it", "both happy adore", "angry"] * 3,
        [["joy"], ("love",), np.array(["joy", "love"]), "anger"] * 3,  # a plain label among lists is a list of one
        ["happy"],
        [{"joy"}],
    )
    assert dataset.class_names == ["anger", "joy", "love"]
    assert dataset.train_labels[:4].tolist() == [[0, 1, 0], [0, 0, 1], [0, 1, 1], [1, 0, 0]]
    with pytest.raises(UsageError, match="a row of 0 and 1; give each text the list of its labels' names"):
        texts.encode_lists(["a b", "c d"], np.array([[0, 1, 1], [1, 0, 0]]), ["a"], np.array([[0, 1, 0]]))
    with pytest.raises(UsageError, match="text 2 has no label; give it one or more"):
        texts.encode_lists(["a b", "c d"], [["joy"], []], ["a"], [["joy"]])


def test_a_printed_list_in_a_cell_is_one_line_and_labels_joined_without_a_separator_get_a_note(tmp_path, capsys):
    printed = tmp_path / "printed.csv"
    printed.write_text("text,labels\none,\"['joy', 'love']\"\ntwo,['joy']\n", encoding="utf-8")
    bracketed = tmp_path / "bracketed.csv"  # a label in brackets is a label
    bracketed.write_text('text,label\none,[deleted]\ntwo,"[18, 25]"\n', encoding="utf-8")
    assert tables.read_table(str(bracketed), "text", "label").labels == ["[deleted]", "[18, 25]"]
    for separator in (None, ","):
        with pytest.raises(UsageError, match=r"line 2 .*a list printed as text; write the labels joined"):
            tables.read_table(str(printed), "text", "labels", label_separator=separator)
    joined = write_labelled(tmp_path / "joined.csv", texts_with_labels(40, seed=8), separator=",")
    texts.load_own_texts(joined, texts.TableColumns("text", "labels"), test_path=joined)
    assert "look like several labels joined by ','; if a text has several labels, give --label-separator ','" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize("one_for_all", [True, False])
def test_the_watched_macro_f1_is_the_reports_at_the_threshold_chosen_on_the_same_texts(one_for_all):
    rng = np.random.default_rng(5)
    labels = (rng.random((300, 6)) < [0.5, 0.3, 0.1, 0.05, 0.02, 0.4]).astype(np.int32)
    probabilities = np.clip(labels * 0.3 + rng.random((300, 6)) * 0.7, 0, 1).astype(np.float32)
    metric = multi_label.BestThresholdMacroF1(6, one_for_all=one_for_all)
    for start in (0, 128, 256):  # batches, as fit evaluates the validation texts
        metric.update_state(labels[start : start + 128], probabilities[start : start + 128])
    thresholds = multi_label.choose_thresholds(probabilities, labels, one_for_all=one_for_all)
    if one_for_all:  # a label without texts takes the shared threshold in choose_thresholds: here every one has some
        assert len(set(thresholds)) == 1
    expected = multi_label.figures(probabilities, labels, list("abcdef"), thresholds)["macro_f1"]
    assert float(metric.result()) == pytest.approx(expected, abs=1e-6)
    metric.reset_state()
    assert float(metric.result()) == 0.0


def test_predicted_labels_are_joined_by_a_character_no_label_holds_and_a_list_in_a_list_is_one_line():
    train_texts = ["happy day", "sad day", "both days"] * 3
    data = common.load_texts(lstm_args(), train_texts, [["joy"], ["sad, but ok"], ["joy"]] * 3, ["day"], [["joy"]])
    assert data.label_joiner == "|"  # the first of , | ; that no label holds
    every = [["a,"], ["b|"], ["c;"]] * 3
    held = re.escape("the labels ['a,', 'b|', 'c;'] hold ',', '|' and ';' between them, one of which joins a text's")
    with pytest.raises(UsageError, match=held):
        common.load_texts(lstm_args(), train_texts, every, ["day"], [["a,"]])
    with pytest.raises(UsageError, match=re.escape("the labels ['b|'] hold the --label-separator '|', which joins")):
        multi_label.joiner("|", ["a,", "b|", "c;"])
    with pytest.raises(UsageError, match="text 2's labels hold a list; give each text a flat list of names"):
        common.load_texts(lstm_args(), train_texts, [["joy"], [["joy"], "love"], ["joy"]] * 3, ["day"], [["joy"]])


def test_a_forgotten_separator_is_noted_before_the_error_it_causes_and_a_needless_one_is_noted(tmp_path, capsys):
    rows = texts_with_labels(60, seed=9)
    train = write_labelled(tmp_path / "train.csv", rows[:50], separator=",")
    test = write_labelled(tmp_path / "test.csv", [(text, ["joy", "love", "anger"]) for text, _ in rows[50:]], ",")
    with pytest.raises(UsageError, match="test.csv has the classes"):
        texts.load_own_texts(train, texts.TableColumns("text", "labels"), test_path=test)
    noted = capsys.readouterr().err
    assert noted.count("look like several labels joined by ','") == 1, noted
    one_each = write_labelled(tmp_path / "one.csv", [(text, labels[:1]) for text, labels in rows], ",")
    texts.load_own_texts(one_each, texts.TableColumns("text", "labels", separator=","))
    assert "no label cell holds --label-separator ',': each text has one label" in capsys.readouterr().err


def test_thresholds_that_predict_every_label_are_noted_as_a_model_that_learnt_nothing_and_a_perfect_one_is_not(capsys):
    labels = np.array([[1, 0], [0, 1], [1, 1], [1, 0]])
    data = types.SimpleNamespace(num_classes=2, thresholds=None)
    for probabilities, noted in ((np.full((4, 2), 0.5, np.float32), True), (0.001 + 0.998 * labels, False)):
        validation = types.SimpleNamespace(predict=lambda model: probabilities.astype(np.float32), labels=labels)
        assert common.thresholds_on(None, validation, data) == pytest.approx([0.01, 0.01])  # ties go to the lowest
        assert ("the model predicts 100 % of the labels" in capsys.readouterr().err) == noted


WATCHED_ON_A_BACKEND = """
import sys, keras, numpy as np
sys.path.insert(0, sys.argv[1])
from helpers import multi_label
rng = np.random.default_rng(3)
x = rng.random((600, 8)).astype("float32")
labels = (x[:, :5] + rng.random((600, 5)) * 0.5 > 0.9).astype("float32")
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(5, activation="sigmoid")])
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=[multi_label.BestThresholdMacroF1(5)])
stop = keras.callbacks.EarlyStopping(monitor="val_macro_f1", mode="max", patience=2, restore_best_weights=True)
history = model.fit(x[:400], labels[:400], validation_data=(x[400:], labels[400:]), epochs=3, batch_size=64,
                    callbacks=[stop], verbose=0)
watched = model.evaluate(x[400:], labels[400:], batch_size=64, verbose=0, return_dict=True)["macro_f1"]
probabilities = model.predict(x[400:], verbose=0)
thresholds = multi_label.choose_thresholds(probabilities, labels[400:])
print(watched, multi_label.figures(probabilities, labels[400:], list("abcde"), thresholds)["macro_f1"])
"""


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["tensorflow", *OTHER_BACKENDS])
@pytest.mark.thorough
def test_the_watched_macro_f1_is_the_reports_on_every_backend_inside_fit(backend):
    """The metric as fit and evaluate run it (compiled: a graph, XLA), equal to the report's figure."""
    skip_unless_installed(backend)
    completed = subprocess.run(
        [sys.executable, "-c", WATCHED_ON_A_BACKEND, ROOT], capture_output=True, text=True,
        env=user_environment(KERAS_BACKEND=backend),
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-2000:]
    watched, reported = map(float, completed.stdout.split()[-2:])
    assert watched == pytest.approx(reported, abs=1e-6) and reported > 0.2


def test_a_label_without_test_texts_gets_a_note_that_the_macro_f1_counts_it_as_0(capsys):
    labels = ["anger", "joy", "love"]
    figures = {"precision": [0.5, 0.0, 1.0], "recall": [1.0, 0.0, 0.5], "f1": [0.667, 0.0, 0.667]}
    test = {f"label_{kind}": dict(zip(labels, values)) for kind, values in figures.items()}
    test |= {"label_texts": dict(zip(labels, [4, 0, 2])), "thresholds": dict.fromkeys(labels, 0.3)}
    report.print_f1(test | {"macro_f1": 0.444, "micro_f1": 0.6, "exact_match": 0.5}, labels)
    printed = capsys.readouterr()
    assert printed.err == "note: the label 'joy' has no test texts; the macro-F1 counts it as F1 0\n"
    assert "Macro-F1: 0.444\n" in printed.out
    test["label_texts"] |= {"joy": 1, "love": 0, "anger": 0}
    report.print_f1(test | {"macro_f1": 0.444, "micro_f1": 0.6, "exact_match": 0.5}, labels)
    assert (
        capsys.readouterr().err
        == "note: the labels 'anger', 'love' have no test texts; the macro-F1 counts them as F1 0\n"
    )
    test["label_texts"] |= {"love": 1, "anger": 1}
    report.print_f1(test | {"macro_f1": 0.444, "micro_f1": 0.6, "exact_match": 0.5}, labels)
    assert not capsys.readouterr().err


def test_a_label_without_validation_texts_gets_a_note_before_training(tmp_path, capsys):
    train = write_labelled(tmp_path / "train.csv", texts_with_labels(40, seed=6))
    validation = tmp_path / "dev.csv"
    validation.write_text("text,labels\nhappy word1,joy\nadore word2,joy\n", encoding="utf-8")
    data = texts.load_own_texts(
        train, texts.TableColumns("text", "labels", separator="|"), validation_path=str(validation)
    )
    common.prepared(data, lstm_args("--validation-split", "0"))
    assert capsys.readouterr().err.endswith(
        "note: the labels 'anger', 'love' have no validation texts; early stopping and the thresholds judge the "
        "others alone\n"
    )
    one_each = tmp_path / "one.csv"  # one label a text: classes, and no thresholds
    one_each.write_text("text,labels\n" + "happy word1,joy\nadore word2,love\nangry word3,anger\n" * 3)
    data = texts.load_own_texts(str(one_each), texts.TableColumns("text", "labels"), validation_path=str(validation))
    common.prepared(data, lstm_args("--validation-split", "0"))
    assert capsys.readouterr().err.endswith(
        "note: the classes 'anger', 'love' have no validation texts; early stopping judges the others alone\n"
    )
