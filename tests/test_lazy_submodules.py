"""torch's submodules reachable as attributes after `import microtensor`, loaded only on use."""

import subprocess
import sys

import pytest

LAZY = [
    "microtensor.profiler",
    "microtensor.autograd.profiler",
    "microtensor.autograd.profiler_util",
    "microtensor.hub",
    "microtensor.mps",
    "microtensor.xpu",
    "microtensor.types",
    "microtensor.overrides",
    "microtensor._dynamo",
    "microtensor.backends.mkldnn",
    "microtensor.backends.openmp",
    "microtensor.utils._pytree",
    "microtensor.nn.common_types",
    "microtensor.quasirandom",
    "microtensor.distributions",
    # namespaces that dir() lists but that a training script does not need at import
    "microtensor.fft",
    "microtensor.func",
    "microtensor.masked",
    "microtensor.multiprocessing",
    "microtensor.serialization",
    "microtensor.testing",
    "microtensor.train",
    "microtensor.viz",
    "microtensor.autograd.functional",
    "microtensor.utils.checkpoint",
    "microtensor.utils.data",
    "microtensor.nn.modules",
    "microtensor.nn.parallel",
    "microtensor.nn.utils",
    "microtensor.nn.utils.prune",
    "microtensor.nn.utils.stateless",
    "microtensor.nn.utils.rnn",
    "microtensor.nn.lazy",
    "microtensor.nn.conv",
    "microtensor.nn.normalization",
    "microtensor.nn.rnn",
    "microtensor.nn.transformer",
    "microtensor.nn.adaptive_softmax",
    "microtensor.nn.pixelshuffle",
    "microtensor.nn.padding",
    "microtensor.optim.lr_scheduler",
    "microtensor.optim.swa_utils",
    "microtensor.optim.lbfgs",
]

# what those namespaces pulled in: the standard library's process, socket and pickle machinery,
# and serialization's torch-format reader
NOT_IMPORTED = [
    "multiprocessing",
    "socket",
    "pickletools",
    "json",
    "html",
    "microtensor._torch_load",
    "microtensor._pickle_restricted",
    "microtensor.func.functional_call",
]

# public names that load their module on first use: (namespace, name, the defining module)
LAZY_NAMES = [
    ("microtensor", "vmap", "microtensor.func"),
    ("microtensor", "save", "microtensor.serialization"),
    ("microtensor", "load", "microtensor.serialization"),
    ("microtensor", "lstm", "microtensor._recurrent_layers"),
    ("microtensor", "gru_cell", "microtensor._recurrent_cells"),
    ("microtensor", "FloatTensor", "microtensor._legacy_tensor_types"),
    ("microtensor", "exp_", "microtensor._inplace_top_level"),
    ("microtensor", "SymInt", "microtensor._symbolic_numbers"),
    ("microtensor", "dropout", "microtensor._nn_top_level"),
    ("microtensor", "kl_div", "microtensor._loss_top_level"),
    ("microtensor", "Stream", "microtensor._streams"),
    ("microtensor.nn", "LazyLinear", "microtensor.nn.lazy"),
    ("microtensor.nn", "Conv2d", "microtensor.nn.conv"),
    ("microtensor.nn", "Embedding", "microtensor.nn.sparse"),
    ("microtensor.nn", "LSTM", "microtensor.nn.rnn"),
    ("microtensor.nn", "TransformerEncoderLayer", "microtensor.nn.transformer_layers"),
    ("microtensor.nn", "AdaptiveLogSoftmaxWithLoss", "microtensor.nn.adaptive_softmax"),
    ("microtensor.nn", "PixelShuffle", "microtensor.nn.pixelshuffle"),
    ("microtensor.nn", "TripletMarginLoss", "microtensor.nn.loss_margin"),
    ("microtensor.nn.utils", "fuse_conv_bn_eval", "microtensor.nn.utils.fusion"),
    ("microtensor.optim", "LBFGS", "microtensor.optim.lbfgs"),
    ("microtensor.optim", "RMSprop", "microtensor.optim.rmsprop"),
]


def _run(code):
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_import_microtensor_loads_none_of_them_and_attributes_load_each():
    probe = f"import sys, microtensor as mt; print(*[m in sys.modules for m in {LAZY!r}]); "
    reach = "; ".join(f"print(type({m.replace('microtensor', 'mt', 1)}).__name__)" for m in LAZY)
    assert _run(probe + reach) == ["False"] * len(LAZY) + ["module"] * len(LAZY)


@pytest.mark.parametrize(
    "owner",
    [
        "microtensor",
        "microtensor.autograd",
        "microtensor.backends",
        "microtensor.utils",
        "microtensor.nn",
    ],
)
def test_unknown_attributes_still_raise(owner):
    import importlib

    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        _ = importlib.import_module(owner).no_such_name


def test_import_microtensor_leaves_out_the_heavy_standard_modules():
    probe = f"import sys, microtensor; print(*[m in sys.modules for m in {NOT_IMPORTED!r}])"
    assert _run(probe) == ["False"] * len(NOT_IMPORTED)


@pytest.mark.parametrize(("namespace", "name", "module"), LAZY_NAMES)
def test_lazy_name_loads_its_module_on_first_use(namespace, name, module):
    owner = namespace.replace("microtensor", "mt", 1)
    probe = (
        f"import sys, microtensor as mt; import {namespace}; print({module!r} in sys.modules); "
        f"print({name!r} in dir({owner})); value = {owner}.{name}; "
        f"print(value.__module__.startswith({module!r})); print({module!r} in sys.modules); "
        f"from {namespace} import {name} as again; print(again is value)"
    )
    assert _run(probe) == ["False", "True", "True", "True", "True"]


def test_the_dataloader_imports_multiprocessing_with_its_first_workers():
    probe = (
        "import sys, microtensor as mt; from microtensor.utils.data import DataLoader; "
        "list(DataLoader(list(range(4)), batch_size=2)); print('multiprocessing' in sys.modules); "
        "list(DataLoader(list(range(4)), batch_size=2, num_workers=1)); "
        "print('multiprocessing' in sys.modules)"
    )
    assert _run(probe) == ["False", "True"]


@pytest.mark.parametrize(
    ("namespace", "names"),
    [
        ("nn", ("LazyLinear", "LSTM", "lazy", "rnn", "utils", "modules", "Linear")),
        ("optim", ("LBFGS", "lr_scheduler", "SGD")),
        ("autograd", ("gradcheck", "functional", "backward")),
        ("utils", ("checkpoint", "data")),
    ],
)
def test_dir_lists_the_lazy_names(namespace, names):
    import microtensor as mt

    assert set(names) <= set(dir(getattr(mt, namespace)))
    assert {"fft", "train", "viz", "save", "vmap", "FloatTensor"} <= set(dir(mt))
