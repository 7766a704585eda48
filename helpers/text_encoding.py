"""How a text becomes the word indices a model reads: one definition, in TensorFlow ops, for training and serving.

Keras' classic text encoding, the one `keras.datasets.imdb` was made with:
lower case, Keras' filter characters and every kind of white space read as
spaces, words split at spaces; then the start index, and each word's index
(its frequency rank + FIRST_WORD_INDEX) or the out-of-vocabulary index. The
same TensorFlow functions encode the training texts and sit inside the saved
serving model (serving.py), so that both read any text alike, on any Keras
backend and in any locale.
"""

import collections
import hashlib
import inspect
import os
import sys

import numpy as np
import tensorflow as tf

from helpers.shell import UsageError, first_line

PADDING_INDEX = 0  # pad_sequences fills with 0, and Embedding(mask_zero=True) masks it
START_INDEX = 1  # marks the start of every text, as in keras.datasets.imdb
OUT_OF_VOCABULARY_INDEX = 2  # stands for every word outside the top words
UNUSED_INDEX = 3  # keras.datasets.imdb shifts its ranks (from 1) by index_from=3, so 3 is never used
FIRST_WORD_INDEX = 4  # the most frequent word gets 4, the next 5, and so on, as in Keras

# Keras' classic text filter (keras.preprocessing.text): these characters
# become spaces; the apostrophe is not among them, so "don't" stays one word.
KERAS_TEXT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
# Every character Python's str.split() splits at (no-break and other Unicode spaces, line and paragraph
# separators, the ASCII file and record separators): TensorFlow's own split knows ASCII white space only.
WHITE_SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000")
)
# The space itself is left out of the class: replacing every space by a space would take most of the time.
SEPARATORS = (
    "["
    + "".join(f"\\x{{{ord(character):x}}}" for character in sorted(set(KERAS_TEXT_FILTERS + WHITE_SPACE) - {" "}))
    + "]"
)
# TensorFlow lower-cases through ICU, which follows the process's locale (LANG): in Turkish "I" would become a
# dotless "ı", in Lithuanian "Ì" would gain a dot. These capitals are lower-cased first, as Python's
# str.lower() does in every locale (ASCII's "I" and "J" by the ASCII pass), so that no locale changes a word.
LOCALE_DEPENDENT_CAPITALS = {
    "\u0130": "i\u0307",
    "\u00cc": "\u00ec",
    "\u00cd": "\u00ed",
    "\u0128": "\u0129",
    "\u012e": "\u012f",
}

CHUNK_TEXTS = 4096  # texts encoded at a time in training: TensorFlow's strings of a million texts would take GBs


def standardize(texts):
    """A batch of UTF-8 strings lower-cased, with every separator a space."""
    texts = tf.strings.lower(texts)  # ASCII letters, whatever the locale
    for capital, small in LOCALE_DEPENDENT_CAPITALS.items():
        texts = tf.strings.regex_replace(texts, capital, small)
    texts = tf.strings.lower(texts, encoding="utf-8")
    return tf.strings.regex_replace(texts, SEPARATORS, " ")


def valid_utf8(texts):
    """Bytes that are not UTF-8 replaced by U+FFFD, as Python's decode(errors="replace") does: for the serving model,
    whose callers send any bytes (training's texts are Python strings, always valid UTF-8 once encoded)."""
    return tf.strings.unicode_transcode(texts, "UTF-8", "UTF-8", errors="replace", replacement_char=0xFFFD)


def split_into_words(texts):
    """A batch of strings as a RaggedTensor of words (one row a text): Keras' classic tokenizer, the default one."""
    return tf.strings.split(standardize(texts))


def split_into_characters(texts):
    """A batch of strings as a RaggedTensor of characters, white space left out: a tokenizer for a language written
    without spaces between its words (Chinese, Japanese, Thai), lower-cased and standardized as words are."""
    characters = tf.strings.unicode_split(standardize(texts), "UTF-8")
    return tf.ragged.boolean_mask(characters, characters != " ")


# A text that tokenizers tell apart: cases, an apostrophe, every filter character and kind of white space,
# digits, accents, a Turkish capital, words without spaces between them. Its tokens are part of the cache's
# key, so that a tokenizer edited in common.py, or a filter edited here, never reads a corpus encoded before.
PROBE_TEXT = (
    "Don't STOP:3.5 naïve-Café İstanbul 東京タワーに行きました, ok?"
    + "x".join(KERAS_TEXT_FILTERS + WHITE_SPACE)
    + "#tag @user 10% $5 a_b"
)


def encode(words, word_index):
    """Rows of words as rows of indices: START, then each word's index in `word_index` (a lookup table), or OOV."""
    indices = tf.cast(word_index.lookup(words), tf.int32)
    starts = tf.fill(tf.stack([words.nrows(), 1]), tf.constant(START_INDEX, tf.int32))
    return tf.concat([tf.RaggedTensor.from_tensor(starts), indices], axis=1)


def lookup_table(words, indices, unknown=OUT_OF_VOCABULARY_INDEX):
    """A TensorFlow table of word -> index (the i-th word gets the i-th index); any other word gets `unknown`."""
    if not len(words):  # a table needs one key: "" is never a word
        words = [""]
        indices = [unknown]
    initializer = tf.lookup.KeyValueTensorInitializer(tf.constant(words, tf.string), tf.constant(indices, tf.int64))
    return tf.lookup.StaticHashTable(initializer, default_value=unknown)


