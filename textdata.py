"""Your own text folders and the Keras-IMDB encoding: reading, tokenising, indexing words, and the cache.

A corpus is a folder, or a .tar.gz of one, laid out like the Stanford
download: `train/<class>/*.txt` and `test/<class>/*.txt`, one example per
file. Words are encoded the way Keras built `keras.datasets.imdb`, so that
`--top-words` means the same on both paths: lower-case, Keras' classic filter
characters read as spaces, apostrophes kept; words ranked by frequency in the
training texts; 0 pads, 1 starts a text, 2 is any word outside the top words,
3 is never used, and the most frequent word is 4. The encoded corpus is cached
beside Keras' own datasets, keyed on the source's path, sizes and times.
"""

import collections
import dataclasses
import hashlib
import os
import re
import sys
import tarfile
import zipfile

import numpy as np

import cli
from cli import UsageError, atomic_path

PADDING_INDEX = 0  # pad_sequences fills with 0, and Embedding(mask_zero=True) masks it
START_INDEX = 1  # marks the start of every text, as in keras.datasets.imdb
OUT_OF_VOCABULARY_INDEX = 2  # stands for every word outside the top words
UNUSED_INDEX = 3  # keras.datasets.imdb shifts its ranks (from 1) by index_from=3, so 3 is never used
FIRST_WORD_INDEX = 4  # the most frequent word gets 4, the next 5, and so on, as in Keras

# Keras' classic text filter (keras.preprocessing.text): these characters
# become spaces; the apostrophe is not among them, so "don't" stays one word.
KERAS_TEXT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
_FILTER_TABLE = str.maketrans({character: " " for character in KERAS_TEXT_FILTERS})

LAYOUT = "train/<class>/*.txt and test/<class>/*.txt"
FOLDER_OR_ARCHIVE = f"a folder with {LAYOUT}, or a .tar.gz of one"

# The Stanford download also holds train/unsup: 50,000 unlabelled reviews.
UNLABELLED_FOLDER = "unsup"

CACHE_FORMAT_VERSION = 3  # 2: the most frequent word is 4, as in keras.datasets.imdb; 3: words as one UTF-8 text


# ---------------------------------------------------------------------------
# Text encoding, as Keras built its IMDB copy


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
    """One review as integers: START, then each word's index, or OOV if unknown."""
    return np.array(
        [START_INDEX] + [word_index.get(token, OUT_OF_VOCABULARY_INDEX) for token in tokens], dtype=np.int32
    )


def cut_to_top_words(sequences, top_words):
    """Replace indices >= top_words by OOV, exactly as load_data(num_words=top_words)."""
    return [
        np.where(sequence < top_words, sequence, OUT_OF_VOCABULARY_INDEX).astype(np.int32) for sequence in sequences
    ]


# ---------------------------------------------------------------------------
# Reading text folders: train/<class>/*.txt and test/<class>/*.txt

# A text may sit in subfolders of its class folder: train/<class>/2019/x.txt is of <class>.
_FILE_PATTERN = re.compile(r"^(?:(?P<root>.*?)/)?(?P<split>train|test)/(?P<label>[^/]+)/(?:[^/]+/)*[^/]+\.txt$")
_FOLDER_PATTERN = re.compile(r"^(?:(?P<root>.*?)/)?(?P<split>train|test)/(?P<label>[^/]+)$")


@dataclasses.dataclass
class TextCorpus:
    """Raw reviews of both splits, labels as indices into class_names."""

    train_texts: list
    train_labels: np.ndarray
    test_texts: list
    test_labels: np.ndarray
    class_names: list
    undecodable_files: list = dataclasses.field(default_factory=list)  # their names


def _raise(error):
    raise error


def _list_folder(path):
    """(relative name, is a file) of everything below a folder, sorted; links to folders followed."""
    entries = []
    # onerror: a folder that cannot be read is an error, not a silently empty class.
    for directory, subdirectories, file_names in os.walk(path, onerror=_raise, followlinks=True):
        relative = os.path.relpath(directory, path).replace(os.sep, "/")
        if os.path.islink(directory) and _links_back(path, relative):
            subdirectories.clear()  # a link to a folder above it: following it would never end
            continue
        subdirectories.sort()
        prefix = "" if relative == "." else relative + "/"
        entries.extend((prefix + name, False) for name in subdirectories)
        entries.extend((prefix + name, os.path.isfile(os.path.join(directory, name))) for name in sorted(file_names))
    return entries


