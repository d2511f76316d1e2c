"""microtensor._inductor.config against torch._inductor.config: defaults, sections, patch, errors."""

import pytest
import torch._inductor.config as torch_config

import microtensor._inductor.config as config


def test_defaults_are_torchs():
    ours = config.get_config_copy()
    theirs = torch_config.get_config_copy()
    assert ours == {name: theirs[name] for name in ours}


def test_sections_set_and_patch_like_torch():
    config.triton.cudagraphs = True
    try:
        assert config.get_config_copy()["triton.cudagraphs"] is True
    finally:
        config.triton.cudagraphs = False
    with config.patch("max_autotune", True), config.patch({"cpp.threads": 4}):
        assert (config.max_autotune, config.cpp.threads) == (True, 4)
    assert (config.max_autotune, config.cpp.threads) == (False, -1)


def test_unknown_names_raise_attribute_error_as_torch():
    with pytest.raises(AttributeError, match=r"_inductor.config.no_such_setting does not exist"):
        config.no_such_setting = 1
    with pytest.raises(AttributeError, match=r"_inductor.config.triton.nope does not exist"):
        _ = config.triton.nope
    with pytest.raises(AttributeError):
        torch_config.no_such_setting = 1
