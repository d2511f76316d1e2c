"""DataLoader (microtensor/utils/data/dataloader.py), loading in the main process."""

import collections

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor.utils.data import (
    DataLoader,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    default_collate,
    get_worker_info,
    random_split,
)
from microtensor.utils.data.sampler import BatchSampler, SequentialSampler

Point = collections.namedtuple("Point", "x label")


class Dicts(Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"x": np.full(3, i, dtype=np.float32), "label": i, "weight": i / 2, "name": f"s{i}"}


class Stream(IterableDataset):
    def __init__(self, n, length=True):
        self.n, self.has_len = n, length

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        if not self.has_len:
            raise TypeError("no len")
        return self.n


def _dataset(n=10, dim=3):
    x = mt.tensor(np.arange(n * dim, dtype=np.float32).reshape(n, dim))
    return TensorDataset(x, mt.arange(n))


def _labels(loader):
    return [y.tolist() for _, y in loader]


# --- coverage, len, shapes ------------------------------------------------------------------


@pytest.mark.parametrize(
    "n, batch_size, drop_last",
    [(10, 3, False), (10, 3, True), (9, 3, True), (10, 1, False), (4, 10, False), (4, 10, True)],
)
@pytest.mark.parametrize("shuffle", [False, True])
def test_every_sample_once_len_and_shapes(n, batch_size, drop_last, shuffle):
    loader = DataLoader(
        _dataset(n),
        batch_size=batch_size,
        shuffle=shuffle,
        drop_last=drop_last,
        generator=mt.Generator().manual_seed(0),
    )
    batches = list(loader)
    expected_batches = n // batch_size if drop_last else -(-n // batch_size)
    assert len(loader) == len(batches) == expected_batches
    seen = [i for _, y in batches for i in y.tolist()]
    if drop_last:
        assert len(seen) == expected_batches * batch_size and len(set(seen)) == len(seen)
    else:
        assert sorted(seen) == list(range(n))
    for k, (x, y) in enumerate(batches):
        size = batch_size if (drop_last or k < len(batches) - 1) else n - k * batch_size
        assert x.shape == (size, 3) and x.dtype == mt.float32
        assert y.shape == (size,) and y.dtype == mt.int64
        np.testing.assert_array_equal(x.numpy()[:, 0], y.numpy() * 3)  # rows stay paired


def test_batches_are_lists_like_torch():
    batch = next(iter(DataLoader(_dataset(), batch_size=4)))
    torch_batch = next(
        iter(
            torch.utils.data.DataLoader(
                torch.utils.data.TensorDataset(torch.zeros(10, 3), torch.arange(10)), batch_size=4
            )
        )
    )
    assert type(batch) is type(torch_batch) is list


def test_no_shuffle_is_in_order():
    assert _labels(DataLoader(_dataset(7), batch_size=3)) == [[0, 1, 2], [3, 4, 5], [6]]


def test_shuffle_changes_order_and_is_reproducible():
    def epochs(seed):
        loader = DataLoader(
            _dataset(20), batch_size=5, shuffle=True, generator=mt.Generator().manual_seed(seed)
        )
        return [_labels(loader) for _ in range(2)]

    first = epochs(1)
    assert first == epochs(1)
    assert first != epochs(2)
    assert first[0] != first[1]  # a new permutation each epoch
    assert first[0] != _labels(DataLoader(_dataset(20), batch_size=5))


def test_shuffle_without_generator_follows_manual_seed():
    loader = DataLoader(_dataset(20), batch_size=20, shuffle=True)
    mt.manual_seed(5)
    a = _labels(loader)
    mt.manual_seed(5)
    assert _labels(loader) == a


