"""Your own texts as the scripts read them: tables or folders, their labels as classes, the test split, encoded.

Tables are read by tables.py, folders and archives by folders.py. Without a
test split of its own, a test set is set aside, the same for every seed.
Texts are encoded the way Keras built `keras.datasets.imdb` (text_encoding.py),
so that `--top-words` means the same on both paths, and the encoded corpus is
cached (cache.py), keyed on what was read and the tokenizer.
"""

import collections
import dataclasses
import decimal
import functools
import hashlib
import io
import os
import pathlib
import re
import sys

import numpy as np

from helpers import cache, folders, multi_label, shell, tables, text_encoding
from helpers.corpus import Dataset, TextCorpus, class_order, corpus_of, held_out, label_rows, names_of
from helpers.folders import DATA_FORMS
from helpers.shell import UsageError
from helpers.text_encoding import OUT_OF_VOCABULARY_INDEX

OWN_SPLIT_KEPT = "has a test/ folder of its own, which it keeps; leave out --test-split"
TEST_SPLIT_SEED = 0  # the test set a corpus without one gets: the same for every --seed, so runs compare alike


def cut_to_top_words(sequences, top_words):
    """Replace indices >= top_words by OOV, exactly as load_data(num_words=top_words)."""
    return [np.where(row < top_words, row, OUT_OF_VOCABULARY_INDEX).astype(np.int32) for row in sequences]


def encode_corpus(corpus, source, tokenizer=text_encoding.split_into_words):
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
    dataset = Dataset(train_sequences, *labels_and_names, vocabulary, source=source, tokenizer=tokenizer)
    if corpus.validation_texts is not None:
        dataset.validation_sequences = text_encoding.encode_texts(corpus.validation_texts, vocabulary, tokenizer)
        dataset.validation_labels = corpus.validation_labels
    return dataset


def _class_name(label):
    """A label as a class name, by one rule for every source: a whole number written with a decimal point (1.0, as
    pandas writes a column of numbers with a gap in it; "1.0" in a table) is that number, so 1.0 and 1 are one class."""
    if isinstance(label, (float, np.floating)) and float(label).is_integer():
        return str(int(label))
    name = str(label)
    return str(int(name.partition(".")[0])) if re.fullmatch(r"-?[0-9]+\.0*", name) else name


def gives_several_labels(label):
    """Whether a text's label is several: a list, a tuple (as scikit-learn's MultiLabelBinarizer gives them back), a
    set or a NumPy array of them."""
    return isinstance(label, (list, tuple, set, frozenset, np.ndarray))


def label_lists(labels, source):
    """Each text's labels as a list, once a text has several: a single label is a list of one. Rows of 0 and 1
    (one column a label), a text without labels and a list in a list are one line each: they would be read as
    labels named 0 and 1, train on nothing, or fail later."""
    lists = []
    for number, label in enumerate(labels, start=1):
        if not gives_several_labels(label):
            lists.append([label])
            continue
        lists.append(np.asarray(label, dtype=object).tolist() if isinstance(label, np.ndarray) else list(label))
        if not lists[-1]:
            raise UsageError(f"{source}: text {number:,} has no label; give it one or more, or remove it")
        if any(gives_several_labels(name) or isinstance(name, dict) for name in lists[-1]):
            raise UsageError(f"{source}: text {number:,}'s labels hold a list; give each text a flat list of names")
    widths = {len(names) for names in lists}
    if all(map(gives_several_labels, labels)) and len(widths) == 1 and widths != {1}:
        if {name for names in lists for name in names} <= {0, 1}:  # True and False too
            raise UsageError(
                f"{source}: each text's labels are a row of 0 and 1; give each text the list of its labels' names "
                "(scikit-learn's MultiLabelBinarizer.inverse_transform gives them)"
            )
    return lists


def class_names_of(labels, source):
    """Each label's class name (a list of them for a text of several labels); a note says which labels were made
    one class (1.0 and 1)."""
    if any(gives_several_labels(label) for label in labels):
        labels = label_lists(labels, source)
        flat = class_names_of([name for names in labels for name in names], source)
        starts = np.cumsum([0] + [len(names) for names in labels])
        return [list(dict.fromkeys(flat[start:end])) for start, end in zip(starts[:-1], starts[1:])]
    names = []
    known = {}
    spellings = collections.defaultdict(set)
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


