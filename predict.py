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
file's name ends; `--output -`: CSV on standard output). It is a thin
command over the saved serving model (`serving/`), which reads each text
exactly as training did: the same words, vocabulary, top-words cut, maximum
length and padding.
"""

import helpers.startup  # noqa: F401 (first: keeps TensorFlow's start-up notices off the terminal)

import collections
import csv
import gzip
import io
import json
import os
import sys

import numpy as np
import tensorflow as tf

from helpers import files, flags, saving, serving, shell, tables
from helpers.shell import UsageError

# ---------------------------------------------------------------------------
# The saved model, as --save wrote it

CLASSIFY_BATCH_SIZE = 1024  # texts sent to the serving model at a time
# A table's column that holds the text, the default of --text-column: the scripts' TEXT_COLUMN as shipped.
TEXT_COLUMN = "text"


# A loaded serving model and how it decides: thresholds and separator None for one class a text.
ServingModel = collections.namedtuple("ServingModel", "classifier class_names thresholds separator")


def load_serving_model(path):
    """The serving model of a --save folder (or the serving/ folder itself), loaded with TensorFlow alone."""
    if not os.path.exists(path):
        raise UsageError(f"no saved model at {path}; train one with e.g. 'python lstm_simple.py --save {path}'")
    folder = os.path.join(path, saving.SERVING_FOLDER)
    folder = folder if os.path.isdir(folder) else path
    graph = os.path.join(folder, "saved_model.pb")
    if os.path.isfile(graph) and not os.access(graph, os.R_OK):
        raise UsageError(f"{graph} cannot be read; check its permissions")
    if not os.path.isfile(graph):
        if os.path.isfile(os.path.join(path, saving.EARLIER_ENCODING_FILE)):
            raise UsageError(
                f"{path} was saved by an earlier version of these scripts, without the serving model that reads raw "
                "text; train and save it again with --save"
            )
        raise UsageError(
            f"{path} is not a folder written by --save (it needs {saving.MODEL_FILE} and "
            f"{saving.SERVING_FOLDER}/); give such a folder"
        )
    try:
        classifier = serving.load(folder)
        class_names = [name.decode("utf-8") for name in classifier.class_names().numpy().tolist()]
        thresholds = classifier.thresholds().numpy() if hasattr(classifier, "thresholds") else []
        separator = classifier.label_separator().numpy().decode("utf-8") if len(thresholds) else None
    except Exception as error:  # TensorFlow raises many kinds for a damaged SavedModel
        raise UsageError(
            f"{folder} is damaged or not a serving model written by --save ({type(error).__name__}: "
            f"{shell.first_line(error)}); train and save the model again with --save"
        )
    return ServingModel(classifier, class_names, thresholds if len(thresholds) else None, separator)


def classify(classifier, to_classify):
    """Each text's class probabilities, shape (texts, classes), in the texts' order; with several labels a text
    also whether the serving model predicts each label (its threshold decides), else None.

    Texts go to the serving model in batches of similar length (sorted by
    characters), so that few words of padding are read.
    """
    order = sorted(range(len(to_classify)), key=lambda number: len(to_classify[number]))
    outputs = []
    for start in range(0, len(order), CLASSIFY_BATCH_SIZE):
        batch = [
            to_classify[number].encode("utf-8", errors="replace")
            for number in order[start : start + CLASSIFY_BATCH_SIZE]
        ]
        outputs.append(classifier.serve(tf.constant(batch, tf.string)))

    def in_texts_order(name, dtype):
        rows = np.concatenate([output[name].numpy() for output in outputs])
        in_order = np.empty((len(to_classify), rows.shape[1]), dtype)
        in_order[order] = rows
        return in_order

    several_labels = "predicted" in outputs[0]
    return in_texts_order("probabilities", np.float32), in_texts_order("predicted", bool) if several_labels else None


# ---------------------------------------------------------------------------
# The texts to classify


def read_texts(args, parser):
    """Texts from the command line, a table, a file or standard input (one per line); and the table, if one."""
    if args.texts and args.file:
        parser.error("give texts on the command line or with --file, not both")
    # A JSON array or object is no text a line, nor a table.
    if args.file and args.file.lower().removesuffix(".gz").endswith(".json"):
        parser.error(f"--file {args.file} is JSON: give a .jsonl file (one object a line) and its --text-column")
    if args.file and tables.kind_of(args.file):
        text_column = TEXT_COLUMN if args.text_column is None else args.text_column
        table = tables.read_table(args.file, text_column, header=not args.no_header, keep_rows=True)
        return table.texts, "row", table
    if args.text_column is not None or args.no_header:
        parser.error("--text-column and --no-header are for a table given with --file (.csv, .tsv, .jsonl)")
    if args.texts:
        for text in args.texts:
            if os.path.isfile(text):  # `predict.py model texts.txt`: the name itself would be classified
                print(
                    f"note: the argument {text!r} names a file; to classify its lines, give --file {text}",
                    file=sys.stderr,
                )
        return args.texts, "argument", None
    return lines_of(args.file), "line", None


def lines_of(path):
    """The texts of a text file (or of standard input, with path None), one a line, empty lines skipped."""
    if path:
        raw = tables.read_bytes(path, "a text file, one text per line")
        source = path
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
    return kept


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
    files.check_output_folder("--output", folder)  # one we may write in
    if os.path.lexists(path):
        raise UsageError(f"--output {path} exists; give a new file name, so that it is not replaced")


def prediction_columns(model):
    """The columns --output adds: the predicted class and its probability; with several labels a text, the predicted
    labels and each label's probability."""
    if model.thresholds is None:
        return PREDICTION_COLUMNS
    return ("predicted_labels", *(f"probability_{name}" for name in model.class_names))


