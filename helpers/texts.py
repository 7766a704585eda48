"""Your own texts and the Keras-IMDB encoding: text folders, archives or tables, words as indices, the cache.

A folder is laid out like the Stanford download, `train/<class>/` and
`test/<class>/`, or holds the `<class>/` folders alone, and every file of a
class folder is a text, whatever its name ends with (Keras'
`text_dataset_from_directory` reads names ending in .txt only; hidden names
are left out and counted); tables are read by
tables.py. Without a test split of its own, a test set is set aside, the same
for every seed. Words are encoded the way Keras built `keras.datasets.imdb`
(see the index constants), so that `--top-words` means the same on both
paths. The encoded corpus is cached beside Keras' datasets, keyed on content.
"""

import collections
import dataclasses
import decimal
import hashlib
import io
import os
import pathlib
import re
import sys
import tarfile
import unicodedata
import zipfile

import numpy as np

from helpers import shell, tables, text_encoding
from helpers.shell import UsageError
from helpers.text_encoding import OUT_OF_VOCABULARY_INDEX

LAYOUT = "train/<class>/<one file per text> and test/<class>/..., or <class>/ folders alone"
DATA_FORMS = f"a folder with {LAYOUT}, a .tar.gz of one, or a table: {tables.SUFFIXES_NAMED}"
UNLABELLED_FOLDER = "unsup"  # the Stanford download's 50,000 unlabelled reviews, in train/ only
CACHE_FORMAT_VERSION = 7  # 7: words split by TensorFlow ops; 6: JSONL keys given twice refused, 1.0 and 1 one class
OWN_SPLIT_KEPT = "has a test/ folder of its own, which it keeps; leave out --test-split"
TEST_SPLIT_SEED = 0  # the test set a corpus without one gets: the same for every --seed, so runs compare alike


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
    has_test: bool = True  # False: every text is in train_texts, and a test set is still to be set aside


def corpus_of(train_texts, train_names, test_texts, test_names, has_test=True):
    """A TextCorpus of texts labelled by class names; the classes sorted by class_order."""
    class_names = sorted(set(train_names) | set(test_names), key=class_order)
    index = {name: number for number, name in enumerate(class_names)}
    train_labels, test_labels = (
        np.array([index[name] for name in names], np.int32) for names in (train_names, test_names)
    )
    return TextCorpus(list(train_texts), train_labels, list(test_texts), test_labels, class_names, has_test)


def class_order(name):
    """Sort key of class names, as folders sort but for numbers, which go first in numeric order (2 before 10.0)."""
    is_number = re.fullmatch(r"-?[0-9]+(\.[0-9]*)?", name) is not None  # ASCII digits only: float() takes others
    return (0, float(name), name) if is_number else (1, 0.0, name)