def note_joined_labels(class_names, source):
    """One note when classes look like several labels joined ("2,5" beside the classes "2" and "5"): a table of
    several labels a text read without --label-separator trains a class for each combination."""
    known = set(class_names)
    for separator in (",", ";", "|", " "):
        joined = [
            name
            for name in class_names
            if len(parts := [part.strip() for part in name.split(separator)]) > 1 and set(parts) <= known
        ]
        if joined:
            print(
                f"note: {source}: classes such as {shell.listed(joined, 3)} look like several labels joined by "
                f"{separator!r}; if a text has several labels, give --label-separator {separator!r}",
                file=sys.stderr,
            )
            return


def encode_lists(train_texts, train_labels, test_texts, test_labels, tokenizer=text_encoding.split_into_words):
    """Texts and labels given as Python lists, encoded as a folder's; class names: the labels, sorted as folders.
    A label that is a list gives its text several labels (multi-label)."""
    text_encoding.check_tokenizer(tokenizer)
    if not (len(train_texts) == len(train_labels) and len(test_texts) == len(test_labels)):
        raise UsageError("each text needs one label: the lists of texts and labels differ in length")
    names = class_names_of([*train_labels, *test_labels], "your lists of labels")
    train_names = names[: len(train_labels)]
    test_names = names[len(train_labels) :]
    train_classes, test_classes = (
        {name for names in part for name in ([names] if isinstance(names, str) else names)}
        for part in (train_names, test_names)
    )
    if not any(map(gives_several_labels, [*train_labels, *test_labels])):  # before the error it explains
        note_joined_labels(sorted(train_classes | test_classes), "your lists of labels")
    unknown = sorted(test_classes - train_classes)
    if unknown:
        raise UsageError(f"the test labels [{shell.listed(unknown)}] are not among the training labels")
    note_classes_alike(sorted(train_classes), "your lists of labels")
    corpus = corpus_of(train_texts, train_names, test_texts, test_names)
    return encode_corpus(corpus, "your lists of texts", tokenizer)


@dataclasses.dataclass
class TableColumns:
    """Which columns of a table hold the text and the label (by name, or by number from 0 without a header).

    The scripts name them (their TEXT_COLUMN and LABEL_COLUMN, or the flags); these defaults serve a caller of
    load_own_texts that names none."""

    text: str = "text"
    label: str = "label"
    header: bool = True
    separator: str = None  # several labels a cell, separated by this (--label-separator)


def _table_corpus(path, columns, is_test):
    """A table's texts and labels, all of them for training (has_test False) or, with is_test, for testing."""
    table = tables.read_table(path, columns.text, columns.label, columns.header, label_separator=columns.separator)
    table.labels = class_names_of(table.labels, path)
    if columns.separator is not None and all(len(names) == 1 for names in table.labels) and not is_test:
        print(
            f"note: {path}: no label cell holds --label-separator {columns.separator!r}: each text has one label, "
            "read as several labels a text (F1 in place of accuracy); leave out --label-separator for one label a text",
            file=sys.stderr,
        )
    named = {name for names in table.labels for name in ([names] if isinstance(names, str) else names)}
    # Before any error about the classes that a forgotten separator makes; labels given as lists need none.
    if columns.separator is None and not is_test and not table.multi_label:
        note_joined_labels(sorted(named), path)
    classes = len(named)
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
    """What one path holds, read as far as its cache key needs: (the key, a function that returns its TextCorpus,
    the path)."""
    if not os.path.exists(path):
        raise UsageError(f"{flag} {path} does not exist; give {DATA_FORMS}")
    if os.path.isdir(path):  # a folder's key is its files' names and contents: they must be read to know it
        corpus, fingerprint = _named(flag, folders.read_corpus, path)
        return fingerprint, lambda: corpus, path
    try:
        kind = tables.kind_of(path)
        if kind:  # a table's key: its bytes, its kind (.gz too) and which columns are read; read again if not cached
            kind += ".gz" * path.lower().endswith(".gz")  # the same bytes named .csv and .csv.gz read differently
            asked = f"{kind}\0{columns.text}\0{columns.label}\0{columns.header}\0{columns.separator}\0"
            digest = cache.fingerprint(asked.encode())
            with open(path, "rb") as handle:  # in pieces: a table can be a few GB
                for piece in iter(lambda: handle.read(2**24), b""):
                    digest.update(piece)
            return digest.hexdigest()[:16], lambda: _named(flag, _table_corpus, path, columns, flag != "--data"), path
        # Read whole: a few dozen MB for IMDB, and a pipe (<(cat corpus.tgz)) can be read only once.
        raw = pathlib.Path(path).read_bytes()
    except OSError as error:
        raise UsageError(f"{flag} {path}: {shell.describe_os_error(error)}")
    archive = io.BytesIO(raw)
    return cache.fingerprint(raw).hexdigest()[:16], lambda: _named(flag, folders.read_corpus, path, archive)[0], path


