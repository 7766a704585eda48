"""Every published figure agrees with the run records in results/."""

import json
import os
import types

import pytest

import families
import report
from conftest import ROOT

imdb_records = report.load_all()["imdb_records"]
needs_records = pytest.mark.skipif(not imdb_records, reason="results/runs/ holds no full-data records yet")


@needs_records
@pytest.mark.parametrize("path", sorted(report.expected_files()))
def test_each_generated_file_is_what_the_records_give(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        assert handle.read() == report.expected_files()[path], f"{path} is stale: run python tools/report.py"


@needs_records
def test_every_imdb_record_is_complete():
    for record in imdb_records:
        assert len(record["per_epoch"]) == record["epochs"]
        assert record["train_reviews"] == record["test_reviews"] == 25000
        for field in ("command", "seed", "test_accuracy", "test_loss", "parameters", "versions", "cpu", "date"):
            assert record[field] is not None, field


def test_the_readme_gives_the_commands_that_were_measured():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    assert " ".join(families.OWN_DATA_FLAGS) in readme
    assert "python lstm_simple.py " + " ".join(families.QUICK_TRY_FLAGS) in readme


def test_every_study_record_ran_its_recipes_flags():
    for record in report.load_all()["study_records"]:
        own_validation = record.get("validation_data") is not None  # a corpus' own validation file: no split
        flags = " ".join(families.recipe_flags(record["recipe"], record["script"], own_validation))
        # The recipe that was the scripts' default when it was recorded gave no --learning-rate-schedule.
        assert flags.replace(" --learning-rate-schedule cosine", "") in record["command"], record["command"]


def test_benchmark_adds_the_commands_wall_time_to_the_record_that_its_run_wrote(tmp_path, monkeypatch):
    import benchmark

    monkeypatch.setattr(benchmark.families, "QUICK_TRY_DIR", str(tmp_path))
    (tmp_path / "lstm_simple-default-seed41.json").write_text(json.dumps({"seed": 41, "earlier": True}))

    def run_script(script, arguments, results_dir, log_name):  # the run names its record anew: the name is taken
        (tmp_path / "lstm_simple-default-seed41-2.json").write_text(json.dumps({"seed": 41}))
        return 12.5

    monkeypatch.setattr(benchmark, "run_script", run_script)
    benchmark.quick_try(types.SimpleNamespace(scripts=["lstm_simple.py"], first_seed=41, seeds=1, data_dir="corpus"))
    records = {path.name: json.loads(path.read_text()) for path in tmp_path.iterdir()}
    assert records["lstm_simple-default-seed41-2.json"] == {"seed": 41, "command_seconds": 12.5}
    assert records["lstm_simple-default-seed41.json"] == {"seed": 41, "earlier": True}