def held_out(labels, fraction, seed, class_names, too_few):
    """A mask of the rows set aside: `fraction` of each class (at least one; one kept), seeded, in proportion.
    A class of fewer than two texts cannot give one and keep one: `too_few`, given its name and count, says so."""
    counts = np.bincount(labels, minlength=len(class_names))
    for label in np.flatnonzero(counts < 2):
        raise UsageError(too_few.format(name=class_names[label], count=counts[label]))
    rng = np.random.default_rng(seed)
    is_held_out = np.zeros(len(labels), bool)
    for label in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == label))
        is_held_out[rows[: min(max(1, int(round(fraction * len(rows)))), len(rows) - 1)]] = True
    return is_held_out


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
    With neither, the top-level folders are the classes, read as train/ (has_test False).
    """
    splits_below, top_folders = collections.defaultdict(set), set()
    for name, is_file in entries:
        parts = name.split("/")
        top_folders.update(parts[:1] if len(parts) > 1 or is_file is False else [])
        split_at = next((index for index, part in enumerate(parts[:-1]) if part in ("train", "test")), None)
        if split_at is not None:
            splits_below["/".join(parts[:split_at])].add(parts[split_at])
    # train/ and test/ side by side (a class folder's own test/ subfolder is part of the class), or nothing else.
    has_test = any(len(splits) == 2 for splits in splits_below.values())
    has_test = has_test or bool(splits_below) and top_folders <= {"train", "test"}
    entries = entries if has_test else [("train/" + name, is_file) for name, is_file in entries]
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
        raise UsageError(f"{path} holds more than one train/test layout (in {places}); point --data at one of them")
    if UNLABELLED_FOLDER in classes["train"] - classes["test"]:
        classes["train"].discard(UNLABELLED_FOLDER)
        notes.append(f"left out train/{UNLABELLED_FOLDER}: it has no test/{UNLABELLED_FOLDER} (unlabelled texts)")
    for split in ("train", "test") if has_test else ("train",):
        if not classes[split]:
            where = f"{split}/<class>/" if has_test else "<class>/"
            raise UsageError(f"{path} has no {where} folders of texts; give {LAYOUT}")
    if has_test and classes["train"] != classes["test"]:
        raise UsageError(
            f"{path}: test classes [{shell.listed(sorted(classes['test']))}] differ from train classes "
            f"[{shell.listed(sorted(classes['train']))}]; "
            "give both splits the same class folders"
        )
    for split, label in ((split, label) for split in ("train", "test") for label in sorted(classes[split])):
        if not files[split, label]:
            shown = f"{split}/{label}" if has_test else label
            raise UsageError(f"{path}: {shown} holds no files; add texts or remove the folder")
    if len(classes["train"]) < 2:
        raise UsageError(f"{path} has only the class {sorted(classes['train'])}; a classifier needs at least two")
    files = {key: sorted(set(names)) for key, names in files.items()}
    return files, sorted(classes["train"], key=class_order), notes, has_test


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
            files, class_names, notes, has_test = _find_layout(path, _folder_entries(path))
            contents = {}
            for name in sorted(name for names in files.values() for name in names):
                with open(os.path.join(path, name if has_test else name.removeprefix("train/")), "rb") as handle:
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
                files, class_names, notes, has_test = _find_layout(path, kinds)
                wanted = {name for names in files.values() for name in names}
                members = {member: name if has_test else "train/" + name for member, name in members.items()}
                # A name twice in a .tar is read as tar itself would extract it: its last copy.
                contents = {name: tar.extractfile(member).read() for member, name in members.items() if name in wanted}
    except (tarfile.TarError, EOFError, zipfile.BadZipFile, OSError) as error:
        if isinstance(error, OSError) and not isinstance(error, tarfile.TarError) and error.filename:
            raise UsageError(f"{path}: {shell.describe_os_error(error)}")
        if isinstance(error, EOFError) or "unexpected end" in str(error):
            raise UsageError(f"{path} is cut short (its end is missing); copy or download it again")
        if isinstance(archive, io.BytesIO) and tables.is_spreadsheet(path, archive.getvalue()):
            tables.check_is_text(path, archive.getvalue(), "a table")  # says it is a spreadsheet, and to save a CSV
        is_zip = isinstance(archive, io.BytesIO) and zipfile.is_zipfile(archive)
        kind = "a .zip (unpack it first, or give a .tar.gz)" if is_zip else "not a readable .tar.gz, .tar or table"
        kind = "JSON (one object a line is JSONL: name it .jsonl)" if path.lower().endswith(".json") else kind
        raise UsageError(f"{path} is {kind}; give {DATA_FORMS}")
    undecodable, texts, labels = [], {"train": [], "test": []}, {"train": [], "test": []}
    for split in ("train", "test"):
        for class_index, label in enumerate(class_names):
            for name in files.get((split, label), []):
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
    corpus = TextCorpus(texts["train"], train_labels, texts["test"], test_labels, class_names, has_test)
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
    test_source: str = None  # where the test texts came from, when not from the data's own test split
    tokenizer: object = text_encoding.split_into_words  # what made the vocabulary's tokens (common.split_into_tokens)

    @property
    def num_classes(self):
        return len(self.class_names)


def encode_corpus(corpus, source, tokenizer):
    """The corpus as a Dataset: the training tokens ranked, both splits encoded with that ranking (no cut)."""
    if len(corpus.class_names) < 2:
        raise UsageError(f"{source}: the labels name only {corpus.class_names}; a classifier needs two classes or more")
    # Split into words twice (to count, then to encode) rather than held: a million texts' words would take GBs.
    vocabulary = text_encoding.rank_words(corpus.train_texts, tokenizer)
    if not vocabulary:
        raise UsageError(f"{source}: the training texts hold no words; give texts with words in them")
    train_sequences = text_encoding.encode_texts(corpus.train_texts, vocabulary, tokenizer)
    test_sequences = text_encoding.encode_texts(corpus.test_texts, vocabulary, tokenizer)
    labels_and_names = (corpus.train_labels, test_sequences, corpus.test_labels, corpus.class_names)
    return Dataset(train_sequences, *labels_and_names, vocabulary, source=source, tokenizer=tokenizer)


def _class_name(label):
    """A label as a class name, by one rule for every source: a whole number written with a decimal point (1.0, as
    pandas writes a column of numbers with a gap in it; "1.0" in a table) is that number, so 1.0 and 1 are one class."""
    if isinstance(label, (float, np.floating)) and float(label).is_integer():
        return str(int(label))
    name = str(label)
    return str(int(name.partition(".")[0])) if re.fullmatch(r"-?[0-9]+\.0*", name) else name


def class_names_of(labels, source):
    """Each label's class name; a note says which labels were made one class (1.0 and 1)."""
    names, known, spellings = [], {}, collections.defaultdict(set)
    for label in labels:
        key = (type(label), label)  # the type too: True == 1 in a dict, but is no number here
        if key not in known:
            known[key] = _class_name(label)
            spellings[known[key]].add(str(label))
        names.append(known[key])
    merged = [f"{' and '.join(sorted(spelt))} as {name}" for name, spelt in spellings.items() if len(spelt) > 1]
    if merged:
        shown = ", ".join(merged[:3]) + (", ..." if len(merged) > 3 else "")
        print(f"note: {source}: labels that are one whole number are one class: {shown}", file=sys.stderr)
    return names