def _with_test_data(corpus, test, path, test_path, label_names):
    """The training corpus with the test texts of --test-data."""
    if corpus.has_test:
        raise UsageError(f"--data {path} has a test/ folder of its own; leave out --test-data, or put its texts there")
    test_names = _held_out_names(corpus, test, test_path, "--test-data", label_names)
    return corpus_of(
        corpus.train_texts, names_of(corpus.train_labels, corpus.class_names), test.train_texts, test_names
    )


def _with_validation_data(corpus, validation, validation_path, label_names):
    """The corpus with the validation texts of --validation-data, labelled by the training classes."""
    names = _held_out_names(corpus, validation, validation_path, "--validation-data", label_names)
    index = {name: number for number, name in enumerate(corpus.class_names)}
    if corpus.train_labels.ndim == 2:
        corpus.validation_labels = label_rows([[*name] if isinstance(name, list) else [name] for name in names], index)
    else:
        corpus.validation_labels = np.array([index[name] for name in names], np.int32)
    corpus.validation_texts = validation.train_texts
    return corpus


def _held_out_names(corpus, other, other_path, flag, label_names):
    """The label names of the texts of --test-data or --validation-data, checked against the training data's (a
    mistake shows ids with the names of --label-names)."""
    if other.has_test:
        raise UsageError(f"{flag} {other_path} has train/ and test/ folders; give a table or <class>/ folders")
    names = names_of(other.train_labels, other.class_names)
    if other.train_labels.ndim == 2 and corpus.train_labels.ndim == 1:
        raise UsageError(f"{flag} {other_path} has several labels a text, the training data one; give it one a text")
    if corpus.train_labels.ndim == 2 and other.train_labels.ndim == 1:  # one label a text is a list of one
        names = [[name] for name in names]
    if corpus.train_labels.ndim == 2:
        unknown = sorted(set(other.class_names) - set(corpus.class_names), key=class_order)
        if unknown:  # a label no training text has could never be predicted
            raise UsageError(
                f"{flag} {other_path} has the labels [{shell.listed(with_names(unknown, label_names))}], "
                "which no training text has; "
                "give training texts of them, or leave them out"
            )
        return names
    # A class the test texts lack would be judged on nothing; one the validation texts lack still trains.
    lacking = flag == "--test-data" and other.class_names != corpus.class_names
    if lacking or not set(other.class_names) <= set(corpus.class_names):
        raise UsageError(
            f"{flag} {other_path} has the classes [{shell.listed(with_names(other.class_names, label_names))}], "
            f"the training data [{shell.listed(with_names(corpus.class_names, label_names))}]; "
            "give both texts of every class"
        )
    return names


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


