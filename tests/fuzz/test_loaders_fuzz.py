"""Fuzzing microtensor.load (microtensor/serialization.py, _safetensors_read.py, _torch_load.py,
_torch_legacy.py, _pickle_restricted.py) with seed files and hypothesis-driven mutations.

Every input either loads an object made of safe types or raises CheckpointError naming the
file; none runs code (an audit hook and a canary directory watch), takes over a second, or
allocates more than ten times its size (harness.check). The default profile runs a bounded,
derandomized slice (a few seconds per loader) and a short coverage-guided run with atheris
(fuzz_loaders.py); HYPOTHESIS_PROFILE=thorough runs 20,000 mutated inputs per loader and
200,000 atheris inputs.
"""

import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import microtensor as mt
from microtensor.serialization import CheckpointError
from tests.fuzz import corpus, harness

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
EXAMPLES = 20_000 if THOROUGH else 300
SLICE = 5_000 if THOROUGH else 200  # inputs per loader run in a fresh process
ATHERIS_RUNS = 200_000 if THOROUGH else 1_000  # inputs of the coverage-guided fuzzer
# seeds that are valid files, or odd but consistent ones: they must load, all others be refused
LOADS = {
    *(f"{who}-{i}" for who in ("mt", "torch", "torch-legacy", "mt-legacy") for i in range(4)),
    "deflated-ok",  # torch.save writes stored records; deflated ones within budget are read
    "zip-deep-lists",  # 5,000 nested lists: the unpickler is iterative
    "zip-zero-stride-huge",  # a 2**40-element view of 4 floats (an expanded tensor, as torch)
    "legacy-zero-stride-huge",
    "zip-storage-as-value",  # a bare storage as a value, as torch returns one
    "legacy-storage-as-value",
    *(("bf16",) if hasattr(mt, "bfloat16") else ()),  # a valid BF16 file, once the dtype exists
}


@pytest.fixture(scope="module")
def canary_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("canary"))


@pytest.fixture(scope="module")
def seeds(canary_dir):
    result = corpus.seeds(os.path.join(canary_dir, "canary"))
    harness.prime(result)
    return result


@pytest.mark.parametrize("loader", corpus.LOADERS)
def test_every_seed_loads_correctly_or_is_refused(seeds, canary_dir, loader):
    outcomes = {label: harness.check(data, canary_dir) for label, data in seeds[loader]}
    expected = {label: "loaded" if label in LOADS else "refused" for label in outcomes}
    assert outcomes == expected


@pytest.mark.parametrize("loader", corpus.LOADERS)
def test_valid_seeds_load_their_values(seeds, loader, tmp_path):
    originals = corpus._arrays()
    for label, data in seeds[loader]:
        if label in LOADS and label[-1].isdigit() and "-" in label:
            _assert_same(mt.load(harness._named_bytes(data)), originals[int(label[-1])])
            if loader != "pickle":  # legacy files cannot be memory-mapped (as in torch)
                path = tmp_path / f"{label}.bin"
                path.write_bytes(data)
                _assert_same(mt.load(path, mmap=True), originals[int(label[-1])])


def _assert_same(loaded, original):
    if isinstance(original, np.ndarray):
        assert isinstance(loaded, mt.Tensor) and loaded._data.dtype == original.dtype
        np.testing.assert_array_equal(loaded._data, original)
    elif isinstance(original, dict):
        assert list(loaded) == list(original)
        for key in original:
            _assert_same(loaded[key], original[key])
    elif isinstance(original, list | tuple):
        assert type(loaded) is type(original) and len(loaded) == len(original)
        for a, b in zip(loaded, original, strict=True):
            _assert_same(a, b)
    else:
        assert loaded == original or (loaded != loaded and original != original)