def ranked_indices(vocabulary):
    """(words, indices) of a ranked vocabulary: the most frequent word gets FIRST_WORD_INDEX, the next one more."""
    return list(vocabulary), list(range(FIRST_WORD_INDEX, FIRST_WORD_INDEX + len(vocabulary)))


def vocabulary_table(vocabulary):
    """The lookup table of a ranked vocabulary (ranked_indices)."""
    return lookup_table(*ranked_indices(vocabulary))


def _as_tensor(texts):
    # Python strings may hold lone surrogates (a JSON "\ud800"), which UTF-8 cannot: '?' stands for each.
    return tf.constant([text.encode("utf-8", errors="replace") for text in texts], tf.string)


def _chunks(texts):
    for start in range(0, len(texts), CHUNK_TEXTS):
        yield _as_tensor(texts[start : start + CHUNK_TEXTS])


def words_of(text, tokenizer=split_into_words):
    """One text's tokens, as Python strings (what the tokenizer sees in it)."""
    return [word.decode("utf-8") for word in tokenizer(_as_tensor([text]))[0].numpy().tolist()]


def rank_words(texts, tokenizer=split_into_words):
    """The tokens of `texts` by frequency, most frequent first; ties in alphabetical (code point) order."""
    counts = collections.Counter()
    for chunk in _chunks(texts):
        counts.update(tokenizer(chunk).flat_values.numpy().tolist())
    # UTF-8 bytes sort as their code points do, so this is the order of the words as Python strings.
    return [word.decode("utf-8") for word, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def encode_texts(texts, vocabulary, tokenizer=split_into_words):
    """Each text as a NumPy array of int32 indices (START first), by the ranks of `vocabulary` (no top-words cut)."""
    word_index = vocabulary_table(vocabulary)
    encoded = []
    for chunk in _chunks(texts):
        rows = encode(tokenizer(chunk), word_index)
        flat = rows.flat_values.numpy()
        row_starts = rows.row_splits.numpy()
        encoded.extend(np.split(flat, row_starts[1:-1]))
    return encoded


def tokenizer_key(tokenizer):
    """What tells a tokenizer apart in the cache's key: the tokens it gives the probe text, and the source code of
    its module, of this one, and of every module of the project it can reach by name (a function it calls, in a
    file of yours beside common.py, may have changed, not it)."""
    sources = []
    for module in sorted(_modules_reached(tokenizer), key=lambda module: module.__name__):
        try:
            sources.append(inspect.getsource(module))
        except (OSError, TypeError):  # defined at a prompt: its tokens of the probe text say what they can
            sources.append("")
    tokens = "\0".join(words_of(PROBE_TEXT, tokenizer))
    return hashlib.sha256("\0".join([tokens, *sources]).encode("utf-8", errors="replace")).hexdigest()[:16]


def _modules_reached(tokenizer):
    """The tokenizer's module, this one, and the modules of the tokenizer's folder (or below it) that its module's
    names lead to: a module imported there, or the module of a function or class imported there."""
    home = inspect.getmodule(tokenizer)
    reached = {home, sys.modules[__name__]} - {None}
    folder = os.path.dirname(os.path.abspath(getattr(home, "__file__", "") or os.curdir))
    for value in list(getattr(tokenizer, "__globals__", {}).values()):
        module = value if inspect.ismodule(value) else inspect.getmodule(value)
        path = getattr(module, "__file__", None)
        if path and os.path.abspath(path).startswith(folder + os.sep):
            reached.add(module)
    return reached


# What a serving model cannot hold: Python called back (gone once the model is loaded elsewhere).
PYTHON_OPS = {"PyFunc", "EagerPyFunc", "PyFuncStateless"}


def check_tokenizer(tokenizer):
    """Refuse, in one line and before any text is read, a tokenizer the serving model could not run: it must take a
    batch of strings to a RaggedTensor of strings, one row a text, with stateless TensorFlow ops."""
    advice = (
        "split_into_tokens in common.py must be stateless TensorFlow string ops, from a batch of strings to a "
        "tf.RaggedTensor of strings, as the serving model runs it"
    )
    try:
        traced = tf.function(tokenizer, input_signature=[tf.TensorSpec([None], tf.string)]).get_concrete_function()
    except Exception as error:  # whatever the user's function raises while TensorFlow traces it
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        # AutoGraph's message starts "in user code:" and ends with the error itself.
        reason = lines[-1] if lines and lines[0] == "in user code:" else first_line(error)
        raise UsageError(f"{advice} ({type(error).__name__}: {reason[:160]})") from None
    output = traced.structured_outputs
    if not isinstance(output, tf.RaggedTensor):
        raise UsageError(f"{advice}; it gives a dense tensor or other value: leave out .to_tensor()")
    if output.ragged_rank != 1 or output.dtype != tf.string:
        raise UsageError(f"{advice}; it gives {output.dtype.name} of ragged rank {output.ragged_rank}, not strings")
    python = sorted({operation.type for operation in traced.graph.get_operations()} & PYTHON_OPS)
    if python:
        raise UsageError(f"{advice}; it calls Python ({python[0]}), which a saved model cannot carry")
    if any(captured.dtype == tf.resource for captured in traced.captured_inputs):
        raise UsageError(f"{advice}; it holds a lookup table or variable, which the serving model does not save")


def splits_into_words(tokenizer):
    """Whether `tokenizer` gives the words of Keras' classic tokenizer (on the probe text), as keras.datasets.imdb's."""
    return words_of(PROBE_TEXT, tokenizer) == words_of(PROBE_TEXT)
