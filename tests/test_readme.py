"""The README's code blocks run."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 2
    for block in blocks:
        exec(compile(block, str(README), "exec"), {})


PACKAGE = README.parent / "microtensor"
# what README's "How it works" counts, by file
ENGINE = ["function.py", "engine.py", "broadcast.py", "grad_mode.py", "anomaly.py", "api.py", "scope.py", "__init__.py"]
TENSOR = ["tensor.py", "_inplace.py"]
GRADCHECK = ["gradcheck.py", "gradcheck_jacobian.py", "gradcheck_localize.py", "gradcheck_modes.py"]
BUILT_ON = [
    "functional.py",
    "functional_checks.py",
    "functional_jacobian.py",
    "graph.py",
    "once_differentiable.py",
    "variable.py",
    "multithreading.py",
    "anomaly_mode.py",
    "forward_ad.py",
    "inference.py",
]
PROFILER = ["profiler.py", "profiler_util.py", "_profiler_recording.py", "_profiler_table.py"]


def lines(folder, names):
    return sum(len((folder / name).read_text().splitlines()) for name in names)


def claimed(pattern):
    match = re.search(pattern, " ".join(README.read_text().split()))
    assert match, pattern
    return int(match.group(1).replace(",", ""))


def test_readme_line_counts_are_true():
    listed = set(ENGINE) | set(GRADCHECK) | set(BUILT_ON) | set(PROFILER)
    assert {p.name for p in (PACKAGE / "autograd").glob("*.py")} == listed  # a new file is counted
    autograd = PACKAGE / "autograd"
    for actual, pattern in [
        (lines(autograd, ENGINE), r"autograd core is about ([\d,]+) lines"),
        (lines(PACKAGE, TENSOR), r"plus about ([\d,]+) lines for the `Tensor` itself"),
        (lines(autograd, GRADCHECK), r"is about ([\d,]+) lines more"),
        (lines(autograd, BUILT_ON), r"not part of it\) about ([\d,]+)"),
        (lines(autograd, PROFILER), r"`_profiler_table.py`\) is about ([\d,]+)"),
    ]:
        number = claimed(pattern)
        assert abs(actual - number) <= 0.1 * number, f"README says about {number}, the files have {actual}"
