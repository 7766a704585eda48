"""Classify new text with a model saved by one of the scripts' --save.

    python lstm_simple.py --data-dir aclImdb --save imdb_model
    python predict.py imdb_model "A wonderful film, I loved every minute."
    python predict.py imdb_model --file my_reviews.txt      # one text per line
    cat my_reviews.txt | python predict.py imdb_model       # the same, from standard input

For each text it prints the predicted class, its probability and the start
of the text, tab-separated. The text is encoded exactly as in training: the
same tokens, vocabulary, top-words cut and maximum length.
"""

import startup  # noqa: F401 (first: keeps TensorFlow's start-up notices off the terminal)

import sys

import cli
import common
import saved_model


def read_texts(args, parser):
    """Texts from the command line, a file or standard input; one per line."""
    if args.texts and args.file:
        parser.error("give texts on the command line or with --file, not both")
    if args.texts:
        return args.texts, "argument"
    if args.file:
        try:
            with open(args.file, "rb") as handle:
                raw = handle.read()
        except OSError as error:
            raise cli.UsageError(
                f"cannot read --file {args.file} ({error.strerror}); give a text file, one text per line"
            )
        source = args.file
    else:
        if sys.stdin.isatty():
            print("Type one text per line, then Ctrl-D:", file=sys.stderr)
        raw = sys.stdin.buffer.read()
        source = "standard input"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="replace")
        print(f"warning: {source} is not valid UTF-8; its undecodable bytes were replaced", file=sys.stderr)
    # Lines end at a newline only: str.splitlines would also split at \x0c, \x1c or U+2028 inside a text.
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line
    return [line.removesuffix("\r") for line in lines], "line"


def main(argv=None):
    parser = cli.OneLineErrorParser(prog="predict.py", description=__doc__)
    parser.add_argument("model", help="folder written by a script's --save PATH")
    parser.add_argument(
        "texts",
        nargs="*",
        default=[],  # without a default, argparse calls a '*' positional required
        help="texts to classify (if none: each line of --file or of standard input)",
    )
    parser.add_argument("--file", type=cli.path_argument, metavar="PATH", help="classify each line of this text file")
    args = parser.parse_args(argv)
    with cli.report_user_errors(parser.prog):
        model, encoding = saved_model.load_saved_model(args.model, common.CONFIGURATIONS)
        texts, unit = read_texts(args, parser)
        if not texts:
            raise cli.UsageError("nothing to classify; give a text as an argument, with --file, or on standard input")
        for number, text in enumerate(texts, start=1):
            if not text.strip():
                raise cli.UsageError(f"{unit} {number} is empty; give one non-empty text per {unit}")
        sequences = saved_model.encode_for_prediction(texts, encoding)
        feed = common.CONFIGURATIONS[encoding["configuration"]].feed(encoding["max_len"], encoding["truncating"])
        probabilities = feed.predict(model, sequences)
        predictions = []
        for text, row in zip(texts, probabilities):
            class_name = encoding["class_names"][row.argmax()]
            predictions.append((class_name, float(row.max())))
            one_line = " ".join(text.split())  # a form feed or U+2028 in a text must not break the output's lines
            excerpt = one_line[:60] + ("..." if len(one_line) > 60 else "")
            print(f"{class_name}\t{row.max():.4f}\t{excerpt}", flush=True)
            if cli.stdout_reader_gone():
                break  # `predict.py ... | head`: nobody reads the rest; end quietly, as Unix tools do
        return predictions


if __name__ == "__main__":
    main()
