"""Print how microtensor fares on PyTorch's op database: PASS / WRONG / MISSING / ERROR.

Run from the repository root::

    python -m tests.parity.opinfo_report              # counts and the names by status
    python -m tests.parity.opinfo_report --not-yet    # also a NOT_YET dict to paste
    python -m tests.parity.opinfo_report --write-not-yet   # ... written into test_opinfo.py
    python -m tests.parity.opinfo_report --errors     # also torch's error inputs
    MICROTENSOR_OPINFO=thorough python -m tests.parity.opinfo_report   # every sample
    python -m tests.parity.opinfo_report --complex --not-yet   # the complex128 mode

Entries on ``NOT_PLANNED`` (tests/parity/test_opinfo.py) are listed with their reason and not
run; every other entry is run, including those on ``NOT_YET``, so the report shows which of
those now pass (to be removed from the list) and what still fails. With ``--complex`` the
same for the entries that torch runs in complex128 (the oracle's complex mode), against the
lists of ``tests/parity/test_opinfo_complex.py`` (``COMPLEX_NOT_PLANNED``, ``COMPLEX_NOT_YET``).
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import pathlib
import time

import torch

from tests.parity import oracle, test_opinfo_complex
from tests.parity.test_opinfo import ERROR_TYPES_DIFFER, NOT_PLANNED, NOT_YET

STATUSES = ("PASS", "WRONG", "MISSING", "ERROR")
TEST_FILE = pathlib.Path(__file__).with_name("test_opinfo.py")


@dataclasses.dataclass
class Mode:
    """Which entries run in which dtype, against which lists in which test file."""

    dtype: torch.dtype
    not_planned: dict[str, str]
    not_yet: dict[str, str]
    test_file: pathlib.Path
    list_name: str


FLOAT64 = Mode(torch.float64, NOT_PLANNED, NOT_YET, TEST_FILE, "NOT_YET")
COMPLEX = Mode(
    oracle.COMPLEX,
    test_opinfo_complex.COMPLEX_NOT_PLANNED,
    test_opinfo_complex.COMPLEX_NOT_YET,
    pathlib.Path(test_opinfo_complex.__file__),
    "COMPLEX_NOT_YET",
)


def run_all(mode: Mode = FLOAT64) -> dict[str, oracle.Result]:
    """The result of every entry of the mode that is not on its not-planned list, by entry id."""
    results = {}
    for op in oracle.entries() if mode is FLOAT64 else oracle.complex_entries():
        name = oracle.entry_id(op)
        if name not in mode.not_planned:
            results[name] = oracle.run_entry(op, mode.dtype)
    return results


def print_error_mismatches(results: dict[str, oracle.Result]) -> None:
    """For the passing entries: torch's error inputs on which microtensor raises another type."""
    mismatches = {}
    for op in oracle.entries():
        name = oracle.entry_id(op)
        if name in results and results[name].ok:
            found = oracle.error_mismatches(op, limit=50)
            if found:
                mismatches[name] = found
    count = sum(len(found) for found in mismatches.values())
    with_out = sum(", out=" in line for found in mismatches.values() for line in found)
    print(f"\nERROR INPUTS: {count} of torch's error inputs, in {len(mismatches)} entries, get")
    print(f"another exception type (or none) from microtensor; {with_out} of them pass out=")
    print(f"({oracle.NO_OUT_ARGUMENT}):")
    for name, found in sorted(mismatches.items()):
        listed = (
            f" [ERROR_TYPES_DIFFER: {ERROR_TYPES_DIFFER[name]}]"
            if name in ERROR_TYPES_DIFFER
            else ""
        )
        for line in found:
            print(f"  {name}: {line}{listed}")
    fixed = sorted(set(ERROR_TYPES_DIFFER) - set(mismatches))
    if fixed:
        print(f"\nOn ERROR_TYPES_DIFFER but matching now (remove them): {', '.join(fixed)}")


