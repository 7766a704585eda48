"""Your data as it comes: CSV, TSV and JSONL tables, a test split set for you, --test-data, predict.py's tables."""

import csv
import gzip
import json
import os

import numpy as np
import pytest

import lstm_simple
import predict
from conftest import SMALL_RUN, lstm_args, one_error_line, run_in_process, run_script, write_corpus, write_files
from helpers import corpus, folders, tables, texts
from helpers.shell import UsageError


def rows_of_folder(root, split):
    """(text, label) of each file of root/split/<class>/, in the order the folder reader reads them."""
    corpus, _ = folders.read_corpus(root)
    split_texts, labels = getattr(corpus, f"{split}_texts"), getattr(corpus, f"{split}_labels")
    return [(text, corpus.class_names[label]) for text, label in zip(split_texts, labels)]


def write_table(path, rows, kind=None, header=("text", "label"), order=(0, 1)):
    """rows of (text, label) as a CSV, TSV or JSONL file (by the name's end; .gz compressed)."""
    kind = kind or tables.kind_of(str(path))
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8", newline="") as handle:
        if kind == ".jsonl":
            for row in rows:
                handle.write(json.dumps({header[0]: row[0], header[1]: row[1]}) + "\n")
            return str(path)
        writer = csv.writer(handle, delimiter="\t" if kind == ".tsv" else ",", lineterminator="\n")
        if header:
            writer.writerow([header[index] for index in order])
        for row in rows:
            writer.writerow([row[index] for index in order])
    return str(path)


def encoded(dataset):
    return [sequence.tolist() for sequence in dataset.train_sequences + dataset.test_sequences]


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".csv.gz", ".jsonl.gz"])
def test_the_same_texts_from_a_folder_and_from_a_table_are_the_same_encoded_sequences(tmp_path, suffix):
    root = write_corpus(tmp_path / "folder", class_names=("neg", "pos", "mixed"), reviews_per_class=20)
    from_folder = texts.load_own_texts(root)
    train = write_table(tmp_path / f"train{suffix}", rows_of_folder(root, "train"))
    test = write_table(tmp_path / f"test{suffix}", rows_of_folder(root, "test"))
    from_table = texts.load_own_texts(train, test_path=test)
    assert encoded(from_table) == encoded(from_folder)
    assert from_table.class_names == from_folder.class_names == ["mixed", "neg", "pos"]
    assert from_table.train_labels.tolist() + from_table.test_labels.tolist() == (
        from_folder.train_labels.tolist() + from_folder.test_labels.tolist()
    )


@pytest.mark.slow
@pytest.mark.thorough
def test_a_script_reaches_the_same_accuracy_from_a_folder_and_from_a_csv_table(tmp_path, capsys):
    root = write_corpus(tmp_path / "folder", reviews_per_class=40)
    train = write_table(tmp_path / "train.csv", rows_of_folder(root, "train"), header=("review", "sentiment"))
    test = write_table(tmp_path / "test.csv", rows_of_folder(root, "test"), header=("review", "sentiment"))
    from_folder = run_in_process(capsys, lstm_simple.main, "--data", root, "--seed", "3", *SMALL_RUN)
    table_flags = ["--test-data", test, "--text-column", "review", "--label-column", "sentiment"]
    from_table = run_in_process(capsys, lstm_simple.main, "--data", train, *table_flags, "--seed", "3", *SMALL_RUN)
    accuracy = [line for line in from_folder.stdout.splitlines() if line.startswith("Accuracy")]
    assert from_folder.returncode == from_table.returncode == 0 and accuracy
    assert accuracy == [line for line in from_table.stdout.splitlines() if line.startswith("Accuracy")]


def test_csv_fields_are_read_as_pythons_csv_reads_them(tmp_path):
    long_text = "word " * 100_000  # 500 KB: over csv's default field limit
    raw = '\ufefflabel,text\nb,"a text, with a comma\nand a line break"\na,"He said ""hi"""\nb,' + long_text + "\n\n"
    path = tmp_path / "table.csv"
    path.write_text(raw, encoding="utf-8")
    table = tables.read_table(str(path), "text", "label")
    assert table.columns == ["label", "text"]  # the byte-order mark is not part of the first name
    assert table.texts == ["a text, with a comma\nand a line break", 'He said "hi"', long_text]
    assert table.labels == ["b", "a", "b"]


def test_a_tsv_is_split_on_tabs_and_its_quotes_kept_and_a_file_without_header_numbers_its_columns(tmp_path):
    path = write_files(tmp_path, {"sms.tsv": 'ham\tOk "lar"... Joking\r\nspam\tFree entry, text "WIN"\n'})
    table = tables.read_table(os.path.join(path, "sms.tsv"), "1", "0", header=False)
    assert table.texts == ['Ok "lar"... Joking', 'Free entry, text "WIN"'] and table.labels == ["ham", "spam"]


