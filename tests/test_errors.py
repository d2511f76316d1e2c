"""A table of wrong calls: each gives PyTorch's exception type and a message naming the
problem (shapes, dims, dtypes), never a raw NumPy traceback."""

import fractions
import io
import pickle
from pathlib import Path

import numpy as np
import pytest

import microtensor as mt
from microtensor import nn
from microtensor.nn import functional as F
from microtensor.utils import data


def _x():
    return mt.ones(2, 3)


def _backward_twice():
    loss = mt.ones(2, requires_grad=True).exp().sum()
    loss.backward()
    loss.backward()


def _torch_file_with_unknown_class():
    """Load a ``.pt`` checkpoint (torch's zip format) holding a class outside the allow-list.

    ``torch.load`` of the same bytes raises ``pickle.UnpicklingError`` with the same advice.
    """
    buffer = io.BytesIO()
    mt.save({"weight": mt.ones(2), "ratio": fractions.Fraction(1, 3)}, buffer)
    buffer.seek(0)
    return mt.load(buffer)


def _mlp(hidden):
    return nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, 1))


def _mha(**options):
    return nn.MultiheadAttention(8, 2, **options)


def _weights_file():
    """A weights-only checkpoint (what ModelCheckpoint writes by default), in a fresh folder."""
    import tempfile

    path = Path(tempfile.mkdtemp()) / "weights.safetensors"
    mt.save(nn.Linear(1, 1).state_dict(), path)
    return path


