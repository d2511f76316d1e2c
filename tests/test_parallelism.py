import pytest

import microtensor as mt


def test_set_num_threads_limits_the_blas():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = mt.get_num_threads()
    try:
        mt.set_num_threads(1)
        assert mt.get_num_threads() == 1
        blas = [p for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
        assert blas and all(p["num_threads"] == 1 for p in blas)
    finally:
        mt.set_num_threads(before)
    assert mt.get_num_threads() == before


def test_interop_threads_are_recorded():
    before = mt.get_num_interop_threads()
    mt.set_num_interop_threads(3)
    assert mt.get_num_interop_threads() == 3
    mt.set_num_interop_threads(before)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_bad_counts_raise_like_torch(bad):
    with pytest.raises(RuntimeError, match="set_num_threads expects a positive integer"):
        mt.set_num_threads(bad)
    with pytest.raises(RuntimeError, match="expects a positive integer"):
        mt.set_num_interop_threads(bad)
