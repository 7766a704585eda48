"""Your own texts and the Keras-IMDB encoding: text folders (or a .tar.gz of one), words as indices, the cache.

A corpus is laid out like the Stanford download, `train/<class>/` and
`test/<class>/`, and as in Keras' `text_dataset_from_directory` every file of
a class folder is a text, whatever its name ends with (hidden names are left
out and counted). Words are encoded the way Keras built `keras.datasets.imdb`
(see the index constants), so that `--top-words` means the same on both
paths. The encoded corpus is cached beside Keras' datasets, keyed on content.
"""

import collections
import dataclasses
import hashlib
import io
import os
import pathlib
import sys
import tarfile
import unicodedata
import zipfile

import numpy as np

from helpers import shell
from helpers.shell import UsageError

PADDING_INDEX = 0  # pad_sequences fills with 0, and Embedding(mask_zero=True) masks it
START_INDEX = 1  # marks the start of every text, as in keras.datasets.imdb
OUT_OF_VOCABULARY_INDEX = 2  # stands for every word outside the top words
UNUSED_INDEX = 3  # keras.datasets.imdb shifts its ranks (from 1) by index_from=3, so 3 is never used
FIRST_WORD_INDEX = 4  # the most frequent word gets 4, the next 5, and so on, as in Keras

# Keras' classic text filter (keras.preprocessing.text): these characters
# become spaces; the apostrophe is not among them, so "don't" stays one word.
KERAS_TEXT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
_FILTER_TABLE = str.maketrans({character: " " for character in KERAS_TEXT_FILTERS})

LAYOUT = "train/<class>/<one file per text> and test/<class>/..."
FOLDER_OR_ARCHIVE = f"a folder with {LAYOUT}, or a .tar.gz of one"
UNLABELLED_FOLDER = "unsup"  # the Stanford download's 50,000 unlabelled reviews, in train/ only
CACHE_FORMAT_VERSION = 4  # 4: keyed on the content; any file of a class folder is a text; no byte-order mark


def tokenize(text):
    """Lower-case words, Keras' classic filter characters read as spaces."""
    return text.lower().translate(_FILTER_TABLE).split()