WRONG_CALLS = [
    (
        "matmul shapes",
        lambda: mt.ones(3, 4) @ mt.ones(5, 2),
        RuntimeError,
        r"matmul\(\): .*shapes \(3, 4\) and \(5, 2\) cannot be multiplied",
    ),
    (
        "broadcast",
        lambda: mt.ones(2, 3) + mt.ones(4),
        RuntimeError,
        r"add\(\).*size of tensor a \(3\) must match the size of tensor b \(4\)",
    ),
    (
        "non-scalar backward",
        lambda: (mt.ones(2, requires_grad=True) * 2).backward(),
        RuntimeError,
        r"grad can be implicitly created only for scalar outputs",
    ),
    (
        "int requires_grad",
        lambda: mt.tensor([1, 2], requires_grad=True),
        RuntimeError,
        r"Only Tensors of floating point and complex dtype can require gradients",
    ),
    (
        "sum bad dim",
        lambda: _x().sum(dim=2),
        IndexError,
        r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)",
    ),
    ("mean bad dim", lambda: _x().mean(dim=-3), IndexError, r"Dimension out of range"),
    ("softmax bad dim", lambda: mt.softmax(_x(), dim=5), IndexError, r"Dimension out of range"),
    ("transpose bad dim", lambda: _x().transpose(0, 3), IndexError, r"Dimension out of range"),
    ("bad dtype", lambda: mt.zeros(2, dtype="complex64"), TypeError, r"argument 'dtype' must be microtensor.dtype, not str"),
    ("reshape", lambda: _x().reshape(4, 2), RuntimeError, r"shape '\[4, 2\]' is invalid .*6"),
    (
        "cat shapes",
        lambda: mt.cat([mt.ones(2, 3), mt.ones(2, 4)]),
        RuntimeError,
        r"Sizes of tensors must match except in dimension 0",
    ),
    (
        "index out of range",
        lambda: _x()[5],
        IndexError,
        r"index 5 is out of bounds for dimension 0 with size 2",
    ),
    (
        "mean of ints",
        lambda: mt.tensor([1, 2]).mean(),
        RuntimeError,
        r"Input dtype must be either a floating point",
    ),
    (
        "item of many",
        lambda: _x().item(),
        RuntimeError,
        r"6 elements cannot be converted to Scalar",
    ),
    (
        "leaf in-place",
        lambda: mt.ones(1, requires_grad=True).mul_(2),
        RuntimeError,
        r"a leaf Variable that requires grad is being used in an in-place operation",
    ),
    ("expand", lambda: mt.ones(2, 3).expand(4, 3), RuntimeError, r"expand"),
    ("mm rank", lambda: mt.mm(mt.ones(2), mt.ones(2, 2)), RuntimeError, r"mm"),
    ("gather index dtype", lambda: mt.gather(_x(), 0, mt.zeros(1, 3)), RuntimeError, r"gather"),
    (
        "scatter_reduce reduce",
        lambda: mt.scatter_reduce(_x(), 0, mt.zeros(1, 1, dtype=mt.int64), _x(), "max"),
        RuntimeError,
        r"scatter_reduce\(\): reduce argument must be either sum, prod, mean, amax or amin",
    ),
    (
        "index_copy source shape",
        lambda: mt.index_copy(_x(), 1, mt.tensor([0]), mt.ones(2, 2)),
        RuntimeError,
        r"index_copy_\(\): Number of indices \(1\) should be equal to source.size\(dim\)",
    ),
    (
        "slice_scatter src shape",
        lambda: mt.slice_scatter(_x(), mt.ones(2, 2), 1, 0, 1),
        RuntimeError,
        r"slice_scatter\(\): expected src to have a size equal to the slice of self",
    ),
    (
        "quantile q range",
        lambda: mt.quantile(_x(), 1.5),
        RuntimeError,
        r"quantile\(\) q must be in the range \[0, 1\]",
    ),
    ("rot90 dims", lambda: mt.rot90(_x(), 1, [0]), RuntimeError, r"rot90\(\): expected total"),
    ("select index", lambda: mt.select(_x(), 1, 3), IndexError, r"select\(\): index 3 out of"),
    ("take index", lambda: mt.take(_x(), mt.tensor([6])), IndexError, r"take\(\): out of range"),
    (
        "tensor_split sections",
        lambda: mt.tensor_split(_x(), 0),
        RuntimeError,
        r"tensor_split\(\): number of sections must be larger than 0",
    ),
    (
        "cov dims",
        lambda: mt.cov(mt.ones(2, 2, 2)),
        RuntimeError,
        r"cov\(\): expected input to have two or fewer dimensions",
    ),
    ("renorm dims", lambda: mt.renorm(mt.ones(2), 2, 0, 1.0), RuntimeError, r"renorm\(\)"),
    ("inv singular", lambda: mt.linalg.inv(mt.zeros(2, 2)), RuntimeError, r"linalg.inv: The"),
    (
        "solve shapes",
        lambda: mt.linalg.solve(mt.eye(3), mt.ones(2, 3)),
        RuntimeError,
        r"linalg.solve: Incompatible shapes of A and B for the equation AX = B \(3x3 and 2x3\)",
    ),
    (
        "cholesky not positive-definite",
        lambda: mt.linalg.cholesky(-mt.eye(2)),
        RuntimeError,
        r"linalg.cholesky: .* leading minor of order 1 is not positive-definite",
    ),
    ("svd 1-D", lambda: mt.linalg.svd(mt.ones(3)), RuntimeError, r"linalg.svd: The input tensor"),
    ("matrix_norm ord", lambda: mt.linalg.matrix_norm(_x(), 3), RuntimeError, r"Order 3 not"),
    ("factory device", lambda: mt.zeros(2, device="cuda"), RuntimeError, r"zeros\(\): .*CPU only"),
    ("like memory_format", lambda: mt.ones_like(_x(), memory_format=1), TypeError, r"ones_like"),
    ("fill value dims", lambda: mt.fill(_x(), mt.ones(2)), RuntimeError, r"fill\(\): only"),
    ("polygamma n", lambda: mt.polygamma(-1, _x()), RuntimeError, r"does not support negative n"),
    ("mvlgamma p", lambda: mt.mvlgamma(_x(), 0), RuntimeError, r"p has to be greater than or"),
    ("xlogy shapes", lambda: mt.xlogy(_x(), mt.ones(4)), RuntimeError, r"xlogy\(\).*size of"),
    ("hypot ints", lambda: mt.hypot(mt.tensor([3]), mt.tensor([4])), NotImplementedError, r"hypot"),
    ("frexp ints", lambda: mt.frexp(mt.tensor([3])), RuntimeError, r"only supports floating"),
    ("heaviside dtypes", lambda: mt.heaviside(_x(), mt.tensor([1])), RuntimeError, r"different"),
    ("nextafter number", lambda: mt.nextafter(_x(), 1.0), TypeError, r"'other' must be Tensor"),
    (
        "igamma input grad",
        lambda: mt.igamma(mt.ones(1, requires_grad=True), mt.ones(1)).backward(),
        RuntimeError,
        r"derivative for 'igamma: input' is not implemented",
    ),
    (
        "pixel_shuffle channels",
        lambda: mt.nn.functional.pixel_shuffle(mt.ones(1, 3, 2, 2), 2),
        RuntimeError,
        r"pixel_shuffle expects its input's 'channel' dimension to be divisible",
    ),
    (
        "interpolate mode rank",
        lambda: mt.nn.functional.interpolate(mt.ones(1, 1, 4), 2, mode="bilinear"),
        NotImplementedError,
        r"'bilinear' needs a 4D",
    ),
    (
        "fold blocks",
        lambda: mt.nn.functional.fold(mt.ones(1, 4, 8), (4, 4), 2),
        RuntimeError,
        r"calculated number of sliding blocks 3 \* 3 = 9, but got input.size\(2\)=8",
    ),
    (
        "embedding_bag psw mode",
        lambda: mt.nn.functional.embedding_bag(
            mt.tensor([[0]]), mt.ones(2, 2), per_sample_weights=mt.ones(1, 1)
        ),
        NotImplementedError,
        r"per_sample_weights is only supported for mode='sum'",
    ),
    ("glu odd", lambda: mt.nn.functional.glu(_x()), RuntimeError, r"Halving dimension must be"),
    (
        "ctc lengths",
        lambda: mt.nn.functional.ctc_loss(mt.ones(2, 1, 3), mt.tensor([[1]]), [3], [1]),
        RuntimeError,
        r"input_lengths to have value at most 2",
    ),
    (
        "multi_margin p",
        lambda: mt.nn.functional.multi_margin_loss(_x(), mt.tensor([0, 1]), p=3),
        ValueError,
        r"only p == 1 and p == 2 supported",
    ),
    # --- attention and transformers ---
    (
        "sdpa mask shape",
        lambda: F.scaled_dot_product_attention(
            mt.ones(2, 4, 8), mt.ones(2, 5, 8), mt.ones(2, 5, 8), attn_mask=mt.ones(3, 5) > 0
        ),
        RuntimeError,
        r"The size of tensor a \(4\) must match the size of tensor b \(3\) at non-singleton",
    ),
    (
        "sdpa query/key dims",
        lambda: F.scaled_dot_product_attention(
            mt.ones(2, 4, 8), mt.ones(2, 5, 6), mt.ones(2, 5, 8)
        ),
        RuntimeError,
        r"matmul\(\): .*shapes \(2, 4, 8\) and \(2, 6, 5\) cannot be multiplied \(8 != 6\)",
    ),
    (
        "mha attn_mask shape",
        lambda: _mha()(
            mt.ones(4, 2, 8), mt.ones(5, 2, 8), mt.ones(5, 2, 8), attn_mask=mt.ones(3, 3)
        ),
        RuntimeError,
        r"The shape of the 2D attn_mask is microtensor.Size\(\[3, 3\]\), but should be \(4, 5\)",
    ),
    (
        "mha key_padding_mask shape",
        lambda: _mha(batch_first=True)(
            mt.ones(2, 4, 8), mt.ones(2, 5, 8), mt.ones(2, 5, 8), key_padding_mask=mt.ones(2, 4) > 0
        ),
        AssertionError,
        r"Expected key_padded_mask.shape\[1\] to be 5, but got 4",
    ),
    ("mha heads", lambda: nn.MultiheadAttention(10, 3), AssertionError, r"embed_dim must be divis"),
    (
        "transformer d_model % nhead",
        lambda: nn.Transformer(d_model=10, nhead=3),
        AssertionError,
        r"embed_dim must be divisible by num_heads",
    ),
    (
        "encoder layer width",
        lambda: nn.TransformerEncoderLayer(8, 2)(mt.ones(3, 2, 6)),
        AssertionError,
        r"was expecting embedding dimension of 8, but got 6",
    ),
    (
        "encoder layer src_mask shape",
        lambda: nn.TransformerEncoderLayer(8, 2)(mt.ones(3, 2, 8), src_mask=mt.ones(2, 2) > 0),
        RuntimeError,
        r"The shape of the 2D attn_mask is microtensor.Size\(\[2, 2\]\), but should be \(3, 3\)",
    ),
    # --- packed sequences and recurrent layers ---
    (
        "pack unsorted",
        lambda: nn.utils.rnn.pack_padded_sequence(mt.ones(3, 2, 1), [1, 3], enforce_sorted=True),
        RuntimeError,
        r"`lengths` array must be sorted in decreasing order when `enforce_sorted` is True\. "
        r"You can pass `enforce_sorted=False`",
    ),
    (
        "pack lengths count",
        lambda: nn.utils.rnn.pack_padded_sequence(mt.ones(3, 2, 1), [1, 3, 2], False, False),
        RuntimeError,
        r"Expected `len\(lengths\)` to be equal to batch_size, but got 3 \(batch_size=2\)",
    ),
    (
        "pack_sequence unsorted",
        lambda: nn.utils.rnn.pack_sequence([mt.ones(1), mt.ones(2)]),
        RuntimeError,
        r"must be sorted in decreasing order",
    ),
    (
        "pad_packed total_length",
        lambda: nn.utils.rnn.pad_packed_sequence(
            nn.utils.rnn.pack_sequence([mt.ones(2), mt.ones(1)]), total_length=1
        ),
        ValueError,
        r"total_length to be at least .* got total_length=1 and max sequence length being 2",
    ),
    (
        "pad_sequence trailing shapes",
        lambda: nn.utils.rnn.pad_sequence([mt.ones(2, 3), mt.ones(2, 4)]),
        RuntimeError,
        r"pad_sequence\(\): sequence 1 has shape \(2, 4\), but every sequence must be",
    ),
    (
        "invert_permutation range",
        lambda: nn.utils.rnn.invert_permutation(mt.tensor([0, 5])),
        RuntimeError,
        r"invert_permutation\(\): index 5 is out of bounds for dimension 0 with size 2",
    ),
    (
        "pack a 1-D input",
        lambda: nn.utils.rnn.pack_padded_sequence(mt.ones(3), [3]),
        IndexError,
        r"pack_padded_sequence\(\): input of shape \(3,\) has no batch dim 1: expected a padded "
        r"batch \(T, B, \*\)",
    ),
    (
        "pad_sequence of 0-d sequences",
        lambda: nn.utils.rnn.pad_sequence(mt.ones(3)),
        RuntimeError,
        r"pad_sequence\(\): sequence 0 is 0-d: every sequence must be a tensor of shape",
    ),
    (
        "unpad_sequence 0-d lengths",
        lambda: nn.utils.rnn.unpad_sequence(mt.ones(2, 1), mt.tensor(1.0)),
        TypeError,
        r"unpad_sequence\(\): lengths must be 1-D, one length per sequence, but got shape \(\)",
    ),
    (
        "lstm input_size",
        lambda: nn.LSTM(3, 4)(mt.ones(5, 2, 6)),
        RuntimeError,
        r"LSTM: input.size\(-1\) must be equal to input_size. Expected 3, got 6",
    ),
    (
        "lstm hidden shape",
        lambda: nn.LSTM(3, 4)(mt.ones(5, 2, 3), (mt.ones(1, 3, 4), mt.ones(1, 3, 4))),
        RuntimeError,
        r"LSTM: Expected hidden\[0\] size \(1, 2, 4\), got \[1, 3, 4\]: it must be",
    ),
    # --- optimizers and data ---
    (
        "lbfgs without closure",
        lambda: mt.optim.LBFGS([nn.Parameter(mt.ones(2))]).step(),
        TypeError,
        r"LBFGS.step\(\) missing 1 required positional argument: 'closure'",
    ),
    (
        "sgd lr",
        lambda: mt.optim.SGD([nn.Parameter(mt.ones(2))], lr=-1),
        ValueError,
        r"Invalid learning rate: -1 \(SGD expects lr >= 0\)",
    ),
    (
        "adam betas",
        lambda: mt.optim.Adam([nn.Parameter(mt.ones(2))], betas=(1.5, 0.9)),
        ValueError,
        r"Invalid beta parameter at index 0: 1.5 \(Adam expects 0 <= beta < 1\)",
    ),
    ("optimizer no params", lambda: mt.optim.SGD([], lr=0.1), ValueError, r"empty parameter list"),
    (
        "weighted sampler negative weights",
        lambda: list(data.WeightedRandomSampler([0.5, -1.0], 2)),
        RuntimeError,
        r"invalid multinomial distribution \(encountering probability entry < 0\): got weight "
        r"-1.0 .*at index 1",
    ),
    (
        "weighted sampler num_samples=0",
        lambda: data.WeightedRandomSampler([0.5, 1.0], 0),
        ValueError,
        r"num_samples should be a positive integer value, but got num_samples=0",
    ),
    (
        "random sampler num_samples=0",
        lambda: data.RandomSampler(range(3), num_samples=0),
        ValueError,
        r"num_samples should be a positive integer value, but got num_samples=0",
    ),
    (
        "batch sampler size",
        lambda: data.BatchSampler(range(3), 0, False),
        ValueError,
        r"batch_size should be a positive integer value, but got batch_size=0",
    ),
    (
        "loader sampler and shuffle",
        lambda: data.DataLoader(range(3), sampler=[0, 1], shuffle=True),
        ValueError,
        r"sampler option is mutually exclusive with shuffle",
    ),
    (
        "random_split lengths",
        lambda: data.random_split(range(5), [2, 2]),
        ValueError,
        r"lengths \[2, 2\] sum to 4, the dataset has 5 samples",
    ),
    # --- state dicts and checkpoints ---
    (
        "state dict of another architecture",
        lambda: nn.Linear(2, 3).load_state_dict(nn.Sequential(nn.Linear(2, 3)).state_dict()),
        RuntimeError,
        r'Error\(s\) in loading state_dict for Linear:\s+Missing key\(s\) in state_dict: "weight", '
        r'"bias".\s+Unexpected key\(s\) in state_dict: "0.weight", "0.bias"',
    ),
    (
        "state dict sizes",
        lambda: _mlp(3).load_state_dict(_mlp(4).state_dict()),
        RuntimeError,
        r"size mismatch for 0.weight: copying a param with shape microtensor.Size\(\[4, 2\]\) from "
        r"checkpoint, the shape in current model is microtensor.Size\(\[3, 2\]\)",
    ),
    (
        "state dict missing key",
        lambda: nn.Linear(2, 3).load_state_dict({"weight": mt.ones(3, 2)}),
        RuntimeError,
        r'Missing key\(s\) in state_dict: "bias"',
    ),
    (
        ".pt with an unknown class",
        _torch_file_with_unknown_class,
        pickle.UnpicklingError,
        r"GLOBAL fractions.Fraction was not an allowed global by default. Please use "
        r"`microtensor.serialization.add_safe_globals\(\[fractions.Fraction\]\)`",
    ),
    # --- layers ---
    (
        "conv input channels",
        lambda: nn.Conv2d(3, 4, 3)(mt.ones(1, 2, 5, 5)),
        RuntimeError,
        r"Given groups=1, weight of size \[4, 3, 3, 3\], expected input\[1, 2, 5, 5\] to have 3 "
        r"channels, but got 2 channels instead",
    ),
    (
        "conv kernel larger than input",
        lambda: nn.Conv2d(1, 1, 5)(mt.ones(1, 1, 3, 3)),
        RuntimeError,
        r"conv2d\(\): calculated padded input size per channel: \(3 x 3\). Kernel size: \(5 x 5\)",
    ),
    (
        "conv groups",
        lambda: nn.Conv2d(3, 4, 3, groups=2),
        ValueError,
        r"in_channels must be divisible by groups",
    ),
    (
        "linear in_features",
        lambda: nn.Linear(3, 2)(mt.ones(4, 5)),
        RuntimeError,
        r"linear\(\): .*input shape \(4, 5\) and weight shape \(2, 3\) cannot be multiplied",
    ),
    (
        "embedding index",
        lambda: nn.Embedding(5, 2)(mt.tensor([1, 5])),
        IndexError,
        r"index out of range in self: embedding\(\) got index 5 for a weight with 5 rows",
    ),
    (
        "embedding float indices",
        lambda: nn.Embedding(5, 2)(mt.tensor([1.0])),
        RuntimeError,
        r"embedding\(\): Expected tensor for argument #1 'indices' .* Long, Int; but got "
        r"microtensor.float32 instead: convert it with .long\(\)",
    ),
    (
        "embedding_bag index",
        lambda: F.embedding_bag(mt.tensor([[0, 5]]), mt.ones(3, 2)),
        RuntimeError,
        r"embedding_bag\(\): Index 1 of input takes value 5 which is not in the valid range "
        r"\[0, 3\)",
    ),
    (
        "embedding_bag weight rank",
        lambda: F.embedding_bag(mt.tensor([[0, 1]]), mt.ones(3)),
        ValueError,
        r"embedding_bag\(\): weight has to be a 2D Tensor, but got Tensor of dimension 1 "
        r"\(shape \(3,\)\)",
    ),
    (
        "embedding_bag offsets[0]",
        lambda: F.embedding_bag(mt.tensor([0, 1]), mt.ones(3, 2), mt.tensor([1, 0])),
        RuntimeError,
        r"embedding_bag\(\): offsets\[0\] has to be 0, .* However, got 1",
    ),
    (
        "batch_norm features",
        lambda: nn.BatchNorm1d(3)(mt.ones(4, 5)),
        RuntimeError,
        r"batch_norm\(\): running_mean should contain 5 elements not 3: .* check num_features",
    ),
    (
        "layer_norm shape",
        lambda: nn.LayerNorm(4)(mt.ones(2, 3)),
        RuntimeError,
        r"layer_norm\(\): Given normalized_shape=\[4\], expected input with shape \[\*, 4\]",
    ),
    (
        "max_pool output too small",
        lambda: nn.MaxPool2d(3)(mt.ones(1, 1, 2, 2)),
        RuntimeError,
        r"max_pool2d\(\): Given input size: \(1x2x2\). Calculated output size: \(1x0x0\)",
    ),
    (
        "pool kernel_size length",
        lambda: F.max_pool2d(mt.ones(1, 1, 4, 4), (2, 2, 2)),
        RuntimeError,
        r"max_pool2d\(\): kernel_size must be an int or a tuple of 2 ints, got \(2, 2, 2\)",
    ),
    (
        "adaptive pool output_size length",
        lambda: F.adaptive_avg_pool2d(mt.ones(1, 1, 4, 4), (2, 2, 2)),
        RuntimeError,
        r"adaptive_avg_pool2d\(\): output_size must have 2 elements, got \(2, 2, 2\)",
    ),
    (
        "reflection pad width",
        lambda: nn.ReflectionPad1d(3)(mt.ones(1, 1, 2)),
        RuntimeError,
        r"pad\(\): Padding size should be less than the corresponding input dimension, but got: "
        r"padding \(3, 3\) at dimension 2 of input \[1, 1, 2\]",
    ),
    (
        "interpolate size rank",
        lambda: F.interpolate(mt.ones(1, 1, 4), size=(2, 2)),
        ValueError,
        r"interpolate\(\): Input and size must have the same number of spatial dimensions",
    ),
    (
        "unflatten sizes",
        lambda: nn.Unflatten(1, (2, 2))(mt.ones(2, 3)),
        RuntimeError,
        r"unflatten: Provided sizes \[2, 2\] don't multiply up to the size of dim 1 \(3\)",
    ),
    # --- losses ---
    (
        "cross_entropy target range",
        lambda: F.cross_entropy(mt.ones(2, 3), mt.tensor([0, 3])),
        IndexError,
        r"cross_entropy\(\): Target 3 is out of bounds: class indices must be in \[0, 3\)",
    ),
    (
        "cross_entropy batch sizes",
        lambda: F.cross_entropy(mt.ones(2, 3), mt.tensor([0, 1, 2])),
        ValueError,
        r"cross_entropy\(\): Expected input batch_size \(2\) to match target batch_size \(3\)",
    ),
    (
        "nll_loss float target",
        lambda: F.nll_loss(mt.ones(2, 3), mt.tensor([0.0, 1.0])),
        RuntimeError,
        r"nll_loss\(\): expected target dtype to be Long or Byte .* got microtensor.float32: "
        r"call target.long\(\)",
    ),
    (
        "nll_loss weight size",
        lambda: F.nll_loss(mt.ones(2, 3), mt.tensor([0, 1]), weight=mt.ones(2)),
        RuntimeError,
        r"nll_loss\(\): weight tensor should be defined either for all 3 classes or no classes",
    ),
    (
        "mse_loss shapes",
        lambda: F.mse_loss(mt.ones(2, 3), mt.ones(2, 4)),
        RuntimeError,
        r"mse_loss\(\): The size of tensor a \(3\) must match the size of tensor b \(4\)",
    ),
    (
        "binary_cross_entropy range",
        lambda: F.binary_cross_entropy(mt.full((2,), 2.0), mt.ones(2)),
        RuntimeError,
        r"binary_cross_entropy\(\): all elements of input should be between 0 and 1, found 2.0: "
        r"pass probabilities",
    ),
    (
        "hinge_embedding_loss shapes",
        lambda: F.hinge_embedding_loss(mt.ones(2), mt.ones(3)),
        RuntimeError,
        r"hinge_embedding_loss\(\): The size of tensor a \(2\) must match the size of tensor "
        r"b \(3\)",
    ),
    (
        "multilabel_soft_margin_loss shapes",
        lambda: F.multilabel_soft_margin_loss(mt.ones(2, 3), mt.ones(2, 4)),
        RuntimeError,
        r"multilabel_soft_margin_loss\(\): The size of tensor a \(3\) must match .* \(4\)",
    ),
    (
        "multilabel_soft_margin_loss 0-d",
        lambda: F.multilabel_soft_margin_loss(mt.tensor(1.0), mt.tensor(1.0)),
        IndexError,
        r"multilabel_soft_margin_loss\(\): Dimension specified as -1 but input has no dimensions",
    ),
    (
        "triplet_margin_loss shapes",
        lambda: F.triplet_margin_loss(mt.ones(2, 3), mt.ones(2, 3), mt.ones(2, 4)),
        RuntimeError,
        r"triplet_margin_loss\(\): The size of tensor a \(3\) must match .* \(4\)",
    ),
    (
        "ctc_loss blank",
        lambda: F.ctc_loss(mt.zeros(4, 1, 3), mt.tensor([[1, 1]]), [4], [2], blank=5),
        RuntimeError,
        r"ctc_loss\(\): blank must be in label range: got blank=5 for log_probs with 3 classes",
    ),
    (
        "ctc_loss target label",
        lambda: F.ctc_loss(mt.zeros(4, 1, 3), mt.tensor([[1, 7]]), [4], [2]),
        RuntimeError,
        r"ctc_loss\(\): target label 7 is out of range for log_probs with 3 classes",
    ),
    (
        "multi_margin_loss weight",
        lambda: F.multi_margin_loss(_x(), mt.tensor([0, 1]), weight=mt.ones(2)),
        RuntimeError,
        r"multi_margin_loss\(\): inconsistent weight size, expected 3 but got \[2\]",
    ),
    (
        "weight_norm dim",
        lambda: nn.utils.weight_norm(nn.Linear(2, 2), dim=5),
        IndexError,
        r"weight_norm\(\): Dimension out of range \(expected to be in range of \[-2, 1\], but "
        r"got 5\)",
    ),
    (
        "loss reduction",
        lambda: F.l1_loss(mt.ones(2), mt.ones(2), reduction="avg"),
        ValueError,
        r"l1_loss\(\): avg is not a valid value for reduction: use one of 'none', 'mean', 'sum'",
    ),
    # --- tensors, shapes and autograd ---
    (
        "ragged nested list",
        lambda: mt.tensor([[1, 2], [3]]),
        ValueError,
        r"expected sequence of length 2 at dim 1 \(got 1\)",
    ),
    (
        "view size",
        lambda: _x().view(5),
        RuntimeError,
        r"view\(\): shape '\[5\]' is invalid for input of size 6 \(input shape \(2, 3\)\)",
    ),
    (
        "matmul batch dims",
        lambda: mt.ones(2, 3, 4) @ mt.ones(3, 4, 5),
        RuntimeError,
        r"matmul\(\): .*batch dims \(2,\) and \(3,\) of shapes \(2, 3, 4\) and \(3, 4, 5\) do not",
    ),
    (
        "matmul 1-D lengths",
        lambda: mt.ones(3) @ mt.ones(4),
        RuntimeError,
        r"matmul\(\): .*shapes \(3,\) and \(4,\) cannot be multiplied \(3 != 4\)",
    ),
    (
        "mul broadcast",
        lambda: _x() * mt.ones(2, 4),
        RuntimeError,
        r"mul\(\): The size of tensor a \(3\) must match the size of tensor b \(4\) at "
        r"non-singleton dimension 1: shapes \(2, 3\) and \(2, 4\) do not broadcast",
    ),
    (
        "where broadcast",
        lambda: mt.where(mt.ones(2) > 0, mt.ones(3), mt.ones(2)),
        RuntimeError,
        r"where\(\): The size of tensor a \(2\) must match the size of tensor b \(3\)",
    ),
    (
        "backward twice",
        _backward_twice,
        RuntimeError,
        r"^Trying to backward through the graph a second time .* Specify "
        r"retain_graph=True .* saved tensors were freed: ExpBackward0\.\)",
    ),
    (
        "backward without grad_fn",
        lambda: mt.ones(2).sum().backward(),
        RuntimeError,
        r"backward\(\): element 0 of tensors does not require grad and does not have a grad_fn",
    ),
    (
        "backward gradient shape",
        lambda: (mt.ones(2, requires_grad=True) * 2).backward(mt.ones(3)),
        RuntimeError,
        r"backward\(\): Mismatch in shape: grad_output\[0\] has a shape of \(3,\) and output\[0\] "
        r"has a shape of \(2,\)",
    ),
    (
        "grad of an unused input",
        lambda: mt.autograd.grad(
            (mt.ones(2, requires_grad=True) * 2).sum(), [mt.ones(2, requires_grad=True)]
        ),
        RuntimeError,
        r"grad\(\): input 0 appears to not have been used in the graph. Set allow_unused=True",
    ),
    (
        "leaf add_",
        lambda: mt.ones(2, requires_grad=True).add_(1),
        RuntimeError,
        r"add_: a leaf Variable that requires grad is being used in an in-place operation. "
        r"Wrap it in `with microtensor.no_grad\(\):`",
    ),
    (
        "numpy of a tensor that requires grad",
        lambda: mt.ones(2, requires_grad=True).numpy(),
        RuntimeError,
        r"Can't call numpy\(\) on Tensor that requires grad. Use tensor.detach\(\).numpy\(\)",
    ),
    (
        "index_select float index",
        lambda: mt.index_select(mt.ones(3), 0, mt.tensor([0.0])),
        RuntimeError,
        r"index_select\(\): Expected dtype int32/int64 for index, got float32: convert the index",
    ),
    (
        "index_add dtypes",
        lambda: mt.ones(3).index_add_(0, mt.tensor([0]), mt.ones(1, dtype=mt.float64)),
        RuntimeError,
        r"index_add\(\): self \(microtensor.float32\) and source \(microtensor.float64\) must "
        r"have the same scalar type",
    ),
    (
        "scatter dtypes",
        lambda: mt.ones(3).scatter_(0, mt.tensor([0]), mt.ones(1, dtype=mt.float64)),
        RuntimeError,
        r"scatter\(\): Expected self.dtype to be equal to src.dtype, got microtensor.float32 and "
        r"microtensor.float64",
    ),
    (
        "masked_fill float mask",
        lambda: mt.ones(3).masked_fill(mt.ones(3), 0.0),
        RuntimeError,
        r"masked_fill\(\): expected a boolean mask, but got mask with dtype float32",
    ),
    (
        "boolean mask shape",
        lambda: mt.ones(3)[mt.tensor([True, False])],
        IndexError,
        r"The shape of the mask \[2\] at index 0 does not match the shape of the indexed tensor",
    ),
    (
        "gather index range",
        lambda: mt.gather(_x(), 1, mt.full((2, 1), 5, dtype=mt.int64)),
        RuntimeError,
        r"gather\(\): index 5 is out of bounds for dimension 1 with size 3",
    ),
    (
        "index_select index range",
        lambda: mt.index_select(mt.ones(3), 0, mt.tensor([5])),
        IndexError,
        r"index_select\(\): index 5 is out of bounds for dimension 0 with size 3",
    ),
    (
        "setitem value shape",
        lambda: mt.ones(3).__setitem__(slice(None), mt.ones(2)),
        RuntimeError,
        r"index_put\(\): shape mismatch: value tensor of shape \[2\] cannot be broadcast to "
        r"indexing result of shape \[3\]",
    ),
    (
        "split sizes",
        lambda: mt.ones(4).split([1, 2]),
        RuntimeError,
        r"split_with_sizes expects split_sizes to sum exactly to 4 .* got split_sizes=\[1, 2\]",
    ),
    (
        "topk k",
        lambda: mt.ones(3).topk(5),
        RuntimeError,
        r"topk\(\): selected index k out of range for dimension 0: k=5 but the dim has size 3",
    ),
    (
        "one_hot classes",
        lambda: F.one_hot(mt.tensor([3]), 2),
        RuntimeError,
        r"one_hot\(\): Class values must be smaller than num_classes \(2\), got 3",
    ),
    (
        "randint range",
        lambda: mt.randint(5, 2, (3,)),
        RuntimeError,
        r"random_ expects 'from' to be less than 'to', but got from=5 >= to=2",
    ),
    (
        "viz backend name type",
        lambda: mt.viz.backend(3),
        TypeError,
        r"backend\(\): name must be a string \('auto', 'dot', 'wasm' or 'text'\) or None, got int",
    ),
    (
        "allocation beyond memory",
        lambda: mt.zeros(2**20, 2**22),
        mt.OutOfMemoryError,
        r"zeros\(\): not enough memory: you tried to allocate 17592186044416 bytes \(16.00 TiB\) "
        r"for a tensor of shape \[1048576, 4194304\] and dtype float32",
    ),
    (
        "loader state with workers out of order",
        lambda: mt.utils.data.DataLoader(
            list(range(4)), num_workers=2, in_order=False
        ).state_dict(),
        NotImplementedError,
        r"DataLoader.state_dict\(\): a loader with num_workers=2 and in_order=False yields "
        r"batches in the order its workers finish them.*use in_order=True",
    ),
    (
        "loader state from another num_workers",
        lambda: mt.utils.data.DataLoader(list(range(4)), num_workers=2).load_state_dict(
            {**mt.utils.data.DataLoader(list(range(4))).state_dict(), "_started": True}
        ),
        ValueError,
        r"DataLoader.load_state_dict\(\): the state was saved by a DataLoader with "
        r"num_workers=0 but this one has num_workers=2.*resume with the same num_workers",
    ),
    (
        "fit resume from weights",
        lambda: mt.train.fit(
            mt.nn.Linear(1, 1), mt.nn.MSELoss(), None, (mt.ones(2, 1), mt.ones(2, 1)),
            resume=_weights_file(),
        ),
        ValueError,
        r"is not a fit checkpoint; write one with ModelCheckpoint\(..., save_weights_only=False\)",
    ),  # fmt: skip
    (
        "threshold tensor threshold",
        lambda: F.threshold(_x(), mt.ones(3), 0.0),
        TypeError,
        r"threshold\(\): argument 'threshold' \(position 2\) must be Number, not Tensor of shape "
        r"\(3,\): pass a Python number \(or a 0-d tensor\)",
    ),
    (
        "threshold_ tensor value",
        lambda: F.threshold_(_x(), 1.0, mt.ones(2, 3)),
        TypeError,
        r"threshold_\(\): argument 'value' \(position 3\) must be Number, not Tensor of shape "
        r"\(2, 3\)",
    ),
    (
        "lu_solve float pivots",
        lambda: mt.lu_solve(mt.ones(2, 3, 4), mt.ones(1, 2, 3, 3), mt.ones(1, 2, 3, 3)),
        RuntimeError,
        r"linalg.lu_solve: pivots should be a Tensor of scalar type microtensor.int32, got "
        r"microtensor.float32: pass the pivots that linalg.lu_factor returns",
    ),
    (
        "linalg.lu_solve pivots shape",
        lambda: mt.linalg.lu_solve(mt.ones(2, 3, 3), mt.ones(3, 3, dtype=mt.int32), mt.ones(3, 4)),
        RuntimeError,
        r"linalg.lu_solve: Expected LU.shape\[:-1\] and pivots.shape to be the same \(\(2, 3\)\), "
        r"but got pivots with shape \(3, 3\)",
    ),
    (
        "lu_unpack int64 pivots",
        lambda: mt.lu_unpack(mt.ones(2, 3), mt.tensor([5, -7])),
        RuntimeError,
        r"torch.lu_unpack: LU_pivots is expected to be a tensor of microtensor.int32 dtype, got "
        r"microtensor.int64",
    ),
    (
        "lu_unpack pivots out of range",
        lambda: mt.lu_unpack(mt.ones(2, 3), mt.tensor([1, 3], dtype=mt.int32)),
        RuntimeError,
        r"torch.lu_unpack: pivots passed to lu_unpack must be between 1 and LU.size\(-2\) = 2 "
        r"inclusive, got values from 1 to 3",
    ),
    (
        "lu_unpack pivots shape",
        lambda: mt.lu_unpack(mt.ones(3, 3), mt.tensor([1, 2], dtype=mt.int32)),
        RuntimeError,
        r"torch.lu_unpack: expected LU_pivots of shape \(3,\) for LU_data of shape \(3, 3\), "
        r"got \(2,\)",
    ),
    (
        "lu_unpack 1-d LU",
        lambda: mt.lu_unpack(mt.ones(3), mt.tensor([1, 3], dtype=mt.int32)),
        RuntimeError,
        r"torch.lu_unpack: Expected tensor with 2 or more dimensions. Got size: \[3\] instead",
    ),
    (
        "ldl_solve float pivots",
        lambda: mt.linalg.ldl_solve(mt.ones(1, 2, 3, 3), mt.ones(1, 1, 2, 2, 2), mt.ones(2, 3, 4)),
        RuntimeError,
        r"torch.linalg.ldl_solve: Expected pivots to be integers. Got microtensor.float32",
    ),
    (
        "ldl_solve pivots shape",
        lambda: mt.linalg.ldl_solve(mt.ones(3, 3), mt.ones(2, dtype=mt.int32), mt.ones(3, 4)),
        RuntimeError,
        r"ldl_solve: Expected LD.shape\[:-1\] and pivots.shape to be the same \(\(3,\)\), but got "
        r"pivots with shape \(2,\) instead",
    ),
    (
        "ldl_solve batch",
        lambda: mt.linalg.ldl_solve(
            mt.ones(2, 3, 3), mt.ones(2, 3, dtype=mt.int32), mt.ones(4, 3, 1)
        ),
        RuntimeError,
        r"ldl_solve: the batch dims of LD \(2, 3, 3\) and B \(4, 3, 1\) cannot be broadcast",
    ),
    (
        "affine_grid int size",
        lambda: F.affine_grid(mt.ones(1, 2, 3), 0, False),
        TypeError,
        r"affine_grid\(\): argument 'size' \(position 2\) must be tuple of ints, not int",
    ),
    (
        "constant_pad_nd int pad",
        lambda: mt.constant_pad_nd(mt.ones(3), 1),
        TypeError,
        r"constant_pad_nd\(\): argument 'pad' \(position 2\) must be tuple of ints, not int: pass "
        r"a tuple, e.g. \(1,\)",
    ),
    (
        "pad float in pad",
        lambda: F.pad(mt.ones(3), [1.0, 1]),
        TypeError,
        r"pad\(\): argument 'pad' \(position 2\) must be tuple of ints, but found element of type "
        r"float at pos 0",
    ),
    (
        "as_strided int size",
        lambda: mt.as_strided(mt.ones(3), 2, (1,)),
        TypeError,
        r"as_strided\(\): argument 'size' \(position 2\) must be tuple of ints, not int",
    ),
    (
        "as_strided int stride",
        lambda: mt.as_strided(mt.ones(3), (2,), 1),
        TypeError,
        r"as_strided\(\): argument 'stride' \(position 3\) must be tuple of ints, not int",
    ),
    (
        "as_strided_scatter int size",
        lambda: mt.as_strided_scatter(mt.ones(3), mt.ones(2), 2, (1,)),
        TypeError,
        r"as_strided_scatter\(\): argument 'size' \(position 3\) must be tuple of ints, not int",
    ),
    (
        "narrow tuple length",
        lambda: mt.narrow(_x(), -1, 0, (5, 5, 5)),
        TypeError,
        r"narrow\(\): argument 'length' \(position 4\) must be int, not tuple",
    ),
    (
        "index_add int source",
        lambda: mt.index_add(mt.ones(3), 0, mt.tensor([0]), 5),
        TypeError,
        r"index_add\(\): argument 'source' \(position 4\) must be Tensor, not int: wrap values in "
        r"microtensor.tensor\(...\)",
    ),
    (
        "index_add tensor alpha",
        lambda: mt.index_add(mt.ones(3), 0, mt.tensor([0]), mt.ones(1), alpha=mt.ones(2)),
        TypeError,
        r"index_add\(\): argument 'alpha' must be Number, not Tensor of shape \(2,\)",
    ),
    (
        "masked_scatter tuple source",
        lambda: mt.masked_scatter(mt.ones(2), mt.tensor([True, False]), (5, 5, 5)),
        TypeError,
        r"masked_scatter\(\): argument 'source' \(position 3\) must be Tensor, not tuple",
    ),
    (
        "put int source",
        lambda: mt.put(mt.ones(3), mt.tensor([0]), 5),
        TypeError,
        r"put\(\): argument 'source' \(position 3\) must be Tensor, not int",
    ),
    (
        "lstsq 0-d B",
        lambda: mt.linalg.lstsq(mt.ones(2, 0), mt.tensor(1.5)),
        RuntimeError,
        r"torch.linalg.lstsq: The input tensor B must have at least 1 dimension \(a vector\) or 2 "
        r"\(a matrix\), got a 0-d tensor: pass B of shape \(2,\) or \(2, k\)",
    ),
    (
        "solve 0-d B",
        lambda: mt.linalg.solve(mt.ones(2, 2), mt.tensor(1.0)),
        RuntimeError,
        r"linalg.solve: The input tensor B must have at least 1 dimension",
    ),
    (
        "triplet_margin_loss margin",
        lambda: F.triplet_margin_loss(_x(), _x(), _x(), margin=-1.0),
        ValueError,
        r"triplet_margin_loss\(\): margin must be greater than 0, got -1.0",
    ),
    (
        "multi_margin_loss 2-d weight",
        lambda: F.multi_margin_loss(mt.ones(5, 4), mt.ones(5), weight=mt.ones(4, 1)),
        ValueError,
        r"multi_margin_loss\(\): weight must be one-dimensional \(one weight per class\), got "
        r"shape \(4, 1\)",
    ),
]


