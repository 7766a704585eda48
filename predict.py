"""Classify new text with a model saved by one of the scripts' --save.

    python lstm_simple.py --data aclImdb --save imdb_model
    python predict.py imdb_model "A wonderful film, I loved every minute."
    python predict.py imdb_model --file my_reviews.txt      # one text per line
    cat my_reviews.txt | python predict.py imdb_model       # the same, from standard input
    python predict.py imdb_model --file my_reviews.txt --output out.csv
    python predict.py imdb_model --file new.csv --text-column review --output out.csv   # a table (.tsv, .jsonl)

For each text it prints the predicted class, its probability and the start
of the text, tab-separated; with --output, it writes a new file instead: the
input's rows (for plain text, a column `text`) with the columns
`predicted_class` and `probability` added, as CSV, TSV or JSONL (as the
file's name ends; `--output -`: CSV on standard output). The text is encoded
exactly as in training: the same tokens, vocabulary, top-words cut and
maximum length.
"""

import helpers.startup  # noqa: F401 (first: keeps TensorFlow's start-up notices off the terminal)

import contextlib
import csv
import gzip
import io
import json
import os
import sys

import keras
import numpy as np

from helpers import batches, flags, saving, shell, tables, texts
from helpers.saving import ENCODING_FILE, KERAS_IMDB, MODEL_FILE
from helpers.shell import UsageError

# ---------------------------------------------------------------------------
# The saved model, as --save wrote it


def _is_whole_number(value):
    return isinstance(value, int) and not isinstance(value, bool)  # JSON's true is a Python int too


def _check_encoding(encoding):
    """Raise ValueError naming the first field of a text_encoding.json that is missing or malformed."""
    if not isinstance(encoding, dict):
        raise ValueError(f"it holds a {type(encoding).__name__}, not an object")
    if encoding.get("format") != saving.ENCODING_FORMAT_VERSION:
        raise ValueError(f"format {encoding.get('format')!r}, expected {saving.ENCODING_FORMAT_VERSION}")
    # Each field, what it must be, and the check: the same bounds as the flags that wrote it.
    checks = {
        "class_names": ("a list of two or more names", lambda value: (
            isinstance(value, list) and len(value) >= 2 and all(isinstance(name, str) for name in value)
        )),
        "top_words": (f"a whole number above {texts.FIRST_WORD_INDEX}", lambda value: (
            _is_whole_number(value) and value > texts.FIRST_WORD_INDEX
        )),
        "max_len": (f"a whole number from 1 to {saving.MAX_LEN:,}", lambda value: (
            _is_whole_number(value) and 1 <= value <= saving.MAX_LEN
        )),
        "truncating": ("'pre' or 'post'", lambda value: value in ("pre", "post")),
        "configuration": (" or ".join(saving.CONFIGURATIONS), lambda value: value in saving.CONFIGURATIONS),
        "word_index_source": ("a known source", lambda value: value in (KERAS_IMDB, "vocabulary")),
        "vocabulary": ("a list of words", lambda value: (
            (value is None and encoding.get("word_index_source") == KERAS_IMDB)
            or (isinstance(value, list) and all(isinstance(word, str) for word in value))
        )),
    }  # fmt: skip
    for field, (expected, is_valid) in checks.items():
        if field not in encoding:
            raise ValueError(f"it has no {field!r}")
        if not is_valid(encoding[field]):
            raise ValueError(f"its {field!r} must be {expected}")