def test_jsonl_texts_may_span_lines_and_labels_may_be_numbers_in_numeric_order(tmp_path):
    rows = [{"body": f"line one\nline two {number}", "stars": number % 11} for number in range(44)]
    path = tmp_path / "reviews.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    dataset = texts.load_own_texts(str(path), texts.TableColumns("body", "stars"))
    assert dataset.class_names == [str(number) for number in range(11)]  # 2 before 10, as numbers sort
    assert len(dataset.test_labels) == 11  # a fifth of 4 texts a class rounds to 1


def test_a_non_latin_script_is_read_and_encoded(tmp_path):
    rows = [("Фильм был прекрасен, я в восторге", "хорошо"), ("Ужасный фильм, скучно", "плохо")] * 5
    dataset = texts.load_own_texts(write_table(tmp_path / "ru.csv", rows))
    assert dataset.class_names == ["плохо", "хорошо"] and "фильм" in dataset.vocabulary


@pytest.mark.parametrize(
    ("content", "flags", "expected"),
    [
        ("text,label\nfine,a\n,b\n", {}, "table.csv, line 3 (row 2): the text is empty"),
        ("text,label\nfine,a\nno label,\n", {}, "table.csv, line 3 (row 2) has no label"),
        ("text,label\nfine,a\nthree,fields,here\n", {}, "line 3 (row 2) has 3 fields, not 2 as the header"),
        ("text,label\nfine,a\nonly one field\n", {}, "line 3 (row 2) has 1 fields, not 2 as the header"),
        ('text,label\nfine,a\n"never closed,b\n', {}, "line 3 (row 2) cannot be read"),
        ("review,label\nfine,a\n", {}, "has no column 'text' (its columns: 'review', 'label'); name the column"),
        ("fine,a\n", {"header": False}, "its columns are numbered 0 to 1"),
    ],
)
def test_each_bad_row_is_one_line_naming_the_file_and_row(tmp_path, content, flags, expected):
    path = tmp_path / "table.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        tables.read_table(str(path), "text", "label", **flags)


def test_bad_jsonl_rows_and_a_file_that_is_not_utf8_name_their_line_and_row(tmp_path):
    bad_json = write_files(tmp_path, {"a.jsonl": '{"text": "x", "label": "a"}\n\n{"text": "y", "label": \n'})
    with pytest.raises(UsageError, match=r"a.jsonl, line 3 \(row 2\) cannot be read"):
        tables.read_table(os.path.join(bad_json, "a.jsonl"), "text", "label")
    write_files(tmp_path, {"b.jsonl": '{"text": "x", "label": "a"}\n["x", "a"]\n'})
    with pytest.raises(UsageError, match=r"line 2 \(row 2\) is not a JSON object"):
        tables.read_table(str(tmp_path / "b.jsonl"), "text", "label")
    write_files(tmp_path, {"c.jsonl": '{"text": "x", "label": "a"}\n{"body": "y", "label": "a"}\n'})
    with pytest.raises(UsageError, match=r"line 2 \(row 2\) has no key 'text' \(its keys: 'body', 'label'\)"):
        tables.read_table(str(tmp_path / "c.jsonl"), "text", "label")
    write_files(tmp_path, {"d.csv": b'text,label\nfine,a\n"two\nlines",b\ncaf\xe9,a\n'})
    with pytest.raises(UsageError, match=r"d.csv, line 5 \(row 3\): not UTF-8 \(byte 0xe9\); save the table as"):
        tables.read_table(str(tmp_path / "d.csv"), "text", "label")


def test_a_jsonl_key_given_twice_is_refused_in_one_line_naming_the_line_and_the_key(tmp_path, capsys):
    rows = '{"text": "a real text", "label": "tech"}\n{"text": "kept", "label": "tech", "text": "overwritten"}\n'
    path = write_files(tmp_path, {"dup.jsonl": rows}) + "/dup.jsonl"
    with pytest.raises(UsageError, match=r"dup.jsonl, line 2 \(row 2\) cannot be read \(the key 'text' is given twice"):
        tables.read_table(path, "text", "label")
    completed = run_in_process(capsys, lstm_simple.main, "--data", path, *SMALL_RUN)
    assert completed.returncode == 2 and "the key 'text' is given twice" in one_error_line(completed)


@pytest.mark.slow
@pytest.mark.thorough
def test_a_bad_table_given_to_a_script_is_one_line_and_nothing_is_trained(tmp_path):
    path = write_files(tmp_path, {"t.csv": "text,label\ngood,a\nalso good,b\n,a\n"})
    completed = run_script("lstm_simple.py", "--data", os.path.join(path, "t.csv"), *SMALL_RUN)
    assert completed.returncode == 2 and "line 4 (row 3): the text is empty" in one_error_line(completed)
    assert "Epoch" not in completed.stdout and not list((tmp_path / "keras_home").rglob("*.npz"))


