"""Tables of texts as people bring them: CSV, TSV and JSONL (each also gzipped), a text and a label a row.

A header row names the columns (without one, they are numbered from 0). CSV
is read as Python's csv module reads it (quoted fields with commas and line
breaks, any field size), TSV is split on tabs, JSONL is one object a line. A
row that cannot be read, or has an empty text or no label, stops the reading
with the file and its line and row named: nothing is trained on half a table.
"""

import ast
import codecs
import csv
import dataclasses
import gzip
import io
import json
import pathlib
import re
import sys
import zlib

from helpers import shell
from helpers.shell import UsageError

SUFFIXES = (".csv", ".tsv", ".jsonl")
SUFFIXES_NAMED = ".csv, .tsv or .jsonl (each also .gz)"
# A TSV as the SMS Spam Collection's: split on tabs only, quotes are text (read and written alike).
TSV_FORMAT = {"delimiter": "\t", "quoting": csv.QUOTE_NONE, "quotechar": None}
ANY_FIELD_SIZE = 2**31 - 1  # csv refuses fields over 128 KB by default


def kind_of(path):
    """'.csv', '.tsv' or '.jsonl' for a table's path (also gzipped), else None."""
    name = path.lower().removesuffix(".gz")
    return next((suffix for suffix in SUFFIXES if name.endswith(suffix)), None)


@dataclasses.dataclass
class Table:
    """A table's column names (None without a header), its rows as read, and the chosen columns' values."""

    columns: list
    rows: list  # lists of fields (CSV, TSV) or dicts (JSONL), in the file's order
    texts: list
    labels: list  # class names as text (a list of them a row, multi_label); None when no label column was asked for
    header: bool = True  # False: the file had none, and columns are numbered from 0
    multi_label: bool = False  # several labels a row: a label separator was given, or a JSONL label was a list


def _lines(text):
    """A text's lines, each with its newline: csv joins a quoted field's lines back (str.splitlines would also
    split at a form feed or U+2028 inside a field)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start) + 1 or len(text)
        yield text[start:end]
        start = end


def _object_of(pairs):
    """A JSON object's keys and values as a dict; a key given twice is refused: json would keep its last value."""
    found = dict(pairs)
    if len(found) < len(pairs):
        twice = next(key for number, (key, _) in enumerate(pairs) if key in dict(pairs[:number]))
        raise ValueError(f"the key {twice!r} is given twice: JSON keeps only its last value")
    return found


def _is_json_object(line):
    try:  # re.match, not line.lstrip(): a file without \n is one line, and could be copied whole
        return re.match(r"\s*\{", line) is not None and isinstance(json.loads(line), dict)
    except ValueError:
        return False


def _records(text, kind):
    """(line where the record starts, its fields or object) for each record; blank lines skipped."""
    if kind == ".jsonl":
        for number, line in enumerate(_lines(text), start=1):
            if line.strip():
                try:
                    yield number, json.loads(line, object_pairs_hook=_object_of)
                except ValueError as error:
                    yield number, error
        return
    # A CSV's lines end as Python's csv module ends them in a file opened with newline="": at \r\n, \n or \r alone.
    lines = io.StringIO(text, newline="") if kind == ".csv" else _lines(text)
    reader = csv.reader(lines, strict=True, **(TSV_FORMAT if kind == ".tsv" else {}))
    line = 1
    # The limit is the process' own: set while this table is read, then put back as it was.
    process_limit = csv.field_size_limit(ANY_FIELD_SIZE)
    try:
        for fields in reader:
            if fields:  # a blank line is no row; a row of empty fields (Excel's ",,") is, and is counted
                yield line, fields
            line = reader.line_num + 1
    except csv.Error as error:
        yield line, error
    finally:
        csv.field_size_limit(process_limit)


