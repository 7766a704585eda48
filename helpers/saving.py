"""What `--save DIR` writes: `model.keras` (Keras' own format) and `serving/` (the model that reads raw text).

`serving/` is a TensorFlow SavedModel made with Keras' export API (serving.py):
it takes strings and gives each class's probability, with TensorFlow alone.
`model.keras` takes word indices, for training further in plain Keras (the
serving model's `encode` endpoint gives them). Both are written whole and
together; saving again replaces them and leaves the rest of the folder alone.
"""

import os
import sys

import keras

from helpers import batches, files, multi_label, recurrent_dropout, serving, shell
from helpers.shell import UsageError

MODEL_FILE = "model.keras"
SERVING_FOLDER = serving.SERVING_FOLDER
EARLIER_ENCODING_FILE = "text_encoding.json"  # an older save's text encoding; a save replaces it by serving/


def _is_ours(path, name):
    """Whether `name` in folder `path` is what --save writes there: a file model.keras, a SavedModel serving/."""
    full_path = os.path.join(path, name)
    if os.path.islink(full_path):
        return False
    if name == SERVING_FOLDER:
        return os.path.isdir(full_path) and os.path.isfile(os.path.join(full_path, "saved_model.pb"))
    return os.path.isfile(full_path)


def check_save_path(path):
    """Refuse, before any data is loaded, a --save that would fail or replace a file --save did not write."""
    if path.lower().rstrip("/\\").endswith((".keras", ".h5")):  # a Keras user's habit: --save names a folder here
        folder = path.rstrip("/\\").rsplit(".", 1)[0] or "my_model"
        raise UsageError(
            f"--save {path}: --save takes a folder, into which it writes {MODEL_FILE} and {SERVING_FOLDER}/; "
            f"give a folder name such as {folder}"
        )
    files.check_output_folder("--save", path)
    if (
        os.path.isdir(path)
        and keras.backend.backend() not in serving.SERVING_BACKENDS
        and os.path.lexists(os.path.join(path, SERVING_FOLDER))
    ):
        raise UsageError(
            f"--save {path} holds a {SERVING_FOLDER}/ of an earlier save, which this backend cannot write anew, so "
            "it would describe another model; give another folder"
        )
    if keras.backend.backend() not in serving.SERVING_BACKENDS:
        print(
            f"note: --save writes {MODEL_FILE} only: Keras exports the serving model that reads raw text from the "
            f"{' or '.join(serving.SERVING_BACKENDS)} backend, not {keras.backend.backend()}",
            file=sys.stderr,
        )
    if not os.path.isdir(path):
        return
    for name in (MODEL_FILE, SERVING_FOLDER):
        if os.path.lexists(os.path.join(path, name)) and not _is_ours(path, name):
            raise UsageError(f"--save {path} holds a {name} that --save did not write; give another folder")
    # --save writes both: one without the other (or without the text encoding of an earlier save) is the user's.
    present = [name for name in (MODEL_FILE, SERVING_FOLDER) if os.path.lexists(os.path.join(path, name))]
    earlier_save = present == [MODEL_FILE] and _is_ours(path, EARLIER_ENCODING_FILE)
    if len(present) == 1 and not earlier_save:
        missing = SERVING_FOLDER if present == [MODEL_FILE] else MODEL_FILE
        raise UsageError(
            f"--save {path} holds a {present[0]} that --save did not write (no {missing} beside it); "
            "give another folder, so that it is not replaced"
        )