_POSITION = st.floats(0, 1, allow_nan=False)
_BYTE_OP = st.one_of(
    st.tuples(st.just("flip"), _POSITION, st.integers(0, 7)),
    st.tuples(st.just("truncate"), _POSITION),
    st.tuples(st.just("overwrite"), _POSITION, st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("insert"), _POSITION, st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("delete"), _POSITION, st.integers(1, 64)),
    st.tuples(st.just("duplicate"), _POSITION, st.integers(1, 64)),
    st.tuples(st.just("int"), _POSITION, st.sampled_from([1, 2, 4, 8]), st.integers(0, 13)),
)
_OP = st.one_of(_BYTE_OP, st.tuples(st.just("inner"), _POSITION, _BYTE_OP))


def _fuzz(seeds, canary_dir, loader, index, ops, tmp_dir=None):
    label, data = seeds[loader][index % len(seeds[loader])]
    mutated = harness.mutate(data, ops)
    if tmp_dir is None:
        return harness.check(mutated, canary_dir)
    path = os.path.join(tmp_dir, "fuzzed-input.bin")
    with open(path, "wb") as fh:
        fh.write(mutated)
    return harness.check(mutated, canary_dir, path=path, mmap=True)


_FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("loader", corpus.LOADERS)
@_FUZZ
@given(index=st.integers(0, 10_000), ops=st.lists(_OP, min_size=1, max_size=4))
def test_mutated_files_load_or_are_refused(seeds, canary_dir, loader, index, ops):
    assert _fuzz(seeds, canary_dir, loader, index, ops) in ("loaded", "refused")


@settings(max_examples=EXAMPLES // 3, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    loader=st.sampled_from(["safetensors", "torch"]),
    index=st.integers(0, 10_000),
    ops=st.lists(_OP, min_size=1, max_size=3),
)
def test_mutated_files_memory_mapped_load_or_are_refused(
    seeds, canary_dir, tmp_path_factory, loader, index, ops
):
    tmp_dir = str(tmp_path_factory.mktemp("mmap", numbered=True))
    assert _fuzz(seeds, canary_dir, loader, index, ops, tmp_dir) in ("loaded", "refused")


def test_a_slice_of_the_corpus_never_crashes_a_fresh_process(seeds, canary_dir, tmp_path):
    """Native code (NumPy views, zlib, the JSON scanner) could segfault: run a slice apart."""
    rng = np.random.default_rng(17)
    inputs = [
        harness.mutate(items[int(rng.integers(len(items)))][1], harness.random_ops(rng))
        for items in seeds.values()
        for _ in range(SLICE)
    ]
    batch = tmp_path / "inputs.bin"
    batch.write_bytes(b"".join(len(data).to_bytes(8, "little") + data for data in inputs))
    script = textwrap.dedent(
        f"""
        import pathlib
        from tests.fuzz import harness
        data = pathlib.Path({str(batch)!r}).read_bytes()
        inputs, position = [], 0
        while position < len(data):
            size = int.from_bytes(data[position : position + 8], "little")
            inputs.append(data[position + 8 : position + 8 + size])
            position += 8 + size
        harness.prime({{"all": [("", x) for x in inputs]}})
        outcomes = [harness.check(x, {canary_dir!r}) for x in inputs]
        print(outcomes.count("loaded"), outcomes.count("refused"))
        """
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=root
    )
    assert result.returncode == 0, result.stderr[-3000:]  # a segfault is -11
    loaded, refused = map(int, result.stdout.split())
    assert loaded + refused == len(inputs) and refused > 0


def test_coverage_guided_fuzzing_finds_no_violation(tmp_path):
    pytest.importorskip("atheris")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    command = [sys.executable, "-m", "tests.fuzz.fuzz_loaders", "--loader", "all"]
    flags = [f"-runs={ATHERIS_RUNS}", f"-artifact_prefix={tmp_path}/", "-seed=1"]
    result = subprocess.run(
        [*command, *flags], capture_output=True, text=True, timeout=600, cwd=root
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]  # a violation is a crash (exit code 1)
    done = re.search(r"Done (\d+) runs", output)
    assert done and int(done.group(1)) >= ATHERIS_RUNS and not list(tmp_path.iterdir())


def test_checkpoint_error_is_both_torch_error_types():
    assert issubclass(CheckpointError, RuntimeError)
    import pickle

    assert issubclass(CheckpointError, pickle.UnpicklingError)
