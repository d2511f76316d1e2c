"""``Tensor``: a NumPy array plus what autograd needs (``requires_grad``, ``grad``, ``grad_fn``).

Arithmetic and ops are short delegations to ``microtensor.ops`` (see ``_tensor_methods.py`` for
the named methods); this file holds the data model, autograd entry points and in-place rules.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from microtensor import _inplace, _tensor_methods, dtypes
from microtensor._device import device
from microtensor._size import Size
from microtensor._tensor_methods import TensorMethods
from microtensor._tensor_queries import TensorQueries
from microtensor._tensor_storage_methods import TensorStorageMethods
from microtensor._tensor_str import tensor_repr
from microtensor.autograd import function

_CPU = device("cpu")


class Tensor(TensorQueries, TensorStorageMethods, TensorMethods):
    """A multi-dimensional array that can record the operations applied to it.

    Build tensors with ``microtensor.tensor(...)`` and the factories (``zeros``, ``randn`` ...).
    ``Tensor(data)`` also works and, as in PyTorch, gives a float32 tensor; ``Tensor(2, 3)``
    gives an uninitialised (here: zero) tensor of shape (2, 3).

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([1.0, 2.0], requires_grad=True)
        >>> y = (x * x).sum()
        >>> y.backward()
        >>> x.grad
        tensor([2., 4.])
    """

    __slots__ = (
        "_data",
        "_requires_grad",
        "grad",
        "grad_fn",
        "_output_nr",
        "_version_counter",
        "_accumulator",
        "_base",
        "_retains_grad",
        "_view_key",
        "_hooks",
        "_post_accumulate_grad_hooks",
        "__dict__",  # attributes a program sets on a tensor, as on torch's
        "__weakref__",
    )
    __array_priority__ = 1000
    _data: np.ndarray
    _requires_grad: bool
    grad: Tensor | None
    grad_fn: Any
    _output_nr: int
    _version_counter: list[int]
    _accumulator: Any
    _base: Tensor | None
    _retains_grad: bool
    _view_key: tuple[Any] | None
    _hooks: dict[int, list[Any]]
    _post_accumulate_grad_hooks: dict[int, Callable[[Tensor], None]] | None

    def __init__(self, *args: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        if len(args) == 1 and not isinstance(args[0], int):
            try:
                data = np.array(
                    args[0].numpy() if isinstance(args[0], Tensor) else args[0],
                    dtype=dtypes.to_dtype(dtype or dtypes.get_default_dtype()).numpy,
                )
            except ValueError as error:  # ragged lists get tensor()'s error; others name it
                from microtensor._data_factories import _check_nested

                _check_nested(args[0])
                raise TypeError(f"Tensor(): invalid data: {error}") from None
        else:
            shape = args[0] if len(args) == 1 and isinstance(args[0], tuple) else args
            data = np.zeros(shape, dtype=dtypes.to_dtype(dtype or dtypes.get_default_dtype()).numpy)
        _init(self, data)
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _make(
        array: np.ndarray,
        requires_grad: bool = False,
        grad_fn: Any = None,
        output_nr: int = 0,
        version_counter: list[int] | None = None,
        base: Tensor | None = None,
    ) -> Tensor:
        """Wrap ``array`` without copying or checking (internal fast path)."""
        t = object.__new__(Tensor)
        t._data = array
        t._requires_grad = requires_grad
        t.grad = None
        t.grad_fn = grad_fn
        t._output_nr = output_nr
        t._version_counter = [0] if version_counter is None else version_counter
        t._accumulator = None
        t._base = base
        t._retains_grad = False
        t._view_key = None
        return t

    # --- basic attributes -------------------------------------------------------------------

    @property
    def data(self) -> Tensor:
        """A tensor sharing this one's memory, detached from the graph (as PyTorch's ``.data``)."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value: Any) -> None:
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    @property
    def shape(self) -> Size:
        """The size of each dimension: a ``Size`` (a tuple of ints)."""
        return Size(self._data.shape)

    @property
    def dtype(self) -> dtypes.dtype:
        """The element type, such as ``microtensor.float32``."""
        return dtypes.from_numpy_dtype(self._data.dtype)

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    @property
    def device(self) -> device:
        """Always ``device(type='cpu')``."""
        return _CPU

    @property
    def is_cuda(self) -> bool:
        """Always False."""
        return False

    @property
    def requires_grad(self) -> bool:
        """Whether gradients are computed for this tensor."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    @property
    def is_leaf(self) -> bool:
        """True for tensors not made by a recorded op (user-created, or ``requires_grad=False``)."""
        return self.grad_fn is None

    @property
    def retains_grad(self) -> bool:
        """True if ``retain_grad()`` was called on this non-leaf tensor."""
        return self._retains_grad

    @property
    def _version(self) -> int:
        return self._version_counter[0]

    @property
    def output_nr(self) -> int:
        """Which output of ``grad_fn`` this tensor is."""
        return self._output_nr

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        op = ops.ufunc_op(ufunc) if method == "__call__" and not kwargs else None
        if op is not None:
            return op(*inputs)
        arrays = [x.numpy() if isinstance(x, Tensor) else x for x in inputs]
        result = getattr(ufunc, method)(*arrays, **kwargs)
        return (
            Tensor._make(np.asarray(result))
            if isinstance(result, np.ndarray | np.generic)
            else result
        )

    # --- autograd --------------------------------------------------------------------------

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return self.

        Raises:
            RuntimeError: for a non-floating tensor, or when turning it off on a non-leaf.
        """
        if requires_grad and self._data.dtype.kind not in "fVc":
            raise RuntimeError(
                "only Tensors of floating point and complex dtype can require gradients, got "
                f"{self.dtype}: convert with .float() or .double() first"
            )
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        self._requires_grad = bool(requires_grad)
        return self

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Compute the gradient of this tensor with respect to the graph leaves.

        Gradients are summed into the ``.grad`` of every leaf that requires grad.

        Args:
            gradient: the gradient of some loss with respect to this tensor; may be omitted
                for a one-element tensor (it is then 1).
            retain_graph: keep the graph so backward can run through it again; defaults to
                ``create_graph``.
            create_graph: record the backward pass, so the gradients can be differentiated.
            inputs: if given, accumulate gradients only into these tensors.

        Raises:
            RuntimeError: if this tensor does not require grad, or is not one element and no
                ``gradient`` is given.
        """
        from microtensor.autograd.api import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Any:
        """Call ``hook(grad)`` whenever the gradient of this tensor is computed.

        The hook may return a new gradient to use instead.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Raises:
            RuntimeError: if the tensor does not require grad.
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node, nr = function.edge_of(self)
        if self.grad_fn is None:  # a leaf keeps its hooks: its AccumulateGrad lives per graph
            node._pre_hooks = self._hooks = getattr(self, "_hooks", None) or {}  # type: ignore[misc]
        node._add_pre_hook(nr, hook)
        return _HookHandle(node, nr, hook)

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> Any:
        """Call ``hook(self)`` each time a backward has accumulated into this leaf's ``.grad``.

        Used, for example, to run an optimizer step per parameter as soon as its gradient is
        ready. ``autograd.grad`` accumulates nothing, so it calls no such hook.

        Raises:
            RuntimeError: if the tensor does not require grad, or is not a leaf.
        """
        from microtensor.nn.module_hooks import RemovableHandle  # nn comes after the core

        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            msg = "post accumulate grad hooks cannot be registered on non-leaf tensors"
            raise RuntimeError(msg)
        hooks = getattr(self, "_post_accumulate_grad_hooks", None) or {}
        self._post_accumulate_grad_hooks = hooks
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward (leaves always keep it).

        Raises:
            RuntimeError: if the tensor does not require grad.
        """
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        if self.grad_fn._retained is None:
            self.grad_fn._retained = {}
        self.grad_fn._retained[self._output_nr] = weakref.ref(self)  # no cycle through grad_fn
        self._retains_grad = True

    def detach(self) -> Tensor:
        """A tensor sharing this one's data (and version counter), cut from the graph."""
        return Tensor._make(self._data, version_counter=self._version_counter)

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph in place, making it a leaf."""
        self.grad_fn = None
        self._requires_grad = False
        return self

    # --- Python protocol ---------------------------------------------------------------------

    def __repr__(self) -> str:
        return tensor_repr(self)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {'no values' if self._data.size == 0 else 'more than one value'} is ambiguous"  # noqa: E501
            )
        return bool(self._data)

    def __float__(self) -> float:
        return float(_real_item(self, "double"))

    def __int__(self) -> int:
        return int(_real_item(self, "int64_t"))

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data)

    def __complex__(self) -> complex:
        return complex(self.item())

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __contains__(self, element: Any) -> bool:
        return bool(
            (self._data == (element._data if isinstance(element, Tensor) else element)).any()
        )

    __hash__ = object.__hash__

    def __deepcopy__(self, memo: dict[int, Any]) -> Tensor:
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment. If you were attempting to deepcopy a module, this may "
                "be because of a torch.nn.utils.weight_norm usage, see "
                "https://github.com/pytorch/pytorch/pull/103001"
            )
        if id(self) in memo:
            return memo[id(self)]  # type: ignore[no-any-return]
        new = object.__new__(type(self))
        _init(new, self._data.copy())
        new._requires_grad = self._requires_grad
        memo[id(self)] = new
        if self.grad is not None:
            new.grad = self.grad.__deepcopy__(memo)
        if self.__dict__:  # attributes a program set on the tensor
            import copy

            new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return new

    def __copy__(self) -> Tensor:
        return self.__deepcopy__({})

    def __reduce_ex__(self, protocol: Any) -> Any:
        # As torch's pickling: the values, the class, requires_grad and any attributes a
        # program set travel; .grad and the graph do not. (Files: microtensor.save.)
        state = self.__dict__ or None
        return _rebuild, (type(self), self._data, self._requires_grad), state

    # --- in-place support (the rules live in _inplace.py) -----------------------------------

    def _inplace(self, name: str, op: Callable[..., Tensor], *args: Any, **kwargs: Any) -> Tensor:
        """Apply ``op(self, *args)`` and write the result into this tensor (see ``_inplace``)."""
        return _inplace.apply(self, name, op, *args, **kwargs)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._inplace("__setitem__", ops.index_put, key, value)


def _init(t: Tensor, array: np.ndarray) -> None:
    t._data = array
    t._requires_grad = False
    t.grad = None
    t.grad_fn = None
    t._output_nr = 0
    t._version_counter = [0]
    t._accumulator = None
    t._base = None
    t._retains_grad = False
    t._view_key = None


def _rebuild(cls: type, array: np.ndarray, requires_grad: bool) -> Tensor:
    """A tensor from its pickled parts (see ``Tensor.__reduce_ex__``)."""
    t: Tensor = object.__new__(cls)
    _init(t, array)
    t._requires_grad = requires_grad
    return t


class _HookHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    def __init__(self, node: Any, nr: int, hook: Any) -> None:
        self._node, self._nr, self._hook = node, nr, hook

    def remove(self) -> None:
        hooks = self._node._pre_hooks.get(self._nr, [])
        if self._hook in hooks:
            hooks.remove(self._hook)


# Hand the class to autograd and the ops to the methods (each would be an import cycle).
function.Tensor = Tensor
from microtensor import ops  # noqa: E402 - needs Tensor defined above

_tensor_methods.ops = ops


def _real_item(t: Tensor, c_type: str) -> Any:
    """The one value of ``t``; a complex one only when its imaginary part is 0 (torch's rule)."""
    value = t.item()
    if isinstance(value, complex):
        if value.imag != 0:
            raise RuntimeError(f"value cannot be converted to type {c_type} without overflow")
        return value.real
    return value
