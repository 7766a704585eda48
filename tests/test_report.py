"""What a run prints beyond the listing: the data summary and each class's figures, one line each, within a terminal."""

import numpy as np
import pytest

import lstm_simple
from conftest import SMALL_RUN, run_in_process
from helpers import report, texts


def test_the_report_fits_a_terminal_with_many_long_or_wide_class_names(capsys):
    for names in ([f"comp.sys.ibm.pc.hardware.{index}" for index in range(20)], ["体育", "经济新闻", "sport"]):
        confusion = (np.eye(len(names), dtype=int) * 1000).tolist()
        test = {
            "accuracy": 1.0,
            "class_precision": dict.fromkeys(names, 1.0),
            "class_accuracy": dict.fromkeys(names, 1.0),
            "confusion_matrix": confusion,
        }
        report.print_each_class(test, names)
        lines = capsys.readouterr().out.splitlines()
        widths = [report._display_width(line) for line in lines]
        assert max(widths) <= 120
        matrix = lines[len(names) + 2 : 2 * len(names) + 3]
        assert len({report._display_width(line) for line in matrix}) == 1  # every row as wide: aligned


def test_a_class_name_with_a_line_break_or_a_tab_is_shown_escaped_on_one_line_of_the_summary_and_report(capsys):
    names = ["line one\nline two", "tab\there", "plain"]
    dataset = texts.encode_lists(["a b", "c d", "e f"], names, ["a", "c", "e"], names)
    report.print_data_summary(report.summarize_data(dataset, 100, 10), 10)
    summary = capsys.readouterr().out.splitlines()
    assert dataset.class_names == ["line one\nline two", "plain", "tab\there"]
    assert [line[:22] for line in summary[1:4]] == [
        "  line one\\nline two  ",
        "  plain               ",
        "  tab\\there           ",
    ]
    confusion = np.eye(3, dtype=int).tolist()
    test = {"class_precision": dict.fromkeys(names, 1.0), "class_accuracy": dict.fromkeys(names, 1.0)}
    report.print_each_class(test | {"confusion_matrix": confusion}, names)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + 3 + 1 + 1 + 3 and "\t" not in "".join(lines)  # header, classes, title, columns, rows
    assert lines[-3].split()[0] == "line" and lines[-3].split()[1:3] == ["one\\nline", "two"]
    assert len({report._display_width(line) for line in lines[-3:]}) == 1  # the rows of the matrix line up


@pytest.mark.slow
@pytest.mark.thorough
def test_watch_test_shows_the_test_figures_after_each_epoch(small_corpus, capsys):
    completed = run_in_process(
        capsys, lstm_simple.main, "--data-dir", small_corpus, *SMALL_RUN[:-1], "2", "--watch-test"
    )
    assert completed.returncode == 0 and "test_accuracy: " in completed.stdout
