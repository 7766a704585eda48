"""Texts in folders and archives: the layout, hidden and stray files, file names and encodings, archives cut short."""

import codecs
import os
import tarfile
import threading
import unicodedata
import zipfile

import numpy as np
import pytest

import lstm_simple
from conftest import one_error_line, run_in_process, write_corpus, write_files
from helpers import folders, shell, texts


def test_a_class_named_unsup_is_a_class_and_only_a_training_only_one_is_left_out(tmp_path, capsys):
    both = write_files(tmp_path / "both", {f"{s}/{c}/1.txt": "x" for s in ("train", "test") for c in ("a", "unsup")})
    assert folders.read_corpus(both)[0].class_names == ["a", "unsup"]
    stanford = write_files(
        tmp_path / "stanford",
        {**{f"{s}/{c}/1.txt": "x" for s in ("train", "test") for c in ("neg", "pos")}, "train/unsup/1.txt": "x"},
    )
    assert folders.read_corpus(stanford)[0].class_names == ["neg", "pos"]
    assert "left out train/unsup" in capsys.readouterr().err


def test_hidden_files_are_not_read_as_texts_and_are_counted(tmp_path, capsys):
    layout = {f"{s}/{c}/1.txt": "word" for s in ("train", "test") for c in ("a", "b")}
    layout["train/a/._1.txt"] = b"\x00\x05\x16\x07Mac OS X junk\xff"
    layout["train/b/.hidden.txt"] = "hidden"
    corpus = folders.read_corpus(write_files(tmp_path / "data", layout))[0]
    error = capsys.readouterr().err
    assert len(corpus.train_texts) == 2 and "not valid UTF-8" not in error
    assert "left out 2 hidden files or folders" in error


def test_linked_class_folders_and_texts_in_subfolders_are_read(tmp_path):
    layout = {f"{s}/a/1.txt": "word" for s in ("train", "test")}
    layout.update({"test/b/1.txt": "word", "train/b/2019/1.txt": "nested", "train/b/2019/q1/2.txt": "deeper"})
    layout.update({"elsewhere/1.txt": "linked", "elsewhere/2.txt": "linked"})
    root = tmp_path / "data"
    write_files(root, layout)
    os.symlink(root / "elsewhere", root / "train" / "c")
    os.symlink(root / "elsewhere", root / "test" / "c")
    corpus = folders.read_corpus(str(root))[0]
    assert corpus.class_names == ["a", "b", "c"]
    assert np.bincount(corpus.train_labels).tolist() == [1, 2, 2]


def test_a_tar_cut_at_a_member_boundary_is_refused_and_a_repeated_member_counts_once(small_corpus, tmp_path):
    whole = tmp_path / "whole.tar"
    with tarfile.open(whole, "w") as archive:
        archive.add(small_corpus, arcname="data")
    with tarfile.open(whole) as archive:
        last = archive.getmembers()[-1]
    cut = tmp_path / "cut.tar"
    cut.write_bytes(whole.read_bytes()[: last.offset])  # ends right before the last member's header
    with pytest.raises(shell.UsageError, match="cut short"):
        folders.read_corpus(str(cut))[0]

    twice = tmp_path / "twice.tar"
    with tarfile.open(twice, "w") as archive:
        archive.add(small_corpus, arcname="data")
        archive.add(os.path.join(small_corpus, "train", "pos", "0_pos.txt"), arcname="data/train/pos/0_pos.txt")
    assert len(folders.read_corpus(str(twice))[0].train_texts) == 60


def test_every_file_of_a_class_folder_is_a_text_whatever_its_name_ends_with(tmp_path):
    names = ["1.txt", "2.TXT", "3.text", "4", "5.md"]
    files = {
        f"{split}/{label}/{name}": f"{label} text {name}"
        for split in ("train", "test")
        for label in "ab"
        for name in names
    }
    corpus, _ = folders.read_corpus(write_files(tmp_path / "data", files))
    assert len(corpus.train_texts) == len(corpus.test_texts) == 10


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_word(tmp_path):
    bom = codecs.BOM_UTF8
    files = {
        f"{split}/{label}/1.txt": bom + f"Hello {label} world".encode() for split in ("train", "test") for label in "ab"
    }
    dataset = texts.load_own_texts(write_files(tmp_path / "data", files))
    assert "hello" in dataset.vocabulary and not [word for word in dataset.vocabulary if "\ufeff" in word]