def load_saved_model(path):
    """The model and text encoding that --save wrote; never runs code from the file."""
    if not os.path.exists(path):
        raise UsageError(f"no saved model at {path}; train one with e.g. 'python lstm_simple.py --save {path}'")
    model_path, encoding_path = os.path.join(path, MODEL_FILE), os.path.join(path, ENCODING_FILE)
    for file_path in (model_path, encoding_path):
        if os.path.isfile(file_path) and not os.access(file_path, os.R_OK):
            raise UsageError(f"{file_path} cannot be read; check its permissions")
    if not os.path.isdir(path) or not os.path.isfile(model_path):
        raise UsageError(
            f"{path} is not a folder written by --save (it needs {MODEL_FILE} and {ENCODING_FILE}); give such a folder"
        )
    if not os.path.isfile(encoding_path):
        raise UsageError(
            f"{path} has a model but no {ENCODING_FILE} (its vocabulary); save it again with the scripts' --save"
        )
    try:
        with open(encoding_path, encoding="utf-8") as handle:
            encoding = json.load(handle)
        _check_encoding(encoding)
    except (OSError, ValueError) as error:  # json's errors are ValueErrors
        reason = error.strerror if isinstance(error, OSError) else str(error).splitlines()[0]
        raise UsageError(
            f"{encoding_path} is not a text encoding written by --save ({reason}); save the model again with --save"
        )
    try:
        # safe_mode=True (Keras' default, spelled out): a saved lambda is refused, not run.
        model = keras.saving.load_model(model_path, safe_mode=True)
    except Exception as error:  # Keras raises many kinds for a file that is not a model
        if "safe_mode" in str(error) or "Lambda" in str(error):
            raise UsageError(
                f"{model_path} holds Python code (a Lambda layer) that could run anything on this computer, "
                "so it is not loaded; use models you trained with these scripts"
            )
        raise UsageError(
            f"{model_path} is damaged or not a Keras model ({type(error).__name__} while loading it); "
            "train and save the model again with --save"
        )
    embeddings = [layer for layer in model.layers if isinstance(layer, keras.layers.Embedding)]
    if embeddings and embeddings[0].input_dim != encoding["top_words"]:
        raise UsageError(
            f"{model_path} reads {embeddings[0].input_dim} word indices but {ENCODING_FILE} keeps "
            f"{encoding['top_words']}; they come from different saves: save the model again"
        )
    expected_outputs = (1, 2) if len(encoding["class_names"]) == 2 else (len(encoding["class_names"]),)
    if model.output_shape[-1] not in expected_outputs:
        raise UsageError(
            f"{model_path} gives {model.output_shape[-1]} outputs but {ENCODING_FILE} names "
            f"{len(encoding['class_names'])} classes; they come from different saves: save the model again"
        )
    return model, encoding


def _prediction_word_index(encoding):
    """word -> index as in training: our vocabulary, or Keras' IMDB word index."""
    if encoding["word_index_source"] == "vocabulary":
        return texts.word_index_of(encoding["vocabulary"])
    try:
        # Keras says "Downloading data from ..." on standard output, which carries only predictions here.
        with contextlib.redirect_stdout(sys.stderr):
            ranks = keras.datasets.imdb.get_word_index()
    except Exception as error:  # Keras reports a failed download as a bare Exception
        raise UsageError(
            "could not download Keras' IMDB word index; it is needed once for models trained on "
            "keras.datasets.imdb; train with --data to work offline"
        ) from error
    # load_data() shifts Keras' 1-based ranks by index_from=3: the most frequent word is 4, as ours.
    return {word: rank + texts.UNUSED_INDEX for word, rank in ranks.items()}


def encode_for_prediction(raw_texts, encoding):
    """Raw texts as the integer sequences the saved model was trained on."""
    word_index = _prediction_word_index(encoding)
    sequences = [texts.encode(texts.tokenize(text), word_index) for text in raw_texts]
    return texts.cut_to_top_words(sequences, encoding["top_words"])


# ---------------------------------------------------------------------------
# The texts to classify


def read_texts(args, parser):
    """Texts from the command line, a table, a file or standard input (one per line); and the table, if one."""
    if args.texts and args.file:
        parser.error("give texts on the command line or with --file, not both")
    if args.file and args.file.lower().removesuffix(".gz").endswith(
        ".json"
    ):  # a JSON array or object is no text a line, nor a table
        parser.error(f"--file {args.file} is JSON: give a .jsonl file (one object a line) and its --text-column")
    if args.file and tables.kind_of(args.file):
        table = tables.read_table(args.file, args.text_column, header=not args.no_header, keep_rows=True)
        return table.texts, "row", table
    if args.text_column != "text" or args.no_header:
        parser.error("--text-column and --no-header are for a table given with --file (.csv, .tsv, .jsonl)")
    if args.texts:
        for text in args.texts:
            if os.path.isfile(text):  # `predict.py model texts.txt`: the name itself would be classified
                print(
                    f"note: the argument {text!r} names a file; to classify its lines, give --file {text}",
                    file=sys.stderr,
                )
        return args.texts, "argument", None
    if args.file:
        raw, source = tables.read_bytes(args.file, "a text file, one text per line"), args.file
    else:
        if sys.stdin.isatty():  # a closed one is the null device (startup.py)
            print("Type one text per line, then Ctrl-D:", file=sys.stderr)
        raw = sys.stdin.buffer.read()
        source = "standard input"
    tables.check_is_text(source, raw, "a text file, one text per line, or a table")  # before a decoding warning
    encoding = tables.encoding_of(raw)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        text = raw.decode(encoding, errors="replace")
        print(
            f"warning: {source} is not valid {'UTF-16' if encoding == 'utf-16' else 'UTF-8'}; what is not was replaced",
            file=sys.stderr,
        )
    if "\0" in text:  # a .zip, a picture, a program: its bytes read as text would be classified as nonsense
        raise UsageError(f"{source} is not text (it holds NUL bytes); give a text file, one text per line, or a table")
    # Lines end at a newline only: str.splitlines would also split at \x0c, \x1c or U+2028 inside a text.
    lines = [line.removesuffix("\r") for line in tables.with_newlines(text).split("\n")]
    kept = [line for line in lines if line.strip()]
    empty = len(lines) - len(kept) - (lines[-1] == "")  # the newline that ends the last line ends no text
    if empty:
        print(f"note: skipped {empty} empty line{'s' * (empty > 1)} of {source}", file=sys.stderr)
    return kept, "line", None


