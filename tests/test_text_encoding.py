"""The text encoding (helpers/text_encoding.py): Keras' classic words, one definition for training and serving."""

import csv
import glob
import json
import os
import random
import subprocess
import sys
import tarfile

import keras
import pytest
import tensorflow as tf

from conftest import ROOT
from helpers import serving, text_encoding, texts
from helpers.shell import UsageError

SHARED_DATA = os.path.join(ROOT, "..", "shared", "data")
# Each kind of text a user's corpus holds: cases Python's and TensorFlow's Unicode handling could read apart.
CRAFTED_TEXTS = [
    "Don't miss it!<br />It's GREAT, (really)\tgreat.",
    "ÉTÉ À Paris, ÇA VA? Ñandú Øresund",
    "Straße STRASSE ẞ groß",
    "İstanbul ISTANBUL ıi Iİ",
    "ΣΟΦΟΣ ΟΔΟΣ σοφός ΑΣ.",
    "emoji 😀👍🏽 family 👨‍👩‍👧 flags 🇫🇷",
    "no\u00a0break\u202fnarrow\u2009thin\u3000ideographic\u2028line\u2029paragraph\x1cfile\x85next",
    "tabs\tand\nline\r\nbreaks\x0bvertical\x0cform",
    "<br /><br />Line one.<br />Line two",
    "rock'n'roll 'quoted' o'clock ’curly’",
    "1,000 3.14 2024-12-05 #1 50%",
    "!!! ... ??? --- (((",
    "",
    "   ",
    "ＦＵＬＬ ＷＩＤＴＨ ǅemal Ǉ",
    "ÌÍĨĮ ìíĩį J",
]
FILTER = str.maketrans({character: " " for character in text_encoding.KERAS_TEXT_FILTERS})


def keras_classic_words(text):
    """Keras' classic text_to_word_sequence, in Python: lower case, its filter characters as spaces, split."""
    return text.lower().translate(FILTER).split()


@pytest.mark.parametrize("text", CRAFTED_TEXTS)
def test_words_are_keras_classic_words_of_the_lower_cased_text(text):
    assert text_encoding.words_of(text) == keras_classic_words(text)


@pytest.mark.slow
@pytest.mark.thorough
def test_no_locale_changes_a_word():
    """TensorFlow lower-cases through ICU, which follows LANG: Turkish and Lithuanian must not change a word."""
    program = (
        "import json, sys; from helpers import text_encoding; "
        "print(json.dumps([text_encoding.words_of(text) for text in json.loads(sys.argv[1])]))"
    )
    expected = [text_encoding.words_of(text) for text in CRAFTED_TEXTS]
    for locale in ("tr_TR.UTF-8", "lt_LT.UTF-8"):  # Azerbaijani lower-cases as Turkish does
        environment = {**os.environ, "LANG": locale, "LC_ALL": locale, "TF_CPP_MIN_LOG_LEVEL": "3"}
        completed = subprocess.run(
            [sys.executable, "-c", program, json.dumps(CRAFTED_TEXTS)],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
        )
        assert completed.returncode == 0, completed.stderr[-2000:]
        assert json.loads(completed.stdout.splitlines()[-1]) == expected, locale


def test_words_are_ranked_by_frequency_with_ties_in_code_point_order():
    assert text_encoding.rank_words(["b a c", "c a", "C"]) == ["c", "a", "b"]
    assert text_encoding.rank_words(["zeta alpha"]) == ["alpha", "zeta"]
    assert text_encoding.rank_words(["é e z"]) == ["e", "z", "é"]  # as Python sorts the strings


def test_an_encoded_text_is_the_start_then_each_words_rank_plus_four_or_oov():
    encoded = text_encoding.encode_texts(["The film, THE END.", "", "unseen"], ["the", "film", "end"])
    assert [row.tolist() for row in encoded] == [[1, 4, 5, 4, 6], [1], [1, 2]]