# The same wrong calls written once for both libraries (``lib`` is microtensor or torch): the
# exception types must be PyTorch's.
SAME_AS_TORCH = [
    ("matmul", lambda lib: lib.ones(3, 4) @ lib.ones(5, 2)),
    ("broadcast", lambda lib: lib.ones(2, 3) * lib.ones(2, 4)),
    ("reshape", lambda lib: lib.ones(2, 3).reshape(4, 2)),
    ("dim range", lambda lib: lib.ones(2, 3).sum(dim=2)),
    ("index range", lambda lib: lib.ones(2, 3)[5]),
    ("mask shape", lambda lib: lib.ones(3)[lib.tensor([True, False])]),
    (
        "backward twice",
        lambda lib: [y.backward() for y in [lib.ones(2, requires_grad=True).exp().sum()] * 2],
    ),
    ("non-scalar backward", lambda lib: (lib.ones(2, requires_grad=True) * 2).backward()),
    ("leaf in-place", lambda lib: lib.ones(2, requires_grad=True).add_(1)),
    ("index_select float", lambda lib: lib.index_select(lib.ones(3), 0, lib.tensor([0.0]))),
    ("scatter dtypes", lambda lib: lib.ones(3).scatter_(0, lib.tensor([0]), lib.ones(1).double())),
    ("conv channels", lambda lib: lib.nn.Conv2d(3, 4, 3)(lib.ones(1, 2, 5, 5))),
    ("embedding index", lambda lib: lib.nn.Embedding(5, 2)(lib.tensor([5]))),
    (
        "embedding_bag index",
        lambda lib: lib.nn.functional.embedding_bag(lib.tensor([[0, 5]]), lib.ones(3, 2)),
    ),
    (
        "embedding_bag offsets",
        lambda lib: lib.nn.functional.embedding_bag(
            lib.tensor([0, 1]), lib.ones(3, 2), lib.tensor([1])
        ),
    ),
    (
        "embedding_bag weight",
        lambda lib: lib.nn.functional.embedding_bag(lib.tensor([[0]]), lib.ones(3)),
    ),
    (
        "cross_entropy target",
        lambda lib: lib.nn.functional.cross_entropy(lib.ones(2, 3), lib.tensor([0, 3])),
    ),
    (
        "cross_entropy batch",
        lambda lib: lib.nn.functional.cross_entropy(lib.ones(2, 3), lib.tensor([0, 1, 2])),
    ),
    (
        "multi_margin weight",
        lambda lib: lib.nn.functional.multi_margin_loss(
            lib.ones(2, 3), lib.tensor([0, 1]), weight=lib.ones(2)
        ),
    ),
    (
        "ctc blank",
        lambda lib: lib.nn.functional.ctc_loss(
            lib.zeros(4, 1, 3), lib.tensor([[1, 1]]), [4], [2], blank=5
        ),
    ),
    (
        "adaptive output_size",
        lambda lib: lib.nn.functional.adaptive_avg_pool2d(lib.ones(1, 1, 4, 4), (2, 2, 2)),
    ),
    ("pool kernel_size", lambda lib: lib.nn.functional.max_pool2d(lib.ones(1, 1, 4, 4), (2, 2, 2))),
    ("state dict keys", lambda lib: lib.nn.Linear(2, 3).load_state_dict({"w": lib.ones(1)})),
    (
        "mha mask",
        lambda lib: lib.nn.MultiheadAttention(8, 2)(
            lib.ones(4, 2, 8), lib.ones(5, 2, 8), lib.ones(5, 2, 8), attn_mask=lib.ones(3, 3)
        ),
    ),
    ("transformer heads", lambda lib: lib.nn.Transformer(d_model=10, nhead=3)),
    ("pack unsorted", lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.ones(3, 2, 1), [1, 3])),
    ("pack 1-D input", lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.ones(3), [3])),
    ("invert_permutation", lambda lib: lib.nn.utils.rnn.invert_permutation(lib.tensor([0, 5]))),
    (
        "weight_norm dim",
        lambda lib: lib.nn.utils.parametrizations.weight_norm(lib.nn.Linear(2, 2), dim=5),
    ),
    ("lbfgs closure", lambda lib: lib.optim.LBFGS([lib.nn.Parameter(lib.ones(2))]).step()),
    ("sampler num_samples", lambda lib: lib.utils.data.RandomSampler(range(3), num_samples=0)),
    ("weighted sampler", lambda lib: list(lib.utils.data.WeightedRandomSampler([0.5, -1.0], 2))),
    ("tensor lr", lambda lib: lib.optim.SGD([lib.ones(2, requires_grad=True)], lr=lib.ones(2))),
    (
        "tensor lr foreach",
        lambda lib: lib.optim.Adam([lib.ones(2, requires_grad=True)], lr=lib.tensor(0.1),
                                   foreach=True),
    ),  # fmt: skip
    (
        "fused and foreach",
        lambda lib: lib.optim.SGD([lib.ones(2, requires_grad=True)], fused=True, foreach=True),
    ),
    (
        "jacobian forward-mode",
        lambda lib: lib.autograd.functional.jacobian(lambda t: t, lib.ones(2),
                                                     strategy="forward-mode"),
    ),  # fmt: skip
    ("eq number input", lambda lib: lib.eq(2, lib.ones(2))),
    ("maximum number other", lambda lib: lib.maximum(lib.ones(2), 2.0)),
    ("pow two numbers", lambda lib: lib.pow(2, 3)),
    ("neg bool", lambda lib: lib.neg(lib.tensor([True]))),
    ("narrow tensor start", lambda lib: lib.narrow(lib.ones(3), 0, lib.tensor([0, 1]), 1)),
    ("hstack empty", lambda lib: lib.hstack([])),
    ("mean int dtype", lambda lib: lib.mean(lib.ones(2), dtype=lib.int64)),
    ("gradient repeated dim", lambda lib: lib.gradient(lib.ones(3, 3), dim=[1, 1])),
    ("ormqr 0-d", lambda lib: lib.ormqr(lib.tensor(1.0), lib.tensor(1.0), lib.tensor(1.0))),
    ("masked_fill complex", lambda lib: lib.masked_fill(lib.ones(2), lib.tensor(True), 1j)),
    ("resize_ requires grad", lambda lib: lib.ones(2, requires_grad=True).resize_(3)),
    (
        "native_group_norm groups",
        lambda lib: lib.native_group_norm(lib.ones(1, 4, 2), None, None, 1, 4, 2, 3, 1e-5),
    ),
    ("threshold tensor", lambda lib: lib.nn.functional.threshold(lib.ones(2, 3), lib.ones(3), 0)),
    ("lu_solve float pivots", lambda lib: lib.linalg.lu_solve(lib.ones(3, 3), lib.ones(3),
                                                               lib.ones(3, 4))),
    ("lu_unpack pivots range", lambda lib: lib.lu_unpack(lib.ones(2, 3),
                                                         lib.tensor([1, 3], dtype=lib.int32))),
    ("lu_unpack int64 pivots", lambda lib: lib.lu_unpack(lib.ones(2, 3), lib.tensor([1, 2]))),
    ("ldl_solve pivots shape", lambda lib: lib.linalg.ldl_solve(
        lib.ones(1, 2, 3, 3), lib.ones(1, 1, 2, 2, 2, dtype=lib.int32), lib.ones(2, 3, 4))),
    ("ldl_solve batch", lambda lib: lib.linalg.ldl_solve(
        lib.ones(2, 3, 3), lib.ones(2, 3, dtype=lib.int32), lib.ones(4, 3, 1))),
    ("affine_grid int size", lambda lib: lib.nn.functional.affine_grid(lib.ones(1, 2, 3), 0, False)),
    ("constant_pad_nd int", lambda lib: lib.constant_pad_nd(lib.ones(3), 1)),
    ("as_strided int size", lambda lib: lib.as_strided(lib.ones(3), 2, (1,))),
    ("narrow tuple length", lambda lib: lib.narrow(lib.ones(2, 3), -1, 0, (5, 5, 5))),
    ("index_add int source", lambda lib: lib.index_add(lib.ones(3), 0, lib.tensor([0]), 5)),
    ("masked_scatter int source",
     lambda lib: lib.masked_scatter(lib.ones(2), lib.tensor([True, False]), 5)),
    ("put int source", lambda lib: lib.put(lib.ones(3), lib.tensor([0]), 5)),
    ("lstsq 0-d B", lambda lib: lib.linalg.lstsq(lib.ones(2, 0), lib.tensor(1.5))),
    ("solve 0-d B", lambda lib: lib.linalg.solve(lib.ones(2, 2), lib.tensor(1.0))),
    ("triplet margin", lambda lib: lib.nn.functional.triplet_margin_loss(
        lib.ones(2, 3), lib.ones(2, 3), lib.ones(2, 3), margin=0.0)),
    ("multi_margin 2-d weight", lambda lib: lib.nn.functional.multi_margin_loss(
        lib.ones(5, 4), lib.ones(5), weight=lib.ones(4, 1))),
    ("as_tensor ragged", lambda lib: lib.as_tensor([[1, 2], [3]])),
    ("as_tensor ragged depth", lambda lib: lib.as_tensor([[1, 2], 3])),
    ("asarray ragged", lambda lib: lib.asarray([[1.0, 2.0], []])),
    ("from_numpy object", lambda lib: lib.from_numpy(np.array([[1, 2], [3]], dtype=object))),
    ("stack of lists", lambda lib: lib.stack([[1, 2], [3]])),
    ("cat of lists", lambda lib: lib.cat([lib.ones(2), [3.0]])),
]  # fmt: skip


