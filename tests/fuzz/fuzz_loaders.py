"""Coverage-guided fuzzing of ``microtensor.load`` with atheris (libFuzzer).

Run one loader (libFuzzer's own flags pass through: ``-runs``, ``-max_total_time``, ...)::

    python -m tests.fuzz.fuzz_loaders --loader safetensors -runs=1000000
    python -m tests.fuzz.fuzz_loaders --loader torch -max_total_time=600
    python -m tests.fuzz.fuzz_loaders --loader pickle -runs=100000
    python -m tests.fuzz.fuzz_loaders --loader all -runs=1000   # the three in turn

The first byte of each input says how to read the rest (and, with ``--loader all``, which
loader: ``(byte >> 1) % 3``): even, as a whole file; odd, as the
inside of a valid container (the ``data.pkl`` of a zip archive, the object pickle of a legacy
file, the JSON header of a safetensors file), so that mutations reach the parsers behind
checksums and length fields. The corpus (a temporary folder, or the first folder given, which
keeps what the run finds) starts from the seeds of ``corpus.py``; the functions of the loader
modules, ``pickle``, ``zipfile`` and ``json`` are instrumented for coverage. Any property
violation (``harness.Violation``, see ``harness.check``) is a crash: libFuzzer stops and
writes the input to ``crash-<sha1>``. Allocations are traced on one input in
``--measure-every`` (tracing costs more than the load itself).
"""

from __future__ import annotations

import argparse
import json.decoder
import json.scanner
import os
import pickle
import struct
import sys
import tempfile
import types
import zipfile

import atheris

from microtensor import (
    _pickle_restricted,
    _safetensors_read,
    _torch_legacy,
    _torch_load,
    serialization,
)
from tests.fuzz import corpus, harness

_TARGETS = (serialization, _safetensors_read, _torch_load, _torch_legacy, _pickle_restricted,
            pickle, zipfile, json.decoder, json.scanner)  # fmt: skip


def instrument(modules: tuple[types.ModuleType, ...] = _TARGETS) -> int:
    """Add coverage instrumentation to every function the loaders run; return how many.

    Only these modules are instrumented (instrumenting all of microtensor as it is imported
    would slow every tensor operation down as well).
    """
    count = 0
    for module in modules:
        for value in list(vars(module).values()):
            if getattr(value, "__module__", None) != module.__name__:
                continue
            members = vars(value).values() if isinstance(value, type) else [value]
            for member in members:
                member = getattr(member, "__func__", member)  # staticmethod, classmethod
                if isinstance(member, types.FunctionType):
                    atheris.instrument_func(member)
                    count += 1
    return count


def wrap(loader: str, data: bytes) -> bytes:
    """The file an input stands for (see the module docstring)."""
    if not data:
        return data
    if loader == "all":
        loader = corpus.LOADERS[(data[0] >> 1) % len(corpus.LOADERS)]
    if data[0] % 2 == 0:
        return data[1:]
    body = data[1:]
    if loader == "torch":
        return corpus.torch_archive(body)
    if loader == "pickle":
        return corpus.legacy_file(body)
    return struct.pack("<Q", len(body)) + body + bytes(8)


def _write_corpus(loader: str, directory: str, canary: str) -> None:
    loaders = corpus.LOADERS if loader == "all" else (loader,)
    for which in loaders:
        tag = 2 * corpus.LOADERS.index(which)  # the first byte's loader bits, for "all"
        for i, (_, data) in enumerate(corpus.seeds(canary)[which]):
            _write(os.path.join(directory, f"{which}-{i}"), bytes([tag]) + data)
            inner = _inside(which, data)
            if inner is not None:
                _write(os.path.join(directory, f"{which}-inner-{i}"), bytes([tag + 1]) + inner)


def _write(path: str, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)


def _inside(loader: str, data: bytes) -> bytes | None:
    try:
        if loader == "torch":
            members = corpus.zip_members(data)
            return next(v for k, v in members.items() if k.endswith("data.pkl"))
        if loader == "safetensors":
            return data[8 : 8 + int.from_bytes(data[:8], "little")]
    except Exception:  # noqa: BLE001 - a seed that is not a valid container has no inside
        return None
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loader", choices=[*corpus.LOADERS, "all"], required=True)
    parser.add_argument("--measure-every", type=int, default=50)
    args, libfuzzer_args = parser.parse_known_args()
    instrument()
    canary_dir = tempfile.mkdtemp(prefix="microtensor-fuzz-canary-")
    positional = [a for a in libfuzzer_args if not a.startswith("-")]
    flags = [a for a in libfuzzer_args if a.startswith("-")]
    corpus_dirs = positional or [tempfile.mkdtemp(prefix=f"microtensor-fuzz-{args.loader}-")]
    if os.path.isdir(corpus_dirs[0]):  # (a file given instead is an input to replay)
        _write_corpus(args.loader, corpus_dirs[0], os.path.join(canary_dir, "canary"))
    harness.prime(corpus.seeds(os.path.join(canary_dir, "canary")))
    count = [0]

    def test_one_input(data: bytes) -> None:
        count[0] += 1
        measure = count[0] % args.measure_every == 0
        harness.check(wrap(args.loader, data), canary_dir, measure=measure)

    atheris.Setup([sys.argv[0], *flags, *corpus_dirs], test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
