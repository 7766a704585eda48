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


def test_records_of_several_labels_a_text_make_their_tables_and_targets(tmp_path, monkeypatch):
    """Records as a multi-label run writes them go to their own table, the README's and the targets, by recipe."""
    import targets

    recipes = families.MULTI_LABEL_RECIPES["goemotions"]
    study = tmp_path / "study" / "goemotions"

    def write(script, recipe, seed, macro_f1, thresholds):
        record = {
            "script": script, "seed": seed, "command": f"python {script} --data /home/me/train.tsv --save /tmp/m",
            "test_macro_f1": macro_f1, "test_micro_f1": 0.5, "test_exact_match": 0.4,
            "test_thresholds": dict(zip("abc", thresholds)), "per_epoch": [{"seconds": 10.0}] * 4, "best_epoch": 2,
            "evaluation_seconds": 1.0, "training_seconds": 40.0, "peak_memory_mb": 900.0, "git_commit": "abc1234",
            "epochs": 50, "parameters": 1000, "cpu": "a CPU", "cpu_count": 2, "versions": {},
        }  # fmt: skip
        (study / recipe).mkdir(parents=True, exist_ok=True)
        (study / recipe / f"{script}-seed{seed}.json").write_text(json.dumps(record))

    for seed in (41, 42, 43):
        for script in families.SCRIPTS:
            write(script, recipes["lstm"], seed, 0.36 + (script == "cnn_lstm.py") * 0.03, [0.3] * 3)
        write(families.BASELINE, recipes["baseline"], seed, 0.44 + seed / 10_000, [0.2, 0.4, 0.6])
    monkeypatch.setattr(families, "STUDY_DIR", str(study.parent))
    monkeypatch.setattr(report, "RESULTS_DIR", str(tmp_path))
    multi_label = report.load_all()["multi_label"]
    assert not report.load_all()["study"]  # no record of one label a text among them
    docs = report.multi_label_docs_table(multi_label)
    assert "| goemotions | 0.360 (worst 0.360) |" in docs and "| 0.444 (worst 0.444) |\n" in docs
    verdict = (
        "On GoEmotions, the bag of words' mean macro-F1 (0.444) is above that of every LSTM script (the best, "
        "`cnn_lstm.py`, 0.390): run `baseline.py` first."
    )
    assert docs.endswith(verdict)
    readme = report.expected_files()["README.md"]  # the README's block holds the sentence alone
    assert f"-->\n\n{verdict}\n\n<!-- multi-label-verdict:end -->" in readme
    assert_verdicts_of_records_in_part(multi_label, recipes)
    full = report.multi_label_table(multi_label)
    assert "0.30, 0.30, 0.30" in full and "0.20-0.60, 0.20-0.60, 0.20-0.60" in full
    command = multi_label["goemotions", recipes["baseline"], families.BASELINE]["command"]
    assert command == "python baseline.py --data PATH --save PATH"  # no maintainer's paths in the published commands
    verdicts = {target: verdict for _, target, _, verdict in targets.multi_label_targets(multi_label)}
    assert verdicts == {
        "every LSTM script's mean macro-F1 ≥ 0.33": "met",
        "the best LSTM script's mean macro-F1 ≥ 0.38": "met",
        "`baseline.py`'s mean macro-F1 ≥ 0.45": "**not met**",
    }


def assert_verdicts_of_records_in_part(multi_label, recipes):
    """The README's sentence while some scripts have no run, or fewer than three seeds, or tie."""
    baseline_key = ("goemotions", recipes["baseline"], families.BASELINE)
    some_seeds = multi_label | {baseline_key: multi_label[baseline_key] | {"seeds": [41, 41]}}  # a rerun, not a seed
    assert report.multi_label_verdicts(some_seeds).endswith("`baseline.py` has run on fewer than 3 seeds so far.")
    one_seed = {key: entry | {"seeds": [41]} for key, entry in multi_label.items()}
    assert report.multi_label_verdicts(one_seed).endswith(". Every script has run on fewer than 3 seeds so far.")
    without = {key: entry for key, entry in multi_label.items() if key[2] not in ("lstm_dropout.py", "cnn_lstm.py")}
    assert report.multi_label_verdicts(without) == (
        "On GoEmotions, so far, the bag of words' mean macro-F1 (0.444) is above that of every LSTM script with a run "
        "(the best, `lstm_simple.py`, 0.360): run `baseline.py` first. `lstm_dropout.py` and `cnn_lstm.py` have no "
        "recorded run yet."
    )
    lstm_key = ("goemotions", recipes["lstm"], "lstm_simple.py")
    only_lstm = {lstm_key: multi_label[lstm_key]}
    assert report.multi_label_verdicts(only_lstm) == (
        "`lstm_dropout.py`, `lstm_recurrent_dropout.py`, `cnn_lstm.py` and `baseline.py` have no recorded run yet."
    )
    tie = multi_label | {baseline_key: multi_label[baseline_key] | {"mean": 0.3904}}
    assert report.multi_label_verdicts(tie) == (
        "On GoEmotions, the bag of words' mean macro-F1 is level with the best LSTM script's, `cnn_lstm.py` (0.390)."
    )
    above = multi_label | {baseline_key: multi_label[baseline_key] | {"mean": 0.3}}
    assert report.multi_label_verdicts(above) == (
        "On GoEmotions, the best LSTM script, `cnn_lstm.py` (0.390), is above the bag of words (0.300)."
    )
