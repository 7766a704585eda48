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
`predict_from_model_inputs` runs the model on inputs already encoded;
`padded_lengths` gives the lengths a model that reads its padding takes
(none for one that masks it). A text's answer never depends on the other
texts of its batch; `encode` pads a whole batch to one length, so for such a
model encode one text at a time, or texts of one padded length.
"""

import dataclasses
import logging
import os

import keras
import tensorflow as tf

from helpers import shell, text_encoding
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
    # None: padded after the text (a model that masks its padding). Else the lengths, shortest first, that the
    # model's training batches were padded to in front of their texts: each text gets the first that holds it.
    lengths: list = None
    tokenizer: object = text_encoding.split_into_words  # the function that split the training texts into tokens
    thresholds: list = None  # several labels a text: the probability each label needs; None: one class a text
    label_separator: str = ","  # several labels a text: what joins the predicted labels (Dataset.label_joiner)


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


def cut(rows, text_path):
    """Encoded texts (a RaggedTensor) cut to max_len on the side the model was trained with."""
    if text_path.max_len is None:
        return rows
    return rows[:, -text_path.max_len :] if text_path.truncating == "pre" else rows[:, : text_path.max_len]


def pad_after(rows):
    """Cut texts padded after their words to the batch's longest (masked, the amount of padding changes nothing)."""
    longest = tf.maximum(tf.reduce_max(rows.row_lengths()), 1)  # at least 1: a batch of no texts is still a batch
    return rows.to_tensor(text_encoding.PADDING_INDEX, shape=tf.stack([rows.nrows(), longest]))


def pad_in_front(rows, width):
    """Cut texts padded in front of their words to `width`, as keras.utils.pad_sequences pads by default."""
    # Each text reversed, padded after, and the whole reversed back: the padding ends up in front.
    padded = rows[:, ::-1].to_tensor(text_encoding.PADDING_INDEX, shape=tf.stack([rows.nrows(), width]))
    return padded[:, ::-1]


def length_groups(rows, text_path):
    """For each cut text, the index in text_path.lengths of the first length that holds it: its padded length."""
    lengths = tf.constant(text_path.lengths, tf.int64)
    return tf.searchsorted(lengths, tf.maximum(rows.row_lengths(), 1), out_type=tf.int64)


def in_front_by_length(rows, text_path, run):
    """`run` (padded texts of one length -> probabilities) applied to each text padded in
    front to the first of text_path.lengths that holds it, as a batch of texts of that length was in training: a
    model that reads its padding answers for a text whatever else is in the batch."""
    groups = length_groups(rows, text_path)
    lengths = tf.constant(text_path.lengths, tf.int64)
    present, group_of_row = tf.unique(groups)
    outputs = tf.zeros(tf.stack([rows.nrows(), len(text_path.class_names)]), tf.float32)
    for position in tf.range(tf.size(present)):  # AutoGraph makes this a tf.while_loop
        members = tf.where(group_of_row == position)[:, 0]
        padded = pad_in_front(tf.gather(rows, members), tf.gather(lengths, present[position]))
        outputs = tf.tensor_scatter_nd_update(outputs, members[:, tf.newaxis], run(padded))
    return outputs


def programs_by_length(archive, model, lengths):
    """JAX: the model exported once for each of `lengths`, as predict_from_model_inputs_<length>, and
    predict_from_model_inputs, which runs the one of its input's width (one of `lengths`, else an error)."""
    programs = [
        archive.add_endpoint(
            f"predict_from_model_inputs_{length}",
            model.__call__,
            input_signature=[tf.TensorSpec(shape=(None, length), dtype=tf.int32)],
        )
        for length in lengths
    ]

    @tf.function(input_signature=[tf.TensorSpec(shape=(None, None), dtype=tf.int32)])
    def run_model(inputs):
        known = tf.constant(lengths, tf.int64)
        width = tf.shape(inputs, out_type=tf.int64)[1]
        group = tf.minimum(tf.searchsorted(known, width[tf.newaxis])[0], len(lengths) - 1)
        tf.debugging.assert_equal(
            tf.gather(known, group), width, message="the texts must be padded to one of padded_lengths()"
        )
        # ensure_shape gives each program the fixed width it was exported for, and checks it.
        branches = [
            lambda program=program, length=length: program(tf.ensure_shape(inputs, [None, length]))
            for program, length in zip(programs, lengths)
        ]
        return tf.switch_case(tf.cast(group, tf.int32), branches)

    archive.add_endpoint("predict_from_model_inputs", run_model)
    return run_model


def padded(rows, text_path):
    """Cut texts padded as the model reads them, to one length for the whole batch (the `encode` endpoint)."""
    if text_path.lengths is None:
        return pad_after(rows)
    widest = tf.reduce_max(tf.concat([length_groups(rows, text_path), [0]], axis=0))
    return pad_in_front(rows, tf.gather(tf.constant(text_path.lengths, tf.int64), widest))