def note_classes_alike(class_names, source):
    """One note naming classes a person could take for one: one number written two ways (01 and 1), or one word
    in two cases (Spam and spam). They stay apart: only the user knows whether they are one class."""
    groups = collections.defaultdict(list)
    for name in class_names:
        is_number = class_order(name)[0] == 0
        groups[decimal.Decimal(name) if is_number else " ".join(name.casefold().split())].append(name)
    alike = [" and ".join(map(repr, names)) for names in groups.values() if len(names) > 1]
    if alike:
        shown = "; ".join(alike[:3]) + ("; ..." if len(alike) > 3 else "")
        print(
            f"note: {source}: the classes {shown} read alike but are kept apart; if one class, write it one way",
            file=sys.stderr,
        )


def encode_lists(train_texts, train_labels, test_texts, test_labels, tokenizer):
    """Texts and labels given as Python lists, encoded as a folder's; class names: the labels, sorted as folders."""
    if not (len(train_texts) == len(train_labels) and len(test_texts) == len(test_labels)):
        raise UsageError("each text needs one label: the lists of texts and labels differ in length")
    names = class_names_of([*train_labels, *test_labels], "your lists of labels")
    train_names, test_names = names[: len(train_labels)], names[len(train_labels) :]
    unknown = sorted(set(test_names) - set(train_names))
    if unknown:
        raise UsageError(f"the test labels [{shell.listed(unknown)}] are not among the training labels")
    note_classes_alike(sorted(set(train_names)), "your lists of labels")
    corpus = corpus_of(train_texts, train_names, test_texts, test_names)
    return encode_corpus(corpus, "your lists of texts", tokenizer)


def cache_dir():
    """Where Keras keeps downloaded datasets; our encoded copies go beside them."""
    keras_home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(keras_home, "datasets")


