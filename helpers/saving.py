"""What `--save` writes for predict.py: `model.keras` (Keras' own format) and `text_encoding.json`, each whole.

The encoding turns new text into the model's input exactly as in training.
Saving again replaces these two files and leaves the rest of the folder alone.
"""

import json
import os

import keras

from helpers import recurrent_dropout, shell, texts
from helpers.shell import UsageError

MODEL_FILE = "model.keras"
ENCODING_FILE = "text_encoding.json"
ENCODING_FORMAT_VERSION = 2  # 2: the most frequent word is 4, as in keras.datasets.imdb
KERAS_IMDB = "keras.datasets.imdb"
CONFIGURATIONS = ("default", "literal")  # how the texts were fed: length-bucketed batches, or padded to max_len
MAX_LEN = 100_000  # the longest --max-len: a text_encoding.json is held to the same bound


def text_encoding(dataset, top_words, max_len, truncating, literal):
    """The text encoding of a trained model, as a JSON-ready dict."""
    return {
        "format": ENCODING_FORMAT_VERSION,
        "class_names": list(dataset.class_names),
        "top_words": top_words,
        "max_len": max_len,
        "truncating": truncating,
        "configuration": "literal" if literal else "default",
        "word_index_source": KERAS_IMDB if dataset.vocabulary is None else "vocabulary",
        # Only the words the model can see: index = rank + FIRST_WORD_INDEX < top_words.
        "vocabulary": dataset.vocabulary and dataset.vocabulary[: max(0, top_words - texts.FIRST_WORD_INDEX)],
    }


def check_save_path(path):
    """Refuse, before any data is loaded, a --save that would fail or replace a file --save did not write."""
    shell.check_output_folder("--save", path)
    if os.path.isdir(path):
        # --save writes both files: one without the other is the user's own, never to be replaced.
        present = [name for name in (MODEL_FILE, ENCODING_FILE) if os.path.lexists(os.path.join(path, name))]
        if len(present) == 1:
            missing = ENCODING_FILE if present == [MODEL_FILE] else MODEL_FILE
            raise UsageError(
                f"--save {path} holds a {present[0]} that --save did not write (no {missing} beside it); "
                "give another folder, so that it is not replaced"
            )
        for name in present:
            if os.path.islink(os.path.join(path, name)) or not os.path.isfile(os.path.join(path, name)):
                raise UsageError(f"--save {path} holds a folder or link named {name}; give another folder")


def portable(model):
    """The model with Keras' own layers only, so that keras.saving.load_model reads it without this project.

    The shared-mask LSTM has Keras' LSTM's weights and, outside training, computes the same: saved as one.
    """

    def keras_layer(layer):
        if isinstance(layer, keras.layers.RNN) and isinstance(layer.cell, recurrent_dropout.SharedMaskLSTMCell):
            cell = layer.cell
            return keras.layers.LSTM(
                cell.units, dropout=cell.dropout, recurrent_dropout=cell.recurrent_dropout, name=layer.name
            )
        return layer.__class__.from_config(layer.get_config())

    if not any(
        isinstance(getattr(layer, "cell", None), recurrent_dropout.SharedMaskLSTMCell) for layer in model.layers
    ):
        return model
    copy = keras.models.clone_model(model, clone_function=keras_layer)
    copy.set_weights(model.get_weights())
    return copy


def save_model(model, path, encoding):
    """Write model.keras and text_encoding.json into folder `path`, each whole; nothing else is touched."""
    created = not os.path.isdir(path)
    os.makedirs(path, exist_ok=True)
    final_paths = os.path.join(path, MODEL_FILE), os.path.join(path, ENCODING_FILE)
    try:
        with shell.written_whole(*final_paths) as (temporary_model, temporary_encoding):
            portable(model).save(temporary_model)  # the temporary name ends in .keras, as Keras requires
            with open(temporary_encoding, "w", encoding="utf-8") as handle:
                json.dump(encoding, handle)
    except BaseException:
        if created and not os.listdir(path):
            os.rmdir(path)  # a failed first save leaves no empty folder behind
        raise


def save(model, args, data):
    """Not the tutorial's: with --save, the model of the last run and its text encoding, into folder args.save."""
    if not args.save or args.run_index != args.runs - 1:
        return
    shell.stop_if_interrupted()  # nothing is saved after a Ctrl-C that a library swallowed
    encoding = text_encoding(data, args.top_words, args.max_len, args.truncating, args.literal)
    with shell.keep_going(f"the model into {args.save}"):
        save_model(model, args.save, encoding)
        print(f"Saved the model of seed {args.seed} and its text encoding in {args.save}")
