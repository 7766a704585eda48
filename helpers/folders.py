"""Texts in folders, one folder a class, as a folder on disk or a .tar.gz of one.

A folder is laid out like the Stanford download, `train/<class>/` and
`test/<class>/`, or holds the `<class>/` folders alone, and every file of a
class folder is a text, whatever its name ends with (Keras'
`text_dataset_from_directory` reads names ending in .txt only); hidden names
are left out and counted. Classes and files are read in sorted order,
whatever the file system's, and bytes that are not UTF-8 are replaced, never
fatal.
"""

import collections
import hashlib
import io
import os
import pathlib
import sys
import tarfile
import unicodedata
import zipfile

import numpy as np

from helpers import cache, shell, tables
from helpers.corpus import TextCorpus, class_order
from helpers.shell import UsageError

LAYOUT = "train/<class>/<one file per text> and test/<class>/..., or <class>/ folders alone"
DATA_FORMS = f"a folder with {LAYOUT}, a .tar.gz of one, or a table: {tables.SUFFIXES_NAMED}"
UNLABELLED_FOLDER = "unsup"  # the Stanford download's 50,000 unlabelled reviews, in train/ only


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
    has_test = _has_test_split(entries)
    entries = entries if has_test else [("train/" + name, is_file) for name, is_file in entries]
    files, classes, roots, notes = _files_of_each_class(entries)
    if len(roots) > 1:
        places = ", ".join(root or "the top level" for root in sorted(roots))
        raise UsageError(f"{path} holds more than one train/test layout (in {places}); point --data at one of them")
    if UNLABELLED_FOLDER in classes["train"] - classes["test"]:
        classes["train"].discard(UNLABELLED_FOLDER)
        notes.append(f"left out train/{UNLABELLED_FOLDER}: it has no test/{UNLABELLED_FOLDER} (unlabelled texts)")
    _check_classes(path, files, classes, has_test)
    files = {key: sorted(set(names)) for key, names in files.items()}
    return files, sorted(classes["train"], key=class_order), notes, has_test


def _has_test_split(entries):
    """Whether the entries hold train/ and test/ side by side (a class folder's own test/ subfolder is part of the
    class), or nothing else at the top."""
    splits_below = collections.defaultdict(set)
    top_folders = set()
    for name, is_file in entries:
        parts = name.split("/")
        top_folders.update(parts[:1] if len(parts) > 1 or is_file is False else [])
        split_at = next((index for index, part in enumerate(parts[:-1]) if part in ("train", "test")), None)
        if split_at is not None:
            splits_below["/".join(parts[:split_at])].add(parts[split_at])
    has_test = any(len(splits) == 2 for splits in splits_below.values())
    return has_test or bool(splits_below) and top_folders <= {"train", "test"}


def _files_of_each_class(entries):
    """The files of each (split, class), the classes of each split, the folders above train/ and test/, and notes on
    what was left out: hidden names, links and special files, files beside the class folders."""
    files = collections.defaultdict(list)
    classes = {"train": set(), "test": set()}
    roots = set()
    left_out = collections.Counter()
    for name, is_file in entries:
        parts = name.split("/")
        split_at = next((index for index, part in enumerate(parts) if part in ("train", "test")), None)
        if split_at is None or len(parts) < split_at + 2:
            continue
        hidden_at = [index for index, part in enumerate(parts) if _is_hidden(part)]
        if hidden_at:
            left_out["hidden"] += hidden_at[0] == len(parts) - 1  # the hidden entry, not what a hidden folder holds
            continue
        roots.add("/".join(parts[:split_at]))
        if is_file is not False and len(parts) == split_at + 2:
            left_out["loose"] += 1  # beside the class folders, as the Stanford download's labeledBow.feat
            continue
        split = parts[split_at]
        label = _shown(parts[split_at + 1])
        classes[split].add(label)
        if is_file is None:
            left_out["links"] += 1  # in an archive: a link or device, no text of its own
        elif is_file and len(parts) > split_at + 2:
            files[split, label].append(name)
    said = {
        "hidden": "hidden files or folders (names starting with '.', as macOS' ._ copies)",
        "links": "links or special files in the archive",
        "loose": "files beside the class folders of train/ and test/",
    }
    notes = [f"left out {left_out[kind]} {what}" for kind, what in said.items() if left_out[kind]]
    return files, classes, roots, notes


def _check_classes(path, files, classes, has_test):
    """One line for a layout no classifier can learn from: no class folders, classes that differ between train/ and
    test/, an empty class folder, a single class."""
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


