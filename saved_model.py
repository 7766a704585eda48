"""What `--save` writes and `predict.py` reads: the model and its text encoding, writer and reader side by side.

A saved model is a folder holding two files, and `--save` writes only these:
- `model.keras`: the trained model in Keras' own format;
- `text_encoding.json`: what turns new text into the model's input exactly as
  in training (class names, vocabulary, top-words cut, maximum length, which
  words a long text keeps, how batches were fed).
Saving again into the same folder replaces these two files, each whole, and
leaves everything else in the folder alone.
"""

import contextlib
import json
import os
import sys

import keras

import batching
import textdata
from cli import UsageError, atomic_paths, check_output_folder

MODEL_FILE = "model.keras"
ENCODING_FILE = "text_encoding.json"
ENCODING_FORMAT_VERSION = 2  # 2: the most frequent word is 4, as in keras.datasets.imdb
KERAS_IMDB = "keras.datasets.imdb"


def text_encoding(dataset, top_words, max_len, truncating, configuration_name):
    """The text encoding of a trained model, as a JSON-ready dict."""
    return {
        "format": ENCODING_FORMAT_VERSION,
        "class_names": list(dataset.class_names),
        "top_words": top_words,
        "max_len": max_len,
        "truncating": truncating,
        "configuration": configuration_name,
        "word_index_source": KERAS_IMDB if dataset.vocabulary is None else "vocabulary",
        # Only the words the model can see: index = rank + FIRST_WORD_INDEX < top_words.
        "vocabulary": None
        if dataset.vocabulary is None
        else dataset.vocabulary[: max(0, top_words - textdata.FIRST_WORD_INDEX)],
    }


def check_save_path(path):
    """Refuse, before any data is loaded, a --save that would fail or replace a file --save did not write."""
    check_output_folder("--save", path)
    if os.path.isdir(path):
        has_model = os.path.exists(os.path.join(path, MODEL_FILE))
        has_encoding = os.path.exists(os.path.join(path, ENCODING_FILE))
        if has_model and not has_encoding:
            raise UsageError(
                f"--save {path} holds a {MODEL_FILE} that --save did not write (no {ENCODING_FILE} beside it); "
                "give another folder, so that it is not replaced"
            )
        for name in (MODEL_FILE, ENCODING_FILE):
            if os.path.isdir(os.path.join(path, name)) or os.path.islink(os.path.join(path, name)):
                raise UsageError(f"--save {path} holds a folder or link named {name}; give another folder")


def portable(model):
    """The model with Keras' own layers only, so that keras.saving.load_model reads it without this project.

    The shared-mask recurrent-dropout LSTM (batching.SharedMaskLSTMCell) has
    the weights of Keras' LSTM and, outside training, computes the same: it is
    saved as a keras.layers.LSTM with its weights.
    """

    def keras_layer(layer):
        if isinstance(layer, keras.layers.RNN) and isinstance(layer.cell, batching.SharedMaskLSTMCell):
            cell = layer.cell
            return keras.layers.LSTM(
                cell.units, dropout=cell.dropout, recurrent_dropout=cell.recurrent_dropout, name=layer.name
            )
        return layer.__class__.from_config(layer.get_config())

    if not any(isinstance(getattr(layer, "cell", None), batching.SharedMaskLSTMCell) for layer in model.layers):
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
        with atomic_paths(*final_paths) as (temporary_model, temporary_encoding):
            portable(model).save(temporary_model)  # the temporary name ends in .keras, as Keras requires
            with open(temporary_encoding, "w", encoding="utf-8") as handle:
                json.dump(encoding, handle)
    except BaseException:
        if created and not os.listdir(path):
            os.rmdir(path)  # a failed first save leaves no empty folder behind
        raise


def _is_whole_number(value):
    return isinstance(value, int) and not isinstance(value, bool)  # JSON's true is a Python int too


def _check_encoding(encoding, configurations):
    """Raise ValueError naming the first field of a text_encoding.json that is missing or malformed."""
    if not isinstance(encoding, dict):
        raise ValueError(f"it holds a {type(encoding).__name__}, not an object")
    if encoding.get("format") != ENCODING_FORMAT_VERSION:
        raise ValueError(f"format {encoding.get('format')!r}, expected {ENCODING_FORMAT_VERSION}")
    checks = {
        "class_names": lambda value: (
            isinstance(value, list) and len(value) >= 2 and all(isinstance(name, str) for name in value)
        ),
        "top_words": lambda value: _is_whole_number(value) and value > textdata.FIRST_WORD_INDEX,
        "max_len": lambda value: _is_whole_number(value) and value >= 1,
        "truncating": lambda value: value in ("pre", "post"),
        "configuration": lambda value: value in configurations,
        "word_index_source": lambda value: value in (KERAS_IMDB, "vocabulary"),
        "vocabulary": lambda value: (
            (value is None and encoding.get("word_index_source") == KERAS_IMDB)
            or (isinstance(value, list) and all(isinstance(word, str) for word in value))
        ),
    }
    for field, is_valid in checks.items():
        if field not in encoding:
            raise ValueError(f"it has no {field!r}")
        if not is_valid(encoding[field]):
            raise ValueError(f"its {field!r} is malformed")