def _links_back(root, relative):
    """True if the folder root/relative is, through a link, one of the folders that hold it."""
    real = os.path.realpath(os.path.join(root, relative))
    parts = relative.split("/")
    return any(os.path.realpath(os.path.join(root, *parts[:depth])) == real for depth in range(len(parts)))


def _is_hidden(name):
    """A name with a part starting with a dot: .DS_Store, macOS' ._x.txt, .git/..."""
    return any(part.startswith(".") and part not in (".", "..") for part in name.split("/"))


def _find_layout(path, entries):
    """The .txt files of each (split, class), checked: same classes in both splits, none empty.

    Returns the files, the class names and the notes a user should read
    (what was left out, and why).
    """
    files = collections.defaultdict(set)
    classes = {"train": set(), "test": set()}
    roots = set()
    hidden = 0
    for name, is_file in entries:
        match = (_FILE_PATTERN if is_file else _FOLDER_PATTERN).match(name)
        if not match:
            continue
        if _is_hidden(name):
            hidden += is_file and name.endswith(".txt")
            continue
        roots.add(match["root"] or "")
        classes[match["split"]].add(match["label"])
        if is_file:
            files[match["split"], match["label"]].add(name)  # a name twice in a .tar: one text
    notes = []
    if hidden:
        notes.append(f"left out {hidden} hidden .txt files (names starting with '.', such as macOS' ._ copies)")
    if len(roots) > 1:
        places = ", ".join(root or "the top level" for root in sorted(roots))
        raise UsageError(f"{path} holds more than one train/test layout (in {places}); point --data-dir at one of them")
    # The Stanford download's unlabelled reviews: a training folder with no test counterpart.
    if UNLABELLED_FOLDER in classes["train"] - classes["test"]:
        classes["train"].discard(UNLABELLED_FOLDER)
        notes.append(f"left out train/{UNLABELLED_FOLDER}: it has no test/{UNLABELLED_FOLDER} (unlabelled texts)")
    for split in ("train", "test"):
        if not classes[split]:
            raise UsageError(f"{path} has no {split}/<class>/*.txt files; --data-dir needs {LAYOUT}")
    if classes["train"] != classes["test"]:
        raise UsageError(
            f"{path}: test classes {sorted(classes['test'])} differ from train classes {sorted(classes['train'])}; "
            "give both splits the same class folders"
        )
    for split in ("train", "test"):
        for label in sorted(classes[split]):
            if not files[split, label]:
                raise UsageError(f"{path}: {split}/{label} holds no .txt files; add some or remove the folder")
    if len(classes["train"]) < 2:
        raise UsageError(
            f"{path} has only the class {sorted(classes['train'])}; a classifier needs at least two class folders"
        )
    return {key: sorted(names) for key, names in files.items()}, sorted(classes["train"]), notes


def _check_archive_end(archive):
    """A plain .tar cut short at a member's end reads without error: look for its end-of-archive blocks."""
    archive.fileobj.seek(archive.offset)
    end = archive.fileobj.read(tarfile.BLOCKSIZE)  # tar writes two zero blocks; one is enough to know
    if len(end) < tarfile.BLOCKSIZE or end.strip(b"\0"):
        raise EOFError("no end-of-archive marker")


def _read_files(path, wanted):
    """The bytes of each wanted name, from a folder or a .tar.gz."""
    if os.path.isdir(path):
        contents = {}
        for name in wanted:
            with open(os.path.join(path, name), "rb") as handle:
                contents[name] = handle.read()
        return contents
    with tarfile.open(path, "r:*") as archive:
        # One pass in archive order: a .tar.gz cannot seek backwards cheaply. A name
        # that appears twice is read as tar itself would extract it: its last copy.
        return {
            member.name.removeprefix("./"): archive.extractfile(member).read()
            for member in archive
            if member.name.removeprefix("./") in wanted
        }


