"""``microtensor.nn.grad`` (also ``F.grad``): the gradients of a convolution, as functions.

``convNd_input(input_size, weight, grad_output)`` is the gradient of ``F.convNd`` with respect
to its input (a transposed convolution of ``grad_output`` cropped to ``input_size``), and
``convNd_weight(input, weight_size, grad_output)`` the gradient with respect to its weight.
They are the convolution ops' own backward ops, so they are differentiable again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from microtensor.nn._functional._conv_ops import ConvTranspose, ConvWeightGrad, Geometry
from microtensor.nn._functional.conv import _tuple
from microtensor.tensor import Tensor

__all__ = [
    "conv1d_input",
    "conv1d_weight",
    "conv2d_input",
    "conv2d_weight",
    "conv3d_input",
    "conv3d_weight",
]


def _geometry(
    op: str,
    nd: int,
    input_size: Sequence[int],
    weight_size: Sequence[int],
    grad_output: Tensor,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
) -> Geometry:
    """Check the sizes against each other (torch's messages) and return the geometry."""
    input_size, weight_size = [int(n) for n in input_size], [int(n) for n in weight_size]
    if len(input_size) != nd + 2:
        raise RuntimeError(
            f"Expected {nd + 2}-dimensional input for {nd + 2}-dimensional weight {weight_size}, "
            f"but got {len(input_size)}-dimensional input of size {input_size} instead"
        )
    if grad_output.ndim != nd + 2:
        raise RuntimeError(
            "Expected input and grad_output to have the same number of dimensions, but got: "
            f"{nd + 2} and {grad_output.ndim}"
        )
    if len(weight_size) != nd + 2 or groups < 1 or input_size[1] != weight_size[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {weight_size}, expected input{input_size} to "
            f"have {weight_size[1] * groups} channels, but got {input_size[1]} channels instead"
        )
    strides = _tuple(stride, nd, "stride", op)
    pads = _tuple(padding, nd, "padding", op)
    dilations = _tuple(dilation, nd, "dilation", op)
    if min(strides) < 1 or min(dilations) < 1 or min(pads) < 0:
        raise RuntimeError(f"{op}(): stride and dilation must be positive, padding non-negative")
    dims = zip(input_size[2:], weight_size[2:], strides, pads, dilations, strict=True)
    out = [(i + 2 * p - d * (k - 1) - 1) // s + 1 for i, k, s, p, d in dims]
    expected = [input_size[0], weight_size[0], *out]
    if list(grad_output.shape) != expected:
        raise RuntimeError(
            f"{op}(): grad_output of size {list(grad_output.shape)} does not match the "
            f"convolution's output size {expected} for input size {input_size} and weight size "
            f"{weight_size}: pass the stride, padding and dilation of the forward convolution"
        )
    return Geometry(strides, tuple((p, p) for p in pads), dilations, groups)


def _input_grad(
    op: str, nd: int, input_size: Any, weight: Tensor, grad_output: Tensor, *geometry: Any
) -> Tensor:
    geo = _geometry(op, nd, input_size, weight.shape, grad_output, *geometry)
    _check_dtypes(op, weight, grad_output)
    return ConvTranspose.apply(grad_output, weight, None, geo, tuple(input_size[2:]))  # type: ignore[no-any-return]


def _weight_grad(
    op: str,
    nd: int,
    input: Tensor,
    weight_size: Any,
    grad_output: Tensor,
    *geometry: Any,  # noqa: A002
) -> Tensor:
    geo = _geometry(op, nd, input.shape, weight_size, grad_output, *geometry)
    _check_dtypes(op, input, grad_output)
    return ConvWeightGrad.apply(input, grad_output, geo, tuple(weight_size[2:]))  # type: ignore[no-any-return]


def _check_dtypes(op: str, tensor: Tensor, grad_output: Tensor) -> None:
    if tensor.dtype != grad_output.dtype:
        raise RuntimeError(
            f"{op}(): grad_output ({grad_output.dtype}) and the other tensor ({tensor.dtype}) "
            "must have the same dtype: convert one with .to()"
        )


def conv1d_input(
    input_size: Sequence[int],
    weight: Tensor,
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """The gradient of ``F.conv1d`` with respect to its input (a transposed convolution).

    Args:
        input_size: the input's shape (minibatch, in_channels, iW).
        weight: the weight (out_channels, in_channels / groups, kW).
        grad_output: the output's gradient (minibatch, out_channels, oW).
        stride: the forward convolution's stride (int or tuple).
        padding: its zero padding on both sides (int or tuple).
        dilation: its spacing between kernel elements (int or tuple).
        groups: its number of blocked connections from input to output channels.

    Returns:
        A Tensor of ``input_size``.

    Raises:
        RuntimeError: when the sizes, channels or dtypes do not fit one convolution.

    Example:
        >>> import microtensor as mt
        >>> weight = mt.tensor([[[1.0, 2.0]]])
        >>> mt.nn.grad.conv1d_input((1, 1, 3), weight, mt.tensor([[[1.0, 1.0]]]))
        tensor([[[1., 3., 2.]]])
    """
    geometry = (stride, padding, dilation, groups)
    return _input_grad("conv1d_input", 1, input_size, weight, grad_output, *geometry)


def conv1d_weight(
    input: Tensor,  # noqa: A002
    weight_size: Sequence[int],
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """The gradient of ``F.conv1d`` with respect to its weight.

    Args:
        input: the input (minibatch, in_channels, iW).
        weight_size: the weight's shape (out_channels, in_channels / groups, kW).
        grad_output: the output's gradient (minibatch, out_channels, oW).
        stride: the forward convolution's stride (int or tuple).
        padding: its zero padding on both sides (int or tuple).
        dilation: its spacing between kernel elements (int or tuple).
        groups: its number of blocked connections from input to output channels.

    Returns:
        A Tensor of ``weight_size``.

    Raises:
        RuntimeError: when the sizes, channels or dtypes do not fit one convolution.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[[1.0, 2.0, 3.0]]])
        >>> mt.nn.grad.conv1d_weight(x, (1, 1, 2), mt.tensor([[[1.0, 1.0]]]))
        tensor([[[3., 5.]]])
    """
    geometry = (stride, padding, dilation, groups)
    return _weight_grad("conv1d_weight", 1, input, weight_size, grad_output, *geometry)


def conv2d_input(
    input_size: Sequence[int],
    weight: Tensor,
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """The gradient of ``F.conv2d`` with respect to its input (a transposed convolution).

    Args:
        input_size: the input's shape (minibatch, in_channels, iH, iW).
        weight: the weight (out_channels, in_channels / groups, kH, kW).
        grad_output: the output's gradient (minibatch, out_channels, oH, oW).
        stride: the forward convolution's stride (int or tuple).
        padding: its zero padding on both sides (int or tuple).
        dilation: its spacing between kernel elements (int or tuple).
        groups: its number of blocked connections from input to output channels.

    Returns:
        A Tensor of ``input_size``.

    Raises:
        RuntimeError: when the sizes, channels or dtypes do not fit one convolution.

    Example:
        >>> import microtensor as mt
        >>> weight = mt.ones(1, 1, 2, 2)
        >>> mt.nn.grad.conv2d_input((1, 1, 3, 3), weight, mt.ones(1, 1, 2, 2))
        tensor([[[[1., 2., 1.],
                  [2., 4., 2.],
                  [1., 2., 1.]]]])
    """
    geometry = (stride, padding, dilation, groups)
    return _input_grad("conv2d_input", 2, input_size, weight, grad_output, *geometry)


def conv2d_weight(
    input: Tensor,  # noqa: A002
    weight_size: Sequence[int],
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """The gradient of ``F.conv2d`` with respect to its weight.

    Args:
        input: the input (minibatch, in_channels, iH, iW).
        weight_size: the weight's shape (out_channels, in_channels / groups, kH, kW).
        grad_output: the output's gradient (minibatch, out_channels, oH, oW).
        stride: the forward convolution's stride (int or tuple).
        padding: its zero padding on both sides (int or tuple).
        dilation: its spacing between kernel elements (int or tuple).
        groups: its number of blocked connections from input to output channels.

    Returns:
        A Tensor of ``weight_size``.

    Raises:
        RuntimeError: when the sizes, channels or dtypes do not fit one convolution.

    Example:
        >>> import microtensor as mt
        >>> x = mt.arange(9.0).reshape(1, 1, 3, 3)
        >>> mt.nn.grad.conv2d_weight(x, (1, 1, 2, 2), mt.ones(1, 1, 2, 2))
        tensor([[[[ 8., 12.],
                  [20., 24.]]]])
    """
    geometry = (stride, padding, dilation, groups)
    return _weight_grad("conv2d_weight", 2, input, weight_size, grad_output, *geometry)


def conv3d_input(
    input_size: Sequence[int],
    weight: Tensor,
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """The gradient of ``F.conv3d`` with respect to its input (a transposed convolution).

    Args:
        input_size: the input's shape (minibatch, in_channels, iT, iH, iW).
        weight: the weight (out_channels, in_channels / groups, kT, kH, kW).
        grad_output: the output's gradient (minibatch, out_channels, oT, oH, oW).
        stride: the forward convolution's stride (int or tuple).
        padding: its zero padding on both sides (int or tuple).
        dilation: its spacing between kernel elements (int or tuple).
        groups: its number of blocked connections from input to output channels.

    Returns:
        A Tensor of ``input_size``.

    Raises:
        RuntimeError: when the sizes, channels or dtypes do not fit one convolution.

    Example:
        >>> import microtensor as mt
        >>> weight = mt.ones(1, 1, 1, 1, 2)
        >>> mt.nn.grad.conv3d_input((1, 1, 1, 1, 3), weight, mt.ones(1, 1, 1, 1, 2))
        tensor([[[[[1., 2., 1.]]]]])
    """
    geometry = (stride, padding, dilation, groups)
    return _input_grad("conv3d_input", 3, input_size, weight, grad_output, *geometry)


def conv3d_weight(
    input: Tensor,  # noqa: A002
    weight_size: Sequence[int],
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """The gradient of ``F.conv3d`` with respect to its weight.

    Args:
        input: the input (minibatch, in_channels, iT, iH, iW).
        weight_size: the weight's shape (out_channels, in_channels / groups, kT, kH, kW).
        grad_output: the output's gradient (minibatch, out_channels, oT, oH, oW).
        stride: the forward convolution's stride (int or tuple).
        padding: its zero padding on both sides (int or tuple).
        dilation: its spacing between kernel elements (int or tuple).
        groups: its number of blocked connections from input to output channels.

    Returns:
        A Tensor of ``weight_size``.

    Raises:
        RuntimeError: when the sizes, channels or dtypes do not fit one convolution.

    Example:
        >>> import microtensor as mt
        >>> x = mt.arange(3.0).reshape(1, 1, 1, 1, 3)
        >>> mt.nn.grad.conv3d_weight(x, (1, 1, 1, 1, 2), mt.ones(1, 1, 1, 1, 2))
        tensor([[[[[1., 3.]]]]])
    """
    geometry = (stride, padding, dilation, groups)
    return _weight_grad("conv3d_weight", 3, input, weight_size, grad_output, *geometry)
