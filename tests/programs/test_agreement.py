"""The record comparison of tests/programs can fail: it tells torch's numbers from others."""

import pytest

from tests.programs.agreement import assert_same_record


def test_numbers_agree_to_float32_rounding_only():
    assert_same_record([1.0, [2.0, 3]], [1.0 + 1e-6, [2.0, 3]])
    with pytest.raises(AssertionError, match="record 0 differs"):
        assert_same_record([1.001], [1.0])
    with pytest.raises(AssertionError, match="record 1 differs"):
        assert_same_record([1.0, [2.0, 4]], [1.0, [2.0, 3]])


def test_printed_numbers_may_differ_in_the_last_digit_only():
    assert_same_record(["loss: 2.290723  [   32/  128]"], ["loss: 2.290722  [   32/  128]"])
    with pytest.raises(AssertionError):
        assert_same_record(["loss: 2.291722"], ["loss: 2.290722"])
    with pytest.raises(AssertionError):
        assert_same_record(["Accuracy: 7 %"], ["Accuracy: 8 %"])


def test_only_the_library_name_may_differ_in_text():
    assert_same_record(["microtensor.Size([2, 3])"], ["torch.Size([2, 3])"])
    with pytest.raises(AssertionError):
        assert_same_record(["Size([2, 3])"], ["torch.Size([2, 3])"])
    with pytest.raises(AssertionError, match="records"):
        assert_same_record([1.0], [1.0, 2.0])
