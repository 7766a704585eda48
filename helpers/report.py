"""What a run says beyond the listing: the data summary before training, each class's figures after the test."""

import sys
import unicodedata

import numpy as np

from helpers import multi_label, shell, text_encoding


def summarize_data(dataset, top_words, max_len):
    """What a user should know before training: class sizes, text lengths, how much the cuts lose."""
    words = np.array([len(sequence) - 1 for sequence in dataset.train_sequences])  # less the start mark
    train_counts, test_counts = (
        label_counts(labels, dataset.num_classes) for labels in (dataset.train_labels, dataset.test_labels)
    )
    tokens = np.concatenate(dataset.train_sequences) if dataset.train_sequences else np.zeros(0, np.int32)
    known = tokens[tokens >= text_encoding.FIRST_WORD_INDEX]
    return {
        "train_texts": int(len(dataset.train_labels)),
        "test_texts": int(len(dataset.test_labels)),
        "class_counts": {
            name: [int(train_counts[index]), int(test_counts[index])] for index, name in enumerate(dataset.class_names)
        },
        "median_words": float(np.median(words)) if len(words) else 0.0,
        "percentile_90_words": float(np.percentile(words, 90)) if len(words) else 0.0,
        "share_cut": None if max_len is None else float(np.mean(words + 1 > max_len)) if len(words) else 0.0,
        "distinct_words": None if dataset.vocabulary is None else len(dataset.vocabulary),
        # What the tokens are: Keras' classic words, or what another tokenizer in common.py gives (characters).
        "tokens": "words" if text_encoding.splits_into_words(dataset.tokenizer) else "tokens",
        "kept_words": max(0, top_words - text_encoding.FIRST_WORD_INDEX),
        "share_known": float(len(known) / max(1, np.sum(tokens != text_encoding.START_INDEX))),
        "test_source": dataset.test_source,
        "labels_per_text": labels_per_text(dataset.train_labels) if dataset.multi_label else None,
    }


def label_counts(labels, classes):
    """The texts of each class; with several labels a text, the texts that carry each label."""
    return labels.sum(axis=0) if labels.ndim == 2 else np.bincount(labels, minlength=classes)


def labels_per_text(labels):
    """How many texts carry 1, 2, and 3 or more labels."""
    per_text = labels.sum(axis=1)
    return {"1": int(np.sum(per_text == 1)), "2": int(np.sum(per_text == 2)), "3+": int(np.sum(per_text >= 3))}


def one_line(name):
    """A class name on one line: a tab, a line break or another control character written as Python writes it."""
    control = ("Cc", "Zl", "Zp")  # U+2028 and U+2029 break a line too
    return "".join(repr(char)[1:-1] if unicodedata.category(char) in control else char for char in name)


def print_data_summary(summary, max_len, truncating=None):
    classes = len(summary["class_counts"])
    tokens = summary.get("tokens", "words")
    per_text = summary.get("labels_per_text")
    kind = "labels, several a text" if per_text else "classes"
    print(f"{summary['train_texts']} training and {summary['test_texts']} test texts, {classes} {kind}:")
    width = max(_display_width(one_line(name)) for name in summary["class_counts"])
    for name, (train_count, test_count) in summary["class_counts"].items():
        share = 100 * train_count / max(1, summary["train_texts"])
        print(f"  {_aligned(one_line(name), width)}  {train_count:>6} training ({share:4.1f} %), {test_count:>6} test")
    if per_text:
        shares = [
            f"{labels}: {texts:,} ({100 * texts / max(1, summary['train_texts']):.1f} %)"
            for labels, texts in per_text.items()
        ]
        print(f"  Labels per training text: {', '.join(shares)}.")
    if summary.get("test_source"):
        print(f"  Test texts: {summary['test_source']}.")
    if summary.get("limit_choice"):
        print(f"  {summary['limit_choice']}.")
    cut = ""
    if max_len is not None:
        kept_part = "last" if truncating == "pre" else "first"
        cut = f"; {100 * summary['share_cut']:.1f} % are cut to their {kept_part} {max_len} {tokens}"
    print(
        f"{tokens.capitalize()} per training text: median {summary['median_words']:.0f}, "
        f"90th percentile {summary['percentile_90_words']:.0f}{cut}."
    )
    if max_len is not None and summary["share_cut"] > 0.25:
        # What the user must decide: the data summary says what the cut costs.
        print(
            "  Many texts are cut (--max-len): keep the words that tell the class. A review's verdict\n"
            "  comes last (--truncating pre); a news article's title and lead come first (--truncating post)."
        )
    distinct = summary["distinct_words"]
    kept = summary["kept_words"]
    if distinct is None:
        kept_text = f"the {kept:,} most frequent {tokens}"
    elif kept >= distinct:
        kept_text = f"all {distinct:,} distinct training {tokens}"
    else:
        kept_text = f"the {kept:,} most frequent of the corpus' {distinct:,} distinct training {tokens}"
    print(
        f"Vocabulary: --top-words keeps {kept_text}, {100 * summary['share_known']:.1f} % of the {tokens} "
        "in the training texts; the rest read as 'unknown'.",
        flush=True,
    )