def _field(value):
    """A JSONL value as a CSV or TSV field: text as it is, anything else as JSON (null as nothing)."""
    return value if isinstance(value, str) else "" if value is None else json.dumps(value, ensure_ascii=False)


PREDICTION_COLUMNS = ("predicted_class", "probability")


def check_output(args):
    """Refused before the model loads, as the scripts' --save: an --output that could not be written, that names a
    folder, whose name asks for a format not written, or that exists. '-' is standard output, as Unix tools take it."""
    path = args.output
    if path is None or path == "-":
        return
    if path.endswith(("/", os.sep)) or os.path.isdir(path):
        create = "" if os.path.isdir(path) else " (the folder created first)"
        example = os.path.join(path, "out.csv")
        raise UsageError(f"--output {path} names a folder; give a file name, such as {example}{create}")
    if not tables.kind_of(path):
        raise UsageError(f"--output {path}: predictions are written as {tables.SUFFIXES_NAMED}; give such a name")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        what = "is a file, not a folder; give another path" if os.path.exists(folder) else "does not exist; create it"
        raise UsageError(f"--output {path}: {folder} {what}")
    shell.check_output_folder("--output", folder)  # one we may write in
    if os.path.lexists(path):
        raise UsageError(f"--output {path} exists; give a new file name, so that it is not replaced")


def check_table_output(args, table):
    """Refused before anything is classified: an output that would hide an input column, or lose one (JSONL)."""
    keys = set(table.columns).union(*(row for row in table.rows if isinstance(row, dict)))  # any JSONL row's keys
    if set(PREDICTION_COLUMNS) & keys:
        raise UsageError(f"--file {args.file} has a column named {' or '.join(PREDICTION_COLUMNS)}; rename it first")
    if tables.kind_of(args.output) == ".jsonl" and len(set(table.columns)) < len(table.columns):
        raise UsageError("the table has two columns of one name, which a JSONL object cannot; give --output .csv")


def write_table(path, columns, rows, added_columns, added_values, header=True):
    """Rows as read with new columns added, as a new file of the kind its name says (.csv, .tsv or .jsonl), written
    whole and never over another file; '-': as CSV on standard output."""
    kind = tables.kind_of(path) or ".csv"
    if kind == ".jsonl":  # each row an object: a JSONL row as it came, a CSV or TSV row by its columns
        rows = [row if isinstance(row, dict) else dict(zip(columns, row)) for row in rows]
    elif rows and isinstance(rows[0], dict):  # JSONL to CSV: every key of any row, in the order they first appear
        columns = list(dict.fromkeys(key for row in rows for key in row))
        rows = [[row.get(column) for column in columns] for row in rows]
    table = (kind, columns, rows, added_columns, added_values, header)
    if path == "-":  # lines end as the terminal's text stream ends them
        return _write_rows(sys.stdout, *table, lineterminator="\n")
    with shell.written_whole(path, replace=False) as (temporary,), open(temporary, "wb") as binary:
        # The name inside a .gz is the output's, not the temporary file's (gunzip -N restores it).
        name = os.path.basename(path).removesuffix(".gz").removesuffix(".GZ")
        stream = gzip.GzipFile(name, "wb", fileobj=binary) if path.lower().endswith(".gz") else binary
        with io.TextIOWrapper(stream, encoding="utf-8", newline="") as handle:
            _write_rows(handle, *table)
    return os.path.abspath(path)