def portable(model):
    """The model with Keras' own layers and loss only, so that keras.saving.load_model reads it without this project.

    The shared-mask LSTM has Keras' LSTM's weights and, outside training, computes the same: saved as one. A model
    of several labels a text, compiled with multi_label.py's metric (and its balanced loss with --class-weight
    balanced), is saved compiled with Keras' own binary cross-entropy and F1 at 0.5: the same loss but for each
    label's weights, which only this training needed.
    """

    def keras_layer(layer):
        if isinstance(layer, keras.layers.RNN) and isinstance(layer.cell, recurrent_dropout.SharedMaskLSTMCell):
            cell = layer.cell
            return keras.layers.LSTM(
                cell.units, dropout=cell.dropout, recurrent_dropout=cell.recurrent_dropout, name=layer.name
            )
        return layer.__class__.from_config(layer.get_config())

    shared_mask = any(
        isinstance(getattr(layer, "cell", None), recurrent_dropout.SharedMaskLSTMCell) for layer in model.layers
    )
    ours = multi_label.compiled_with_our_classes(model)
    if not shared_mask and not ours:
        return model
    copy = keras.models.clone_model(model, clone_function=keras_layer)  # compiled as the model was
    copy.set_weights(model.get_weights())
    if ours:  # several labels a text: Keras' own binary cross-entropy, and its F1 at 0.5
        optimizer = keras.optimizers.deserialize(keras.optimizers.serialize(model.optimizer))
        f1 = keras.metrics.F1Score(average="macro", threshold=multi_label.DEFAULT_THRESHOLD, name="macro_f1")
        copy.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=[f1])
    return copy


def padded_lengths(model, args):
    """The lengths the model's training batches were padded to in front of their texts (serving.TextPath.lengths):
    None for a model that masks its padding (padded after), max_len alone with --literal (the tutorial's padding)."""
    if args.max_len is None or batches.masks_padding(model):
        return None
    if args.literal:
        return [args.max_len]
    return batches.batch_lengths(args.max_len, fixed_shapes=keras.backend.backend() == "jax")


def text_path(model, args, data):
    """What the serving model repeats of training: the classes, the words it can see, the cut, the padding."""
    if data.vocabulary is None:  # keras.datasets.imdb: Keras' own word index, downloaded once as the data was
        words, indices = serving.keras_imdb_word_indices(args.top_words)
    else:
        words, indices = serving.word_indices(data.vocabulary, args.top_words)
    return serving.TextPath(
        list(data.class_names),
        words,
        indices,
        max_len=args.max_len,
        truncating=args.truncating,
        lengths=padded_lengths(model, args),
        tokenizer=data.tokenizer,
        thresholds=data.thresholds if data.multi_label else None,
        label_separator=data.label_joiner,
    )


def save_model(model, path, text_path, **serving_options):
    """Write model.keras and serving/ into folder `path`, together and whole; nothing else is touched.

    On a backend Keras cannot export from (PyTorch), model.keras alone (check_save_path said so before training).
    """
    created = not os.path.isdir(path)
    os.makedirs(path, exist_ok=True)
    exports = keras.backend.backend() in serving.SERVING_BACKENDS
    final_paths = [os.path.join(path, MODEL_FILE)] + [os.path.join(path, SERVING_FOLDER)] * exports
    try:
        with files.written_whole(*final_paths, folders=final_paths[1:]) as temporaries:
            portable(model).save(temporaries[0])  # the temporary name ends in .keras, as Keras requires
            if exports:
                serving.write(portable(model), temporaries[1], text_path, **serving_options)
    except BaseException:
        if created and not os.listdir(path):
            os.rmdir(path)  # a failed first save leaves no empty folder behind
        raise
    earlier_encoding = os.path.join(path, EARLIER_ENCODING_FILE)
    if exports and _is_ours(path, EARLIER_ENCODING_FILE):  # an earlier save's, which described the replaced model
        os.remove(earlier_encoding)


def save(model, args, data, **serving_options):
    """Not the tutorial's: with --save, the model of the last run and its serving model, into folder args.save."""
    if not args.save or args.run_index != args.runs - 1:
        return
    shell.stop_if_interrupted()  # nothing is saved after a Ctrl-C that a library swallowed
    with shell.keep_going(f"the model into {args.save}"):
        save_model(model, args.save, text_path(model, args, data), **serving_options)
        what = "and its serving model " if keras.backend.backend() in serving.SERVING_BACKENDS else ""
        print(f"Saved the model of seed {args.seed} {what}in {args.save}")