def read_bytes(path, what):
    """A file's bytes, gunzipped when its name ends .gz; if it cannot be read, one line saying to give `what`."""
    try:
        raw = pathlib.Path(path).read_bytes()
        return gzip.decompress(raw) if path.lower().endswith(".gz") else raw
    except (OSError, EOFError, zlib.error) as error:
        reason = shell.describe_os_error(error) if getattr(error, "filename", None) else "not a readable gzip file"
        raise UsageError(f"{path}: {reason}; give {what}")


def encoding_of(raw):
    """UTF-16 after its byte-order mark (PowerShell's >, Excel's "Unicode Text"), else UTF-8, a mark skipped (-sig)."""
    return "utf-16" if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"


def is_spreadsheet(path, raw):
    """An Excel or LibreOffice file (a zip of XML, or Excel 97's compound file), which no text reader can read."""
    zipped_sheets = raw.startswith(b"PK\x03\x04") and (b"xl/" in raw or b"opendocument.spreadsheet" in raw[:100])
    return zipped_sheets or raw.startswith(b"\xd0\xcf\x11\xe0") or path.lower().endswith((".xlsx", ".xls", ".ods"))


def check_is_text(path, raw, what):
    """One line, before any decoding, for bytes that are no text: a spreadsheet, UTF-16 without the byte-order
    mark that says so, or anything else that holds NUL bytes (a picture, a program); `what` is what to give."""
    if is_spreadsheet(path, raw):
        raise UsageError(
            f"{path} is a spreadsheet, not text; save it as CSV (Excel: Save As, 'CSV UTF-8') and give that"
        )
    if encoding_of(raw) == "utf-16" or b"\0" not in raw:
        return
    # In UTF-16 a space or an ASCII letter is two bytes, one of them NUL, on the same side of every pair (a program
    # has NULs on both sides), and the pairs read as printable text (the last one may be cut).
    start = raw[:4096]
    even = start[0::2].count(0)
    odd = start[1::2].count(0)
    sample = start[: len(start) // 2 * 2].decode("utf-16-le" if odd > even else "utf-16-be", "replace")[:-1]
    printable = "\ufffd" not in sample and all(character.isprintable() or character in "\t\r\n" for character in sample)
    if printable and 16 * min(even, odd) <= max(even, odd) and max(even, odd) >= len(start) / 32:
        raise UsageError(
            f"{path} looks like UTF-16 without a byte-order mark; save it as UTF-8 "
            "(Excel: Save As, 'CSV UTF-8'; a text editor: Save As, encoding UTF-8)"
        )
    raise UsageError(f"{path} is not text (it holds NUL bytes); give {what}")


def with_newlines(text):
    """Old Mac line ends (\r alone, Excel for Mac's "CSV (Macintosh)") as newlines: there is no \n to split on."""
    return text.replace("\r", "\n") if "\r" in text and "\n" not in text else text


def _decoded(path, raw, kind, header):
    """The file's text; a part that is not UTF-8 (or UTF-16) is named by its line and row."""
    check_is_text(path, raw, f"a table as {SUFFIXES_NAMED}")
    encoding = encoding_of(raw)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        # "x" stands for the bad byte: the lines and records up to it, the one it is in counted too.
        before = raw[: error.start].decode(encoding) + "x"
        line = sum(1 for _ in (io.StringIO(before, newline="") if kind == ".csv" else _lines(with_newlines(before))))
        row = sum(1 for _ in _records(before, kind)) - (header and kind != ".jsonl")
        name = "UTF-16" if encoding == "utf-16" else "UTF-8"
        where = f"row {row}" if row else "the header"
        raise UsageError(
            f"{path}, line {line} ({where}): not {name} (byte 0x{raw[error.start]:02x}); "
            "save the table as UTF-8 (Excel: Save As, 'CSV UTF-8'), or fix that row"
        )
    return text if kind == ".csv" else with_newlines(text)


def _column_index(path, columns, name, flag, header):
    """The position of a CSV or TSV column named by a flag: by its header name, or its number without one."""
    if header:
        if columns.count(name) > 1:
            raise UsageError(f"{path} has {columns.count(name)} columns named {name!r}; rename all but one")
        if name not in columns:
            shown = shell.listed(columns)
            other = [separator for separator in ";|\t" if len(columns) == 1 and separator in columns[0]]
            hint = f"; is it separated by {other[0]!r}? save it with commas, or tabs as .tsv" if other else ""
            hint += "; if its first row is not a header, give --no-header" if max(map(len, columns)) >= 40 else ""
            raise UsageError(f"{path} has no column {name!r} (its columns: {shown}){hint}; name the column with {flag}")
        return columns.index(name)
    if not (name.isascii() and name.isdigit()) or int(name) >= len(columns):
        raise UsageError(
            f"{path} has no header (--no-header): its columns are numbered 0 to {len(columns) - 1}; "
            f"give {flag} as one of these numbers"
        )
    return int(name)


def read_table(path, text_column, label_column=None, header=True, keep_rows=False, label_separator=None):
    """The table at path, every row checked; label_column None: texts only; keep_rows: the rows too (predict.py).

    With label_separator, each label cell holds several labels separated by it; a JSONL label may be a list. Then
    (multi_label) each row's labels are a list, duplicates dropped, a row of none refused.
    """
    kind = kind_of(path)
    raw = _read_bytes_asked(path, kind, text_column, label_column, header)
    content = _decoded(path, raw, kind, header)  # the bytes go as soon as they are text: tables are big
    raw = None
    _refuse_json_lines_named_otherwise(path, kind, content)
    table = Table(None, [], [], [] if label_column is not None else None, header, label_separator is not None)
    positions = None
    empty_rows = 0
    for number, (line, record) in enumerate(_records(content, kind), start=int(kind == ".jsonl" or not header)):
        where = f"{path}, line {line}" + (f" (row {number})" if number > 0 else " (the header)")
        _check_readable(record, where)
        if kind == ".jsonl":
            text, label = _object_fields(record, where, text_column, label_column)
            table.columns = table.columns if table.columns is not None else list(record)
        elif table.columns is None:
            positions = _first_row(path, table, record, text_column, label_column)
            if header:
                continue
        if kind != ".jsonl" and not any(field.strip() for field in record):
            empty_rows += 1
            continue
        if kind != ".jsonl":
            text, label = _row_fields(record, where, table, positions, kind)
        _add_row(table, where, text, label, label_separator, record if keep_rows else None)
    if not table.texts:
        raise UsageError(f"{path} holds no rows of text; give a table with a header and one row per text")
    if empty_rows:
        print(f"note: {path}: skipped {empty_rows} rows whose every field is empty", file=sys.stderr)
    if table.multi_label and table.labels is not None:  # a JSONL list in some rows: every row's labels a list
        table.labels = [labels if isinstance(labels, list) else [labels] for labels in table.labels]
    return table


def _read_bytes_asked(path, kind, text_column, label_column, header):
    """The table's bytes, once the columns asked for could be read from a table of its kind."""
    if text_column == label_column:
        raise UsageError(f"--text-column and --label-column both name {text_column!r}; the class is another column")
    raw = read_bytes(path, f"a table as {SUFFIXES_NAMED}")
    if kind == ".jsonl" and not header:
        raise UsageError(f"{path}: --no-header is for CSV and TSV files; a JSONL row names its keys")
    return raw


def _first_row(path, table, record, text_column, label_column):
    """A CSV or TSV's columns, named by its header or numbered from 0; the positions of the text and label columns."""
    table.columns = record if table.header else [str(index) for index in range(len(record))]
    return [
        None if name is None else _column_index(path, table.columns, name, flag, table.header)
        for name, flag in ((text_column, "--text-column"), (label_column, "--label-column"))
    ]


def _check_readable(record, where):
    """One line for a record the csv or json module could not read (it gave the error in its place)."""
    if isinstance(record, Exception):
        reason = shell.first_line(record)
        reason = "a line break inside a field that is not quoted" if "new-line character" in reason else reason
        raise UsageError(f"{where} cannot be read ({reason}); fix or remove that row")


def _refuse_json_lines_named_otherwise(path, kind, content):
    """One line for JSON lines in a file named .csv or .tsv, which would be misread as columns."""
    if kind != ".jsonl" and _is_json_object(next((line for line in _lines(content) if line.strip()), "")):
        gz = path[len(path.lower().removesuffix(".gz")) :]
        renamed = path[: len(path) - len(gz) - len(kind)] + ".jsonl" + gz
        raise UsageError(f"{path} looks like JSON lines (one object a line), not {kind[1:].upper()}; name it {renamed}")


def _object_fields(record, where, text_column, label_column):
    """A JSONL row's text and label (None when no label column is asked for), its keys checked."""
    if not isinstance(record, dict):
        raise UsageError(f"{where} is not a JSON object; give one object per line, such as " + '{"text": ...}')
    for name, flag in ((text_column, "--text-column"), (label_column, "--label-column")):
        if name is not None and name not in record:
            raise UsageError(
                f"{where} has no key {name!r} (its keys: {shell.listed(list(record))}); name it with {flag}"
            )
    return record[text_column], record.get(label_column)


def _row_fields(record, where, table, positions, kind):
    """A CSV or TSV row's text and label (None when no label column is asked for), its field count checked."""
    if len(record) != len(table.columns):
        advice = (
            "a TSV field cannot hold a tab or a line break (quotes are text there): save it as CSV"
            if kind == ".tsv"
            else "a field with a comma or a line break in it must be quoted"
        )
        raise UsageError(
            f"{where} has {len(record)} fields, not {len(table.columns)} as the "
            f"{'header' if table.header else 'first row'}; {advice}"
        )
    return record[positions[0]], None if positions[1] is None else record[positions[1]]


def _add_row(table, where, text, label, separator=None, row=None):
    """A row's text and label added to the table, once both are checked; `row`, if given, kept as read."""
    if not isinstance(text, str) or not text.strip():
        raise UsageError(f"{where}: the text is empty or not a string; give it a text or remove the row")
    if table.labels is not None:
        table.labels.append(_label_of(label, where, separator))
        table.multi_label = table.multi_label or isinstance(label, list)
    table.texts.append(text)
    if row is not None:
        table.rows.append(row)


def _as_text(value):
    """A label cell or JSON value as text: a JSON number or boolean as JSON writes it, nothing as ""."""
    return value if isinstance(value, str) else "" if value is None else json.dumps(value)


def _printed_list(cell):
    """Whether a cell is a Python list of names printed as text (pandas writes a column of lists so: ['joy', 'love']),
    not a label in brackets ("[deleted]", "[18, 25]")."""
    if not (cell.startswith("[") and cell.endswith("]")):
        return False
    try:
        value = ast.literal_eval(cell)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return False
    return isinstance(value, list) and bool(value) and all(isinstance(item, str) for item in value)


def _label_of(label, where, separator):
    """A row's label as text; with a separator, or as a JSON list, its labels as a list (in order, once each)."""
    cell = _as_text(label).strip()
    if not isinstance(label, list) and _printed_list(cell):
        raise UsageError(
            f"{where}: the label {shell.listed([cell])} is a list printed as text; write the labels joined by one "
            "character (joy|love) and give --label-separator '|', or give the table as JSONL with a list"
        )
    if isinstance(label, list) or separator is not None:
        parts = label if isinstance(label, list) else _as_text(label).split(separator)
        labels = list(dict.fromkeys(_as_text(part).strip() for part in parts if _as_text(part).strip()))
        if not labels:
            raise UsageError(f"{where} has no label; give it one or more, or remove the row")
        return labels
    label = _as_text(label)
    if not label.strip():
        raise UsageError(f"{where} has no label; give it one or remove the row")
    return label.strip()