@pytest.mark.parametrize("name,call", SAME_AS_TORCH, ids=[w[0] for w in SAME_AS_TORCH])
def test_exception_type_is_torchs(name, call):
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(mt)


@pytest.mark.filterwarnings("ignore:Using a target size")
@pytest.mark.parametrize("name,call,exc,match", WRONG_CALLS, ids=[w[0] for w in WRONG_CALLS])
def test_wrong_call_gives_clear_error(name, call, exc, match):
    with pytest.raises(exc, match=match) as info:
        call()
    assert "numpy" not in type(info.value).__module__
    raised_in = Path(info.traceback[-1].path)
    assert "numpy" not in raised_in.parts, f"raised inside NumPy ({raised_in})"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: mt.nn.Linear(3, -1), r"nn.Linear\(\): Trying to create tensor with negative dimension -1"),
        (lambda: mt.nn.Conv2d(3, -1, 3), r"Conv2d\(\): Trying to create tensor with negative dimension -1"),
        (lambda: mt.nn.Embedding(-1, 3), r"nn.Embedding\(\): Trying to create tensor with negative"),
        (lambda: mt.nn.EmbeddingBag(-1, 3), r"nn.EmbeddingBag\(\): Trying to create tensor"),
        (lambda: mt.nn.BatchNorm1d(-2), r"nn.BatchNorm\(\): Trying to create tensor with negative"),
    ],
)
def test_layers_with_negative_sizes_raise_torchs_runtime_error(make, message):
    with pytest.raises(RuntimeError, match=message):
        make()