def split_table(tmp_path, counts):
    rows = [
        (f"text {name} {number} {'common ' * number}", name)
        for name, count in counts.items()
        for number in range(count)
    ]
    return write_table(tmp_path / "all.csv", rows[::2] + rows[1::2])


def test_the_test_split_is_each_class_in_proportion_at_least_one_each_and_the_same_for_every_seed(tmp_path, capsys):
    path = split_table(tmp_path, {"big": 200, "small": 30, "tiny": 2})
    first = texts.load_own_texts(path)
    assert np.bincount(first.test_labels).tolist() == [40, 6, 1]
    assert np.bincount(first.train_labels).tolist() == [160, 24, 1]
    summaries = []
    for seed in ("1", "2"):
        data = __import__("common").load_data(lstm_args("--data", path, "--seed", seed, "--max-len", "30"))
        summaries.append([sequence.tolist() for sequence in data.test_sequences])
    assert summaries[0] == summaries[1]
    printed = capsys.readouterr().out
    assert "20 % of each class (--test-split 0.2), the same for every seed" in printed
    half = texts.load_own_texts(path, test_split=0.5)
    assert np.bincount(half.test_labels).tolist() == [100, 15, 1]


def test_under_limit_the_summary_and_the_record_say_which_seed_chose_the_texts(tmp_path, capsys):
    path = split_table(tmp_path, {"big": 200, "small": 100})
    load = __import__("common").load_data
    chosen = {}
    for argv in (["--seed", "1"], ["--seed", "2"], ["--seed", "1", "--runs", "2", "--run-index=1"]):
        data = load(lstm_args("--data", path, "--limit", "30", "--max-len", "30", *argv))
        printed = capsys.readouterr().out
        assert (
            "the same for every seed" not in printed and "Test texts: 20 % of each class (--test-split 0.2)." in printed
        )
        assert data.summary["limit_seed"] == int(argv[1])
        chosen[" ".join(argv)] = [sequence.tolist() for sequence in data.test_sequences], data.summary["limit_choice"]
    assert chosen["--seed 1"][1] == (
        "--limit 30 takes 30 of the 240 training and 30 of the 60 test texts, chosen by seed 1: "
        "another --seed takes others"
    )
    assert chosen["--seed 1 --runs 2 --run-index=1"][1] == chosen["--seed 1"][1].replace(
        "seed 1:", "seed 1 (the first run's):"
    )
    assert chosen["--seed 1 --runs 2 --run-index=1"][0] == chosen["--seed 1"][0] != chosen["--seed 2"][0]


def test_a_class_too_small_to_split_is_one_line(tmp_path):
    path = split_table(tmp_path, {"big": 20, "alone": 1})
    with pytest.raises(UsageError, match="class 'alone' has 1 text; a test split needs two of each"):
        texts.load_own_texts(path)


def test_test_data_is_the_test_set_and_must_not_bring_classes_of_its_own(tmp_path):
    train = write_table(tmp_path / "train.csv", [("good film", "pos"), ("bad film", "neg")] * 5)
    test = write_table(tmp_path / "test.jsonl", [("good", "pos"), ("a bad one", "neg"), ("fine", "pos")])
    dataset = texts.load_own_texts(train, test_path=test)
    assert len(dataset.train_labels) == 10 and dataset.test_labels.tolist() == [1, 0, 1]
    odd = write_table(tmp_path / "odd.csv", [("so so", "meh")])
    with pytest.raises(UsageError, match=r"odd.csv has the classes \['meh'\], the training data \['neg', 'pos'\]"):
        texts.load_own_texts(train, test_path=odd)
    # Labelled by ids, with a file naming them, the classes are shown by both, as the validation texts' are.
    train, odd = (
        write_table(tmp_path / name, rows)
        for name, rows in [
            ("train_ids.csv", [("good film", "1"), ("bad film", "0")] * 5),
            ("odd_ids.csv", [("so", "2")]),
        ]
    )
    names = tmp_path / "labels.txt"
    names.write_text("neg\npos\nmeh\n", encoding="utf-8")
    for flag in ("test_path", "validation_path"):
        error = r"odd_ids.csv has the classes \['2 meh'\], the training data \['0 neg', '1 pos'\]; give both"
        with pytest.raises(UsageError, match=error):
            texts.load_own_texts(train, **{flag: odd}, label_names_path=str(names))
    with pytest.raises(UsageError, match="has a test/ folder of its own; leave out --test-data"):
        texts.load_own_texts(write_corpus(tmp_path / "folder"), test_path=test)