def test_shuffle_first_epoch_is_uniform_over_seeds():
    # chi-square per position over 2000 seeded shuffles of 5 items; 18.47 is the 0.999
    # quantile for 4 degrees of freedom, so a correct shuffle fails with probability ~0.5%
    n, trials = 5, 2000
    counts = np.zeros((n, n))
    ds = TensorDataset(mt.arange(n))
    for seed in range(trials):
        (order,) = next(
            iter(
                DataLoader(
                    ds, batch_size=n, shuffle=True, generator=mt.Generator().manual_seed(seed)
                )
            )
        )
        counts[np.arange(n), order.numpy()] += 1
    expected = trials / n
    chi2 = ((counts - expected) ** 2 / expected).sum(axis=1)
    assert (chi2 < 18.47).all(), chi2
    assert (counts > 0).all()


# --- fast path: TensorDataset and Subsets of it ------------------------------------------------


def _slow(batch):
    return default_collate(batch)


@pytest.mark.parametrize("wrap", ["plain", "subset", "nested", "split"])
def test_fast_path_equals_per_sample_collation(wrap):
    ds = _dataset(23)
    if wrap == "subset":
        ds = Subset(ds, [5, 3, 22, 0, 7, 11, 1])
    elif wrap == "nested":
        ds = Subset(Subset(ds, list(range(22, 2, -1))), [0, 4, 19, 8, 2])
    elif wrap == "split":
        ds = random_split(ds, [0.7, 0.3], generator=mt.Generator().manual_seed(0))[1]
    for shuffle in (False, True):
        fast = DataLoader(
            ds, batch_size=4, shuffle=shuffle, generator=mt.Generator().manual_seed(3)
        )
        slow = DataLoader(
            ds,
            batch_size=4,
            shuffle=shuffle,
            collate_fn=_slow,
            generator=mt.Generator().manual_seed(3),
        )
        fast_batches, slow_batches = list(fast), list(slow)
        assert len(fast_batches) == len(slow_batches) == len(fast)
        for f, s in zip(fast_batches, slow_batches, strict=True):
            assert type(f) is type(s) is list
            for a, b in zip(f, s, strict=True):
                assert a.dtype == b.dtype
                np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_fast_path_builds_no_samples(monkeypatch):
    def no_samples(self, index):
        raise AssertionError("the fast path must not fetch samples one by one")

    ds = _dataset(10)
    monkeypatch.setattr(TensorDataset, "__getitem__", no_samples)
    assert _labels(DataLoader(Subset(ds, [9, 8, 1]), batch_size=2)) == [[9, 8], [1]]


def test_fast_path_batches_own_their_memory():
    ds = _dataset(4)
    x, _ = next(iter(DataLoader(ds, batch_size=2)))
    x.numpy()[:] = -1
    assert ds.tensors[0].numpy().min() == 0


def test_fast_path_with_custom_batch_sampler():
    loader = DataLoader(_dataset(6), batch_sampler=[[5, 0], [2], [1, 1, 3]])
    assert _labels(loader) == [[5, 0], [2], [1, 1, 3]]
    assert len(loader) == 3


def test_fast_path_index_errors():
    with pytest.raises(IndexError, match="index 7 is out of range for a dataset of 6 samples"):
        list(DataLoader(_dataset(6), batch_sampler=[[0, 7]]))
    with pytest.raises(IndexError, match="Subset index is out of range for a TensorDataset of 6"):
        list(DataLoader(Subset(_dataset(6), [0, 6]), batch_size=2))


def test_requires_grad_tensors_are_stacked_with_a_graph():
    w = mt.ones(4, 2, requires_grad=True)
    (x,) = next(iter(DataLoader(TensorDataset(w), batch_size=2)))
    assert x.requires_grad
    x.sum().backward()
    assert w.grad.tolist() == [[1.0, 1.0], [1.0, 1.0], [0.0, 0.0], [0.0, 0.0]]


# --- collation -----------------------------------------------------------------------------------


def test_dict_dataset_collation():
    batch = next(iter(DataLoader(Dicts(), batch_size=3)))
    assert list(batch) == ["x", "label", "weight", "name"]
    assert batch["x"].shape == (3, 3) and batch["x"].dtype == mt.float32
    assert batch["label"].dtype == mt.int64 and batch["label"].tolist() == [0, 1, 2]
    assert batch["weight"].dtype == mt.float64 and batch["weight"].tolist() == [0.0, 0.5, 1.0]
    assert batch["name"] == ["s0", "s1", "s2"]