def _save_cache(cache_path, dataset):
    """The encoded corpus as one .npz: each split's texts as one flat array and the offsets between them."""
    arrays = {
        "class_names": np.array(dataset.class_names),
        "test_source": np.array(dataset.test_source or ""),
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


def _load_cache(cache_path, source, tokenizer):
    with np.load(cache_path, allow_pickle=False) as cached:
        arrays = dict(cached)
    if bytes(arrays["digest"]) != _digest_of(arrays):
        raise ValueError("its digest does not match its arrays")
    splits = []
    for split in ("train", "test"):  # each text a view of the flat array
        splits += [np.split(arrays[f"{split}_flat"], arrays[f"{split}_offsets"][1:-1]), arrays[f"{split}_labels"]]
    vocabulary = bytes(arrays["words_utf8"]).decode("utf-8").split("\n")
    class_names = [str(name) for name in arrays["class_names"]]
    dataset = Dataset(*splits, class_names, vocabulary, source=source, tokenizer=tokenizer)
    dataset.test_source = str(arrays["test_source"]) or None
    return dataset


@dataclasses.dataclass
class TableColumns:
    """Which columns of a table hold the text and the label (by name, or by number from 0 without a header).

    The scripts name them (their TEXT_COLUMN and LABEL_COLUMN, or the flags); these defaults serve a caller of
    load_own_texts that names none."""

    text: str = "text"
    label: str = "label"
    header: bool = True


def _table_corpus(path, columns, is_test):
    """A table's texts and labels, all of them for training (has_test False) or, with is_test, for testing."""
    table = tables.read_table(path, columns.text, columns.label, columns.header)
    table.labels = class_names_of(table.labels, path)
    classes = len(set(table.labels))
    if not is_test and classes > max(2, len(table.labels) / 2):  # a class per text or so: texts or ids, not labels
        raise UsageError(
            f"{path}: the column {columns.label!r} has {classes:,} values in {len(table.labels):,} rows, not a few "
            "classes; name the column of classes with --label-column"
        )
    return corpus_of(table.texts, table.labels, [], [], has_test=False)


def _named(flag, function, *arguments):
    """function(*arguments), its one-line errors about --test-data's file saying so."""
    try:
        return function(*arguments)
    except UsageError as error:
        if flag == "--data":
            raise
        raise UsageError(f"{flag}: {error}") from None


def _source(path, columns, flag):
    """What one path holds, read as far as its cache key needs: (the key, a function that returns its TextCorpus)."""
    if not os.path.exists(path):
        raise UsageError(f"{flag} {path} does not exist; give {DATA_FORMS}")
    if os.path.isdir(path):  # a folder's key is its files' names and contents: they must be read to know it
        corpus, fingerprint = _named(flag, read_corpus, path)
        return fingerprint, lambda: corpus
    try:
        kind = tables.kind_of(path)
        if kind:  # a table's key: its bytes, its kind (.gz too) and which columns are read; read again if not cached
            kind += ".gz" * path.lower().endswith(".gz")  # the same bytes named .csv and .csv.gz read differently
            digest = _fingerprint(f"{kind}\0{columns.text}\0{columns.label}\0{columns.header}\0".encode())
            with open(path, "rb") as handle:  # in pieces: a table can be a few GB
                for piece in iter(lambda: handle.read(2**24), b""):
                    digest.update(piece)
            return digest.hexdigest()[:16], lambda: _named(flag, _table_corpus, path, columns, flag == "--test-data")
        # Read whole: a few dozen MB for IMDB, and a pipe (<(cat corpus.tgz)) can be read only once.
        raw = pathlib.Path(path).read_bytes()
    except OSError as error:
        raise UsageError(f"{flag} {path}: {shell.describe_os_error(error)}")
    archive = io.BytesIO(raw)
    return _fingerprint(raw).hexdigest()[:16], lambda: _named(flag, read_corpus, path, archive)[0]


def _with_test_data(corpus, test, path, test_path):
    """The training corpus with the test texts of --test-data."""
    if corpus.has_test:
        raise UsageError(f"--data {path} has a test/ folder of its own; leave out --test-data, or put its texts there")
    if test.has_test:
        raise UsageError(f"--test-data {test_path} has train/ and test/ folders; give a table or <class>/ folders")
    if test.class_names != corpus.class_names:  # a class missing from either would be judged on nothing
        raise UsageError(
            f"--test-data {test_path} has the classes [{shell.listed(test.class_names)}], "
            f"the training data [{shell.listed(corpus.class_names)}]; "
            "give both texts of every class"
        )
    names = [[part.class_names[label] for label in part.train_labels] for part in (corpus, test)]
    return corpus_of(corpus.train_texts, names[0], test.train_texts, names[1])


def split_off_test(corpus, fraction, path):
    """The corpus with `fraction` of each class's texts set aside as its test set, the same for every seed."""
    too_few = (
        f"{path}: class {{name!r}} has {{count}} text; a test split needs two of each (one to test, one to train): "
        "add texts of that class, or give a test set with --test-data"
    )
    is_test = held_out(corpus.train_labels, fraction, TEST_SPLIT_SEED, corpus.class_names, too_few)
    texts = [[text for text, test in zip(corpus.train_texts, is_test) if test == wanted] for wanted in (False, True)]
    labels = corpus.train_labels[~is_test], corpus.train_labels[is_test]
    return TextCorpus(texts[0], labels[0], texts[1], labels[1], corpus.class_names)


def load_own_texts(path, columns=None, test_path=None, test_split=None, tokenizer=text_encoding.split_into_words):
    """The encoded corpus at path (and its test set at test_path), from the cache when what is read and the
    tokenizer are unchanged.

    Without a test split of its own or test_path, `test_split` (default 0.2) of each class is set aside.
    """
    if columns is not None and not any(tables.kind_of(given or "") for given in (path, test_path)):
        raise UsageError(f"--text-column, --label-column and --no-header are for a table; {path} is not one")
    columns, fraction = columns or TableColumns(), 0.2 if test_split is None else test_split
    print(f"Reading {path}{f' and {test_path}' if test_path else ''} ...", flush=True)
    sources = [_source(path, columns, "--data")] + ([_source(test_path, columns, "--test-data")] if test_path else [])
    key = "-".join(fingerprint for fingerprint, _ in sources) + ("" if test_path else f"-split{fraction}")
    key += "-" + text_encoding.tokenizer_key(tokenizer)
    cache_path = os.path.join(cache_dir(), f"text-folders-{hashlib.sha256(key.encode()).hexdigest()[:16]}.npz")
    dataset = None
    if os.path.exists(cache_path):
        try:
            dataset = _load_cache(cache_path, os.path.abspath(path), tokenizer)
        except Exception:  # truncated, bit-flipped, foreign or inconsistent: numpy and zipfile raise many kinds
            print(f"warning: the cached copy {cache_path} could not be read; rebuilding it", file=sys.stderr)
    if dataset is None:
        corpus, test_source = sources[0][1](), None
        if test_split is not None and corpus.has_test:  # refused before the encoding; after it, from the cache
            raise UsageError(f"--data {path} {OWN_SPLIT_KEPT}")
        if test_path:
            corpus, test_source = _with_test_data(corpus, sources[1][1](), path, test_path), "the texts of --test-data"
        elif not corpus.has_test:
            corpus = split_off_test(corpus, fraction, path)
            test_source = f"{100 * fraction:g} % of each class (--test-split {fraction:g})"  # for every seed
        print("Encoding the texts (cached for next time) ...", flush=True)
        dataset = encode_corpus(corpus, os.path.abspath(path), tokenizer)
        dataset.test_source = test_source
        try:
            os.makedirs(cache_dir(), exist_ok=True)
            _save_cache(cache_path, dataset)
        except OSError as error:
            print(f"warning: could not cache the encoded data in {cache_dir()} ({error})", file=sys.stderr)
    if test_split is not None and dataset.test_source is None:
        raise UsageError(f"--data {path} {OWN_SPLIT_KEPT}")
    note_classes_alike(dataset.class_names, path)
    return dataset
