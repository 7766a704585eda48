"""The encoded corpus' cache: small, keyed on what was read, and rebuilt when damaged or inconsistent."""

import os
import zipfile

import numpy as np
import pytest

from conftest import write_corpus
from helpers import cache, corpus, texts


def test_the_cache_costs_the_words_own_length_not_the_longest_words(tmp_path):
    corpus = write_corpus(tmp_path / "data", reviews_per_class=20, seed=2)
    with open(os.path.join(corpus, "train", "pos", "long.txt"), "w") as handle:
        handle.write("wonderful " + "x" * 10_000)  # one 10,000-character token, as a base64 attachment
    dataset = texts.load_own_texts(corpus)
    (cache_file,) = os.listdir(cache.cache_dir())
    # Fixed-width strings would cost 4 bytes x 10,000 characters for each of the ~300 words: 12 MB.
    assert os.path.getsize(os.path.join(cache.cache_dir(), cache_file)) < 100_000
    again = texts.load_own_texts(corpus)
    assert again.vocabulary == dataset.vocabulary and "x" * 10_000 in again.vocabulary


def test_a_cache_with_labels_out_of_range_is_rebuilt(small_corpus, capsys):
    first = texts.load_own_texts(small_corpus)
    (name,) = os.listdir(cache.cache_dir())
    cache_file = os.path.join(cache.cache_dir(), name)
    with np.load(cache_file) as cached:
        arrays = dict(cached)
    arrays["test_labels"] = arrays["test_labels"] + 10
    with open(cache_file, "wb") as handle:
        np.savez(handle, **arrays)
    again = texts.load_own_texts(small_corpus)
    assert "rebuilding it" in capsys.readouterr().err
    assert again.test_labels.tolist() == first.test_labels.tolist()


@pytest.mark.parametrize("damage", ["truncated", "bit flipped"])
def test_a_damaged_cache_is_rebuilt_not_fatal(small_corpus, damage, capsys):
    first = texts.load_own_texts(small_corpus)
    (cache_file,) = [os.path.join(cache.cache_dir(), name) for name in os.listdir(cache.cache_dir())]
    content = bytearray(open(cache_file, "rb").read())
    if damage == "truncated":
        content = content[: len(content) // 2]
    else:
        content[len(content) // 3] ^= 0xFF
    open(cache_file, "wb").write(bytes(content))
    again = texts.load_own_texts(small_corpus)
    assert [row.tolist() for row in again.train_sequences] == [row.tolist() for row in first.train_sequences]
    assert "could not be read; rebuilding it" in capsys.readouterr().err
    assert zipfile.is_zipfile(cache_file)  # rebuilt in place


def test_words_holding_a_line_break_come_back_from_the_cache_as_they_were(tmp_path, monkeypatch):
    """A tokenizer of the user's may keep a line break or a space in a token: the cached words keep it too."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    vocabulary = ["two\nlines", "é", " ", "last"]
    train = [np.array([1, 4, 5], np.int32)], np.array([0], np.int32)
    test = [np.array([1, 7], np.int32)], np.array([1], np.int32)
    dataset = corpus.Dataset(*train, *test, ["neg", "pos"], vocabulary)
    path = str(tmp_path / "cached.npz")
    cache.save(path, dataset)
    assert cache.load(path, "source", tokenizer=None).vocabulary == vocabulary