def check_table_output(args, table, model):
    """Refused before anything is classified: an output that would hide an input column, or lose one (JSONL)."""
    keys = set(table.columns).union(*(row for row in table.rows if isinstance(row, dict)))  # any JSONL row's keys
    taken = [name for name in prediction_columns(model) if name in keys]
    if taken:
        raise UsageError(f"--file {args.file} has a column named {taken[0]}, which --output adds; rename it first")
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
    with files.written_whole(path, replace=False) as (temporary,), open(temporary, "wb") as binary:
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
        writer.writerows(
            [_field(value) for value in row]
            + [f"{value:.6f}" if isinstance(value, float) else value for value in values]
            for row, values in zip(rows, added_values)
        )
    except csv.Error:
        raise UsageError("a text holds a tab or a line break, which a TSV cannot; give --output a .csv name")


def predicted(model, row, decisions=None):
    """One text's prediction: its class and that class's probability; with several labels a text, the labels the
    serving model predicts (`decisions`) joined by the model's separator ("" if none) and each label's probability."""
    if decisions is None:
        return model.class_names[row.argmax()], float(row.max())
    labels = [name for name, is_predicted in zip(model.class_names, decisions) if is_predicted]
    return model.separator.join(labels), [float(probability) for probability in row]


def predictions_of(model, probabilities, decisions):
    """predicted() for each text."""
    if decisions is None:
        return [predicted(model, row) for row in probabilities]
    return [predicted(model, row, decided) for row, decided in zip(probabilities, decisions)]


def write_predictions(path, to_classify, table, predictions, model):
    """The input's rows (or its texts) with the predicted class and its probability (or with several labels a text,
    the predicted labels and each label's probability), written whole as a new file."""
    columns, rows = (table.columns, table.rows) if table else (["text"], [[text] for text in to_classify])
    # Probabilities to 6 decimals: as numbers in a JSONL row, as text in a CSV or TSV field (_write_rows); a model
    # gone astray (NaN) as null, or nothing, since JSON has no NaN.
    rounded = [np.round(np.atleast_1d(values).astype(float), 6).tolist() for _, values in predictions]
    added = [
        (name, *(None if np.isnan(value) else value for value in values))
        for (name, _), values in zip(predictions, rounded)
    ]
    if tables.kind_of(path) == ".jsonl" and model.thresholds is not None:  # a list, as a JSONL table gives labels
        added = [(labels.split(model.separator) if labels else [], *values) for labels, *values in added]
    header = table.header if table else True
    write_table(path, columns, rows, prediction_columns(model), added, header=header)
    if path != "-":  # on standard output the table is all there is
        print(f"Wrote {len(predictions)} prediction{'s' * (len(predictions) != 1)} to {path}")
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
    parser.add_argument(
        "--text-column", metavar="NAME", help=f"the table's column that holds the text (default: {TEXT_COLUMN})"
    )
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
    model = load_serving_model(args.model)
    to_classify, unit, table = read_texts(args, parser)
    if args.output and table:
        check_table_output(args, table, model)
    if not to_classify:
        raise UsageError("nothing to classify; give a text as an argument, with --file, or on standard input")
    for number, text in enumerate(to_classify, start=1):
        if not text.strip():
            raise UsageError(f"{unit} {number} is empty; give one non-empty text per {unit}")
    probabilities, decisions = classify(model.classifier, to_classify)
    predictions = predictions_of(model, probabilities, decisions)
    if args.output:
        return write_predictions(args.output, to_classify, table, predictions, model)
    printed = []
    for number, (text, (name, values)) in enumerate(zip(to_classify, predictions)):
        # A tab or line break in a class name (a folder's) must not break the tab-separated lines.
        name = name.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        printed.append((name, values))
        one_line = " ".join(text.split())  # a form feed or U+2028 in a text must not break the output's lines
        excerpt = one_line[:60] + ("..." if len(one_line) > 60 else "")
        if decisions is None:
            print(f"{name}\t{values:.4f}\t{excerpt}", flush=True)
        else:  # the predicted labels (or '-'), and the probability of each of them
            shown = [f"{value:.4f}" for value, is_predicted in zip(values, decisions[number]) if is_predicted]
            print(f"{name or '-'}\t{model.separator.join(shown) or '-'}\t{excerpt}", flush=True)
        if getattr(sys.stdout, "reader_gone", False):  # startup.outlive_stdout_reader's
            break  # `predict.py ... | head`: nobody reads the rest; end quietly, as Unix tools do
    return printed


if __name__ == "__main__":
    shell.run(main, seeds=False)
