"""Measure one threshold for all labels against one for each label, both chosen on validation texts, on test texts.

    python tools/threshold_study.py MODEL --validation-data dev.tsv --test-data test.tsv \\
        --no-header --text-column 0 --label-column 1 --label-separator , --label-names labels.txt

MODEL is a --save folder of a model of several labels a text. Its serving
model classifies the validation and the test texts; each way of choosing the
thresholds is tried on the validation texts and judged on the test texts, as
the scripts judge theirs. The figures go to standard output, with the command.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the project, above tools/

import helpers.startup  # noqa: E402, F401 (first of the project: keeps TensorFlow's start-up notices off the terminal)

import shlex  # noqa: E402

import numpy as np  # noqa: E402

import predict  # noqa: E402
from helpers import corpus, flags, multi_label, shell, tables, texts  # noqa: E402
from helpers.shell import UsageError  # noqa: E402


def labelled_texts(path, args, class_names, names):
    """A table's texts and their labels as rows of 0 and 1 over the model's classes, read as the scripts read them
    (1.0 is 1; an id is named by --label-names' line)."""
    separator = args.label_separator
    table = tables.read_table(path, args.text_column, args.label_column, not args.no_header, label_separator=separator)
    ids = texts.class_names_of(table.labels, path)
    present = sorted({label for labels in ids for label in labels})
    named = dict(zip(present, texts.names_of_ids(present, names, args.label_names, quiet=True) if names else present))
    rows = [[named[label] for label in labels] for labels in ids]
    unknown = sorted({label for labels in rows for label in labels} - set(class_names))
    if unknown:
        raise UsageError(f"{path} has labels the model does not know: {shell.listed(unknown)}")
    return table.texts, corpus.label_rows(rows, {name: number for number, name in enumerate(class_names)})


def main(argv=None):
    parser = flags.OneLineErrorParser(prog="threshold_study.py", description=__doc__)
    parser.add_argument("model")
    for flag in ("--validation-data", "--test-data"):
        parser.add_argument(flag, required=True)
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--label-column", default="label")
    parser.add_argument("--label-separator", default=",")
    parser.add_argument("--label-names")
    parser.add_argument("--no-header", action="store_true")
    args = parser.parse_args(argv)
    model = predict.load_serving_model(args.model)
    if model.thresholds is None:
        raise UsageError(f"{args.model} is a model of one class a text; give one of several labels a text")
    names = texts.read_label_names(args.label_names) if args.label_names else None
    parts = {}
    for what, path in (("validation", args.validation_data), ("test", args.test_data)):
        texts_read, labels = labelled_texts(path, args, model.class_names, names)
        parts[what] = (predict.classify(model.classifier, texts_read)[0], labels)
    print(f"Command: python tools/threshold_study.py {shlex.join(argv or sys.argv[1:])}")
    ways = {
        "one threshold for all labels": multi_label.choose_thresholds(*parts["validation"], one_for_all=True),
        "one threshold for each label": multi_label.choose_thresholds(*parts["validation"], one_for_all=False),
        "the saved model's thresholds (the run's report gives the same figures)": model.thresholds,
    }
    for way, thresholds in ways.items():
        scores = multi_label.figures(*parts["test"], model.class_names, thresholds)
        spread = f"{np.min(thresholds):.2f}-{np.max(thresholds):.2f}"
        print(
            f"{way} ({spread}): test macro-F1 {scores['macro_f1']:.3f}, micro-F1 {scores['micro_f1']:.3f}, "
            f"exact match {100 * scores['exact_match']:.2f}%"
        )


if __name__ == "__main__":
    shell.run(main, seeds=False)