def _check_archive_end(archive):
    """A plain .tar cut short at a member's end reads without error: look for its end-of-archive blocks."""
    archive.fileobj.seek(archive.offset)
    end = archive.fileobj.read(tarfile.BLOCKSIZE)  # tar writes two zero blocks; one is enough to know
    if len(end) < tarfile.BLOCKSIZE or end.strip(b"\0"):
        raise EOFError("no end-of-archive marker")


def read_corpus(path, archive=None):
    """The texts of a folder or .tar.gz (its bytes: archive), their labels, and a fingerprint of what was read.

    Classes and files in sorted order, whatever the file system's; a UTF-8 byte-order mark
    dropped; bytes that are not UTF-8 replaced (and the files named), never fatal.
    """
    try:
        if os.path.isdir(path):
            layout, contents, digest = _read_folder(path)
        else:
            archive = archive or io.BytesIO(pathlib.Path(path).read_bytes())
            layout, contents, digest = _read_archive(path, archive)
    except (tarfile.TarError, EOFError, zipfile.BadZipFile, OSError) as error:
        raise _unreadable(path, archive, error)
    files, class_names, notes, has_test = layout
    undecodable = []
    texts = {"train": [], "test": []}
    labels = {"train": [], "test": []}
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
        more = ", ..." * (len(undecodable) > 3)
        some = ", ".join(undecodable[:3])
        notes.append(f"{len(undecodable)} files are not valid UTF-8 ({some}{more}); what is not was replaced")
    for note in notes:
        print(f"note: {path}: {note}", file=sys.stderr)
    train_labels, test_labels = (np.array(labels[split], np.int32) for split in ("train", "test"))
    corpus = TextCorpus(texts["train"], train_labels, texts["test"], test_labels, class_names, has_test)
    return corpus, digest.hexdigest()[:16]


def _read_folder(path):
    """A folder's layout (_find_layout), the bytes of each text file by its name, and their fingerprint."""
    files, class_names, notes, has_test = _find_layout(path, _folder_entries(path))
    digest = cache.fingerprint()
    contents = {}
    for name in sorted(name for names in files.values() for name in names):
        with open(os.path.join(path, name if has_test else name.removeprefix("train/")), "rb") as handle:
            contents[name] = handle.read()
        digest.update(os.fsencode(name) + b"\0" + hashlib.sha256(contents[name]).digest())
    return (files, class_names, notes, has_test), contents, digest


def _read_archive(path, archive):
    """A .tar(.gz)'s layout (_find_layout), the bytes of each text file by its name, and their fingerprint."""
    digest = cache.fingerprint(archive.getvalue())
    with tarfile.open(fileobj=archive, mode="r:*") as tar:
        members = {member: member.name.removeprefix("./") for member in tar.getmembers()}
        _check_archive_end(tar)
        kinds = [
            (name, member.isfile() if member.isreg() or member.isdir() else None) for member, name in members.items()
        ]
        files, class_names, notes, has_test = _find_layout(path, kinds)
        wanted = {name for names in files.values() for name in names}
        members = {member: name if has_test else "train/" + name for member, name in members.items()}
        # A name twice in a .tar is read as tar itself would extract it: its last copy.
        contents = {name: tar.extractfile(member).read() for member, name in members.items() if name in wanted}
    return (files, class_names, notes, has_test), contents, digest


def _unreadable(path, archive, error):
    """The one line for a folder or archive that cannot be read: what it is, or seems to be, and what to give."""
    if isinstance(error, OSError) and not isinstance(error, tarfile.TarError) and error.filename:
        return UsageError(f"{path}: {shell.describe_os_error(error)}")
    if isinstance(error, EOFError) or "unexpected end" in str(error):
        return UsageError(f"{path} is cut short (its end is missing); copy or download it again")
    if isinstance(archive, io.BytesIO) and tables.is_spreadsheet(path, archive.getvalue()):
        tables.check_is_text(path, archive.getvalue(), "a table")  # says it is a spreadsheet, and to save a CSV
    is_zip = isinstance(archive, io.BytesIO) and zipfile.is_zipfile(archive)
    kind = "a .zip (unpack it first, or give a .tar.gz)" if is_zip else "not a readable .tar.gz, .tar or table"
    kind = "JSON (one object a line is JSONL: name it .jsonl)" if path.lower().endswith(".json") else kind
    return UsageError(f"{path} is {kind}; give {DATA_FORMS}")