def test_a_folder_of_class_folders_alone_gets_a_test_split_and_can_be_the_test_data(tmp_path):
    root = write_corpus(tmp_path / "folder", reviews_per_class=10)
    dataset = texts.load_own_texts(os.path.join(root, "train"))
    assert np.bincount(dataset.test_labels).tolist() == [2, 2] and len(dataset.train_labels) == 16
    train = write_table(tmp_path / "train.csv", rows_of_folder(root, "train"))
    with_folder = texts.load_own_texts(train, test_path=os.path.join(root, "test"))
    assert len(with_folder.test_labels) == 20


def test_the_cache_is_keyed_on_the_tables_bytes_and_its_column_flags(tmp_path, monkeypatch):
    path = write_table(tmp_path / "t.csv", [("good film", "pos"), ("bad film", "neg")] * 5, header=("text", "y"))
    encodings = []
    original = texts.encode_corpus
    monkeypatch.setattr(texts, "encode_corpus", lambda *args: encodings.append(1) or original(*args))
    first = texts.load_own_texts(path, texts.TableColumns(label="y"))
    again = texts.load_own_texts(path, texts.TableColumns(label="y"))
    assert encoded(first) == encoded(again) and len(encodings) == 1 and again.test_source == first.test_source
    texts.load_own_texts(path, texts.TableColumns(label="y"), test_split=0.4)
    assert len(encodings) == 2  # another split, another key
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("a brandnewword,pos\n")
    assert "brandnewword" in texts.load_own_texts(path, texts.TableColumns(label="y")).vocabulary
    assert len(encodings) == 3


def test_a_plain_table_named_gz_gets_the_same_answer_whatever_the_cache_holds(tmp_path):
    plain = write_table(tmp_path / "t.csv", [("good film", "pos"), ("bad film", "neg")] * 5)
    misnamed = tmp_path / "t.csv.gz"
    misnamed.write_bytes(open(plain, "rb").read())
    with pytest.raises(UsageError, match="t.csv.gz: not a readable gzip file"):
        texts.load_own_texts(str(misnamed))
    texts.load_own_texts(plain)  # the same bytes, cached under their own name
    with pytest.raises(UsageError, match="t.csv.gz: not a readable gzip file"):
        texts.load_own_texts(str(misnamed))


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--text-column", "review"], "--text-column is about your own data; give it with --data PATH"),
        (["--data", "x.csv", "--test-data", "y.csv", "--test-split", "0.3"], "--test-data is the test set"),
        (["--data", "x.csv", "--test-split", "0"], "--test-split 0 leaves no test texts"),
        (["--data", "x.tsv", "--no-header"], "--no-header numbers the columns from 0: name them"),
    ],
)
def test_table_flags_that_cannot_work_are_refused_before_any_work(capsys, flags, expected):
    completed = run_in_process(capsys, lstm_simple.main, *flags)
    assert completed.returncode == 2 and expected in completed.stderr


def test_a_test_split_is_refused_for_a_folder_that_has_its_own(tmp_path, capsys):
    completed = run_in_process(capsys, lstm_simple.main, "--data", write_corpus(tmp_path / "c"), "--test-split", "0.3")
    assert completed.returncode == 2 and "has a test/ folder of its own, which it keeps" in completed.stderr


@pytest.mark.slow
@pytest.mark.thorough
def test_data_dir_still_reads_a_table(tmp_path, capsys):
    path = write_table(tmp_path / "t.csv", [("good film", "pos"), ("bad film", "neg")] * 5)
    completed = run_in_process(capsys, lstm_simple.main, "--data-dir", path, *SMALL_RUN)
    assert completed.returncode == 0 and "Accuracy" in completed.stdout


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_predict_reads_a_table_and_writes_its_rows_with_the_prediction_added(tmp_path, capsys, saved_model, suffix):
    rows = [("A wonderful, wonderful film", "x"), ("awful\nawful", "y")]
    path = write_table(tmp_path / f"new{suffix}", rows, header=("review", "id"))
    output = tmp_path / f"out{suffix}"
    flags = ["--file", path, "--text-column", "review", "--output", str(output)]
    completed = run_in_process(capsys, predict.main, str(saved_model), *flags)
    assert completed.returncode == 0, completed.stderr
    if suffix == ".csv":
        with open(output, encoding="utf-8", newline="") as handle:
            written = list(csv.reader(handle))
        assert written[0] == ["review", "id", "predicted_class", "probability"]
        assert [row[:2] for row in written[1:]] == [list(row) for row in rows]
        assert all(row[2] in ("neg", "pos") and 0.5 <= float(row[3]) <= 1 for row in written[1:])
    else:
        written = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
        assert [(row["review"], row["id"]) for row in written] == rows and all("predicted_class" in r for r in written)
    again = run_in_process(capsys, predict.main, str(saved_model), *flags)
    assert again.returncode == 2 and "exists" in again.stderr


