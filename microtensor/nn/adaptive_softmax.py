"""``AdaptiveLogSoftmaxWithLoss``: the efficient softmax of Grave et al. for many classes.

The frequent classes (below ``cutoffs[0]``) sit in a head softmax beside one entry per tail
cluster; a class of cluster ``i`` has log-probability ``head[cluster i] + tail_i[class]``, and
each tail computes its logits through a smaller projection (``in_features // div_value**(i+1)``).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from typing import Any

from microtensor import ops
from microtensor.nn import functional as F
from microtensor.nn.containers import ModuleList, Sequential
from microtensor.nn.linear import Linear
from microtensor.nn.module import Module
from microtensor.tensor import Tensor

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])  # PyTorch's name  # noqa: PYI024


class AdaptiveLogSoftmaxWithLoss(Module):
    """Adaptive log-softmax (Grave et al., 2016) with its negative log-likelihood loss.

    Classes are sorted by frequency: ``[0, cutoffs[0])`` form the head's shortlist, and
    ``[cutoffs[i], cutoffs[i+1])`` (the last ending at ``n_classes``) tail cluster ``i``. The
    head is ``Linear(in_features, cutoffs[0] + n_clusters, bias=head_bias)``; tail ``i`` is
    ``Sequential(Linear(in_features, in_features // div_value**(i+1), bias=False),
    Linear(that, cluster size, bias=False))``, so the state dict has ``head.weight``,
    ``tail.0.0.weight``, ``tail.0.1.weight`` ... as PyTorch's.

    Args:
        in_features: number of features of the input.
        n_classes: number of classes.
        cutoffs: increasing, unique cutoffs in ``[1, n_classes - 1]``.
        div_value: the divisor of each tail's projection size.
        head_bias: whether the head has a bias.
        device: accepted for PyTorch's signature (the CPU).
        dtype: the parameters' dtype.

    Raises:
        ValueError: for empty cutoffs, or cutoffs that are not unique increasing integers
            between 1 and ``n_classes - 1``.

    Shape:
        - input: ``(N, in_features)`` or ``(in_features,)``; target: ``(N,)`` or ``()``.
        - returns ``(output, loss)``: ``output`` (the target's log-probability for each
          example) shaped like target, and ``loss``, the mean of ``-output``.

    Example:
        >>> import microtensor as mt
        >>> _ = mt.manual_seed(0)
        >>> asm = mt.nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[3, 6], div_value=2.0)
        >>> result = asm(mt.randn(4, 8), mt.tensor([0, 4, 7, 9]))
        >>> result.output.shape, result.loss.shape, asm.log_prob(mt.randn(4, 8)).shape
        (microtensor.Size([4]), microtensor.Size([]), microtensor.Size([4, 10]))
        >>> [name for name, _ in asm.named_parameters()]
        ['head.weight', 'tail.0.0.weight', 'tail.0.1.weight', 'tail.1.0.weight', 'tail.1.1.weight']
    """

    def __init__(
        self,
        in_features: int,
        n_classes: int,
        cutoffs: Sequence[int],
        div_value: float = 4.0,
        head_bias: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (
            cutoffs != sorted(cutoffs)
            or min(cutoffs) <= 0
            or max(cutoffs) > n_classes - 1
            or len(set(cutoffs)) != len(cutoffs)
            or any(int(c) != c for c in cutoffs)
        ):
            raise ValueError(
                "cutoffs should be a sequence of unique, positive integers sorted in an "
                "increasing order, where each value is between 1 and n_classes-1"
            )
        factory = {"device": device, "dtype": dtype}
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = [*cutoffs, n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, **factory)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(
                Sequential(
                    Linear(in_features, hidden, bias=False, **factory),
                    Linear(hidden, size, bias=False, **factory),
                )
            )

    def reset_parameters(self) -> None:
        """Re-initialise the head and every tail projection as at construction."""
        self.head.reset_parameters()
        for projection in self.tail:
            for linear in projection.children():
                linear.reset_parameters()  # type: ignore[operator]

    def forward(self, input_: Tensor, target_: Tensor) -> Any:
        """The target's log-probability for each example, and the mean negative of them.

        Raises:
            RuntimeError: for mismatched batch sizes, a target that is not 0-d or 1-d (or an
                input of the wrong rank for it), or a target outside ``[0, n_classes - 1]``.
        """
        _check_shapes(input_, target_)
        is_batched = target_.dim() > 0
        input = input_ if is_batched else input_.unsqueeze(0)  # noqa: A001
        target = target_ if is_batched else target_.unsqueeze(0)
        batch_size = target.shape[0]
        output = input.new_zeros(batch_size)
        gather_inds = target.new_zeros(batch_size)
        used_rows = 0
        bounds = [0, *self.cutoffs]
        for i in range(len(bounds) - 1):
            target_mask = (target >= bounds[i]) & (target < bounds[i + 1])
            rows = target_mask.nonzero().reshape(-1)
            if rows.numel() == 0:
                continue
            if i == 0:
                gather_inds.index_copy_(0, rows, target[target_mask])
            else:
                relative_target = target[target_mask] - bounds[i]
                cluster_logprob = F.log_softmax(self.tail[i - 1](input.index_select(0, rows)), 1)
                gather_inds.index_fill_(0, rows, self.shortlist_size + i - 1)
                local_logprob = cluster_logprob.gather(1, relative_target.unsqueeze(1))
                output.index_copy_(0, rows, local_logprob.squeeze(1))
            used_rows += rows.numel()
        if used_rows != batch_size:
            raise RuntimeError(
                f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                f"[{target.min().item()}, {target.max().item()}] were found. "
            )
        head_logprob = F.log_softmax(self.head(input), 1)
        output = output + head_logprob.gather(1, gather_inds.unsqueeze(1)).squeeze(1)
        loss = (-output).mean()
        if not is_batched:
            output = output.squeeze(0)
        return _ASMoutput(output, loss)

    def _get_full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:  # noqa: A002
        """Log-probabilities of all classes from the input and the head's output."""
        head_logprob = F.log_softmax(head_output, 1)
        pieces = [head_logprob[:, : self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster_logprob = F.log_softmax(self.tail[i](input), 1)
            pieces.append(cluster_logprob + head_logprob[:, self.shortlist_size + i].unsqueeze(1))
        return ops.cat(pieces, 1)

    def log_prob(self, input: Tensor) -> Tensor:  # noqa: A002
        """Log-probabilities of every class: ``(N, in_features)`` -> ``(N, n_classes)``."""
        return self._get_full_log_prob(input, self.head(input))

    def predict(self, input: Tensor) -> Tensor:  # noqa: A002
        """The most probable class of each example (``log_prob(input).argmax(1)``, cheaper).

        Only the examples whose best head entry is a cluster need the tails.
        """
        head_output = self.head(input)
        output = ops.argmax(head_output, 1)
        not_in_shortlist = output >= self.shortlist_size
        if not not_in_shortlist.any():
            return output
        if not_in_shortlist.all():
            return ops.argmax(self._get_full_log_prob(input, head_output), 1)
        log_prob = self._get_full_log_prob(input[not_in_shortlist], head_output[not_in_shortlist])
        output[not_in_shortlist] = ops.argmax(log_prob, 1)
        return output

    def extra_repr(self) -> str:
        """Nothing: PyTorch prints the head and tail submodules only."""
        return ""


def _check_shapes(input: Tensor, target: Tensor) -> None:  # noqa: A002
    if target.dim() == 1:
        if input.shape[0] != target.shape[0]:
            raise RuntimeError("Input and target should have the same size in the batch dimension.")
        if input.dim() != 2:
            raise RuntimeError(
                f"1D target tensor expects 2D input tensors, but found inputs with size "
                f"{input.size()}"
            )
    elif target.dim() == 0:
        if input.dim() != 1:
            raise RuntimeError(
                f"0D target tensor expects 1D input tensors, but found inputs with size "
                f"{input.size()}"
            )
    else:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