def load_own_texts(
    path,
    columns=None,
    test_path=None,
    test_split=None,
    tokenizer=text_encoding.split_into_words,
    validation_path=None,
    label_names_path=None,
):
    """The encoded corpus at path (its test set at test_path, its validation set at validation_path), from the cache
    when what is read and the tokenizer are unchanged; its labels, if ids, named by the file label_names_path.

    Without a test split of its own or test_path, `test_split` (default 0.2) of each class is set aside.
    """
    text_encoding.check_tokenizer(tokenizer)
    if columns is not None and not any(tables.kind_of(given or "") for given in (path, test_path, validation_path)):
        raise UsageError(f"--text-column, --label-column and --no-header are for a table; {path} is not one")
    columns = columns or TableColumns()
    # The names file read first, and the labels checked against it before the encoding.
    # Without --label-names both stay None. With it, label_names holds the file's names, for the error messages,
    # and name_ids turns the class ids into those names.
    label_names = name_ids = None
    if label_names_path:
        label_names = read_label_names(label_names_path)
        name_ids = functools.partial(
            names_of_ids, names=label_names, names_path=label_names_path, separator=columns.separator
        )
    fraction = 0.2 if test_split is None else test_split
    print(f"Reading {' and '.join(given for given in (path, test_path, validation_path) if given)} ...", flush=True)
    sources = [_source(path, columns, "--data")] + ([_source(test_path, columns, "--test-data")] if test_path else [])
    validation = _source(validation_path, columns, "--validation-data") if validation_path else None
    key = "-".join(fingerprint for fingerprint, _, _ in sources) + ("" if test_path else f"-split{fraction}")
    key += "-" + text_encoding.tokenizer_key(tokenizer) + (f"-validation{validation[0]}" if validation else "")
    cache_path = os.path.join(cache.cache_dir(), f"text-folders-{hashlib.sha256(key.encode()).hexdigest()[:16]}.npz")
    dataset = None
    if os.path.exists(cache_path):
        try:
            dataset = cache.load(cache_path, os.path.abspath(path), tokenizer)
        except Exception:  # truncated, bit-flipped, foreign or inconsistent: numpy and zipfile raise many kinds
            print(f"warning: the cached copy {cache_path} could not be read; rebuilding it", file=sys.stderr)
    from_cache = dataset is not None
    if dataset is None:
        dataset = _read_and_encode(path, sources, validation, test_split, fraction, tokenizer, label_names, name_ids)
        try:
            os.makedirs(cache.cache_dir(), exist_ok=True)
            cache.save(cache_path, dataset)
        except OSError as error:
            print(f"warning: could not cache the encoded data in {cache.cache_dir()} ({error})", file=sys.stderr)
    if test_split is not None and dataset.test_source is None:
        raise UsageError(f"--data {path} {OWN_SPLIT_KEPT}")
    if from_cache and columns.separator is None and tables.kind_of(path) and not dataset.multi_label:
        note_joined_labels(dataset.class_names, path)  # as _table_corpus notes it when it reads the table
    if name_ids:
        dataset.class_names = name_ids(dataset.class_names)
    note_classes_alike(dataset.class_names, path)
    return dataset


def _read_and_encode(path, sources, validation, test_split, fraction, tokenizer, label_names, name_ids):
    """What load_own_texts does when the cache does not hold it: read each source, set the test set, encode."""
    corpus = sources[0][1]()
    test_source = None
    if test_split is not None and corpus.has_test:  # refused before the encoding; after it, from the cache
        raise UsageError(f"--data {path} {OWN_SPLIT_KEPT}")
    if len(sources) > 1:
        corpus = _with_test_data(corpus, sources[1][1](), path, sources[1][2], label_names)
        test_source = "the texts of --test-data"
    elif not corpus.has_test:
        corpus = split_off_test(corpus, fraction, path)
        test_source = f"{100 * fraction:g} % of each class (--test-split {fraction:g})"  # for every seed
    if validation:
        corpus = _with_validation_data(corpus, validation[1](), validation[2], label_names)
    if name_ids:  # called here only for the one-line error a mistake in --label-names gets, before the wait
        name_ids(corpus.class_names, quiet=True)
    print("Encoding the texts (cached for next time) ...", flush=True)
    dataset = encode_corpus(corpus, os.path.abspath(path), tokenizer)
    dataset.test_source = test_source
    return dataset