def test_figures(probabilities, labels, class_names, thresholds=None):
    """Loss, accuracy, and per class: recall (its accuracy), precision and the confusion matrix. With several labels
    a text (labels as rows of 0 and 1), multi_label.figures at `thresholds` (0.5 for each label if None)."""
    if labels.ndim == 2:
        thresholds = thresholds or [multi_label.DEFAULT_THRESHOLD] * len(class_names)
        return multi_label.figures(probabilities, labels, class_names, thresholds)
    predictions = probabilities.argmax(axis=1)
    chosen = np.clip(probabilities[np.arange(len(labels)), labels], 1e-7, 1.0)
    confusion = np.zeros((len(class_names), len(class_names)), np.int64)
    np.add.at(confusion, (labels, predictions), 1)
    true_counts = confusion.sum(axis=1)
    predicted_counts = confusion.sum(axis=0)
    diagonal = np.diag(confusion)
    return {
        "loss": float(-np.mean(np.log(chosen))),
        "accuracy": float(np.mean(predictions == labels)),
        "class_accuracy": {
            name: float(diagonal[index] / max(1, true_counts[index])) for index, name in enumerate(class_names)
        },
        "class_precision": {
            name: float(diagonal[index] / predicted_counts[index]) if predicted_counts[index] else 0.0
            for index, name in enumerate(class_names)
        },
        "confusion_matrix": confusion.tolist(),
    }


REPORT_WIDTH = 100  # columns of a terminal the per-class report keeps within


def _display_width(text):
    """Columns a text takes in a terminal: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in text)


def _aligned(text, width, right=False):
    padding = " " * max(0, width - _display_width(text))
    return padding + text if right else text + padding


def print_f1(test, class_names):
    """With several labels a text, in place of the tutorial's accuracy: each label's figures, then macro-F1,
    micro-F1 and exact match, one a line, for a person and a script to read."""
    print_each_label(test, class_names)
    untested = [name for name in class_names if not test["label_texts"][name]]
    if untested:  # scikit-learn's f1_score(average="macro", zero_division=0) counts them so too
        many = len(untested) > 1
        print(f"note: the label{'s' * many} {shell.listed(untested)} {'have' if many else 'has'} no test texts; the "
              f"macro-F1 counts {'them' if many else 'it'} as F1 0", file=sys.stderr, flush=True)  # fmt: skip
    print(f"Macro-F1: {test['macro_f1']:.3f}")
    print(f"Micro-F1: {test['micro_f1']:.3f}")
    print(f"Exact match: {100 * test['exact_match']:.2f}%", flush=True)


def print_each_label(test, class_names):
    """Each label's threshold, precision, recall, F1 and test texts that carry it."""
    shown = [one_line(name) for name in class_names]
    width = max(max(_display_width(name) for name in shown), len("label"))
    print(f"  {_aligned('label', width)}  threshold  precision  recall      F1  texts")
    for name, label in zip(class_names, shown):
        figures = [test[f"label_{kind}"][name] for kind in ("precision", "recall", "f1")]
        print(
            f"  {_aligned(label, width)}  {test['thresholds'][name]:9.2f}  {100 * figures[0]:7.2f} %"
            f"  {100 * figures[1]:6.2f} %  {figures[2]:.3f}  {test['label_texts'][name]:>5}"
        )


def print_each_class(test, class_names):
    """Not the tutorial's: each class's precision and recall, and the confusion matrix (or each label's figures)."""
    if "label_f1" in test:  # several labels a text: print_f1 gave each label's figures
        return
    shown = [one_line(name) for name in class_names]
    # Classes numbered when their names would make the matrix wider than a terminal (the record keeps it all).
    numbered = len(class_names) * (max(_display_width(name) for name in shown) + 1) + 30 > REPORT_WIDTH
    labels = [f"{index + 1:>2}. {name}" if numbered else name for index, name in enumerate(shown)]
    width = max(max(_display_width(label) for label in labels), len("class"))
    print(f"  {_aligned('class', width)}  precision  recall (accuracy of the class)  texts")
    for index, (name, label) in enumerate(zip(class_names, labels)):
        print(
            f"  {_aligned(label, width)}  {100 * test['class_precision'][name]:8.2f} %"
            f"  {100 * test['class_accuracy'][name]:6.2f} %{'':22}{sum(test['confusion_matrix'][index]):>6}"
        )
    if numbered:
        headers = row_labels = [str(index + 1) for index in range(len(class_names))]
        largest_count = max(max(row) for row in test["confusion_matrix"])
        column = max(len(str(largest_count)), len(headers[-1]))
        print("  Confusion matrix (rows: true class, columns: predicted; classes numbered as above):")
    else:
        headers = row_labels = shown
        column = max(6, max(_display_width(header) for header in headers))
        print("  Confusion matrix (rows: true class, columns: predicted):")
    row_width = max(_display_width(label) for label in row_labels)
    print(f"  {_aligned('', row_width)}  " + " ".join(_aligned(header, column, right=True) for header in headers))
    for label, row in zip(row_labels, test["confusion_matrix"]):
        print(f"  {_aligned(label, row_width, right=numbered)}  " + " ".join(f"{count:>{column}}" for count in row))
