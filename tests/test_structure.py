"""The house rules: each file says what it is for, imports only what sits below it, and the style check runs clean."""

import ast
import glob
import os
import subprocess
import sys

import pytest
from conftest import ROOT

# Lower layers first: a module may import only modules of a lower layer.
LAYERS = [
    {"cli"},
    {"startup"},
    {"textdata", "batching"},
    {"saved_model", "records"},
    {"common"},
    {"lstm_simple", "lstm_dropout", "lstm_recurrent_dropout", "cnn_lstm", "baseline", "predict"},
]
LAYER_OF = {module: level for level, modules in enumerate(LAYERS) for module in modules}


def project_files():
    return sorted(glob.glob(os.path.join(ROOT, "*.py")) + glob.glob(os.path.join(ROOT, "tools", "*.py")))


def imported_modules(path):
    tree = ast.parse(open(path, encoding="utf-8").read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module.split(".")[0]


@pytest.mark.parametrize("path", project_files(), ids=os.path.basename)
def test_each_file_says_in_one_line_what_it_is_for(path):
    docstring = ast.get_docstring(ast.parse(open(path, encoding="utf-8").read()))
    assert docstring and docstring.splitlines()[0].endswith((".", "?")), path


@pytest.mark.parametrize(
    "path", [path for path in project_files() if os.path.dirname(path) == ROOT], ids=os.path.basename
)
def test_each_module_imports_only_what_sits_below_it(path):
    module = os.path.splitext(os.path.basename(path))[0]
    for imported in imported_modules(path):
        if imported in LAYER_OF:
            assert LAYER_OF[imported] < LAYER_OF[module], f"{module} imports {imported}"


def test_no_file_holds_half_of_the_code():
    lines = {path: sum(1 for _ in open(path, encoding="utf-8")) for path in project_files()}
    largest = max(lines, key=lines.get)
    assert lines[largest] < 0.4 * sum(lines.values()), (largest, lines[largest], sum(lines.values()))


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff_runs_clean(command):
    completed = subprocess.run([sys.executable, "-m", "ruff", *command, ROOT], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_only_the_run_records_use_resource_which_windows_lacks():
    users = [path for path in project_files() if "resource" in set(imported_modules(path))]
    assert [os.path.basename(path) for path in users] == ["records.py"]
