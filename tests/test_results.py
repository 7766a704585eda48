"""Every published figure agrees with the run records in results/runs/."""

import os
import re

import pytest
import report
from conftest import ROOT

records = report.load_records()
needs_records = pytest.mark.skipif(not records, reason="results/runs/ holds no full-data records yet")


@pytest.fixture(scope="module")
def summary():
    return report.summarize(records)


def read(path):
    with open(os.path.join(ROOT, path)) as handle:
        return handle.read()


@needs_records
def test_results_readme_is_built_from_the_records(summary):
    for path, text in report.expected_files(summary, records).items():
        assert read(path) == text, f"{path} is stale: run python report.py"


@needs_records
@pytest.mark.parametrize("script", report.SCRIPTS)
def test_each_script_claims_what_its_records_show(script, summary):
    if "default" not in summary.get(script, {}):
        pytest.skip(f"no records of {script}")
    claims = report.CLAIM_PATTERN.findall(read(script))
    assert claims == [report.claim_line(script, summary)]


@needs_records
def test_the_readme_table_is_the_records_table(summary):
    block = re.search(
        re.escape(report.README_START) + ".*?" + re.escape(report.README_END), read("README.md"), re.DOTALL
    )
    assert block and block.group(0) == report.readme_block(summary)


@needs_records
def test_every_record_is_complete():
    for record in records:
        assert len(record["per_epoch"]) == record["epochs"]
        assert record["train_reviews"] == record["test_reviews"] == 25000
        for field in ("command", "seed", "test_accuracy", "test_loss", "parameters", "versions", "cpu", "date"):
            assert record[field] is not None, field


def test_the_readme_own_data_table_is_the_records_table():
    own = report.own_data_summary()
    if not own:
        pytest.skip("no own-data records yet")
    pattern = re.escape(report.OWN_DATA_START) + ".*?" + re.escape(report.OWN_DATA_END)
    block = re.search(pattern, read("README.md"), re.DOTALL)
    assert block and block.group(0) == report.own_data_readme_block(own)


def test_the_readme_own_data_command_is_the_one_measured():
    assert " ".join(report.OWN_DATA_FLAGS) in read("README.md")
    assert "python lstm_simple.py " + " ".join(report.QUICK_TRY_FLAGS) in read("README.md")
