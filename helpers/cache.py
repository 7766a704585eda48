"""The encoded corpus cached beside Keras' datasets, keyed on what was read, so that the next run loads it at once.

One .npz a corpus: each split's texts as one flat array of indices and the
offsets between them, the vocabulary, the class names and a digest of the
arrays. A cached copy that is damaged or foreign fails the digest and is
rebuilt.
"""

import hashlib
import os

import numpy as np

from helpers import files
from helpers.corpus import Dataset

CACHE_FORMAT_VERSION = 8  # raised whenever the same files would be encoded differently


def fingerprint(content=b""):
    """A running SHA-256 of what a corpus was read from, started with the cache format's version."""
    return hashlib.sha256(f"v{CACHE_FORMAT_VERSION}".encode() + content)


def cache_dir():
    """Where Keras keeps downloaded datasets; our encoded copies go beside them."""
    keras_home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(keras_home, "datasets")


def save(cache_path, dataset):
    """The encoded corpus as one .npz: each split's texts as one flat array and the offsets between them."""
    arrays = {
        "class_names": np.array(dataset.class_names),
        "test_source": np.array(dataset.test_source or ""),
        # The words as one UTF-8 string and their ends: a token may hold any character, a line break too.
        "words_utf8": np.frombuffer("".join(dataset.vocabulary).encode(), np.uint8),
        "word_ends": np.cumsum([len(word.encode()) for word in dataset.vocabulary], dtype=np.int64),
    }
    for split in ("train", "test") + ("validation",) * (dataset.validation_labels is not None):
        sequences = getattr(dataset, f"{split}_sequences")
        arrays[f"{split}_offsets"] = np.cumsum([0] + [len(sequence) for sequence in sequences])
        arrays[f"{split}_flat"] = np.concatenate(sequences).astype(np.int32) if sequences else np.zeros(0, np.int32)
        arrays[f"{split}_labels"] = getattr(dataset, f"{split}_labels")
    # The digest of the arrays themselves: a damaged or foreign file fails it and is rebuilt.
    arrays["digest"] = np.frombuffer(_digest_of(arrays), np.uint8)
    with files.written_whole(cache_path) as (temporary_path,):
        with open(temporary_path, "wb") as handle:
            np.savez(handle, **arrays)


def _digest_of(arrays):
    digest = hashlib.sha256()
    for name in sorted(set(arrays) - {"digest"}):
        digest.update(name.encode() + np.ascontiguousarray(arrays[name]).tobytes())
    return digest.digest()


def load(cache_path, source, tokenizer):
    with np.load(cache_path, allow_pickle=False) as cached:
        arrays = dict(cached)
    if bytes(arrays["digest"]) != _digest_of(arrays):
        raise ValueError("its digest does not match its arrays")
    splits = {}
    for split in ("train", "test", "validation"):  # each text a view of the flat array
        if f"{split}_labels" in arrays:
            sequences = np.split(arrays[f"{split}_flat"], arrays[f"{split}_offsets"][1:-1])
            splits[split] = (sequences, arrays[f"{split}_labels"])
    words = bytes(arrays["words_utf8"])
    ends = arrays["word_ends"].tolist()
    vocabulary = [words[start:end].decode("utf-8") for start, end in zip([0] + ends[:-1], ends)]
    class_names = [str(name) for name in arrays["class_names"]]
    dataset = Dataset(*splits["train"], *splits["test"], class_names, vocabulary, source=source, tokenizer=tokenizer)
    dataset.validation_sequences, dataset.validation_labels = splits.get("validation", (None, None))
    dataset.test_source = str(arrays["test_source"]) or None
    return dataset
