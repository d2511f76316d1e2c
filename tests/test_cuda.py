"""microtensor.cuda and microtensor.backends answer as torch does without a GPU; onnx imports."""

import pytest
import torch

import microtensor as mt


def test_queries_match_torch_on_a_machine_without_cuda():
    assert mt.cuda.is_available() is False
    assert mt.cuda.device_count() == 0
    assert mt.cuda.is_initialized() is False
    assert mt.backends.mps.is_available() is False
    assert mt.backends.cuda.is_built() is False
    if not torch.cuda.is_available():  # the CPU build of torch the tests use
        assert torch.cuda.device_count() == mt.cuda.device_count()
        assert torch.backends.cuda.is_built() == mt.backends.cuda.is_built()


def test_seeding_synchronizing_and_cache_calls_do_nothing():
    mt.manual_seed(3)
    expected = mt.rand(3).tolist()
    mt.manual_seed(3)
    for call in (
        lambda: mt.cuda.manual_seed(0),
        lambda: mt.cuda.manual_seed_all(0),
        lambda: mt.cuda.seed(),
        lambda: mt.cuda.seed_all(),
        lambda: mt.cuda.synchronize(),
        mt.cuda.empty_cache,
    ):
        assert call() is None
    assert mt.rand(3).tolist() == expected  # the CPU generator is untouched


@pytest.mark.parametrize(
    "call",
    [
        lambda: mt.cuda.get_device_name(0),
        lambda: mt.cuda.set_device(0),
        mt.cuda.current_device,
        mt.cuda.get_device_properties,
        mt.cuda.get_device_capability,
        mt.cuda.get_rng_state,
        mt.cuda.initial_seed,
        mt.cuda.init,
        mt.cuda.current_stream,
        mt.cuda.mem_get_info,
        mt.cuda.memory_summary,
    ],
)
def test_what_needs_a_gpu_raises_clearly(call):
    with pytest.raises(RuntimeError, match="runs on the CPU only and has no CUDA device"):
        call()
    with pytest.raises(AssertionError):  # what a CPU-only torch raises from most of these
        call()


@pytest.mark.parametrize(
    "name",
    [
        "memory_allocated",
        "max_memory_allocated",
        "memory_reserved",
        "max_memory_reserved",
        "memory_stats",
        "memory_stats_as_nested_dict",
        "get_arch_list",
        "get_gencode_flags",
        "is_bf16_supported",
        "is_tf32_supported",
        "get_rng_state_all",
    ],
)
def test_statistics_and_queries_answer_as_a_cpu_only_torch(name):
    answer = getattr(mt.cuda, name)()
    assert answer == getattr(torch.cuda, name)()
    assert type(answer) is type(getattr(torch.cuda, name)())
    assert getattr(mt.cuda.memory, name, getattr(mt.cuda, name))() == answer


def test_deprecated_memory_names_warn_as_torchs():
    for name in ("memory_cached", "max_memory_cached"):
        with pytest.warns(FutureWarning, match="renamed to `torch.cuda") as got:
            assert getattr(mt.cuda, name)() == 0
        with pytest.warns(FutureWarning) as expected:
            getattr(torch.cuda, name)()
        assert str(got[0].message) == str(expected[0].message)
    for name in ("reset_max_memory_allocated", "reset_max_memory_cached"):
        with pytest.warns(FutureWarning, match="reset_peak_memory_stats"):
            assert getattr(mt.cuda, name)() is None
    assert mt.cuda.reset_peak_memory_stats() is None
    assert mt.cuda.set_rng_state_all([]) is None


def test_cudnn_flags_are_accepted():
    cudnn = mt.backends.cudnn
    assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == (
        torch.backends.cudnn.enabled,
        torch.backends.cudnn.benchmark,
        torch.backends.cudnn.deterministic,
    )
    old = cudnn.benchmark, cudnn.deterministic
    try:
        cudnn.benchmark, cudnn.deterministic = True, True
        assert mt.backends.cudnn.benchmark and mt.backends.cudnn.deterministic
    finally:
        cudnn.benchmark, cudnn.deterministic = old
    assert cudnn.is_available() is False


def test_onnx_module_imports_like_torch_onnx():
    import inspect

    import microtensor.onnx

    first = list(inspect.signature(microtensor.onnx.export).parameters)[:3]
    assert first == list(inspect.signature(torch.onnx.export).parameters)[:3]


@pytest.mark.parametrize("lib", [mt, torch], ids=["microtensor", "torch"])
def test_gpu_scripts_precision_and_attention_switches_are_kept(lib):
    matmul = lib.backends.cuda.matmul
    before = matmul.allow_tf32
    assert before is False and matmul.allow_fp16_reduced_precision_reduction is True
    matmul.allow_tf32 = True
    if lib is mt:  # torch's test internals (imported by other tests) freeze cudnn's flags
        lib.backends.cudnn.allow_tf32 = True
    assert matmul.allow_tf32 is True
    matmul.allow_tf32 = before
    with pytest.raises(AttributeError, match="Unknown attribute foo"):
        matmul.foo = 1
    with pytest.raises(AttributeError, match="Unknown attribute foo"):
        matmul.foo  # noqa: B018
    assert lib.backends.cuda.flash_sdp_enabled()
    lib.backends.cuda.enable_flash_sdp(False)
    assert not lib.backends.cuda.flash_sdp_enabled()
    lib.backends.cuda.enable_flash_sdp(True)
    assert lib.backends.cuda.math_sdp_enabled() and lib.backends.cuda.mem_efficient_sdp_enabled()