def rank_words(tokenized_texts):
    """Words by frequency, most frequent first; ties in alphabetical order."""
    counts = collections.Counter()
    for tokens in tokenized_texts:
        counts.update(tokens)
    return [word for word, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def word_index_of(vocabulary):
    """Map each word to its index: the most frequent word gets FIRST_WORD_INDEX."""
    return {word: rank + FIRST_WORD_INDEX for rank, word in enumerate(vocabulary)}


def encode(tokens, word_index):
    """One text as integers: START, then each word's index, or OOV if unknown."""
    indices = [word_index.get(token, OUT_OF_VOCABULARY_INDEX) for token in tokens]
    return np.array([START_INDEX] + indices, dtype=np.int32)


def cut_to_top_words(sequences, top_words):
    """Replace indices >= top_words by OOV, exactly as load_data(num_words=top_words)."""
    return [np.where(row < top_words, row, OUT_OF_VOCABULARY_INDEX).astype(np.int32) for row in sequences]


@dataclasses.dataclass
class TextCorpus:
    """Raw texts of both splits, labels as indices into class_names."""

    train_texts: list
    train_labels: np.ndarray
    test_texts: list
    test_labels: np.ndarray
    class_names: list


def _shown(name):
    """A file or folder name as text: bytes that are not UTF-8 replaced, one Unicode form (NFC) for every name."""
    return unicodedata.normalize("NFC", os.fsencode(name).decode("utf-8", errors="replace"))


def _is_hidden(part):
    return part.startswith(".") and part not in (".", "..")


def _raise(error):
    raise error


def _folder_entries(path):
    """(relative name, is a file) of what is below a folder, hidden names never looked at; links followed."""
    entries = []
    # onerror: a folder that cannot be read is an error, not a silently empty class.
    for directory, subdirectories, file_names in os.walk(path, onerror=_raise, followlinks=True):
        relative = os.path.relpath(directory, path).replace(os.sep, "/")
        real = os.path.realpath(directory)
        parts = [] if relative == "." else relative.split("/")
        if any(os.path.realpath(os.path.join(path, *parts[:depth])) == real for depth in range(len(parts))):
            subdirectories.clear()  # a link to a folder that holds it: following it would never end
            continue
        prefix = "" if relative == "." else relative + "/"
        entries.extend((prefix + name, False) for name in subdirectories)
        entries.extend((prefix + name, True) for name in file_names)
        subdirectories[:] = sorted(name for name in subdirectories if not _is_hidden(name))
    return entries


def _find_layout(path, entries):
    """The files of each (split, class), checked; the class names; the notes a user should read.

    The first folder named train or test on a path decides: train/<class>/test/ is part of that class.
    """
    files, classes, roots = collections.defaultdict(list), {"train": set(), "test": set()}, set()
    hidden = loose = links = 0
    for name, is_file in entries:
        parts = name.split("/")
        split_at = next((index for index, part in enumerate(parts) if part in ("train", "test")), None)
        if split_at is None or len(parts) < split_at + 2:
            continue
        hidden_at = [index for index, part in enumerate(parts) if _is_hidden(part)]
        if hidden_at:
            hidden += hidden_at[0] == len(parts) - 1  # the hidden entry itself, not what a hidden folder holds
            continue
        roots.add("/".join(parts[:split_at]))
        if is_file is not False and len(parts) == split_at + 2:
            loose += 1  # beside the class folders, as the Stanford download's labeledBow.feat and urls_pos.txt
            continue
        split, label = parts[split_at], _shown(parts[split_at + 1])
        classes[split].add(label)
        if is_file is None:
            links += 1  # in an archive: a link or device, no text of its own
        elif is_file and len(parts) > split_at + 2:
            files[split, label].append(name)
    notes = [f"left out {hidden} hidden files or folders (names starting with '.', as macOS' ._ copies)"] * bool(hidden)
    notes += [f"left out {links} links or special files in the archive"] * bool(links)
    notes += [f"left out {loose} files beside the class folders of train/ and test/"] * bool(loose)
    if len(roots) > 1:
        places = ", ".join(root or "the top level" for root in sorted(roots))
        raise UsageError(f"{path} holds more than one train/test layout (in {places}); point --data-dir at one of them")
    if UNLABELLED_FOLDER in classes["train"] - classes["test"]:
        classes["train"].discard(UNLABELLED_FOLDER)
        notes.append(f"left out train/{UNLABELLED_FOLDER}: it has no test/{UNLABELLED_FOLDER} (unlabelled texts)")
    for split in ("train", "test"):
        if not classes[split]:
            raise UsageError(f"{path} has no {split}/<class>/ folders of texts; --data-dir needs {LAYOUT}")
    if classes["train"] != classes["test"]:
        raise UsageError(
            f"{path}: test classes {sorted(classes['test'])} differ from train classes {sorted(classes['train'])}; "
            "give both splits the same class folders"
        )
    for split, label in ((split, label) for split in ("train", "test") for label in sorted(classes[split])):
        if not files[split, label]:
            raise UsageError(f"{path}: {split}/{label} holds no files; add texts or remove the folder")
    if len(classes["train"]) < 2:
        raise UsageError(f"{path} has only the class {sorted(classes['train'])}; a classifier needs at least two")
    return {key: sorted(set(names)) for key, names in files.items()}, sorted(classes["train"]), notes


def _check_archive_end(archive):
    """A plain .tar cut short at a member's end reads without error: look for its end-of-archive blocks."""
    archive.fileobj.seek(archive.offset)
    end = archive.fileobj.read(tarfile.BLOCKSIZE)  # tar writes two zero blocks; one is enough to know
    if len(end) < tarfile.BLOCKSIZE or end.strip(b"\0"):
        raise EOFError("no end-of-archive marker")


def _fingerprint(content=b""):
    return hashlib.sha256(f"v{CACHE_FORMAT_VERSION}".encode() + content)


def read_corpus(path, archive=None):
    """The texts of a folder or .tar.gz (its bytes: archive), their labels, and a fingerprint of what was read.

    Classes and files in sorted order, whatever the file system's; a UTF-8 byte-order mark
    dropped; bytes that are not UTF-8 replaced (and the files named), never fatal.
    """
    try:
        digest = _fingerprint()
        if os.path.isdir(path):
            files, class_names, notes = _find_layout(path, _folder_entries(path))
            contents = {}
            for name in sorted(name for names in files.values() for name in names):
                with open(os.path.join(path, name), "rb") as handle:
                    contents[name] = handle.read()
                digest.update(os.fsencode(name) + b"\0" + hashlib.sha256(contents[name]).digest())
        else:
            archive = archive or io.BytesIO(pathlib.Path(path).read_bytes())
            digest = _fingerprint(archive.getvalue())
            with tarfile.open(fileobj=archive, mode="r:*") as tar:
                members = {member: member.name.removeprefix("./") for member in tar.getmembers()}
                _check_archive_end(tar)
                kinds = [
                    (name, member.isfile() if member.isreg() or member.isdir() else None)
                    for member, name in members.items()
                ]
                files, class_names, notes = _find_layout(path, kinds)
                wanted = {name for names in files.values() for name in names}
                # A name twice in a .tar is read as tar itself would extract it: its last copy.
                contents = {name: tar.extractfile(member).read() for member, name in members.items() if name in wanted}
    except (tarfile.TarError, EOFError, zipfile.BadZipFile, OSError) as error:
        if isinstance(error, OSError) and not isinstance(error, tarfile.TarError) and error.filename:
            raise UsageError(f"--data-dir {path}: {shell.describe_os_error(error)}")
        if isinstance(error, EOFError) or "unexpected end" in str(error):
            raise UsageError(f"--data-dir {path} is cut short (its end is missing); copy or download it again")
        is_zip = isinstance(archive, io.BytesIO) and zipfile.is_zipfile(archive)
        kind = "a .zip (unpack it first, or give a .tar.gz)" if is_zip else "not a readable .tar.gz or .tar"
        raise UsageError(f"--data-dir {path} is {kind}; give {FOLDER_OR_ARCHIVE}")
    undecodable, texts, labels = [], {"train": [], "test": []}, {"train": [], "test": []}
    for split in ("train", "test"):
        for class_index, label in enumerate(class_names):
            for name in files[split, label]:
                try:
                    texts[split].append(contents[name].decode("utf-8-sig"))  # -sig: Notepad's byte-order mark
                except UnicodeDecodeError:
                    undecodable.append(_shown(name))
                    texts[split].append(contents[name].decode("utf-8-sig", errors="replace"))
                labels[split].append(class_index)
    if undecodable:  # said each time the texts are read, and so on every run of a folder
        more, some = ", ..." * (len(undecodable) > 3), ", ".join(undecodable[:3])
        notes.append(f"{len(undecodable)} files are not valid UTF-8 ({some}{more}); what is not was replaced")
    for note in notes:
        print(f"note: {path}: {note}", file=sys.stderr)
    train_labels, test_labels = (np.array(labels[split], np.int32) for split in ("train", "test"))
    corpus = TextCorpus(texts["train"], train_labels, texts["test"], test_labels, class_names)
    return corpus, digest.hexdigest()[:16]


@dataclasses.dataclass
class Dataset:
    """Encoded texts (lists of int32 arrays, unpadded) and what they mean."""

    train_sequences: list
    train_labels: np.ndarray
    test_sequences: list
    test_labels: np.ndarray
    class_names: list
    vocabulary: list = None  # words by rank; None when the data is keras.datasets.imdb
    source: str = "keras.datasets.imdb"
    validation_sequences: list = None  # held out of the training texts with --validation-split
    validation_labels: np.ndarray = None
    summary: dict = None  # what the data summary printed before training said (for the run record)

    @property
    def num_classes(self):
        return len(self.class_names)


def encode_corpus(corpus, source):
    """The corpus as a Dataset: the training words ranked, both splits encoded with that ranking (no cut)."""
    train_tokens = [tokenize(text) for text in corpus.train_texts]
    vocabulary = rank_words(train_tokens)
    if not vocabulary:
        raise UsageError(f"{source}: the training texts hold no words; give texts with words in them")
    word_index = word_index_of(vocabulary)
    train_sequences = [encode(tokens, word_index) for tokens in train_tokens]
    test_sequences = [encode(tokenize(text), word_index) for text in corpus.test_texts]
    labels_and_names = (corpus.train_labels, test_sequences, corpus.test_labels, corpus.class_names)
    return Dataset(train_sequences, *labels_and_names, vocabulary, source=source)


def encode_lists(train_texts, train_labels, test_texts, test_labels):
    """Texts and labels given as Python lists, encoded as a folder's; class names: the labels, sorted."""
    if not (len(train_texts) == len(train_labels) and len(test_texts) == len(test_labels)):
        raise UsageError("each text needs one label: the lists of texts and labels differ in length")
    # Numbers in numeric order, then names in alphabetical order, as class folders sort.
    names = sorted(set(train_labels) | set(test_labels), key=lambda name: (isinstance(name, str), name))
    if len(names) < 2:
        raise UsageError(f"the labels name only {names}; a classifier needs at least two classes")
    index = {name: number for number, name in enumerate(names)}
    train_indices = np.array([index[label] for label in train_labels], np.int32)
    test_indices = np.array([index[label] for label in test_labels], np.int32)
    corpus = TextCorpus(list(train_texts), train_indices, list(test_texts), test_indices, [str(name) for name in names])
    return encode_corpus(corpus, "your lists of texts")


def cache_dir():
    """Where Keras keeps downloaded datasets; our encoded copies go beside them."""
    keras_home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(keras_home, "datasets")


def _save_cache(cache_path, dataset):
    """The encoded corpus as one .npz: each split's texts as one flat array and the offsets between them."""
    arrays = {
        "class_names": np.array(dataset.class_names),
        "words_utf8": np.frombuffer("\n".join(dataset.vocabulary).encode(), np.uint8),
    }
    for split in ("train", "test"):
        sequences = getattr(dataset, f"{split}_sequences")
        arrays[f"{split}_offsets"] = np.cumsum([0] + [len(sequence) for sequence in sequences])
        arrays[f"{split}_flat"] = np.concatenate(sequences).astype(np.int32) if sequences else np.zeros(0, np.int32)
        arrays[f"{split}_labels"] = getattr(dataset, f"{split}_labels")
    # The digest of the arrays themselves: a damaged or foreign file fails it and is rebuilt.
    arrays["digest"] = np.frombuffer(_digest_of(arrays), np.uint8)
    with shell.written_whole(cache_path) as (temporary_path,):
        with open(temporary_path, "wb") as handle:
            np.savez(handle, **arrays)


def _digest_of(arrays):
    digest = hashlib.sha256()
    for name in sorted(set(arrays) - {"digest"}):
        digest.update(name.encode() + np.ascontiguousarray(arrays[name]).tobytes())
    return digest.digest()


def _load_cache(cache_path, source):
    with np.load(cache_path, allow_pickle=False) as cached:
        arrays = dict(cached)
    if bytes(arrays["digest"]) != _digest_of(arrays):
        raise ValueError("its digest does not match its arrays")
    splits = []
    for split in ("train", "test"):  # each text a view of the flat array
        splits += [np.split(arrays[f"{split}_flat"], arrays[f"{split}_offsets"][1:-1]), arrays[f"{split}_labels"]]
    vocabulary = bytes(arrays["words_utf8"]).decode("utf-8").split("\n")
    return Dataset(*splits, [str(name) for name in arrays["class_names"]], vocabulary, source=source)


def load_text_folders(path):
    """The encoded corpus at path, from the cache when what is read there is unchanged."""
    if not os.path.exists(path):
        raise UsageError(f"--data-dir {path} does not exist; give {FOLDER_OR_ARCHIVE}")
    source, corpus, archive = os.path.abspath(path), None, None
    print(f"Reading {path} ...", flush=True)
    if os.path.isdir(path):  # a folder's key is its files' names and contents: they must be read to know it
        corpus, fingerprint = read_corpus(path)
    else:  # an archive's is its bytes
        try:
            # Read whole: a few dozen MB for IMDB, and a pipe (<(cat corpus.tgz)) can be read only once.
            archive = io.BytesIO(pathlib.Path(path).read_bytes())
        except OSError as error:
            raise UsageError(f"--data-dir {path}: {shell.describe_os_error(error)}")
        fingerprint = _fingerprint(archive.getvalue()).hexdigest()[:16]
    cache_path = os.path.join(cache_dir(), f"text-folders-{fingerprint}.npz")
    if os.path.exists(cache_path):
        try:
            return _load_cache(cache_path, source)
        except Exception:  # truncated, bit-flipped, foreign or inconsistent: numpy and zipfile raise many kinds
            print(f"warning: the cached copy {cache_path} could not be read; rebuilding it", file=sys.stderr)
    corpus = corpus or read_corpus(path, archive)[0]
    print("Encoding the texts (cached for next time) ...", flush=True)
    dataset = encode_corpus(corpus, source)
    try:
        os.makedirs(cache_dir(), exist_ok=True)
        _save_cache(cache_path, dataset)
    except OSError as error:
        print(f"warning: could not cache the encoded data in {cache_dir()} ({error})", file=sys.stderr)
    return dataset
