"""benchmarks/run.py: the quick mode runs end to end; the check and the targets judge right."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "run.py"
IMPLS = ["numpy", "microtensor", "torch"]


def _load_script():
    spec = importlib.util.spec_from_file_location("benchmarks_run", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "results.json"
    command = [sys.executable, str(SCRIPT), "--quick", "--workloads", "W1,W6", "--json", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return done.stdout, json.loads(out.read_text())


def test_quick_run_checks_agreement_first(quick_run):
    stdout, results = quick_run
    lines = stdout.splitlines()
    assert lines[0].startswith("check: 3 steps in float64")
    checked = [line.split()[:2] + line.split()[-1:] for line in lines[1:5]]
    assert checked == [[w, impl, "ok"] for w in ("W1", "W6") for impl in IMPLS[1:]]
    for name in ("W1", "W6"):
        for impl in IMPLS[1:]:
            report = results["check"][name][impl]
            assert report["ok"] and report["failed"] == []
            assert 0 <= report["max_rel_diff"] < 1e-9


def test_quick_run_prints_a_row_per_implementation(quick_run):
    stdout, _ = quick_run
    lines = stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("workload"))
    assert lines[header].split()[:4] == ["workload", "impl", "median", "ms"]
    for name in ("W1", "W6"):
        title = next(i for i, line in enumerate(lines) if line.startswith(f"{name}: "))
        rows = [line.split() for line in lines[title + 1 : title + 4]]
        assert [row[0] for row in rows] == IMPLS
        assert all(len(row) == 8 and float(row[1]) > 0 for row in rows)
        assert [row[4] for row in rows][0] == "1.00"  # numpy against itself
        assert [row[5] for row in rows][2] == "1.00"  # torch against itself
    targets = [line.split("target microtensor ")[1] for line in lines if "target micro" in line]
    assert targets[0].startswith("time <= 0.5x torch: ")
    assert all(t.endswith((" PASS", " FAIL")) for t in targets)
    assert any(t.startswith("backward < 1000 ms: ") for t in targets)


def test_quick_run_writes_the_results_as_json(quick_run):
    stdout, results = quick_run
    assert set(results) == {"meta", "check", "workloads", "import_seconds"}
    meta = results["meta"]
    assert meta["quick"] is True and meta["threads"] == 1
    assert meta["environment"]["OMP_NUM_THREADS"] == "1"
    assert list(results["workloads"]) == ["W1", "W6"]
    for workload in results["workloads"].values():
        assert list(workload["results"]) == IMPLS
        for r in workload["results"].values():
            assert r["steps"] == 2
            assert 0 < r["min_ms"] <= r["median_ms"] <= r["max_ms"]
            assert r["peak_rss_mb"] > 10
            assert r["vs_numpy"] == pytest.approx(
                r["median_ms"] / workload["results"]["numpy"]["median_ms"]
            )
            assert f"{r['median_ms']:.3f}" in stdout
        for target in workload["targets"]:
            assert target["pass"] == (target["value"] <= target["limit"])
    chain = results["workloads"]["W6"]["results"]["microtensor"]["chain"]
    assert chain["rss_before_mb"] < chain["rss_graph_mb"]
    assert 0 < chain["backward_median_ms"] <= chain["backward_max_ms"]


def test_compare_flags_a_difference_beyond_the_tolerance():
    bench = _load_script()
    expected = np.array([1.0, -2.0, 3e-20])
    assert bench.compare(expected, expected * (1 + 1e-12))["ok"]
    report = bench.compare(expected, expected + [0.0, 1e-6, 0.0])
    assert not report["ok"] and report["abs"] == pytest.approx(1e-6)
    assert not bench.compare(expected, None)["ok"]
    assert not bench.compare(expected, expected[:2])["ok"]


def test_targets_judge_microtensor_against_the_reference():
    bench = _load_script()
    results = {
        "numpy": {"median_ms": 1.0, "peak_rss_mb": 40.0},
        "microtensor": {"median_ms": 2.0, "peak_rss_mb": 48.0},
        "torch": {"median_ms": 5.0, "peak_rss_mb": 200.0},
    }
    bench.add_ratios(results)
    found = {t["target"]: (round(t["value"], 6), t["pass"]) for t in bench.targets("W1", results)}
    assert found == {"time <= 0.5x torch": (0.4, True), "peak RSS <= 1.25x numpy": (1.2, True)}
    found = {t["target"]: (round(t["value"], 6), t["pass"]) for t in bench.targets("W4", results)}
    assert found["time <= 1.05x numpy"] == (2.0, False)
    found = {t["target"]: (round(t["value"], 6), t["pass"]) for t in bench.targets("W1u", results)}
    assert found["time <= 0.6x torch"] == (0.4, True)


def test_chain_targets_need_a_fast_backward_and_released_memory():
    bench = _load_script()
    chain = {"backward_max_ms": 1200.0, "rss_before_mb": 40.0, "rss_graph_mb": 140.0}
    results = {
        "numpy": {"median_ms": 1.0, "peak_rss_mb": 100.0},
        "microtensor": {"median_ms": 2.0, "peak_rss_mb": 140.0, "chain": chain},
    }
    bench.add_ratios(results)
    for after, released in [(50.0, True), (90.0, False)]:
        chain["rss_after_mb"] = after
        found = {t["target"]: t["pass"] for t in bench.targets("W6", results)}
        assert list(found.values()) == [True, False, released]  # RSS 1.4x numpy, backward 1.2 s
        assert list(found)[0] == "peak RSS <= 2.0x numpy"


def test_unknown_workload_is_refused():
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--workloads", "W1,W5"], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "unknown workload(s) ['W5']" in done.stderr


def test_a_disagreement_stops_the_run_before_timing(monkeypatch, tmp_path, capsys):
    bench = _load_script()
    failing = {"ok": False, "max_abs_diff": 0.5, "max_rel_diff": 0.1, "failed": ["W1/param0"]}
    monkeypatch.setattr(bench, "check", lambda *args: {"W1": {"microtensor": failing}})
    monkeypatch.setattr(bench, "time_workload", lambda *args: pytest.fail("timed anyway"))
    args = bench.parse_args(["--quick", "--workloads", "W1"])
    with pytest.raises(bench.BenchmarkError, match="compute different numbers"):
        bench.run(args, tmp_path)
    assert "W1 microtensor  max abs diff 5.00e-01" in capsys.readouterr().out
    assert "DIFFERENT: W1/param0" in bench.format_check({"W1": {"microtensor": failing}})


def test_runs_without_torch(tmp_path):
    out = tmp_path / "results.json"
    command = [sys.executable, str(SCRIPT), "--quick", "--workloads", "W1", "--json", str(out)]
    command += ["--impls", "numpy,microtensor"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    results = json.loads(out.read_text())["workloads"]["W1"]
    assert list(results["results"]) == ["numpy", "microtensor"]
    assert results["results"]["microtensor"]["vs_torch"] is None
    assert [t["target"] for t in results["targets"]] == ["peak RSS <= 1.25x numpy"]
    rows = [line.split() for line in done.stdout.splitlines() if line.startswith(" " * 9 + "micro")]
    assert rows[0][5] == "-"  # no torch column


def test_quick_run_of_the_cnn_and_the_lstm(tmp_path):
    out = tmp_path / "results.json"
    command = [sys.executable, str(SCRIPT), "--quick", "--workloads", "W7,W8", "--json", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    results = json.loads(out.read_text())
    assert list(results["check"]["W7"]) == IMPLS[1:]
    assert list(results["check"]["W8"]) == ["microtensor"]  # against torch: no numpy version
    assert results["check"]["W8"]["microtensor"]["against"] == "torch"
    assert all(r["ok"] for w in results["check"].values() for r in w.values())
    w7, w8 = results["workloads"]["W7"], results["workloads"]["W8"]
    assert list(w7["results"]) == IMPLS and list(w8["results"]) == ["microtensor", "torch"]
    assert w7["targets"][0]["target"] == "time <= 1.3x torch"
    assert [t["target"] for t in w8["targets"]] == ["time <= 1.0x torch"]
    assert w8["results"]["microtensor"]["vs_numpy"] is None


def test_cpu_clock_except_where_torch_picks_its_own_threads():
    bench = _load_script()
    args = bench.parse_args(["--clock", "cpu"])
    assert bench.clock_of("W1", args) == "cpu" and bench.clock_of("W10", args) == "cpu"
    assert bench.clock_of("W1u", args) == "wall"
    assert bench.clock_of("W1", bench.parse_args([])) == "wall"


def test_quick_run_reports_the_import_time(quick_run):
    stdout, results = quick_run
    seconds = results["import_seconds"]
    assert set(seconds) == {"microtensor", "numpy"}  # a quick run leaves out torch's import
    # both measured; no order between them: on a loaded machine NumPy's import alone took longer
    assert all(0 < seconds[name] < 30 for name in ("microtensor", "numpy"))
    line = next(line for line in stdout.splitlines() if line.startswith("import microtensor:"))
    assert line.endswith(("target <= 0.3 s: PASS", "target <= 0.3 s: FAIL"))
    assert f"{seconds['microtensor']:.3f} s" in line
