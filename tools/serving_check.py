"""Check a saved serving model against its model.keras on a corpus: the largest difference of their probabilities.

    python tools/serving_check.py imdb_model --data aclImdb_train_test.tar.gz --texts 5000
    python tools/serving_check.py bbc_model --data bbc_news.csv --label-column category --max-len 200 --truncating post

The serving model reads the raw texts; model.keras reads the same texts
encoded as training encoded them (the cached corpus' vocabulary, cut to the
model's top words), padded once as the serving model pads them and once in
the scripts' own evaluation batches. Not a test: it needs a trained model and
a real corpus, and prints what it finds.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the project's modules, from tools/

import helpers.startup  # noqa: E402, F401 (first of the project: keeps TensorFlow's start-up notices off the terminal)

import argparse  # noqa: E402
import bisect  # noqa: E402
import random  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402

import common  # noqa: E402
import predict  # noqa: E402
from helpers import batches, folders, saving, serving, shell, tables, text_encoding, texts  # noqa: E402


def raw_texts(args):
    """The corpus' texts as read for training: a folder's or archive's test texts, or every text of a table."""
    if tables.kind_of(args.data):
        return tables.read_table(args.data, args.text_column, args.label_column, not args.no_header).texts
    return folders.read_corpus(args.data)[0].test_texts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", help="a folder written by a script's --save")
    parser.add_argument("--data", required=True, help="the corpus the model was trained on")
    parser.add_argument("--texts", type=int, default=5000, help="how many of its texts to check (a seeded sample)")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--label-column", default="label")
    parser.add_argument("--no-header", action="store_true")
    parser.add_argument("--max-len", type=int, default=500, help="the --max-len the model was trained with")
    parser.add_argument("--truncating", default="pre", help="the --truncating the model was trained with")
    parser.add_argument("--literal", action="store_true", help="the model was trained with --literal")
    args = parser.parse_args(argv)

    model = keras.saving.load_model(os.path.join(args.model, saving.MODEL_FILE))
    classifier = serving.load(args.model)
    top_words = next(layer.input_dim for layer in model.layers if isinstance(layer, keras.layers.Embedding))
    columns = texts.TableColumns(args.text_column, args.label_column, header=not args.no_header)
    tokenizer = common.split_into_tokens  # the tokenizer the scripts train with
    dataset = texts.load_own_texts(args.data, columns if tables.kind_of(args.data) else None, tokenizer=tokenizer)
    vocabulary = dataset.vocabulary
    chosen = raw_texts(args)
    chosen = random.Random(0).sample(chosen, min(args.texts, len(chosen)))

    sequences = texts.cut_to_top_words(text_encoding.encode_texts(chosen, vocabulary, tokenizer), top_words)
    served, _ = predict.classify(classifier, chosen)  # in batches, as predict.py sends them
    masks = batches.masks_padding(model)
    cut = [row[-args.max_len :] if args.truncating == "pre" else row[: args.max_len] for row in sequences]
    if masks:
        as_served = [keras.utils.pad_sequences([row], padding="post", dtype="int32") for row in cut]
    else:
        # To the first length its training batches could have that holds it (max_len alone with --literal; on
        # JAX, JAX's lengths), as the saved model records them.
        lengths = classifier.padded_lengths().numpy().tolist()
        widths = [lengths[bisect.bisect_left(lengths, len(row))] for row in cut]
        as_served = [keras.utils.pad_sequences([row], maxlen=width, dtype="int32") for row, width in zip(cut, widths)]
    one_by_one = batches.class_probabilities(np.concatenate([model.predict_on_batch(x) for x in as_served]))
    in_batches = batches.padded_batches(
        sequences, np.zeros(len(sequences), np.int32), batches.EVALUATION_BATCH_SIZE, args.max_len, args.truncating,
        literal=args.literal, mask_padding=masks,
    ).predict(model)  # fmt: skip
    print(f"{len(chosen)} texts of {args.data}; the model {'masks' if masks else 'reads'} its padding")
    largest = np.abs(served - one_by_one).max()
    print(f"largest difference, serving model vs model.keras on the training encoding: {largest:.3g}")
    print(
        f"largest difference, serving model vs the scripts' evaluation batches: {np.abs(served - in_batches).max():.3g}"
    )
    agree = (served.argmax(axis=1) == in_batches.argmax(axis=1)).mean()
    print(f"predicted classes that agree with the evaluation batches: {100 * agree:.2f} %")


if __name__ == "__main__":
    shell.run(main, seeds=False)  # Ctrl-C and SIGTERM stop it, as they stop the scripts