@pytest.mark.slow
def test_predict_names_the_columns_a_table_has_when_the_text_column_is_missing(tmp_path, capsys, saved_model):
    path = write_table(tmp_path / "new.csv", [("good", "x")], header=("review", "id"))
    completed = run_in_process(capsys, predict.main, str(saved_model), "--file", path)
    assert completed.returncode == 2
    assert "has no column 'text' (its columns: 'review', 'id'); name the column with --text-column" in completed.stderr


def test_a_csv_separated_by_semicolons_gets_a_hint(tmp_path):
    path = write_files(tmp_path, {"excel.csv": "text;label\nfine;a\n"})
    with pytest.raises(UsageError, match="is it separated by ';'"):
        tables.read_table(os.path.join(path, "excel.csv"), "text", "label")


@pytest.mark.slow
def test_predict_writes_a_table_without_header_as_it_came(tmp_path, capsys, saved_model):
    path = write_files(tmp_path, {"new.tsv": "1\tA wonderful film\n2\tawful, awful\n"})
    output = tmp_path / "out.tsv"
    flags = ["--file", os.path.join(path, "new.tsv"), "--no-header", "--text-column", "1", "--output", str(output)]
    completed = run_in_process(capsys, predict.main, str(saved_model), *flags)
    assert completed.returncode == 0, completed.stderr
    written = [line.split("\t") for line in output.read_text(encoding="utf-8").splitlines()]
    assert [row[:2] for row in written] == [["1", "A wonderful film"], ["2", "awful, awful"]] and len(written[0]) == 4


@pytest.mark.slow
def test_a_jsonl_table_written_as_csv_keeps_every_value_under_its_own_column(tmp_path, capsys, saved_model):
    path = write_files(
        tmp_path,
        {
            "in.jsonl": '{"id": 1, "text": "wonderful"}\n{"text": "awful", "id": 2}\n'
            '{"id": 3, "text": "meh", "m": {"a": null}}\n'
        },
    )
    output = tmp_path / "out.csv"
    completed = run_in_process(
        capsys, predict.main, str(saved_model), "--file", path + "/in.jsonl", "--output", str(output)
    )
    assert completed.returncode == 0, completed.stderr
    with open(output, encoding="utf-8", newline="") as handle:
        written = list(csv.reader(handle))
    assert written[0] == ["id", "text", "m", "predicted_class", "probability"]
    assert [row[:3] for row in written[1:]] == [["1", "wonderful", ""], ["2", "awful", ""], ["3", "meh", '{"a": null}']]


@pytest.mark.slow
def test_a_tsv_output_that_cannot_hold_a_text_is_one_line_and_no_file(tmp_path, capsys, saved_model):
    output = tmp_path / "out.tsv"
    completed = run_in_process(capsys, predict.main, str(saved_model), "a\ttab", "--output", str(output))
    assert completed.returncode == 2 and "which a TSV cannot; give --output a .csv name" in completed.stderr
    assert os.listdir(tmp_path) == [] or not any(name.startswith(("out", ".partial")) for name in os.listdir(tmp_path))


@pytest.mark.slow
def test_a_gzipped_output_names_itself_inside(tmp_path, capsys, saved_model):
    output = tmp_path / "out.csv.gz"
    completed = run_in_process(capsys, predict.main, str(saved_model), "A wonderful film", "--output", str(output))
    assert completed.returncode == 0, completed.stderr
    raw = output.read_bytes()
    assert raw[3] & 0x08 and raw[10 : 10 + len(b"out.csv\0")] == b"out.csv\0"  # FNAME: the stored name
    assert gzip.decompress(raw).decode().startswith("text,predicted_class,probability")


def test_a_quoted_tsv_field_gets_advice_that_fits_a_tsv(tmp_path):
    path = write_files(tmp_path, {"t.tsv": 'text\tlabel\n"line one\nline two"\tpos\n'})
    with pytest.raises(UsageError, match="a TSV field cannot hold a tab or a line break .*: save it as CSV"):
        tables.read_table(os.path.join(path, "t.tsv"), "text", "label")


def test_the_row_of_a_byte_that_is_not_utf8_is_the_same_wherever_it_sits_in_the_row(tmp_path):
    for content in (b"text,label\na,b\nc\xe9,d\n", b"text,label\na,b\n\xe9c,d\n"):
        write_files(tmp_path, {"t.csv": content})
        with pytest.raises(UsageError, match=r"t.csv, line 3 \(row 2\): not UTF-8 \(byte 0xe9\)"):
            tables.read_table(str(tmp_path / "t.csv"), "text", "label")


def test_utf16_and_old_mac_line_ends_are_read_and_a_stray_carriage_return_is_explained(tmp_path):
    write_files(tmp_path, {"u.csv": "text,label\r\nca va,a\r\nnon,b\r\n".encode("utf-16")})
    assert tables.read_table(str(tmp_path / "u.csv"), "text", "label").texts == ["ca va", "non"]
    write_files(tmp_path, {"mac.csv": "text,label\rone,a\rtwo,b\r"})
    assert tables.read_table(str(tmp_path / "mac.csv"), "text", "label").labels == ["a", "b"]
    write_files(tmp_path, {"cr.tsv": "text\tlabel\nhello\rworld\tpos\nfine\tneg\n"})
    with pytest.raises(UsageError, match=r"line 2 \(row 1\) cannot be read \(a line break inside a field that is not"):
        tables.read_table(str(tmp_path / "cr.tsv"), "text", "label")