def probabilities(outputs):
    """The model's outputs as each class's probability."""
    outputs = tf.cast(outputs, tf.float32)
    if outputs.shape[-1] == 1:  # the tutorial's one sigmoid unit: the probability of the second class
        outputs = tf.concat([1.0 - outputs, outputs], axis=1)
    return outputs


def model_program(archive, model, text_path, model_input=None):
    """The model exported as the endpoint predict_from_model_inputs (of padded word indices, or `model_input`)."""
    # On JAX, Keras converts the model with jax2tf here (on TensorFlow, it traces it). A JAX program that pools
    # takes known lengths only, so a model padded in front gets one program for each length its batches could
    # have, and predict_from_model_inputs picks the one of the width it is given.
    if keras.backend.backend() == "jax" and text_path.lengths is not None:
        return programs_by_length(archive, model, text_path.lengths)
    spec = model_input or tf.TensorSpec(shape=(None, None), dtype=tf.int32)
    return archive.add_endpoint("predict_from_model_inputs", model.__call__, input_signature=[spec])


def unless_empty(inputs, run, classes):
    """run(inputs); a batch of no texts gets no rows without calling the model: JAX's exported programs need a row."""
    return tf.cond(tf.shape(inputs)[0] > 0, lambda: run(inputs), lambda: tf.zeros((0, classes), tf.float32))


def decisions(probabilities, class_names, text_path):
    """What serve returns: each class's probability and the predicted class; with several labels a text, each
    label's probability, whether each is predicted (its probability reaches its threshold), and the predicted
    labels joined by the training table's separator, else a character no label holds ("" when none is)."""
    if text_path.thresholds is None:
        return {"probabilities": probabilities, "predicted_class": tf.gather(class_names, tf.argmax(probabilities, 1))}
    predicted = probabilities >= tf.constant(text_path.thresholds, tf.float32)
    names = tf.ragged.boolean_mask(tf.broadcast_to(class_names, tf.shape(predicted)), predicted)
    joined = tf.strings.reduce_join(names, axis=1, separator=text_path.label_separator)
    return {"probabilities": probabilities, "predicted": predicted, "predicted_labels": joined}


def write(model, path, text_path, features=None, model_input=None, resources=()):
    """Export the serving model of `model` into the new folder `path` (tf.saved_model.save creates it).

    By default the model reads the padded word indices; `features` turns them
    into other inputs (baseline.py: TF-IDF vectors) of spec `model_input`, and
    `resources` are what it needs tracked (its vectorizer's tables).
    """
    if keras.backend.backend() not in SERVING_BACKENDS:
        raise NotImplementedError(f"Keras exports a SavedModel from {' or '.join(SERVING_BACKENDS)} only")
    archive = keras.export.ExportArchive()
    archive.track(model)  # once: each endpoint below reads the same variables
    run_model = model_program(archive, model, text_path, model_input)
    word_index = text_encoding.lookup_table(text_path.words, text_path.indices)
    class_names = tf.constant(text_path.class_names)
    archive.track(word_index)
    for resource in resources:
        archive.track(resource)

    def encode_texts(texts):
        words = text_path.tokenizer(text_encoding.valid_utf8(texts))
        return text_encoding.encode(words, word_index)

    def run(inputs):
        return probabilities(run_model(inputs))

    @tf.function(input_signature=[STRINGS])
    def encode(texts):
        return padded(cut(encode_texts(texts), text_path), text_path)

    @tf.function(input_signature=[STRINGS])
    def serve(texts):
        rows = encode_texts(texts)
        if text_path.lengths is not None:
            outputs = in_front_by_length(cut(rows, text_path), text_path, run)
        else:
            inputs = pad_after(cut(rows, text_path)) if features is None else features(rows)
            outputs = unless_empty(inputs, run, len(text_path.class_names))
        return decisions(outputs, class_names, text_path)

    archive.add_endpoint("serve", serve)
    archive.add_endpoint("serving_default", serve)  # the signature TF Serving calls when none is named
    archive.add_endpoint("encode", encode)
    add_settings(archive, text_path)
    archive.write_out(path, verbose=False)


def add_settings(archive, text_path):
    """The endpoints that tell a caller how the model decides: class_names (the columns of the probabilities),
    padded_lengths, and with several labels a text thresholds and label_separator (empty, and ',', otherwise)."""
    settings = {
        "class_names": tf.constant(text_path.class_names),
        "padded_lengths": tf.constant(text_path.lengths or [], tf.int64),
        "thresholds": tf.constant(text_path.thresholds or [], tf.float32),
        "label_separator": tf.constant(text_path.label_separator),
    }
    for name, value in settings.items():
        archive.add_endpoint(name, tf.function(lambda value=value: value, input_signature=[]))


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