def encodings_of_both_paths(texts_to_encode, top_words, tmp_path):
    """What training gives (texts.encode_lists, cut to top_words) and what the saved serving model gives."""
    dataset = texts.encode_lists(
        texts_to_encode, ["a", "b"] * (len(texts_to_encode) // 2) + ["a"] * (len(texts_to_encode) % 2), [], []
    )
    training = texts.cut_to_top_words(dataset.train_sequences, top_words)
    model = keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(top_words, 2, mask_zero=True),
            keras.layers.LSTM(2),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    words, indices = serving.word_indices(dataset.vocabulary, top_words)
    text_path = serving.TextPath(["a", "b"], words, indices, max_len=100_000)
    serving.write(model, str(tmp_path / "serving"), text_path)
    classifier = serving.load(str(tmp_path / "serving"))
    served = classifier.encode(tf_strings(texts_to_encode)).numpy()
    served = [row[: (row != 0).sum()].tolist() for row in served]
    return [row.tolist() for row in training], served


def tf_strings(strings):
    return tf.constant([text.encode("utf-8") for text in strings], tf.string)


def words_of_many(strings):
    return [
        [word.decode("utf-8") for word in row] for row in text_encoding.split_into_words(tf_strings(strings)).to_list()
    ]


@pytest.mark.slow
def test_training_and_the_serving_model_encode_crafted_texts_alike(tmp_path):
    training, served = encodings_of_both_paths(CRAFTED_TEXTS + ["great film"] * 3, 60, tmp_path)
    assert training == served


def shared_corpora():
    """Every text of BBC News, SMS Spam and GoEmotions, and 2,000 IMDB reviews, where ../shared/data is at hand."""
    if not os.path.isdir(SHARED_DATA):
        pytest.skip("../shared/data is not here (a user's clone has none)")
    with open(os.path.join(SHARED_DATA, "bbc_news.csv"), encoding="utf-8", newline="") as handle:
        yield "bbc_news", [row["text"] for row in csv.DictReader(handle)]
    with open(os.path.join(SHARED_DATA, "sms_spam.tsv"), encoding="utf-8") as handle:
        yield "sms_spam", [line.rstrip("\n").split("\t", 1)[1] for line in handle]
    goemotions = []
    for name in sorted(glob.glob(os.path.join(SHARED_DATA, "goemotions", "*.tsv"))):
        with open(name, encoding="utf-8") as handle:
            goemotions += [line.split("\t")[0] for line in handle]
    yield "goemotions", goemotions
    with tarfile.open(os.path.join(SHARED_DATA, "aclImdb_train_test.tar.gz")) as archive:
        members = [member for member in archive.getmembers() if member.isfile() and member.name.endswith(".txt")]
        chosen = set(random.Random(0).sample(range(len(members)), 2000))
        # In the archive's order: a gzipped tar read out of order is unpacked again from its start for each file.
        yield "imdb", [archive.extractfile(members[n]).read().decode("utf-8") for n in sorted(chosen)]


@pytest.mark.slow
@pytest.mark.thorough
def test_every_text_of_the_shared_corpora_is_encoded_alike_by_training_and_serving(tmp_path):
    corpora = dict(shared_corpora())
    for name, corpus in corpora.items():
        # Every text split into Keras' classic words, as Python's str.lower() and str.split() give them.
        words = [row for start in range(0, len(corpus), 4096) for row in words_of_many(corpus[start : start + 4096])]
        differing = [number for number, text in enumerate(corpus) if words[number] != keras_classic_words(text)]
        assert not differing, (name, len(differing), corpus[differing[0]][:200])
    # And a saved serving model encodes texts of every corpus as training does (one model: an export takes seconds).
    sample = [text for corpus in corpora.values() for text in random.Random(1).sample(corpus, 300)]
    training, served = encodings_of_both_paths(sample, 5000, tmp_path)
    differing = [number for number, (a, b) in enumerate(zip(training, served)) if a != b]
    assert not differing, (len(differing), sample[differing[0]][:200])


def test_the_probe_text_holds_every_filter_and_white_space_character():
    """An edit of the filter or of the white space (keeping '#' in hashtags) changes the probe's tokens, and so the
    cache's key: the corpus is encoded again, never read as the old tokenizer split it."""
    assert set(text_encoding.KERAS_TEXT_FILTERS + text_encoding.WHITE_SPACE) <= set(text_encoding.PROBE_TEXT)


def python_tokenizer(texts):
    return tf.ragged.constant([[word] for word in texts.numpy()])


def python_callback_tokenizer(texts):
    return tf.RaggedTensor.from_tensor(tf.py_function(lambda batch: tf.expand_dims(batch, 1), [texts], tf.string))


WORD_TABLE = text_encoding.lookup_table(["good"], [4])


def tokenizer_with_a_table(texts):
    return tf.strings.as_string(WORD_TABLE.lookup(text_encoding.split_into_words(texts)))


def dense_tokenizer(texts):
    return tf.strings.split(texts).to_tensor()


@pytest.mark.parametrize(
    "tokenizer, said",
    [
        (python_tokenizer, "AttributeError"),
        (python_callback_tokenizer, "it calls Python"),
        (tokenizer_with_a_table, "holds a lookup table or variable"),
        (dense_tokenizer, "it gives"),
    ],
    ids=["numpy", "py_function", "table", "dense"],
)
def test_a_tokenizer_the_serving_model_could_not_run_is_one_line_before_any_text_is_read(tokenizer, said, tmp_path):
    with pytest.raises(UsageError, match="split_into_tokens in common.py must be stateless TensorFlow") as refused:
        texts.load_own_texts(str(tmp_path / "never-read.csv"), tokenizer=tokenizer)
    assert said in str(refused.value) and "\n" not in str(refused.value)
    text_encoding.check_tokenizer(text_encoding.split_into_characters)  # the documented swap passes


def test_the_cache_key_follows_a_tokenizer_that_calls_a_module_of_its_own(tmp_path, monkeypatch):
    """split_into_tokens may call a function in a file of the user's beside common.py: an edit there counts."""
    tokenizer_file = tmp_path / "my_tokenizer.py"
    body = "from helpers import text_encoding\n\n\ndef tokenize(texts):\n"
    body += "    return text_encoding.split_into_words(texts)\n"
    tokenizer_file.write_text(body, encoding="utf-8")
    (tmp_path / "my_common.py").write_text(
        "from my_tokenizer import tokenize\n\n\ndef split_into_tokens(texts):\n    return tokenize(texts)\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import my_common

    before = text_encoding.tokenizer_key(my_common.split_into_tokens)
    tokenizer_file.write_text(body.replace("return", "# Stop words are dropped later.\n    return"), encoding="utf-8")
    assert text_encoding.tokenizer_key(my_common.split_into_tokens) != before