def main() -> None:
    """Run the entries and print the counts, the names and the details of failures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--not-yet", action="store_true", help="print a NOT_YET dict to paste")
    parser.add_argument("--write-not-yet", action="store_true", help="write it into the test file")
    parser.add_argument(
        "--errors", action="store_true", help="also run torch's error inputs (exception types)"
    )
    parser.add_argument(
        "--complex", action="store_true", help="the complex128 samples (test_opinfo_complex.py)"
    )
    args = parser.parse_args()
    mode = COMPLEX if args.complex else FLOAT64
    not_planned, not_yet = mode.not_planned, mode.not_yet
    start = time.perf_counter()
    results = run_all(mode)
    seconds = time.perf_counter() - start
    by_status = collections.defaultdict(list)
    for name, result in results.items():
        by_status[result.status].append(name)
    total = len(results) + len(not_planned)
    limit = oracle.SAMPLES_PER_ENTRY if mode is FLOAT64 else oracle.COMPLEX_SAMPLES_PER_ENTRY
    bound = "every sample" if limit is None else f"{limit} samples"
    dtype = str(mode.dtype).removeprefix("torch.")
    print(f"OpInfo entries on the CPU in {dtype}: {total} ({bound}, {seconds:.0f} s)")
    for status in STATUSES:
        print(f"  {status:8s} {len(by_status[status]):4d}")
    print(f"  {'NOT_PLANNED':8s} {len(not_planned):4d}")
    for status in STATUSES[1:]:
        print(f"\n{status} ({len(by_status[status])}):")
        for name in sorted(by_status[status]):
            print(f"  {name}: {results[name].detail}")
    print(f"\nPASS ({len(by_status['PASS'])}): " + ", ".join(sorted(by_status["PASS"])))
    print(f"\nNOT_PLANNED ({len(not_planned)}):")
    for name, reason in sorted(not_planned.items()):
        print(f"  {name}: {reason}")
    print("\nCompared otherwise than as torch's values stand (oracle.py, with reasons):")
    for name, (reason, *_) in sorted(oracle.UP_TO_SIGN.items()):
        print(f"  {name}: UP_TO_SIGN: {reason}")
    for name, (atol, reason) in sorted(oracle.TORCH_LESS_ACCURATE.items()):
        print(f"  {name}: TORCH_LESS_ACCURATE (atol {atol:g}): {reason}")
    for name, reason in sorted(oracle.TORCH_GRADIENT_WRONG.items()):
        print(f"  {name}: TORCH_GRADIENT_WRONG: {reason}")
    for name, reason in sorted(oracle.SEED_FREE_AFTER_PROCESSING.items()):
        print(f"  {name}: SEED_FREE_AFTER_PROCESSING: {reason}")
    passing = sorted(name for name in not_yet if results.get(name, oracle.Result("")).ok)
    if passing:
        print(f"\nOn NOT_YET but passing now (remove them from the list): {', '.join(passing)}")
    failing = sorted(n for n, r in results.items() if not r.ok and n not in not_yet)
    if failing:
        print(f"\nFailing and not on NOT_YET (the test fails on them): {', '.join(failing)}")
    if args.errors:
        print_error_mismatches(results)
    if args.not_yet or args.write_not_yet:
        block = not_yet_block(results, mode.list_name)
        print("\n" + block)
        if args.write_not_yet:
            write_not_yet(block, mode.test_file, mode.list_name)
            print(f"\nwritten to {mode.test_file}")


def not_yet_block(results: dict[str, oracle.Result], list_name: str = "NOT_YET") -> str:
    """The NOT_YET assignment for the entries that do not pass, with their first failure."""
    lines = [f"{list_name}: dict[str, str] = {{"]
    for name in sorted(n for n, r in results.items() if not r.ok):
        detail = f"{results[name].status}: {results[name].detail}".replace('"', "'")
        lines.append(f'    "{name}": "{detail[:160]}",')
    return "\n".join([*lines, "}"])


def write_not_yet(
    block: str, test_file: pathlib.Path = TEST_FILE, list_name: str = "NOT_YET"
) -> None:
    """Replace the NOT_YET assignment (``list_name``) in ``test_file`` by ``block``."""
    text = test_file.read_text()
    head = f"{list_name}: dict[str, str] = {{"
    start = text.index("\n" + head) + 1
    if text.startswith(head + "}", start):
        end = start + len(head) + 1
    else:
        end = text.index("\n}", start) + len("\n}")
    test_file.write_text(text[:start] + block + text[end:])


if __name__ == "__main__":
    main()