def test_full_with_a_tensor_fill_value_of_several_elements_raises_type_error():
    assert mt.full((2,), mt.tensor(3.0)).tolist() == [3.0, 3.0]  # 0-d is fine, as in torch
    with pytest.raises(TypeError, match=r"full\(\): argument 'fill_value' \(position 2\) must be Number"):
        mt.full((2,), mt.tensor([3.0, 4.0]))


def test_what_torch_accepts_around_the_new_checks_still_works():
    torch = pytest.importorskip("torch")
    x = mt.tensor([[0.5, 2.0], [1.5, -1.0]])
    got = F.threshold(x, mt.tensor(1.0), mt.tensor(-3.0))  # 0-d tensors are numbers to torch
    want = torch.nn.functional.threshold(torch.tensor(x.tolist()), torch.tensor(1.0), -3.0)
    assert got.tolist() == want.tolist() == [[-3.0, 2.0], [1.5, -3.0]]
    empty = mt.histogramdd(mt.ones(2, 0), bins=3)  # points without coordinates
    assert empty.hist.shape == () and empty.hist.item() == 0.0 and empty.bin_edges == ()
    added = mt.index_add(mt.zeros(3), 0, mt.tensor([2, 0]), mt.ones(2), alpha=mt.tensor(2.0))
    assert added.tolist() == [2.0, 0.0, 2.0]
    a = [[2.0, 1.0, 0.0], [4.0, 3.0, 1.0], [0.0, 1.0, 5.0]]
    lu_, piv = mt.linalg.lu_factor(mt.tensor(a))
    torch_p, _, _ = torch.lu_unpack(*torch.linalg.lu_factor(torch.tensor(a)))
    assert mt.lu_unpack(lu_, piv).P.tolist() == torch_p.tolist()
    assert mt.as_strided(mt.arange(6), mt.Size([2, 2]), [1, 2]).tolist() == [[0, 2], [1, 3]]
