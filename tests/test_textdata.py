"""Your own texts read and encoded (texts.py, folders.py): the Keras-IMDB index convention, splits, on tiny inputs."""

import os
import re
import tarfile

import numpy as np
import pytest

from conftest import write_files
from helpers import folders, text_encoding, texts
from helpers.shell import UsageError


def test_index_convention_and_top_words_cut_are_keras_imdbs():
    """keras.datasets.imdb.load_data's documented defaults: start_char=1, oov_char=2, index_from=3 (a word of rank
    r, 1 the most frequent, is r + 3), and num_words keeps the indices below it, the others becoming oov_char."""
    vocabulary = ["the", "and", "a", "of", "to", "is"]  # ranked: "the" is rank 1
    reviews = ["the of is and", "to a the"]
    for top_words in (5, 6, 8, 100):
        expected = [
            [1] + [rank + 3 if rank + 3 < top_words else 2 for rank in (vocabulary.index(word) + 1 for word in review)]
            for review in (text.split() for text in reviews)
        ]
        ours = texts.cut_to_top_words(text_encoding.encode_texts(reviews, vocabulary), top_words)
        assert [row.tolist() for row in ours] == expected, top_words


def test_top_words_keeps_indices_below_the_cut_as_load_data_does():
    sequences = [np.array([1, 4, 5, 6, 7, 2], np.int32)]
    assert texts.cut_to_top_words(sequences, 6)[0].tolist() == [1, 4, 5, 2, 2, 2]
    encoded = text_encoding.encode_texts(["of the"], ["the", "and", "a", "of"])
    assert texts.cut_to_top_words(encoded, 6)[0].tolist() == [1, 2, 4]


def test_folder_and_archive_read_the_same_corpus(corpus, tmp_path):
    archive_path = tmp_path / "corpus.tar.gz"
    with tarfile.open(archive_path, "w:gz") as archive:
        archive.add(corpus, arcname="aclImdb")
    from_folder = folders.read_corpus(corpus)[0]
    from_archive = folders.read_corpus(str(archive_path))[0]
    assert from_folder.class_names == from_archive.class_names == ["neg", "pos"]
    assert from_folder.train_texts == from_archive.train_texts
    assert from_folder.test_texts == from_archive.test_texts
    assert from_folder.train_labels.tolist() == from_archive.train_labels.tolist()
    assert sorted(np.bincount(from_folder.train_labels).tolist()) == [60, 60]


def test_unlabelled_reviews_of_the_stanford_download_are_left_out(corpus):
    os.makedirs(os.path.join(corpus, "train", "unsup"))
    with open(os.path.join(corpus, "train", "unsup", "0_0.txt"), "w") as handle:
        handle.write("no label")
    assert folders.read_corpus(corpus)[0].class_names == ["neg", "pos"]


def test_encoded_corpus_ranks_training_words_only(tmp_path):
    root = tmp_path / "tiny"
    for split, label, name, text in [
        ("train", "neg", "0.txt", "bad bad movie"),
        ("train", "pos", "0.txt", "good movie movie"),
        ("test", "neg", "0.txt", "bad unseen"),
        ("test", "pos", "0.txt", "good"),
    ]:
        os.makedirs(root / split / label, exist_ok=True)
        (root / split / label / name).write_text(text)
    dataset = texts.load_own_texts(str(root))
    assert dataset.vocabulary == ["movie", "bad", "good"]
    assert [sequence.tolist() for sequence in dataset.train_sequences] == [[1, 5, 5, 4], [1, 6, 4, 4]]
    assert [sequence.tolist() for sequence in dataset.test_sequences] == [[1, 5, 2], [1, 6]]


def test_second_load_comes_from_the_cache_and_an_edited_file_is_encoded_again_even_with_its_old_time(
    corpus, monkeypatch
):
    first = texts.load_own_texts(corpus)
    encodings = []
    original = texts.encode_corpus
    monkeypatch.setattr(texts, "encode_corpus", lambda *args: encodings.append(args) or original(*args))
    second = texts.load_own_texts(corpus)
    assert encodings == []
    assert all(np.array_equal(a, b) for a, b in zip(first.train_sequences, second.train_sequences))
    assert second.vocabulary == first.vocabulary
    changed = os.path.join(corpus, "train", "pos", "0_pos.txt")
    status = os.stat(changed)
    with open(changed, "a") as handle:
        handle.write(" brandnewword")
    os.utime(changed, ns=(status.st_atime_ns, status.st_mtime_ns))  # as `touch -r`, rsync or an unpack leave it
    assert "brandnewword" in texts.load_own_texts(corpus).vocabulary and len(encodings) == 1


@pytest.mark.parametrize(
    "layout, message",
    [
        ({"train/neg/a.txt": "x", "train/pos/b.txt": "y"}, "no test/<class>/ folders"),
        ({"train/neg/a.txt": "x", "train/pos/b.txt": "y", "test/neg/c.txt": "x", "test/other/d.txt": "y"}, "differ"),
        ({"train/neg/a.txt": "x", "test/neg/b.txt": "y"}, "at least two"),
        ({"train/neg/a.txt": "x", "train/pos/": None, "test/neg/b.txt": "y", "test/pos/c.txt": "z"}, "holds no files"),
        ({"readme.txt": "x"}, "has no <class>/ folders of texts"),
    ],
)
def test_bad_layouts_are_usage_errors(tmp_path, layout, message):
    write_files(tmp_path / "data", layout)
    with pytest.raises(UsageError, match=re.escape(message)):
        folders.read_corpus(str(tmp_path / "data"))[0]


def test_a_missing_path_and_a_file_that_is_no_archive_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        texts.load_own_texts(str(tmp_path / "nowhere"))
    not_an_archive = tmp_path / "reviews.tar.gz"
    not_an_archive.write_bytes(b"this is not gzip")
    with pytest.raises(UsageError, match="not a readable .tar.gz"):
        folders.read_corpus(str(not_an_archive))[0]


def test_invalid_utf8_is_replaced_and_counted_every_time_the_texts_are_read(corpus, capsys):
    with open(os.path.join(corpus, "train", "neg", "latin1.txt"), "wb") as handle:
        handle.write("caf\xe9 awful".encode("latin-1"))
    read = folders.read_corpus(corpus)[0]
    texts.load_own_texts(corpus)
    texts.load_own_texts(corpus)  # from the cache: a folder's texts are read all the same
    assert capsys.readouterr().err.count("1 files are not valid UTF-8 (train/neg/latin1.txt)") == 3
    assert "caf\ufffd awful" in read.train_texts
