"""Classify new text with a model saved by one of the scripts' --save.

    python lstm_simple.py --data-dir aclImdb --save imdb_model
    python predict.py imdb_model "A wonderful film, I loved every minute."
    python predict.py imdb_model --file my_reviews.txt      # one review per line
    cat my_reviews.txt | python predict.py imdb_model       # the same, from standard input

For each review it prints the predicted class, its probability and the start
of the review, tab-separated. The text is encoded exactly as in training: the
same tokens, vocabulary, top-words cut and maximum length.
"""

import argparse
import sys

import common


def read_reviews(args, parser):
    """Reviews from the command line, a file or standard input; one per line."""
    if args.texts and args.file:
        parser.error("give reviews on the command line or with --file, not both")
    if args.texts:
        return args.texts, "argument"
    if args.file:
        try:
            with open(args.file, "rb") as handle:
                raw = handle.read()
        except OSError as error:
            raise common.UsageError(f"cannot read --file {args.file} ({error.strerror}); give a text file, one review per line")
        source = args.file
    else:
        if sys.stdin.isatty():
            print("Type one review per line, then Ctrl-D:", file=sys.stderr)
        raw = sys.stdin.buffer.read()
        source = "standard input"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="replace")
        print(f"warning: {source} is not valid UTF-8; its undecodable bytes were replaced", file=sys.stderr)
    return text.splitlines(), "line"


def main(argv=None):
    parser = common.OneLineErrorParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("model", help="folder written by a script's --save PATH")
    parser.add_argument("texts", nargs="*", help="reviews to classify (default: read --file or standard input)")
    parser.add_argument("--file", metavar="PATH", help="classify each line of this text file (default: none)")
    args = parser.parse_args(argv)
    try:
        model, encoding = common.load_saved_model(args.model)
        reviews, unit = read_reviews(args, parser)
        if not reviews:
            raise common.UsageError("nothing to classify; give a review as an argument, with --file, or on standard input")
        for number, review in enumerate(reviews, start=1):
            if not review.strip():
                raise common.UsageError(f"{unit} {number} is empty; give one non-empty review per {unit}")
        sequences = common.encode_for_prediction(reviews, encoding)
        probabilities = common.predict_probabilities(model, sequences, encoding["max_len"], encoding["literal"])
    except common.UsageError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        sys.exit(2)
    predictions = []
    for review, row in zip(reviews, probabilities):
        class_name = encoding["class_names"][row.argmax()]
        predictions.append((class_name, float(row.max())))
        excerpt = review.strip()[:60] + ("..." if len(review.strip()) > 60 else "")
        print(f"{class_name}\t{row.max():.4f}\t{excerpt}")
    return predictions


if __name__ == "__main__":
    main()
