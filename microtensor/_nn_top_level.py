"""torch's aten-style nn functions at the top level: ``torch.dropout``, ``torch.layer_norm``...

PyTorch exposes many ``nn.functional`` operations a second time as ``torch.<name>``, with the
signature of the underlying aten operator rather than the Python wrapper's:
``torch.dropout(input, p, train)`` has no defaults and no ``inplace``,
``torch.embedding(weight, indices, ...)`` takes the weight first,
``torch.batch_norm`` takes ``weight``/``bias`` before the running statistics, the norms take a
``cudnn_enable(d)`` flag, pooling has no ``return_indices``. Each function here only adapts
the arguments and calls the implementation in ``microtensor.nn.functional``: no new math.
Where the two signatures are the same (``conv2d``, ``pdist``, ``pixel_shuffle``...) the top
level binds the ``nn.functional`` function itself (see ``microtensor/__init__.py``).

The losses with torch's integer ``reduction`` are in ``microtensor._loss_top_level``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.nn import functional as F
from microtensor.nn._functional import dropout as _dropout
from microtensor.tensor import Tensor

__all__ = [
    "adaptive_max_pool1d",
    "affine_grid_generator",
    "alpha_dropout",
    "alpha_dropout_",
    "batch_norm",
    "celu",
    "convolution",
    "dropout",
    "dropout_",
    "embedding",
    "feature_alpha_dropout",
    "feature_alpha_dropout_",
    "feature_dropout",
    "feature_dropout_",
    "group_norm",
    "instance_norm",
    "layer_norm",
    "max_pool1d",
    "max_pool1d_with_indices",
    "max_pool2d",
    "max_pool3d",
    "native_channel_shuffle",
    "native_dropout",
    "rrelu",
    "rrelu_",
    "selu",
    "threshold",
]


def convolution(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None,
    stride: Any,
    padding: Any,
    dilation: Any,
    transposed: bool,
    output_padding: Any,
    groups: int,
) -> Tensor:
    """torch.convolution: the one convolution operator behind ``conv{1,2,3}d`` and transposed.

    The number of spatial dims is ``weight.ndim - 2``; ``transposed`` selects
    ``conv_transpose{n}d`` (which alone uses ``output_padding``).

    Raises:
        RuntimeError: if ``weight`` is not 3-D, 4-D or 5-D.

    Example:
        >>> import microtensor as mt
        >>> x, w = mt.ones(1, 1, 4), mt.ones(1, 1, 2)
        >>> mt.convolution(x, w, None, [1], [0], [1], False, [0], 1)
        tensor([[[2., 2., 2.]]])
    """
    spatial = weight.ndim - 2
    if spatial not in (1, 2, 3):
        raise RuntimeError(
            f"convolution(): expected a 3-D, 4-D or 5-D weight, got shape {tuple(weight.shape)}: "
            "give (out_channels, in_channels / groups, *kernel_size)"
        )
    if transposed:
        conv_t = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[spatial - 1]
        return conv_t(input, weight, bias, stride, padding, output_padding, groups, dilation)
    conv = (F.conv1d, F.conv2d, F.conv3d)[spatial - 1]
    return conv(input, weight, bias, stride, padding, dilation, groups)


def _stride(kernel_size: Any, stride: Any) -> Any:
    # aten's stride=[] (and None) means "the kernel size"
    return None if stride is None or (not isinstance(stride, int) and len(stride) == 0) else stride


def max_pool1d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = (),
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
) -> Tensor:
    """torch.max_pool1d: ``F.max_pool1d`` without ``return_indices``; ``stride=()`` is kernel."""
    stride = _stride(kernel_size, stride)
    return F.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode)  # type: ignore[no-any-return]


def max_pool1d_with_indices(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = (),
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
) -> tuple[Tensor, Tensor]:
    """torch.max_pool1d_with_indices: ``(values, indices)`` of ``max_pool1d``."""
    stride = _stride(kernel_size, stride)
    return F.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)  # type: ignore[no-any-return]


def max_pool2d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = (),
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
) -> Tensor:
    """torch.max_pool2d: ``F.max_pool2d`` without ``return_indices``; ``stride=()`` is kernel.

    Example:
        >>> import microtensor as mt
        >>> mt.max_pool2d(mt.arange(16.0).reshape(1, 4, 4), 2)
        tensor([[[ 5.,  7.],
                 [13., 15.]]])
    """
    stride = _stride(kernel_size, stride)
    return F.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode)  # type: ignore[no-any-return]


def max_pool3d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = (),
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
) -> Tensor:
    """torch.max_pool3d: ``F.max_pool3d`` without ``return_indices``; ``stride=()`` is kernel."""
    stride = _stride(kernel_size, stride)
    return F.max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode)  # type: ignore[no-any-return]


def adaptive_max_pool1d(input: Tensor, output_size: Any) -> tuple[Tensor, Tensor]:  # noqa: A002
    """torch.adaptive_max_pool1d: always ``(values, indices)``, unlike ``F.adaptive_max_pool1d``.

    Example:
        >>> import microtensor as mt
        >>> mt.adaptive_max_pool1d(mt.tensor([[[1.0, 3.0, 2.0]]]), 2)
        (tensor([[[3., 3.]]]), tensor([[[1, 1]]]))
    """
    return F.adaptive_max_pool1d(input, output_size, return_indices=True)  # type: ignore[no-any-return]


def dropout(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """torch.dropout: ``F.dropout(input, p, training=train)``; every argument required.

    Example:
        >>> import microtensor as mt
        >>> mt.dropout(mt.ones(3), 0.5, False)
        tensor([1., 1., 1.])
    """
    return F.dropout(input, p, train)


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """torch.dropout_: in-place ``dropout``; returns ``input``."""
    return F.dropout(input, p, train, inplace=True)


def alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """torch.alpha_dropout: ``F.alpha_dropout(input, p, training=train)``."""
    return F.alpha_dropout(input, p, train)


def alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """torch.alpha_dropout_: in-place ``alpha_dropout``; returns ``input``."""
    return F.alpha_dropout(input, p, train, inplace=True)


def _feature_dropout(
    op: str,
    input: Tensor,  # noqa: A002
    p: float,
    train: bool,
    inplace: bool,
    alpha: bool,
) -> Tensor:
    """The feature dropout of aten: one draw per ``(sample, channel)`` of an ``(N, C, *)`` input."""
    _dropout._check_p(p)
    if input.ndim < 2:
        return _dropout._feature_dropout_few_dims(op, input, p, train, inplace, alpha)
    noise_shape = _dropout._feature_shape(input, batched=True)
    return _dropout._dropout_impl(input, p, train, inplace, noise_shape, alpha=alpha)


def feature_dropout(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """torch.feature_dropout: zero whole channels of ``(N, C, *)`` with probability ``p``.

    The channel-wise dropout of ``F.dropout2d``/``F.dropout3d`` for any rank >= 2, without
    their rank checks and warnings.

    Raises:
        ValueError: if ``p`` is not in [0, 1].
        RuntimeError: if dropping an input with fewer than 2 dims.
    """
    return _feature_dropout("feature_dropout", input, p, train, False, alpha=False)


def feature_dropout_(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """torch.feature_dropout_: in-place ``feature_dropout``; returns ``input``."""
    return _feature_dropout("feature_dropout_", input, p, train, True, alpha=False)


def feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """torch.feature_alpha_dropout: ``F.feature_alpha_dropout(input, p, training=train)``."""
    return F.feature_alpha_dropout(input, p, train)


def feature_alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """torch.feature_alpha_dropout_: in-place ``feature_alpha_dropout``; returns ``input``."""
    return F.feature_alpha_dropout(input, p, train, inplace=True)


def native_dropout(input: Tensor, p: float, train: bool | None) -> tuple[Tensor, Tensor]:  # noqa: A002
    """torch.native_dropout: ``(output, mask)``, the mask True where an element was kept.

    ``train=None`` counts as training, as in torch. Out of training the output is a copy of
    the input and the mask all True. The mask after ``manual_seed`` is torch's (the same draw
    as ``dropout``).

    Differs from PyTorch: with ``train=None`` torch's derivative formula leaves out the
    ``1 / (1 - p)`` scale (it takes None as evaluation there); here the gradient is the
    derivative of the output, ``mask / (1 - p)``.

    Example:
        >>> import microtensor as mt
        >>> mt.native_dropout(mt.ones(2), 0.5, False)
        (tensor([1., 1.]), tensor([True, True]))
    """
    _dropout._check_p(p)
    if train is False or input.numel() == 0:
        return input * 1, Tensor._make(np.ones(input._data.shape, np.bool_))
    keep = _dropout._keep_mask(input, p, input._data.shape)
    dtype = input._data.dtype
    scale = np.zeros((), dtype) if p == 1 else np.asarray(1 / (1 - p), dtype)
    # torch: input.mul(mask).mul_(scale), the scale 1 / (1 - p) rounded once to the dtype
    return (input * Tensor._make(keep)) * Tensor._make(scale), Tensor._make(keep != 0)


def embedding(
    weight: Tensor,
    indices: Tensor,
    padding_idx: int = -1,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """torch.embedding: the rows of ``weight`` at ``indices`` (the weight comes first).

    A negative ``padding_idx`` (the default -1) means no padding row, as in aten: the
    ``nn.functional`` form resolves negative indices before it calls this operator.

    Example:
        >>> import microtensor as mt
        >>> mt.embedding(mt.eye(3), mt.tensor([2, 0]))
        tensor([[0., 0., 1.],
                [1., 0., 0.]])
    """
    padding = padding_idx if padding_idx >= 0 else None
    return F.embedding(
        indices, weight, padding, scale_grad_by_freq=scale_grad_by_freq, sparse=sparse
    )


def layer_norm(
    input: Tensor,  # noqa: A002
    normalized_shape: Any,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-05,
    cudnn_enable: bool = True,
) -> Tensor:
    """torch.layer_norm: ``F.layer_norm``; ``cudnn_enable`` is accepted and has no effect."""
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(
    input: Tensor,  # noqa: A002
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-05,
    cudnn_enabled: bool = True,
) -> Tensor:
    """torch.group_norm: ``F.group_norm``; ``cudnn_enabled`` is accepted and has no effect."""
    return F.group_norm(input, num_groups, weight, bias, eps)


def batch_norm(
    input: Tensor,  # noqa: A002
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    training: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool,
) -> Tensor:
    """torch.batch_norm: ``F.batch_norm`` with weight and bias first and every argument given.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[1.0], [3.0]])
        >>> mt.batch_norm(x, None, None, None, None, True, 0.1, 0.0, False)
        tensor([[-1.],
                [ 1.]])
    """
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(
    input: Tensor,  # noqa: A002
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    use_input_stats: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool,
) -> Tensor:
    """torch.instance_norm: ``F.instance_norm`` with weight and bias first."""
    return F.instance_norm(
        input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps
    )


def selu(input: Tensor) -> Tensor:  # noqa: A002
    """torch.selu: ``F.selu`` without ``inplace``."""
    return F.selu(input)


def celu(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """torch.celu: ``F.celu`` without ``inplace``."""
    return F.celu(input, alpha)


def threshold(input: Tensor, threshold: float, value: float) -> Tensor:  # noqa: A002
    """torch.threshold: ``value`` where ``input <= threshold``, else ``input``.

    Example:
        >>> import microtensor as mt
        >>> mt.threshold(mt.tensor([-1.0, 2.0]), 0.0, 5.0)
        tensor([5., 2.])
    """
    return F.threshold(input, threshold, value)


def rrelu(
    input: Tensor,  # noqa: A002
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    generator: Any = None,
) -> Tensor:
    """torch.rrelu: ``F.rrelu`` with aten's ``generator`` argument.

    Differs from PyTorch: only the default generator is supported (the slopes are torch's
    after the same ``manual_seed``); a ``generator`` raises NotImplementedError.
    """
    if generator is not None:
        raise NotImplementedError(
            "rrelu(): a generator argument is not supported, the slopes come from the default "
            "generator: call microtensor.manual_seed(...) and pass generator=None"
        )
    return F.rrelu(input, lower, upper, training)


def rrelu_(
    input: Tensor,  # noqa: A002
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    generator: Any = None,
) -> Tensor:
    """torch.rrelu_: in-place ``rrelu``; returns ``input``.

    Differs from PyTorch: a ``generator`` raises NotImplementedError, as for ``rrelu``.
    """
    if generator is not None:
        raise NotImplementedError(
            "rrelu_(): a generator argument is not supported, the slopes come from the default "
            "generator: call microtensor.manual_seed(...) and pass generator=None"
        )
    return F.rrelu_(input, lower, upper, training)


def native_channel_shuffle(input: Tensor, groups: int) -> Tensor:  # noqa: A002
    """torch.native_channel_shuffle: ``channel_shuffle`` (the same operation)."""
    return F.channel_shuffle(input, groups)


def affine_grid_generator(theta: Tensor, size: Any, align_corners: bool) -> Tensor:
    """torch.affine_grid_generator: ``F.affine_grid`` with ``align_corners`` required."""
    return F.affine_grid(theta, size, align_corners)