def read_text_corpus(path):
    """Read train/<class>/*.txt and test/<class>/*.txt from a folder or a .tar.gz.

    Class names are the folder names in sorted order. Files are read in sorted
    order, so the corpus is the same whatever the file system's order. Bytes
    that are not UTF-8 are replaced (and the files named), never fatal.
    """
    try:
        if os.path.isdir(path):
            entries = _list_folder(path)
        else:
            with tarfile.open(path, "r:*") as archive:
                members = archive.getmembers()
                _check_archive_end(archive)
            entries = [(member.name.removeprefix("./"), member.isfile()) for member in members]
            links = [name for name, is_file in entries if not is_file and name.endswith(".txt")]
            if links:
                print(f"warning: {path}: left out {len(links)} links such as {links[0]}", file=sys.stderr)
        files, class_names, notes = _find_layout(path, entries)
        contents = _read_files(path, {name for names in files.values() for name in names})
    except (tarfile.TarError, EOFError, zipfile.BadZipFile, OSError) as error:
        if isinstance(error, OSError) and not isinstance(error, tarfile.TarError) and error.filename:
            raise UsageError(f"--data-dir {path}: {cli.describe_os_error(error, reading=True)}")
        if isinstance(error, EOFError) or "unexpected end" in str(error):
            raise UsageError(f"--data-dir {path} is cut short (its end is missing); copy or download it again")
        kind = (
            "a .zip (unpack it first, or give a .tar.gz)"
            if zipfile.is_zipfile(path)
            else "not a readable .tar.gz or .tar"
        )
        raise UsageError(f"--data-dir {path} is {kind}; give {FOLDER_OR_ARCHIVE}")
    for note in notes:
        print(f"note: {path}: {note}", file=sys.stderr)

    undecodable = []
    texts, labels = {"train": [], "test": []}, {"train": [], "test": []}
    for split in ("train", "test"):
        for class_index, label in enumerate(class_names):
            for name in files[split, label]:
                try:
                    texts[split].append(contents[name].decode("utf-8"))
                except UnicodeDecodeError:
                    undecodable.append(name)
                    texts[split].append(contents[name].decode("utf-8", errors="replace"))
                labels[split].append(class_index)
    return TextCorpus(
        texts["train"],
        np.array(labels["train"], np.int32),
        texts["test"],
        np.array(labels["test"], np.int32),
        class_names,
        undecodable,
    )


# ---------------------------------------------------------------------------
# The encoded dataset and its cache


@dataclasses.dataclass
class Dataset:
    """Encoded reviews (lists of int32 arrays, unpadded) and what they mean."""

    train_sequences: list
    train_labels: np.ndarray
    test_sequences: list
    test_labels: np.ndarray
    class_names: list
    vocabulary: list = None  # words by rank; None when the data is keras.datasets.imdb
    source: str = "keras.datasets.imdb"

    @property
    def num_classes(self):
        return len(self.class_names)


def cache_dir():
    """Where Keras keeps downloaded datasets; our encoded copies go beside them."""
    keras_home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(keras_home, "datasets")


