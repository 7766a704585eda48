"""The model handed on: a TensorFlow SavedModel that reads raw text, made with Keras' export API.

`--save DIR` writes it as `DIR/serving`, beside `DIR/model.keras`. It holds
the whole text path as TensorFlow ops (text_encoding.py, the functions that
encoded the training texts), the word index cut to --top-words, the cut to
--max-len on the side the model was trained with, the padding the model
expects, and the trained model; TensorFlow alone loads and runs it:

    import tensorflow as tf
    classifier = tf.saved_model.load("imdb_model/serving")
    outputs = classifier.serve(tf.constant(["A wonderful film.", "Dull and long."]))
    outputs["probabilities"], outputs["predicted_class"]

Its endpoints: `serve` (also TF Serving's `serving_default`) takes a batch
of strings and gives each class's probability and the predicted class's
name; `encode` gives the word indices the model reads, for training further
with `model.keras`; `class_names` names the columns of the probabilities;
`predict_from_model_inputs` runs the model on inputs already encoded.
"""

import dataclasses
import logging
import os

import keras
import tensorflow as tf

from helpers import batches, shell, text_encoding
from helpers.shell import UsageError

SERVING_FOLDER = "serving"
STRINGS = tf.TensorSpec(shape=(None,), dtype=tf.string)
# Keras exports a SavedModel from these; from PyTorch only through torch_xla, with every shape fixed (one text a
# batch, one length), which a model of raw text cannot have.
SERVING_BACKENDS = ("tensorflow", "jax")


@dataclasses.dataclass
class TextPath:
    """What the serving model must repeat of training to read a text as the trained model did."""

    class_names: list
    words: list  # the words the model can see, each with its index in `indices`
    indices: list
    max_len: int = None  # texts are cut to this many indices (None: never, as for a bag of words)
    truncating: str = "pre"  # 'pre' keeps a long text's end, as the tutorial's pad_sequences does; 'post' its start
    padding: str = "after"  # 'after', 'max_len' or 'before': see cut_and_pad


def word_indices(vocabulary, top_words):
    """(words, indices) of the words below top_words: the i-th word of the ranked vocabulary is FIRST_WORD_INDEX + i."""
    return text_encoding.ranked_indices(vocabulary[: max(0, top_words - text_encoding.FIRST_WORD_INDEX)])


def keras_imdb_word_indices(top_words):
    """(words, indices) of keras.datasets.imdb below top_words: Keras' 1-based ranks shifted by index_from=3."""
    try:
        ranks = keras.datasets.imdb.get_word_index()
    except Exception as error:  # Keras reports a failed download as a bare Exception
        raise UsageError(
            f"could not download Keras' IMDB word index ({shell.first_line(error)}), which the serving model of a "
            "model trained on keras.datasets.imdb needs; train again with a connection, or with --data"
        ) from None
    kept = sorted((rank + text_encoding.UNUSED_INDEX, word) for word, rank in ranks.items())
    kept = [(index, word) for index, word in kept if index < top_words]
    return [word for _, word in kept], [index for index, _ in kept]


