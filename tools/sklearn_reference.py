"""The scikit-learn reference for baseline.py on a table of several labels a text: TF-IDF and a regression a label.

    pip install scikit-learn   # not a requirement of the project: this tool alone uses it
    python tools/sklearn_reference.py TRAIN --validation-data DEV --test-data TEST \\
        --no-header --text-column 0 --label-column 1 --label-separator , --max-features 50000 all

Each text becomes scikit-learn's TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True) weights, cut to the most
frequent --max-features words and pairs ("all": none cut), and one LogisticRegression(C=10,
class_weight="balanced", max_iter=1000) a label reads them. One threshold for all labels is chosen on the
validation texts, by the rule the scripts use (helpers/multi_label.py), and judged on the test texts. A line a
--max-features value goes to standard output: how many features, the threshold, the validation and the test
macro-F1, the seconds it took. It measures what scikit-learn's own fit loses when cut to baseline.py's
MAX_FEATURES; its words and pairs are not baseline.py's, which first keeps the TOP_WORDS most frequent words of
the scripts' tokenizer (one-letter words too) and then forms pairs.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the project, above tools/

import helpers.startup  # noqa: E402, F401 (first of the project: keeps TensorFlow's start-up notices off the terminal)

import shlex  # noqa: E402
import time  # noqa: E402

from helpers import corpus, flags, multi_label, shell, tables, texts  # noqa: E402
from helpers.shell import UsageError  # noqa: E402

INVERSE_REGULARIZATION = 10.0  # baseline.py's C


def labelled_texts(path, args, class_names=None):
    """A table's texts, its label rows of 0 and 1, and the label names (the training table's, if given)."""
    table = tables.read_table(
        path, args.text_column, args.label_column, not args.no_header, label_separator=args.label_separator
    )
    names = texts.class_names_of(table.labels, path)
    class_names = class_names or sorted({label for labels in names for label in labels}, key=corpus.class_order)
    index = {name: number for number, name in enumerate(class_names)}
    unknown = sorted({label for labels in names for label in labels} - set(index))
    if unknown:
        raise UsageError(f"{path} has labels no training text has: {shell.listed(unknown)}")
    return table.texts, corpus.label_rows(names, index), class_names


def macro_f1(probabilities, labels, class_names, thresholds):
    return multi_label.figures(probabilities, labels, class_names, thresholds)["macro_f1"]


def main(argv=None):
    parser = flags.OneLineErrorParser(prog="sklearn_reference.py", description=__doc__)
    parser.add_argument("data", help="the training table")
    parser.add_argument("--validation-data", required=True, help="the table the threshold is chosen on")
    parser.add_argument("--test-data", required=True, help="the table the threshold is judged on")
    parser.add_argument("--no-header", action="store_true", help="the tables have no header line")
    parser.add_argument("--text-column", default="text", help="the text's column (default: text)")
    parser.add_argument("--label-column", default="label", help="the labels' column (default: label)")
    parser.add_argument("--label-separator", required=True, help="what separates a text's labels")
    parser.add_argument(
        "--max-features",
        nargs="+",
        type=lambda text: None if text == "all" else flags.whole_number_from(1)(text),
        default=[50000],
        help="one or more counts of words and pairs to keep, or all for none cut; each is one fit (default: 50000)",
    )
    args = parser.parse_args(argv)
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier
    except ImportError:
        raise UsageError("this tool needs scikit-learn; pip install scikit-learn")
    train_texts, train_labels, class_names = labelled_texts(args.data, args)
    validation_texts, validation_labels, _ = labelled_texts(args.validation_data, args, class_names)
    test_texts, test_labels, _ = labelled_texts(args.test_data, args, class_names)
    print(f"Command: python tools/sklearn_reference.py {shlex.join(argv or sys.argv[1:])}", flush=True)
    for max_features in args.max_features:
        start = time.time()
        vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_features=max_features)
        train_vectors = vectorizer.fit_transform(train_texts)
        regression = LogisticRegression(C=INVERSE_REGULARIZATION, class_weight="balanced", max_iter=1000)
        classifier = OneVsRestClassifier(regression).fit(train_vectors, train_labels)
        validation = classifier.predict_proba(vectorizer.transform(validation_texts))
        test = classifier.predict_proba(vectorizer.transform(test_texts))
        thresholds = multi_label.choose_thresholds(validation, validation_labels, one_for_all=True)
        print(
            f"max_features={max_features or 'all'} features={train_vectors.shape[1]} threshold={thresholds[0]:.2f} "
            f"validation_macro_f1={macro_f1(validation, validation_labels, class_names, thresholds):.3f} "
            f"test_macro_f1={macro_f1(test, test_labels, class_names, thresholds):.3f} "
            f"seconds={time.time() - start:.0f}",
            flush=True,
        )


if __name__ == "__main__":
    shell.run(main, seeds=False)
