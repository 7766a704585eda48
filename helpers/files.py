"""Outputs written whole or not at all, with the user's umask, and output folders checked before any work.

A file or folder is written under a temporary name beside its final one and
renamed into place only once it is complete, so that an error or a stop
signal leaves every final path as it was; where the file system has no hard
links, a new name is claimed by an exclusive create.
"""

import contextlib
import os
import shutil
import tempfile

from helpers import shell


def check_output_folder(flag, path):
    """Refuse, before any work, a folder that an output could not be written into (it may not exist yet)."""
    path = os.path.normpath(path)  # 'afile/' is the file 'afile'
    if os.path.islink(path) and not os.path.exists(path):
        raise shell.UsageError(f"{flag} {path} is a link to nothing; remove the link or give another folder")
    if os.path.exists(path) and not os.path.isdir(path):
        raise shell.UsageError(f"{flag} {path} is a file; give a folder (it is created)")
    parent = os.path.dirname(os.path.abspath(path))
    if os.path.exists(parent) and not os.path.isdir(parent):
        raise shell.UsageError(f"{flag} {path}: {parent} is a file, not a folder; give another path")
    if not os.path.isdir(parent):
        raise shell.UsageError(f"{flag} {path}: the folder {parent} does not exist; create it first")
    folder = path if os.path.isdir(path) else parent
    if not os.access(folder, os.W_OK | os.X_OK):
        raise shell.UsageError(f"{flag} {path}: cannot write in {folder}; choose a folder you may write to")


def _link_or_claim(temporary, final_path):
    """Put a file in place unless the name is taken: os.link fails, unlike a rename, if it is. Where the file system
    has no hard links (FAT, exFAT, some network shares), the name is claimed by an exclusive create instead."""
    try:
        os.link(temporary, final_path)
    except FileExistsError:
        raise
    except OSError:
        os.close(os.open(final_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))  # FileExistsError if taken meanwhile
        try:
            os.replace(temporary, final_path)
        except BaseException:  # the empty file claimed above must not stay to be taken for an output
            with contextlib.suppress(OSError):
                if os.path.getsize(final_path) == 0:
                    os.remove(final_path)
            raise


def _replace_folder(temporary, final_path):
    """Put a folder in place of another: the old one is moved aside, the new one renamed in, the old one removed."""
    if not os.path.lexists(final_path):
        os.rename(temporary, final_path)
        return
    folder, name = os.path.split(final_path)
    replaced = tempfile.mkdtemp(dir=folder, prefix=".replaced-", suffix="-" + name)
    os.rename(final_path, os.path.join(replaced, name))
    try:
        os.rename(temporary, final_path)
    except BaseException:
        os.rename(os.path.join(replaced, name), final_path)  # the old folder back where it was
        os.rmdir(replaced)
        raise
    shutil.rmtree(replaced, ignore_errors=True)


def _follow_umask(folder, umask):
    """What a library wrote into a folder gets the user's umask too (TensorFlow makes its folders 755)."""
    for place, folders, files in os.walk(folder):
        for name in folders:
            os.chmod(os.path.join(place, name), 0o777 & ~umask)
        for name in files:
            os.chmod(os.path.join(place, name), 0o666 & ~umask)


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


@contextlib.contextmanager
def written_whole(*final_paths, replace=True, folders=()):
    """Temporary names beside each final path, all renamed into place only if the block finishes: an error or a
    stop signal leaves every final path as it was. replace=False: a path taken by then raises FileExistsError.
    A final path among `folders` gets an empty temporary folder, which replaces the old folder whole."""
    temporaries = []
    umask = os.umask(0)
    os.umask(umask)
    try:
        for final_path in final_paths:
            folder, name = os.path.split(os.path.abspath(final_path))
            if final_path in folders:
                temporaries.append(tempfile.mkdtemp(dir=folder, prefix=".partial-", suffix="-" + name))
                continue
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".partial-", suffix="-" + name, delete=False) as file:
                temporaries.append(file.name)
        yield temporaries
        shell.stop_if_interrupted()
        with shell.signals_held():  # the renames are not interrupted
            _put_in_place(temporaries, final_paths, replace, folders, umask)
    finally:
        for temporary in temporaries:
            _remove(temporary)
    shell.stop_if_interrupted()


def _put_in_place(temporaries, final_paths, replace, folders, umask):
    """Each temporary renamed to its final path, with the user's umask."""
    for temporary, final_path in zip(temporaries, final_paths):
        os.chmod(temporary, (0o777 if final_path in folders else 0o666) & ~umask)  # tempfile makes them private
        if final_path in folders:
            _follow_umask(temporary, umask)
        try:
            if final_path in folders:
                _replace_folder(temporary, os.path.abspath(final_path))
            else:
                (os.replace if replace else _link_or_claim)(temporary, final_path)
        except OSError as error:  # named by the user's path, not the temporary one
            raise type(error)(error.errno, error.strerror, final_path) from None