def test_names_that_are_not_utf8_or_differ_only_in_unicode_form_are_read(tmp_path):
    root = tmp_path / "data"
    composed, decomposed = unicodedata.normalize("NFC", "café"), unicodedata.normalize("NFD", "café")
    files = {f"train/{composed}/1.txt": "nice cup", f"test/{decomposed}/1.txt": "nice cup"}
    files |= {"train/other/1.txt": "bad day", "test/other/1.txt": "bad day"}
    write_files(root, files)
    undecodable = os.path.join(os.fsencode(root), b"train", b"dlat\xe9")  # Latin-1 bytes, as an old zip leaves them
    os.makedirs(undecodable)
    with open(os.path.join(undecodable, b"1.txt"), "w") as handle:
        handle.write("sweet")
    os.makedirs(os.path.join(os.fsencode(root), b"test", b"dlat\xe9"))
    with open(os.path.join(os.fsencode(root), b"test", b"dlat\xe9", b"1.txt"), "w") as handle:
        handle.write("sweet")
    dataset = texts.load_own_texts(str(root))
    assert dataset.class_names == [composed, "dlat\ufffd", "other"]


def test_hidden_entries_are_never_read_not_even_a_dangling_link_or_an_unreadable_folder(tmp_path, capsys):
    root = write_corpus(tmp_path / "data", reviews_per_class=5)
    os.symlink(os.path.join(root, "nowhere"), os.path.join(root, "train", "pos", ".#3.txt"))  # an Emacs lock
    private = os.path.join(root, "train", "neg", ".private")
    os.makedirs(private)
    os.chmod(private, 0)
    try:
        corpus, _ = folders.read_corpus(root)
    finally:
        os.chmod(private, 0o755)
    assert len(corpus.train_texts) == 10
    assert "left out 2 hidden files or folders" in capsys.readouterr().err  # the link and the folder


def test_the_stanford_downloads_files_beside_the_class_folders_are_left_out_and_counted(tmp_path, capsys):
    root = write_corpus(tmp_path / "aclImdb", reviews_per_class=5)
    beside = ["labeledBow.feat", "urls_neg.txt", "urls_pos.txt"]  # as in aclImdb_v1.tar.gz
    write_files(root, {f"{split}/{name}": "0 1:2" for split in ("train", "test") for name in beside})
    write_files(root, {"train/unsupBow.feat": "0 1:2", "train/urls_unsup.txt": "http://", "imdb.vocab": "the"})
    corpus, _ = folders.read_corpus(root)
    assert corpus.class_names == ["neg", "pos"] and len(corpus.train_texts) == 10
    assert "left out 8 files beside the class folders of train/ and test/" in capsys.readouterr().err


def test_the_layout_is_decided_at_the_top_a_folder_named_test_inside_a_class_is_part_of_it(tmp_path):
    root = write_corpus(tmp_path / "data", reviews_per_class=5)
    write_files(root, {"train/pos/test/old/1.txt": "wonderful old text"})
    corpus, _ = folders.read_corpus(root)
    assert len(corpus.train_texts) == 11 and "wonderful old text" in corpus.train_texts


def test_an_archive_through_a_pipe_is_read(tmp_path):
    archive = tmp_path / "corpus.tar.gz"
    with tarfile.open(archive, "w:gz") as handle:
        handle.add(write_corpus(tmp_path / "data", reviews_per_class=5), arcname="data")
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    writer = threading.Thread(target=lambda: pipe.write_bytes(archive.read_bytes()))
    writer.start()
    dataset = texts.load_own_texts(str(pipe))
    writer.join()
    assert len(dataset.train_labels) == len(dataset.test_labels) == 10


@pytest.mark.parametrize("kind", ["zip", "plain file"])
def test_a_data_dir_that_is_no_archive_is_one_line(tmp_path, kind, capsys):
    path = tmp_path / ("data.zip" if kind == "zip" else "data.txt")
    if kind == "zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("train/a/1.txt", "x")
    else:
        path.write_text("just text")
    completed = run_in_process(capsys, lstm_simple.main, "--data-dir", str(path))
    assert completed.returncode == 2
    line = one_error_line(completed)
    assert ("unpack it first" in line) == (kind == "zip") and "give a folder" in line


def test_two_layouts_in_one_folder_are_named_readably(tmp_path):
    layout = {
        f"{root}{split}/{label}/1.txt": "x" for root in ("", "copy/") for split in ("train", "test") for label in "ab"
    }
    write_files(tmp_path / "data", layout)
    with pytest.raises(shell.UsageError, match=r"\(in the top level, copy\)"):
        folders.read_corpus(str(tmp_path / "data"))[0]