def _write_rows(handle, kind, columns, rows, added_columns, added_values, header, **csv_options):
    if kind == ".jsonl":
        for row, values in zip(rows, added_values):
            handle.write(json.dumps(row | dict(zip(added_columns, values)), ensure_ascii=False) + "\n")
        return
    # A TSV as we read it: split on tabs, no quoting; a text holding a tab or line break cannot be one.
    writer = csv.writer(handle, **(tables.TSV_FORMAT if kind == ".tsv" else {}), **csv_options)
    try:
        if header:
            writer.writerow(list(columns) + list(added_columns))
        writer.writerows([_field(value) for value in row] + list(values) for row, values in zip(rows, added_values))
    except csv.Error:
        raise UsageError("a text holds a tab or a line break, which a TSV cannot; give --output a .csv name")


def write_predictions(path, to_classify, table, probabilities, class_names):
    """The input's rows (or its texts) with the predicted class and its probability, written whole as a new file."""
    predictions = [(class_names[row.argmax()], float(row.max())) for row in probabilities]
    columns, rows = (table.columns, table.rows) if table else (["text"], [[text] for text in to_classify])
    added = [(name, f"{probability:.6f}") for name, probability in predictions]
    write_table(path, columns, rows, PREDICTION_COLUMNS, added, header=table.header if table else True)
    if path != "-":  # on standard output the table is all there is
        print(f"Wrote {len(predictions)} predictions to {path}")
    return predictions


def main(argv=None):
    parser = flags.OneLineErrorParser(prog="predict.py", description=__doc__)
    parser.add_argument("model", help="folder written by a script's --save PATH")
    parser.add_argument(
        "texts",
        nargs="*",
        default=[],  # without a default, argparse calls a '*' positional required
        help="texts to classify (if none: each line of --file or of standard input)",
    )
    parser.add_argument(
        "--file",
        type=flags.path_argument,
        metavar="PATH",
        help="classify each line of this text file, or each row of a table (.csv, .tsv, .jsonl, each also .gz)",
    )
    parser.add_argument("--text-column", default="text", metavar="NAME", help="the table's column that holds the text")
    parser.add_argument(
        "--no-header", action="store_true", help="the CSV or TSV table has no header: --text-column is a number from 0"
    )
    parser.add_argument(
        "--output",
        type=flags.path_argument,
        metavar="PATH",
        help="write the input's rows with the columns predicted_class and probability added to this new file, "
        f"as its name ends: {tables.SUFFIXES_NAMED}; '-': as CSV on standard output; a file that exists is not "
        "replaced",
    )
    args = parser.parse_args(argv)
    check_output(args)
    model, encoding = load_saved_model(args.model)
    to_classify, unit, table = read_texts(args, parser)
    if args.output and table:
        check_table_output(args, table)
    if not to_classify:
        raise UsageError("nothing to classify; give a text as an argument, with --file, or on standard input")
    for number, text in enumerate(to_classify, start=1):
        if not text.strip():
            raise UsageError(f"{unit} {number} is empty; give one non-empty text per {unit}")
    sequences = encode_for_prediction(to_classify, encoding)
    literal = encoding["configuration"] == "literal"
    padded = batches.padded_batches(
        sequences,
        np.zeros(len(sequences), np.int32),
        batches.EVALUATION_BATCH_SIZE,
        encoding["max_len"],
        encoding["truncating"],
        literal,
        mask_padding=batches.masks_padding(model),
    )
    probabilities = padded.predict(model)
    if args.output:
        return write_predictions(args.output, to_classify, table, probabilities, encoding["class_names"])
    predictions = []
    for text, row in zip(to_classify, probabilities):
        # A tab or line break in a class name (a folder's) must not break the tab-separated lines.
        class_name = (
            encoding["class_names"][row.argmax()].replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        )
        predictions.append((class_name, float(row.max())))
        one_line = " ".join(text.split())  # a form feed or U+2028 in a text must not break the output's lines
        excerpt = one_line[:60] + ("..." if len(one_line) > 60 else "")
        print(f"{class_name}\t{row.max():.4f}\t{excerpt}", flush=True)
        if getattr(sys.stdout, "reader_gone", False):  # shell.outlive_stdout_reader's
            break  # `predict.py ... | head`: nobody reads the rest; end quietly, as Unix tools do
    return predictions


if __name__ == "__main__":
    shell.run(main, seeds=False)