def cut_and_pad(rows, text_path):
    """Encoded texts (a RaggedTensor) cut to max_len on the trained side, then padded as the model was fed.

    'after' (a model that masks its padding): after the text, to the longest
    text of the batch, as its batches had it; masked, the amount changes
    nothing. 'max_len' (--literal): the tutorial's padding, in front to
    max_len. 'before' (cnn_lstm.py, which reads its padding): in front, to the
    batch's longest text rounded up to a multiple of BATCH_LENGTH_MULTIPLE, as
    its length-sorted batches had it: a text alone, or among texts of about its
    length (predict.py sorts them so), gets the padding it was trained with.
    """
    max_len = text_path.max_len
    if max_len is not None:
        rows = rows[:, -max_len:] if text_path.truncating == "pre" else rows[:, :max_len]
    lengths = rows.row_lengths()
    longest = tf.maximum(tf.reduce_max(lengths), 1)  # at least 1: a batch of no texts is still a batch
    if text_path.padding == "after":
        return rows.to_tensor(text_encoding.PADDING_INDEX, shape=tf.stack([rows.nrows(), longest]))
    if text_path.padding == "max_len":
        width = tf.constant(max_len, tf.int64)
    else:
        multiple = batches.BATCH_LENGTH_MULTIPLE
        width = tf.minimum((longest + multiple - 1) // multiple * multiple, max_len)
    after = rows.to_tensor(text_encoding.PADDING_INDEX, shape=tf.stack([rows.nrows(), width]))
    # Each row moved right by its padding: column j takes the word at j - (width - length).
    source_columns = tf.range(width, dtype=tf.int64)[tf.newaxis, :] - (width - lengths)[:, tf.newaxis]
    moved = tf.gather(after, tf.maximum(source_columns, 0), batch_dims=1)
    return tf.where(source_columns >= 0, moved, text_encoding.PADDING_INDEX)


def write(model, path, text_path, features=None, model_input=None, resources=()):
    """Export the serving model of `model` into the new folder `path` (tf.saved_model.save creates it).

    By default the model reads the padded word indices; `features` turns them
    into other inputs (baseline.py: TF-IDF vectors) of spec `model_input`, and
    `resources` are what it needs tracked (its vectorizer's tables).
    """
    if keras.backend.backend() not in SERVING_BACKENDS:
        raise NotImplementedError(f"Keras exports a SavedModel from {' or '.join(SERVING_BACKENDS)} only")
    archive = keras.export.ExportArchive()
    # A model padded to max_len reads that length only (JAX's export cannot pool a length it does not know).
    time_steps = text_path.max_len if text_path.padding == "max_len" else None
    model_input = model_input or tf.TensorSpec(shape=(None, time_steps), dtype=tf.int32)
    # On JAX, Keras converts the model with jax2tf here; on TensorFlow, it traces it.
    run_model = archive.track_and_add_endpoint("predict_from_model_inputs", model, input_signature=[model_input])
    word_index = text_encoding.lookup_table(text_path.words, text_path.indices)
    class_names = tf.constant(text_path.class_names)
    archive.track(word_index)
    for resource in resources:
        archive.track(resource)

    def encode_texts(texts):
        words = text_encoding.split_into_words(text_encoding.valid_utf8(texts))
        return text_encoding.encode(words, word_index)

    def probabilities(outputs):
        outputs = tf.cast(outputs, tf.float32)
        if outputs.shape[-1] == 1:  # the tutorial's one sigmoid unit: the probability of the second class
            outputs = tf.concat([1.0 - outputs, outputs], axis=1)
        return outputs

    @tf.function(input_signature=[STRINGS])
    def encode(texts):
        return cut_and_pad(encode_texts(texts), text_path)

    @tf.function(input_signature=[STRINGS])
    def serve(texts):
        if features is None:
            inputs = cut_and_pad(encode_texts(texts), text_path)
        else:
            inputs = features(encode_texts(texts))
        # A batch of no texts gets no rows without calling the model: JAX's exported programs need one row or more.
        outputs = tf.cond(
            tf.shape(inputs)[0] > 0,
            lambda: probabilities(run_model(inputs)),
            lambda: tf.zeros((0, len(text_path.class_names)), tf.float32),
        )
        return {"probabilities": outputs, "predicted_class": tf.gather(class_names, tf.argmax(outputs, axis=1))}

    @tf.function(input_signature=[])
    def names():
        return class_names

    archive.add_endpoint("serve", serve)
    archive.add_endpoint("serving_default", serve)  # the signature TF Serving calls when none is named
    archive.add_endpoint("encode", encode)
    archive.add_endpoint("class_names", names)
    archive.write_out(path, verbose=False)


def load(path):
    """The serving model at `path` (a --save folder or its serving/ folder), loaded by TensorFlow alone."""
    folder = os.path.join(path, SERVING_FOLDER) if os.path.isdir(os.path.join(path, SERVING_FOLDER)) else path
    # A model exported from JAX makes TensorFlow warn, through absl's logger, that its gradients were not saved:
    # true, and nothing to a model that only predicts.
    absl_logger = logging.getLogger("absl")
    level = absl_logger.level
    absl_logger.setLevel(logging.ERROR)
    try:
        return tf.saved_model.load(folder)
    finally:
        absl_logger.setLevel(level)