def test_a_csv_with_old_mac_line_ends_and_a_line_feed_in_a_quoted_cell_is_read_as_pythons_csv_reads_it(tmp_path):
    rows = [("text", "label")] + [
        (f"text {number}" + "\nits second line" * (number % 3 == 0), "ab"[number % 2]) for number in range(40)
    ]
    path = tmp_path / "mac.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\r", quoting=csv.QUOTE_ALL).writerows(rows)
    with open(path, encoding="utf-8", newline="") as handle:
        as_csv_reads_it = list(csv.reader(handle))
    table = tables.read_table(str(path), "text", "label")
    assert [list(row) for row in zip(table.texts, table.labels)] == as_csv_reads_it[1:] == [list(r) for r in rows[1:]]
    write_files(tmp_path, {"bad.csv": b"text,label\rgood,a\rbad,b\rcaf\xe9,a\r"})
    with pytest.raises(UsageError, match=r"bad.csv, line 4 \(row 3\): not UTF-8 \(byte 0xe9\)"):
        tables.read_table(str(tmp_path / "bad.csv"), "text", "label")


def test_a_csv_that_holds_json_lines_is_named_so_in_one_short_line(tmp_path):
    rows = [{"text": f"text {number} " + "word " * 30, "label": "ab"[number % 2], "id": number} for number in range(9)]
    write_files(tmp_path, {"news.csv": "".join(json.dumps(row) + "\n" for row in rows)})
    with pytest.raises(UsageError) as error:
        tables.read_table(str(tmp_path / "news.csv"), "text", "label")
    assert str(error.value).endswith(
        "news.csv looks like JSON lines (one object a line), not CSV; name it " + str(tmp_path / "news.jsonl")
    )


def test_a_missing_column_among_many_long_ones_is_named_in_a_line_a_person_reads(tmp_path):
    header = ",".join(f"a rather long column name number {number} of many" for number in range(40))
    write_files(tmp_path, {"wide.csv": header + "\n" + ",".join(["x"] * 40) + "\n"})
    with pytest.raises(UsageError, match=r"\.\.\. \(40 in all\)") as error:
        tables.read_table(str(tmp_path / "wide.csv"), "text", "label")
    assert len(str(error.value).replace(str(tmp_path), "")) < 320


@pytest.mark.slow
@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_named_with_how_to_save_it_as_utf8(tmp_path, capsys, saved_model, codec):
    content = "text,label\r\nça va,a\r\nnon,b\r\n" + "Фильм был прекрасен,a\r\n" * 20
    write_files(tmp_path, {"u.csv": content.encode(codec), "u.txt": content.encode(codec)})
    expected = "looks like UTF-16 without a byte-order mark; save it as UTF-8"
    with pytest.raises(UsageError, match=expected):
        tables.read_table(str(tmp_path / "u.csv"), "text", "label")
    completed = run_in_process(capsys, predict.main, str(saved_model), "--file", str(tmp_path / "u.txt"))
    assert completed.returncode == 2 and expected in one_error_line(completed)


@pytest.mark.slow
def test_a_spreadsheet_is_one_line_that_names_it_and_asks_for_csv(tmp_path, capsys, saved_model):
    import zipfile

    with zipfile.ZipFile(tmp_path / "book.xlsx", "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", "<Types>" + "<Default/>" * 50 + "</Types>")
        book.writestr("xl/worksheets/sheet1.xml", "<sheetData>" + "<row><c>a text</c></row>" * 200 + "</sheetData>")
    expected = "book.xlsx is a spreadsheet, not text; save it as CSV (Excel: Save As, 'CSV UTF-8')"
    completed = run_in_process(capsys, predict.main, str(saved_model), "--file", str(tmp_path / "book.xlsx"))
    assert completed.returncode == 2 and expected in one_error_line(completed)
    completed = run_in_process(capsys, lstm_simple.main, "--data", str(tmp_path / "book.xlsx"), *SMALL_RUN)
    assert completed.returncode == 2 and expected in one_error_line(completed)


def test_a_class_folder_may_hold_a_folder_named_test(tmp_path):
    layout = {"fold/pos/a.txt": "good", "fold/pos/b.txt": "fine", "fold/pos/test/c.txt": "nice"}
    layout |= {"fold/neg/d.txt": "bad", "fold/neg/e.txt": "poor"}
    dataset = texts.load_own_texts(os.path.join(write_files(tmp_path, layout), "fold"))
    assert dataset.class_names == ["neg", "pos"] and len(dataset.train_labels) + len(dataset.test_labels) == 5
    with pytest.raises(UsageError, match="has no test/<class>/ folders"):
        texts.load_own_texts(write_files(tmp_path / "only", {"train/a/1.txt": "x", "train/b/2.txt": "y"}))


