"""DataLoader worker processes: the speed-up on a dataset whose ``__getitem__`` costs 1 ms.

Each sample burns 1 ms of CPU (a busy loop, as decoding or augmenting an image would), or, with
``--sleep``, waits 1 ms (as reading from a disk or a network would). One epoch is ``--samples``
samples in batches of ``--batch-size``; each configuration runs ``--repeats`` epochs and the
median epoch time is printed, with the speed-up over ``num_workers=0``. "fresh" epochs start
their workers each time (the default, ``persistent_workers=False``); "persistent" ones reuse
them, so their figure leaves out the start-up cost.

CPU-bound work cannot go faster than the number of free cores; waiting work can.

Usage: python -m benchmarks.dataloader_workers [--samples 400] [--workers 0 1 2 4] [--sleep]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import microtensor as mt
from microtensor.utils.data import DataLoader, Dataset


class OneMillisecond(Dataset):
    """Sample ``i`` is a small tensor; fetching it costs 1 ms of CPU (or of waiting)."""

    def __init__(self, n: int, sleep: bool) -> None:
        self.n = n
        self.sleep = sleep

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> tuple[mt.Tensor, int]:
        if self.sleep:
            time.sleep(0.001)
        else:
            end = time.perf_counter() + 0.001
            while time.perf_counter() < end:
                pass
        return mt.full((8,), float(i)), i


def epoch_seconds(loader: DataLoader, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        count = sum(len(labels) for _, labels in loader)
        times.append(time.perf_counter() - start)
        assert count == len(loader.dataset)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2, 4])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sleep", action="store_true", help="wait 1 ms instead of computing")
    args = parser.parse_args()
    dataset = OneMillisecond(args.samples, args.sleep)
    kind = "waiting" if args.sleep else "CPU"
    print(
        f"{args.samples} samples x 1 ms of {kind}, batches of {args.batch_size}, "
        f"{os.cpu_count()} cores, median of {args.repeats} epochs"
    )
    print(f"{'num_workers':>11}  {'workers':>10}  {'epoch (s)':>9}  {'speed-up':>8}")
    baseline = None
    for workers in args.workers:
        modes = ["fresh"] if workers == 0 else ["fresh", "persistent"]
        for mode in modes:
            loader = DataLoader(
                dataset,
                batch_size=args.batch_size,
                num_workers=workers,
                persistent_workers=mode == "persistent",
            )
            seconds = epoch_seconds(loader, args.repeats)
            baseline = baseline or seconds
            label = "-" if workers == 0 else mode
            print(f"{workers:>11}  {label:>10}  {seconds:>9.3f}  {baseline / seconds:>7.2f}x")
            del loader


if __name__ == "__main__":
    main()