def read_label_names(names_path):
    """The names of a --label-names file, one a line: the first line names id 0. Read as the tables are (UTF-8, or
    UTF-16 after its byte-order mark); blank lines at its end are left out, and every other mistake is one line."""
    flag = f"--label-names {names_path}"
    try:
        with open(names_path, "rb") as handle:
            raw = handle.read()
    except OSError as error:
        raise UsageError(f"--label-names: {shell.describe_os_error(error)}")
    what = "only a name on each line, the first naming id 0"
    if tables.is_spreadsheet(names_path, raw):
        raise UsageError(f"{flag} is a spreadsheet; save it as plain text (.txt), {what}")
    tables.check_is_text(flag, raw, f"a text file, {what}")
    encoding = tables.encoding_of(raw)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        name = "UTF-16" if encoding == "utf-16" else "UTF-8"
        raise UsageError(f"{flag} is not {name} text; save it as UTF-8, {what}")
    # Lines end at a newline (Windows' and old Macs' too) only: str.splitlines would also split at \x0c or U+2028.
    names = [line.strip() for line in re.split(r"\r\n?|\n", text)]
    while names and not names[-1]:
        names.pop()
    if not names or "" in names:
        where = f"line {names.index('') + 1} is blank" if names else "it holds no name"
        raise UsageError(f"{flag}: {where}; give {what}")
    if names[0].startswith(("{", "[")):  # Hugging Face's id2label, or a JSON list
        raise UsageError(f"{flag} looks like JSON; give {what}")
    # "0<tab>joy", "0,joy" or a header "id,name": an id before each name (a tab would also break predict.py's lines).
    with_ids = [number for number, name in enumerate(names, start=1) if "\t" in name]
    with_ids += [1] * bool(re.match(r"(\d+|id)\s*[,;:=]", names[0], re.IGNORECASE))
    if with_ids:
        raise UsageError(f"{flag}, line {min(with_ids)}: {names[min(with_ids) - 1]!r} is not a name alone; give {what}")
    return names


def with_names(labels, names):
    """The labels as an error message shows them: an id that `names` (the --label-names lines, or None) names is
    followed by its name ('3 surprise'); any other label is shown as it is."""
    name_of = {str(number): name for number, name in enumerate(names or ())}
    return [f"{label} {name_of[label]}" if label in name_of else label for label in labels]


def names_of_ids(class_names, names, names_path, quiet=False, separator=None):
    """The class names of a table that labels by ids (0, 1, 2, ...) as `names` name them (the first names id 0, as
    GoEmotions' labels.txt does): one line for an id it lacks, one written two ways, a name given twice or one that
    holds the table's --label-separator; unless quiet, a note for names no text carries (ids counted from 1 show)."""
    ids = [name for name in class_names if name.isascii() and name.isdigit()]
    from_one = " (ids count from 0: the first line names id 0)" if ids and min(map(int, ids)) > 0 else ""
    unknown = [name for name in class_names if name not in ids or int(name) >= len(names)]
    if unknown:
        raise UsageError(
            f"--label-names {names_path} names the ids 0 to {len(names) - 1}, but not the labels "
            f"[{shell.listed(unknown)}]{from_one}; give labels as the ids its lines name, or leave out --label-names"
        )
    written = collections.defaultdict(list)  # each id's spellings: 1, 01
    for name in ids:
        written[int(name)].append(name)
    twice = [spellings for spellings in written.values() if len(spellings) > 1]
    if twice:
        raise UsageError(
            f"the labels [{shell.listed(twice[0])}] are one id written {len(twice[0])} ways, which --label-names "
            f"{names_path} names alike; write each id one way"
        )
    given = [names[int(name)] for name in class_names]
    twice = sorted({name for name in given if given.count(name) > 1})
    if twice:
        raise UsageError(f"--label-names {names_path} names two ids [{shell.listed(twice)}]; give each id its own name")
    if separator:  # the predicted labels are joined by it
        multi_label.joiner(separator, given)
    unused = with_names([str(number) for number in sorted(set(range(len(names))) - set(written))], names)
    if unused and not quiet:
        print(f"note: --label-names {names_path} names {len(names)} ids, and no text carries "
              f"{'these' if len(unused) > 1 else 'this one'}: {shell.listed(unused)}{from_one}",
              file=sys.stderr)  # fmt: skip
    return given
