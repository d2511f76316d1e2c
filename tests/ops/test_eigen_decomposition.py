"""linalg.eigh, eigvalsh, eig and eigvals of real matrices (complex ones: test_complex_linalg)."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch
from tests.ops.linalg_checks import compare_up_to_signs


def _symmetric(rng, shape):
    a = rng.standard_normal(shape)
    return a + np.swapaxes(a, -1, -2)


def _real_spectrum(rng, n, batch=()):
    """V diag(1, 2.5, 4, ...) V^-1: distinct real eigenvalues, not symmetric."""
    v = rng.standard_normal(batch + (n, n)) + 2 * np.eye(n)
    return v @ (np.linspace(1, 4, n)[:, None] * np.linalg.inv(v))


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1)])
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_matches_torch(shape, uplo):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape)  # eigh reads one triangle only, as PyTorch
    compare_up_to_signs(
        lambda x: mt.linalg.eigh(x, uplo),
        lambda x: torch.linalg.eigh(x, uplo),
        a,
        (None, "cols"),
        rng,
        reference=1,
    )


def test_eigvalsh_matches_torch_and_gradgradcheck():
    rng = np.random.default_rng(1)
    compare_with_torch(mt.linalg.eigvalsh, torch.linalg.eigvalsh, [_symmetric(rng, (2, 3, 3))])
    check_gradients(lambda x: mt.linalg.eigvalsh(x + x.mT), [rng.standard_normal((3, 3))])


def test_eigh_gradgradcheck():
    rng = np.random.default_rng(2)
    check_gradients(
        lambda x: tuple(v * v for v in mt.linalg.eigh(x + x.mT)), [rng.standard_normal((3, 3))]
    )


@pytest.mark.parametrize("batch", [(), (2,)])
def test_eig_matches_torch_on_real_spectra(batch):
    rng = np.random.default_rng(3)
    a = _real_spectrum(rng, 3, batch)

    def torch_eig(x):
        values, vectors = torch.linalg.eig(x)
        return values.real, vectors.real

    def mt_eig(x):
        values, vectors = mt.linalg.eig(x)
        return values.real, vectors.real

    compare_up_to_signs(mt_eig, torch_eig, a, (None, "cols"), rng, reference=1)
    compare_with_torch(
        lambda x: mt.linalg.eigvals(x).real, lambda x: torch.linalg.eigvals(x).real, [a]
    )


def test_eig_gradgradcheck():
    a = _real_spectrum(np.random.default_rng(4), 3)
    check_gradients(lambda x: tuple(v.real * v.real for v in mt.linalg.eig(x)), [a])


def test_eig_errors():
    with pytest.raises(RuntimeError, match=r"linalg.eig: input tensor should not contain infs"):
        mt.linalg.eig(mt.tensor([[0.0, float("nan")], [-1.0, 0.0]]))
    with pytest.raises(RuntimeError, match=r"linalg.eig: Expected a floating point or complex"):
        mt.linalg.eig(mt.ones(2, 2, dtype=mt.int64))
    with pytest.raises(RuntimeError, match=r"linalg.eigh: A must be batches of square matrices"):
        mt.linalg.eigh(mt.ones(2, 3))
    with pytest.raises(RuntimeError, match=r"Expected UPLO argument to be 'L' or 'U'"):
        mt.linalg.eigh(mt.eye(2), "X")