def test_lesser_table_cases(tmp_path, capsys):
    same = "text,label\nalpha one,x\nalpha two,y\nalpha three,x\nalpha four,y\nalpha five,x\n"
    write_files(tmp_path, {"c.csv": same, "c.tsv": same.replace(",", "\t").replace("alpha", "beta")})
    assert "alpha" in texts.load_own_texts(str(tmp_path / "c.csv")).vocabulary
    assert "beta" in texts.load_own_texts(str(tmp_path / "c.tsv")).vocabulary  # another kind, another key
    write_files(tmp_path, {"e.csv": "text,label\nfine,a\n,,\nalso,b\n, \n"})
    assert tables.read_table(str(tmp_path / "e.csv"), "text", "label").texts == ["fine", "also"]
    assert "skipped 2 rows whose every field is empty" in capsys.readouterr().err
    write_files(tmp_path, {"d.csv": "text,text,label\na,b,c\n"})
    with pytest.raises(UsageError, match="has 2 columns named 'text'; rename all but one"):
        tables.read_table(str(tmp_path / "d.csv"), "text", "label")
    assert sorted(["10.0", "2.0", "1.0", "b", "a", "-1"], key=corpus.class_order) == [
        "-1",
        "1.0",
        "2.0",
        "10.0",
        "a",
        "b",
    ]
    write_files(tmp_path, {"x.json": '[{"text": "a", "label": "b"}]'})
    with pytest.raises(UsageError, match=r"is JSON \(one object a line is JSONL: name it .jsonl\)"):
        texts.load_own_texts(str(tmp_path / "x.json"))
    with pytest.raises(UsageError, match="--text-column, --label-column and --no-header are for a table"):
        texts.load_own_texts(write_corpus(tmp_path / "folder"), texts.TableColumns(label="y"))


def test_a_header_that_is_data_and_swapped_columns_get_advice(tmp_path):
    message = "the first row of a long enough text to be no header, surely"
    write_files(tmp_path, {"sms.tsv": f"ham\t{message}\nspam\tWin a prize now\n"})
    with pytest.raises(UsageError, match="if its first row is not a header, give --no-header"):
        tables.read_table(str(tmp_path / "sms.tsv"), "text", "label")
    write_files(tmp_path, {"s.tsv": "".join(f"{'ham' if n % 3 else 'spam'}\ttext number {n}\n" for n in range(30))})
    with pytest.raises(UsageError, match="the column '1' has 30 values in 30 rows, not a few classes"):
        texts.load_own_texts(str(tmp_path / "s.tsv"), texts.TableColumns("0", "1", header=False))


def test_float_and_whole_number_labels_of_python_lists_are_one_class_and_unknown_test_labels_are_refused():
    dataset = texts.encode_lists(["good film", "bad film"], [1.0, 0.0], ["good", "bad"], [1, 0])
    assert dataset.class_names == ["0", "1"] and dataset.test_labels.tolist() == [1, 0]
    with pytest.raises(UsageError, match=r"the test labels \['2'\] are not among the training labels"):
        texts.encode_lists(["good film", "bad film"], [1, 0], ["meh"], [2])


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_whole_number_with_a_decimal_point_is_the_same_class_in_every_source_and_a_note_says_so(
    tmp_path, capsys, suffix
):
    labels = ["1", "1.0", "0", "0.0"] if suffix == ".csv" else [1, 1.0, 0, 0.0]  # CSV cells, or JSON numbers
    rows = [(f"text number {number}", labels[number % 4]) for number in range(40)]
    dataset = texts.load_own_texts(write_table(tmp_path / f"t{suffix}", rows))
    assert dataset.class_names == ["0", "1"]
    assert "labels that are one whole number are one class: 1 and 1.0 as 1, 0 and 0.0 as 0" in capsys.readouterr().err
    from_lists = texts.encode_lists(["good", "bad", "fine"], [1.0, 0, 1], ["good"], ["1.0"])
    assert from_lists.class_names == ["0", "1"] and "1 and 1.0 as 1" in capsys.readouterr().err


def test_labels_that_read_alike_stay_apart_and_a_note_names_them(tmp_path, capsys):
    rows = [(f"text number {number}", ["01", "1", "2", "Spam", "spam"][number % 5]) for number in range(50)]
    dataset = texts.load_own_texts(write_table(tmp_path / "t.csv", rows))
    assert dataset.class_names == ["01", "1", "2", "Spam", "spam"]
    (note,) = [line for line in capsys.readouterr().err.splitlines() if "read alike" in line]
    assert "the classes '01' and '1'; 'Spam' and 'spam' read alike but are kept apart; if one class" in note