def _source_fingerprint(path):
    """A key that changes when the data changes: path, sizes and modification times."""
    path = os.path.abspath(path)
    digest = hashlib.sha256(f"v{CACHE_FORMAT_VERSION}:{path}".encode())
    if os.path.isdir(path):
        for name, _ in _list_folder(path):
            status = os.stat(os.path.join(path, name))
            digest.update(f"{name}:{status.st_size}:{status.st_mtime_ns}\n".encode())
    else:
        status = os.stat(path)
        digest.update(f"{status.st_size}:{status.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def _pack(sequences):
    """Ragged sequences as one flat array and the offsets between them."""
    lengths = np.array([len(sequence) for sequence in sequences], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    flat = np.concatenate(sequences) if sequences else np.zeros(0, np.int32)
    return flat.astype(np.int32), offsets


def _unpack(flat, offsets):
    return [flat[start:end] for start, end in zip(offsets[:-1], offsets[1:])]


def encode_corpus(corpus, path):
    """Rank the training words and encode both splits with that ranking (no top-words cut)."""
    train_tokens = [tokenize(text) for text in corpus.train_texts]
    vocabulary = rank_words(train_tokens)
    if not vocabulary:
        raise UsageError(f"--data-dir {path}: the training texts hold no words; give texts with words in them")
    word_index = word_index_of(vocabulary)
    train_sequences = [encode(tokens, word_index) for tokens in train_tokens]
    test_sequences = [encode(tokenize(text), word_index) for text in corpus.test_texts]
    return train_sequences, test_sequences, vocabulary


def _words_as_bytes(vocabulary):
    """The words as one UTF-8 text, a word a line: its size is the words' own (no word holds whitespace)."""
    return np.frombuffer("\n".join(vocabulary).encode("utf-8"), np.uint8)


def _load_cache(cache_path, path):
    """The cached corpus; ValueError unless its arrays are consistent (a foreign or damaged file may not be)."""
    with np.load(cache_path, allow_pickle=False) as cached:
        arrays = dict(cached)
    class_names = [str(name) for name in arrays["class_names"]]
    vocabulary = bytes(arrays["words_utf8"]).decode("utf-8").split("\n")
    for split in ("train", "test"):
        flat, offsets, labels = arrays[f"{split}_flat"], arrays[f"{split}_offsets"], arrays[f"{split}_labels"]
        if (
            len(offsets) != len(labels) + 1
            or offsets[0] != 0
            or np.any(np.diff(offsets) < 1)
            or offsets[-1] != len(flat)
        ):
            raise ValueError("offsets do not match the texts")
        if labels.size == 0 or labels.min() < 0 or labels.max() >= len(class_names):
            raise ValueError("labels out of range")
        if flat.min() < 0 or flat.max() >= FIRST_WORD_INDEX + len(vocabulary):
            raise ValueError("word indices out of range")
    return Dataset(
        _unpack(arrays["train_flat"], arrays["train_offsets"]),
        arrays["train_labels"],
        _unpack(arrays["test_flat"], arrays["test_offsets"]),
        arrays["test_labels"],
        class_names,
        vocabulary,
        source=os.path.abspath(path),
    )


def load_text_folders(path):
    """The encoded corpus at path, from the cache when the source is unchanged."""
    if not os.path.exists(path):
        raise UsageError(f"--data-dir {path} does not exist; give {FOLDER_OR_ARCHIVE}")
    try:
        fingerprint = _source_fingerprint(path)
    except OSError as error:
        raise UsageError(f"--data-dir {path}: {cli.describe_os_error(error, reading=True)}")
    cache_path = os.path.join(cache_dir(), f"text-folders-{fingerprint}.npz")
    if os.path.exists(cache_path):
        try:
            return _load_cache(cache_path, path)
        except Exception:  # truncated, bit-flipped, foreign or inconsistent: numpy and zipfile raise many kinds
            print(f"warning: the cached copy {cache_path} could not be read; rebuilding it", file=sys.stderr)
    print(f"Reading and encoding {path} (cached for next time) ...", flush=True)
    corpus = read_text_corpus(path)
    if corpus.undecodable_files:
        names = corpus.undecodable_files
        print(
            f"warning: {len(names)} files in {path} are not valid UTF-8 ({', '.join(names[:3])}"
            f"{', ...' if len(names) > 3 else ''}); their undecodable bytes were replaced",
            file=sys.stderr,
        )
    train_sequences, test_sequences, vocabulary = encode_corpus(corpus, path)
    train_flat, train_offsets = _pack(train_sequences)
    test_flat, test_offsets = _pack(test_sequences)
    try:
        os.makedirs(cache_dir(), exist_ok=True)
        with atomic_path(cache_path) as temporary_path:
            with open(temporary_path, "wb") as handle:
                np.savez(
                    handle,
                    train_flat=train_flat,
                    train_offsets=train_offsets,
                    train_labels=corpus.train_labels,
                    test_flat=test_flat,
                    test_offsets=test_offsets,
                    test_labels=corpus.test_labels,
                    class_names=np.array(corpus.class_names),
                    words_utf8=_words_as_bytes(vocabulary),
                )
    except OSError as error:
        print(f"warning: could not cache the encoded data in {cache_dir()} ({error})", file=sys.stderr)
    return Dataset(
        train_sequences,
        corpus.train_labels,
        test_sequences,
        corpus.test_labels,
        corpus.class_names,
        vocabulary,
        source=os.path.abspath(path),
    )