def load_saved_model(path, configurations):
    """The model and text encoding that --save wrote; never runs code from the file."""
    if not os.path.exists(path):
        raise UsageError(f"no saved model at {path}; train one with e.g. 'python lstm_simple.py --save {path}'")
    model_path, encoding_path = os.path.join(path, MODEL_FILE), os.path.join(path, ENCODING_FILE)
    for file_path in (model_path, encoding_path):
        if os.path.isfile(file_path) and not os.access(file_path, os.R_OK):
            raise UsageError(f"{file_path} cannot be read; check its permissions")
    if not os.path.isdir(path) or not os.path.isfile(model_path):
        raise UsageError(
            f"{path} is not a folder written by --save (it needs {MODEL_FILE} and {ENCODING_FILE}); give such a folder"
        )
    if not os.path.isfile(encoding_path):
        raise UsageError(
            f"{path} has a model but no {ENCODING_FILE} (its vocabulary); save it again with the scripts' --save"
        )
    try:
        with open(encoding_path, encoding="utf-8") as handle:
            encoding = json.load(handle)
        _check_encoding(encoding, configurations)
    except (OSError, ValueError) as error:  # json's errors are ValueErrors
        reason = error.strerror if isinstance(error, OSError) else str(error).splitlines()[0]
        raise UsageError(
            f"{encoding_path} is not a text encoding written by --save ({reason}); save the model again with --save"
        )
    try:
        # safe_mode=True (Keras' default, spelled out): a saved lambda is refused, not run.
        model = keras.saving.load_model(model_path, safe_mode=True)
    except Exception as error:  # Keras raises many kinds for a file that is not a model
        if "safe_mode" in str(error) or "Lambda" in str(error):
            raise UsageError(
                f"{model_path} holds Python code (a Lambda layer) that could run anything on this computer, "
                "so it is not loaded; use models you trained with these scripts"
            )
        raise UsageError(
            f"{model_path} is damaged or not a Keras model ({type(error).__name__} while loading it); "
            "train and save the model again with --save"
        )
    embeddings = [layer for layer in model.layers if isinstance(layer, keras.layers.Embedding)]
    if embeddings and embeddings[0].input_dim != encoding["top_words"]:
        raise UsageError(
            f"{model_path} reads {embeddings[0].input_dim} word indices but {ENCODING_FILE} keeps "
            f"{encoding['top_words']}; they come from different saves: save the model again"
        )
    expected_outputs = 1 if len(encoding["class_names"]) == 2 else len(encoding["class_names"])
    if model.output_shape[-1] != expected_outputs:
        raise UsageError(
            f"{model_path} gives {model.output_shape[-1]} outputs but {ENCODING_FILE} names "
            f"{len(encoding['class_names'])} classes; they come from different saves: save the model again"
        )
    return model, encoding


def _prediction_word_index(encoding):
    """word -> index as in training: our vocabulary, or Keras' IMDB word index."""
    if encoding["word_index_source"] == "vocabulary":
        return textdata.word_index_of(encoding["vocabulary"])
    try:
        # Keras says "Downloading data from ..." on standard output, which carries only predictions here.
        with contextlib.redirect_stdout(sys.stderr):
            ranks = keras.datasets.imdb.get_word_index()
    except Exception as error:  # Keras reports a failed download as a bare Exception
        raise UsageError(
            "could not download Keras' IMDB word index; it is needed once for models trained on "
            "keras.datasets.imdb; train with --data-dir to work offline"
        ) from error
    # load_data() shifts Keras' 1-based ranks by index_from=3: the most frequent word is 4, as ours.
    return {word: rank + textdata.UNUSED_INDEX for word, rank in ranks.items()}


def encode_for_prediction(texts, encoding):
    """Raw texts as the integer sequences the saved model was trained on."""
    word_index = _prediction_word_index(encoding)
    sequences = [textdata.encode(textdata.tokenize(text), word_index) for text in texts]
    return textdata.cut_to_top_words(sequences, encoding["top_words"])