def test_test_data_must_hold_every_class_and_its_errors_say_which_file(tmp_path):
    train = write_table(tmp_path / "train.csv", [("good film", "pos"), ("bad film", "neg"), ("so so", "meh")] * 5)
    with pytest.raises(UsageError, match=r"has the classes \['pos'\], the training data \['meh', 'neg', 'pos'\]"):
        texts.load_own_texts(train, test_path=write_table(tmp_path / "test.csv", [("good", "pos")]))
    small = write_table(tmp_path / "small.csv", [("good", "pos"), ("bad", "neg"), ("so", "meh")])
    assert len(texts.load_own_texts(train, test_path=small).test_labels) == 3  # a class a row is fine in a test set
    other = write_table(tmp_path / "other.csv", [("good", "pos")], header=("review", "label"))
    with pytest.raises(UsageError, match=r"^--test-data: .*other.csv has no column 'text'"):
        texts.load_own_texts(train, test_path=other)
    with pytest.raises(UsageError, match="--text-column and --label-column both name 'text'"):
        tables.read_table(train, "text", "text")


def test_a_test_split_for_a_folder_with_its_own_is_refused_before_any_encoding(tmp_path):
    with pytest.raises(UsageError, match="has a test/ folder of its own, which it keeps"):
        texts.load_own_texts(write_corpus(tmp_path / "c"), test_split=0.3)
    assert not list((tmp_path / "keras_home").rglob("*.npz"))


@pytest.mark.slow
def test_predict_reads_a_gzipped_text_file_and_old_mac_lines_and_refuses_a_binary_file(tmp_path, capsys, saved_model):
    (tmp_path / "new.txt.gz").write_bytes(gzip.compress(b"A wonderful film\nawful, awful\n"))
    (tmp_path / "mac.txt").write_bytes(b"A wonderful film\rawful, awful\r")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01")
    for name in ("new.txt.gz", "mac.txt"):
        completed = run_in_process(capsys, predict.main, str(saved_model), "--file", str(tmp_path / name))
        assert completed.returncode == 0 and len(completed.stdout.strip().splitlines()) == 2, completed.stderr
    completed = run_in_process(capsys, predict.main, str(saved_model), "--file", str(tmp_path / "photo.jpg"))
    assert completed.returncode == 2 and "is not text (it holds NUL bytes)" in completed.stderr


@pytest.mark.slow
def test_predict_refuses_outputs_that_would_lose_or_clash_with_a_column(tmp_path, capsys, saved_model):
    write_files(tmp_path, {"dup.csv": "text,,\nA wonderful film,1,2\n", "clash.jsonl": ""})
    (tmp_path / "clash.jsonl").write_text('{"text": "good"}\n{"text": "bad", "probability": 1}\n', encoding="utf-8")
    flags = ["--file", str(tmp_path / "dup.csv"), "--output", str(tmp_path / "out.jsonl")]
    completed = run_in_process(capsys, predict.main, str(saved_model), *flags)
    assert completed.returncode == 2 and "two columns of one name" in completed.stderr
    flags = ["--file", str(tmp_path / "clash.jsonl"), "--output", str(tmp_path / "out.csv")]
    completed = run_in_process(capsys, predict.main, str(saved_model), *flags)
    assert completed.returncode == 2 and "has a column named probability, which --output adds" in completed.stderr
    assert not any(name.startswith("out") for name in os.listdir(tmp_path))


def test_test_data_folders_say_which_flag_their_errors_are_about(tmp_path):
    train = write_table(tmp_path / "train.csv", [("good film", "pos"), ("bad film", "neg")] * 5)
    flat = write_files(tmp_path / "flat", {"readme.txt": "x"})
    with pytest.raises(UsageError, match=r"^--test-data: .*flat has no <class>/ folders of texts; give"):
        texts.load_own_texts(train, test_path=flat)


@pytest.mark.slow
def test_predict_refuses_gzipped_json_and_names_a_damaged_gzip_file(tmp_path, capsys, saved_model):
    (tmp_path / "reviews.json.gz").write_bytes(gzip.compress(b'[{"text": "good"}]'))
    completed = run_in_process(capsys, predict.main, str(saved_model), "--file", str(tmp_path / "reviews.json.gz"))
    assert completed.returncode == 2 and "is JSON: give a .jsonl file" in completed.stderr
    damaged = bytearray(gzip.compress(b"A wonderful film\n" * 50))
    damaged[12:14] = b"\xff\xff"
    (tmp_path / "new.txt.gz").write_bytes(bytes(damaged))
    completed = run_in_process(capsys, predict.main, str(saved_model), "--file", str(tmp_path / "new.txt.gz"))
    assert completed.returncode == 2 and "not a readable gzip file" in completed.stderr, completed.stderr