def test_custom_collate_fn():
    loader = DataLoader(Dicts(), batch_size=2, collate_fn=lambda b: [s["name"] for s in b])
    assert list(loader) == [["s0", "s1"], ["s2", "s3"], ["s4"]]


def test_batch_size_none_disables_batching():
    loader = DataLoader(Dicts(), batch_size=None)
    samples = list(loader)
    assert len(loader) == len(samples) == 5
    assert samples[2]["label"] == 2 and samples[2]["weight"] == 1.0  # numbers stay numbers
    assert isinstance(samples[2]["x"], mt.Tensor) and samples[2]["x"].shape == (3,)
    x, y = next(iter(DataLoader(_dataset(3), batch_size=None)))
    assert x.shape == (3,) and y.item() == 0


# --- samplers and options ------------------------------------------------------------------------


def test_sampler_and_batch_sampler_options():
    ds = _dataset(6)
    assert _labels(DataLoader(ds, batch_size=2, sampler=[5, 4, 3, 2, 1, 0])) == [
        [5, 4],
        [3, 2],
        [1, 0],
    ]
    batches = BatchSampler(SequentialSampler(ds), batch_size=4, drop_last=True)
    loader = DataLoader(ds, batch_sampler=batches)
    assert len(loader) == 1 and _labels(loader) == [[0, 1, 2, 3]]


def test_option_errors():
    ds = _dataset(4)
    cases = [
        (dict(shuffle=True, sampler=[0]), "sampler option is mutually exclusive with shuffle"),
        (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
        (dict(batch_sampler=[[0]], drop_last=True), "batch_sampler option is mutually exclusive"),
        (dict(batch_size=None, drop_last=True), "batch_size=None option disables auto-batching"),
        (dict(num_workers=-1), "num_workers option should be non-negative"),
        (dict(timeout=-1), "timeout option should be non-negative"),
        (dict(prefetch_factor=2), "prefetch_factor option could only be specified"),
        (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
        (dict(batch_size=0), "batch_size should be a positive integer value, but got batch_size=0"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            DataLoader(ds, **kwargs)


def test_compatibility_options_are_accepted_in_process():
    loader = DataLoader(_dataset(5), batch_size=2, pin_memory=True, pin_memory_device="", timeout=1)
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no accel"):
        assert _labels(loader) == [[0, 1], [2, 3], [4]]
    assert get_worker_info() is None


def test_iterable_dataset():
    loader = DataLoader(Stream(7), batch_size=3)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(loader) == 3
    dropped = DataLoader(Stream(7), batch_size=3, drop_last=True)
    assert len(dropped) == 2 and len(list(dropped)) == 2
    unbatched = DataLoader(Stream(3), batch_size=None)
    assert list(unbatched) == [0, 1, 2] and len(unbatched) == 3
    with pytest.raises(TypeError, match="no len"):
        len(DataLoader(Stream(3, length=False)))


def test_iterable_dataset_option_errors():
    with pytest.raises(
        ValueError, match="expected unspecified shuffle option, but got shuffle=True"
    ):
        DataLoader(Stream(3), shuffle=True)
    with pytest.raises(ValueError, match="expected unspecified sampler option"):
        DataLoader(Stream(3), sampler=[0, 1])
    with pytest.raises(ValueError, match="expected unspecified batch_sampler option"):
        DataLoader(Stream(3), batch_sampler=[[0]])


def test_map_dataset_without_fast_path_uses_getitems():
    class Batched:
        def __len__(self):
            return 4

        def __getitems__(self, indices):
            return [i * 10 for i in indices]

    assert [b.tolist() for b in DataLoader(Batched(), batch_size=3)] == [[0, 10, 20], [30]]
