"""Crash-safe saves (microtensor/serialization.py): ``kill -9`` at random moments mid-save.

A forked child saves over an existing checkpoint again and again, acknowledging each save
through a pipe; it is killed with SIGKILL at a random moment. The checkpoint must then load
whole: the last acknowledged save ("old") or the one after it ("new", finished but not yet
acknowledged), never a partial file; a temporary file the killed save left behind is removed
by the next save. The suite runs 20 trials of 1 KB to 2 MB; set MICROTENSOR_CRASH_TRIALS=200
and MICROTENSOR_CRASH_MAX_BYTES=100000000 for the full run (it prints its figures).
"""

import os
import signal
import struct
import sys
import time
import warnings

import numpy as np
import pytest

import microtensor as mt
from microtensor import _atomic_file

TRIALS = int(os.environ.get("MICROTENSOR_CRASH_TRIALS", "20"))
MAX_BYTES = int(os.environ.get("MICROTENSOR_CRASH_MAX_BYTES", str(2 << 20)))

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork") or sys.platform == "emscripten", reason="needs fork and SIGKILL"
)


def _checkpoint(step, nbytes):
    weights = np.arange(max(nbytes // 8, 1), dtype=np.float64) + step
    return {"step": step, "model": {"w": mt.Tensor._make(weights)}, "note": f"step {step}"}


def _assert_intact(loaded, nbytes):
    step = loaded["step"]
    expected = np.arange(max(nbytes // 8, 1), dtype=np.float64) + step
    np.testing.assert_array_equal(loaded["model"]["w"].numpy(), expected)
    assert loaded["note"] == f"step {step}"
    return step


def _save_forever(path, nbytes, ack):
    step = 0
    while True:
        step += 1
        mt.save(_checkpoint(step, nbytes), path)
        os.write(ack, struct.pack("<q", step))


def _fork_saver(path, nbytes):
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork with threads
        pid = os.fork()
    if pid == 0:  # the child: save until killed
        os.close(read_end)
        try:
            _save_forever(path, nbytes, write_end)
        finally:
            os._exit(1)
    os.close(write_end)
    return pid, read_end


def _last_ack(read_end):
    data = b""
    while chunk := os.read(read_end, 1 << 16):
        data += chunk
    os.close(read_end)
    return struct.unpack_from("<q", data, len(data) - 8)[0] if len(data) >= 8 else 0


def _trial(directory, nbytes, suffix, rng):
    path = os.path.join(directory, f"ckpt{suffix}")
    start = time.perf_counter()
    mt.save(_checkpoint(0, nbytes), path)  # the existing checkpoint
    one_save = time.perf_counter() - start
    pid, read_end = _fork_saver(path, nbytes)
    time.sleep(rng.uniform(0, 3 * one_save + 0.002))
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    acknowledged = _last_ack(read_end)
    step = _assert_intact(mt.load(path), nbytes)
    assert step in (acknowledged, acknowledged + 1), (step, acknowledged)
    strays = [name for name in os.listdir(directory) if name.endswith(".tmp")]
    if strays:
        mt.save(_checkpoint(0, nbytes), path)  # the next save cleans up after the killed one
        assert [name for name in os.listdir(directory) if name.endswith(".tmp")] == []
        assert _assert_intact(mt.load(path), nbytes) == 0
    os.unlink(path)
    return "old" if step == acknowledged else "new", len(strays)


def test_sigkill_mid_save_leaves_the_old_or_the_new_checkpoint_whole(tmp_path):
    rng = np.random.default_rng(0)
    sizes = np.exp(rng.uniform(np.log(1 << 10), np.log(MAX_BYTES), TRIALS)).astype(int)
    outcomes = {"old": 0, "new": 0}
    cleaned = 0
    for i, nbytes in enumerate(sizes):
        outcome, strays = _trial(str(tmp_path), int(nbytes), (".safetensors", ".pt")[i % 2], rng)
        outcomes[outcome] += 1
        cleaned += strays
    print(
        f"\n{TRIALS} trials, {sizes.min()}..{sizes.max()} bytes: {outcomes}, "
        f"{cleaned} stray temporary files cleaned by the next save"
    )
    assert sum(outcomes.values()) == TRIALS


def test_stray_temporaries_of_live_processes_are_kept(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    live = tmp_path / f".ckpt.safetensors.{os.getpid()}.0123456789ab.tmp"  # a save in progress
    dead_pid = _dead_pid()
    dead = tmp_path / f".ckpt.safetensors.{dead_pid}.0123456789ab.tmp"
    other = tmp_path / f".other.safetensors.{dead_pid}.0123456789ab.tmp"  # another target's
    for stray in (live, dead, other):
        stray.write_bytes(b"partial")
    mt.save({"step": 1}, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [live.name, other.name, "ckpt.safetensors"]
    )
    assert _atomic_file._remove_stray_temporaries(str(tmp_path), "other.safetensors") == [
        other.name
    ]


def _dead_pid():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid
