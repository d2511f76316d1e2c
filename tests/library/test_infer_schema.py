"""infer_schema against torch.library.infer_schema: the same annotated functions in both."""

import typing

import pytest
import torch

import microtensor as mt
from tests.library.helpers import torch_text


def signatures(lib):
    """Annotated prototypes, written once for either framework (``lib`` is torch or mt)."""
    Tensor = lib.Tensor

    def plain(x: Tensor, y: float) -> Tensor: ...

    def defaults(
        x: Tensor,
        n: int = 2,
        z: float | None = None,
        flag: bool = True,  # noqa: UP045
    ) -> Tensor: ...

    def keyword_only(x: Tensor, *, dims: list[int], dtype: lib.dtype = lib.float32) -> Tensor: ...

    def strings_devices(x: Tensor, mode: str = "mean", device: lib.device = "cpu") -> Tensor: ...

    def optional_tensors(x: typing.Optional[Tensor], ys: list[typing.Optional[Tensor]]) -> None: ...  # noqa: UP045

    def sequences(xs: typing.Sequence[Tensor], sizes: list[int] | None) -> list[Tensor]: ...  # noqa: UP006, UP045

    def numbers(
        x: Tensor, alpha: lib.types.Number, xs: list[lib.types.Number]
    ) -> lib.types.Number: ...

    def tuples(x: Tensor) -> tuple[Tensor, Tensor, int]: ...

    def one_tuple(x: Tensor) -> tuple[Tensor]: ...

    def scalars(x: Tensor) -> float: ...

    def mutated(x: Tensor, out: Tensor, n: int) -> None: ...

    return [plain, defaults, keyword_only, strings_devices, optional_tensors, sequences, numbers,
            tuples, one_tuple, scalars, mutated]  # fmt: skip


CASES = [
    ("plain", (), None),
    ("defaults", (), None),
    ("keyword_only", (), "my_op"),
    ("strings_devices", (), None),
    ("optional_tensors", ("ys",), None),
    ("sequences", (), None),
    ("numbers", (), None),
    ("tuples", (), None),
    ("one_tuple", (), "one"),
    ("scalars", (), None),
    ("mutated", ("out",), None),
    ("mutated", "unknown", None),
]


def by_name(lib, name):
    return next(f for f in signatures(lib) if f.__name__ == name)


@pytest.mark.parametrize("name, mutates_args, op_name", CASES)
def test_schema_string_equals_torchs(name, mutates_args, op_name):
    expected = torch.library.infer_schema(
        by_name(torch, name), mutates_args=mutates_args, op_name=op_name
    )
    got = mt.library.infer_schema(by_name(mt, name), mutates_args=mutates_args, op_name=op_name)
    assert got == expected


def bad_prototypes(lib):
    Tensor = lib.Tensor

    def no_annotation(x): ...

    def varargs(*xs: Tensor) -> Tensor: ...

    def no_return(x: Tensor): ...

    def bad_default(x: Tensor, sizes: list[int] = [1]) -> Tensor: ...  # noqa: B006

    def bad_return(x: Tensor) -> dict: ...

    def tuple_input(x: tuple[int, int]) -> Tensor: ...

    def dict_input(x: dict) -> Tensor: ...

    def with_int(x: Tensor, n: int) -> None: ...

    return {f.__name__: f for f in (no_annotation, varargs, no_return, bad_default, bad_return,
                                    tuple_input, dict_input, with_int)}  # fmt: skip


ERROR_CASES = [
    ("no_annotation", ()),
    ("varargs", ()),
    ("no_return", ()),
    ("bad_default", ()),
    ("with_int", ("n",)),  # only Tensors can be mutated
    ("with_int", ("missing",)),  # not an argument
    ("with_int", "everything"),  # a string other than "unknown"
]


@pytest.mark.parametrize("name, mutates_args", ERROR_CASES)
def test_errors_have_torchs_type_and_text(name, mutates_args):
    with pytest.raises(ValueError) as theirs:
        torch.library.infer_schema(bad_prototypes(torch)[name], mutates_args=mutates_args)
    with pytest.raises(ValueError) as mine:
        mt.library.infer_schema(bad_prototypes(mt)[name], mutates_args=mutates_args)
    assert str(mine.value) == torch_text(str(theirs.value))


@pytest.mark.parametrize("name", ["bad_return", "tuple_input", "dict_input"])
def test_unsupported_types_name_the_type_and_list_the_valid_ones(name):
    with pytest.raises(ValueError) as theirs:
        torch.library.infer_schema(bad_prototypes(torch)[name], mutates_args=())
    with pytest.raises(ValueError) as mine:
        mt.library.infer_schema(bad_prototypes(mt)[name], mutates_args=())
    # the lists of valid types name each framework's classes; the text before them is torch's
    head = str(theirs.value).split("The valid types are")[0]
    assert str(mine.value).split("The valid types are")[0] == torch_text(head)
    assert "<class 'microtensor.tensor.Tensor'>" in str(mine.value)


def test_string_annotations_are_evaluated_in_the_functions_globals():
    namespace = {"Tensor": mt.Tensor, "mt": mt}
    exec("def f(x: 'Tensor', ys: 'list[Tensor]', s: 'mt.dtype') -> 'Tensor': ...", namespace)
    schema = mt.library.infer_schema(namespace["f"], mutates_args=())
    assert schema == "(Tensor x, Tensor[] ys, ScalarType s) -> Tensor"
    exec("def g(x: 'Nope') -> 'Tensor': ...", namespace)
    with pytest.raises(ValueError, match="Unsupported type annotation Nope. It is not a type."):
        mt.library.infer_schema(namespace["g"], mutates_args=())


def test_supported_type_tables_give_torchs_schema_types():
    from torch._library import infer_schema as torch_infer

    from microtensor._library.infer_schema import SUPPORTED_PARAM_TYPES, SUPPORTED_RETURN_TYPES

    assert set(SUPPORTED_PARAM_TYPES.values()) == set(torch_infer.SUPPORTED_PARAM_TYPES.values())
    assert set(SUPPORTED_RETURN_TYPES.values()) == set(torch_infer.SUPPORTED_RETURN_TYPES.values())
