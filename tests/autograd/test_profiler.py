"""microtensor.autograd.profiler against torch.autograd.profiler: names, signatures, events, table."""

import inspect
import json
import threading
import warnings

import pytest
import torch
import torch.autograd.profiler as torch_profiler

import microtensor as mt
from microtensor.autograd import _profiler_recording, profiler
from microtensor.autograd.function import Function, Op


def _params(fn):
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize(
    "name",
    ["profile", "record_function", "emit_nvtx", "emit_itt"],
)
def test_signatures_match_torch(name):
    assert _params(getattr(profiler, name)) == _params(getattr(torch_profiler, name))


@pytest.mark.parametrize("method", ["key_averages", "table", "total_average"])
def test_profile_method_signatures_match_torch(method):
    ours, theirs = getattr(profiler.profile, method), getattr(torch_profiler.profile, method)
    assert _params(ours) == _params(theirs)


@pytest.mark.parametrize(
    "method", ["table", "key_averages", "total_average", "export_chrome_trace"]
)
def test_event_list_signatures_match_torch(method):
    ours = getattr(profiler.EventList, method)
    theirs = getattr(torch.autograd.profiler_util.EventList, method)
    assert _params(ours) == _params(theirs)


def _step(lib, x, w):
    y = (x @ w).relu().sum()
    y.backward()


def test_records_forward_ops_and_backward_nodes_as_torch_names_them():
    x = mt.ones(3, 4, requires_grad=True)
    w = mt.ones(4, 5)
    with profiler.profile() as prof:
        _step(mt, x, w)
    names = [e.name for e in prof.function_events]
    tx, tw = torch.ones(3, 4, requires_grad=True), torch.ones(4, 5)
    with torch_profiler.profile() as tprof:
        _step(torch, tx, tw)
    torch_names = {e.name for e in tprof.function_events}
    for name in ("aten::mm", "aten::relu", "aten::sum"):  # x @ w of 2-d x, w: mm, as torch's
        assert name in names and name in torch_names
    for node in ("SumBackward0", "ReluBackward0", "MmBackward0"):
        for name in (node, f"autograd::engine::evaluate_function: {node}"):
            assert name in names and name in torch_names
    assert names.index("aten::mm") < names.index("aten::sum")  # start order


def test_nesting_and_self_times_add_up():
    x = mt.ones(2, 2, requires_grad=True)
    with profiler.profile() as prof:
        with profiler.record_function("outer"):
            (x * 2).sum().backward()
    events = prof.function_events
    outer = events[0]
    assert outer.name == "outer" and outer.is_user_annotation and outer.cpu_parent is None
    assert [c.name for c in outer.cpu_children][:2] == ["aten::mul", "aten::sum"]
    engine = next(e for e in events if e.name.startswith("autograd::engine"))
    assert engine.cpu_parent is outer
    assert [c.name for c in engine.cpu_children] == [engine.name.split(": ")[1]]
    children = sum(c.cpu_time_total for c in outer.cpu_children)
    assert outer.self_cpu_time_total == pytest.approx(outer.cpu_time_total - children)
    assert 0 < outer.self_cpu_time_total < outer.cpu_time_total
    for e in events:
        assert e.time_range.start <= e.time_range.end
        if e.cpu_parent is not None:
            assert e.cpu_parent.time_range.start <= e.time_range.start
            assert e.time_range.end <= e.cpu_parent.time_range.end
    total = prof.self_cpu_time_total
    assert total == pytest.approx(sum(e.self_cpu_time_total for e in events))
    assert total == pytest.approx(outer.cpu_time_total)  # every event is inside "outer"


def test_key_averages_count_and_sum_calls():
    x = mt.ones(3)
    with profiler.profile(record_shapes=True) as prof:
        for _ in range(3):
            x = x * 2
        _ = mt.ones(2, 2) * 3
    averages = prof.key_averages()
    mul = next(a for a in averages if a.key == "aten::mul")
    calls = [e for e in prof.function_events if e.name == "aten::mul"]
    assert mul.count == 4 == len(calls)
    assert mul.cpu_time_total == pytest.approx(sum(e.cpu_time_total for e in calls))
    assert mul.cpu_time == pytest.approx(mul.cpu_time_total / 4)
    by_shape = prof.key_averages(group_by_input_shape=True)
    counts = sorted(a.count for a in by_shape if a.key == "aten::mul")
    assert counts == [1, 3]
    shapes = sorted(str(a.input_shapes) for a in by_shape if a.key == "aten::mul")
    assert shapes == ["[[2, 2], []]", "[[3], []]"]
    assert averages.total_average().count == len(prof.function_events)


def test_table_has_torch_layout():
    x = mt.ones(3, 4)
    with profiler.profile() as prof:
        with profiler.record_function("block"):
            x.exp().sum()
    table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=2)
    with torch_profiler.profile() as tprof:
        with torch_profiler.record_function("block"):
            torch.ones(3, 4).exp().sum()
    torch_table = tprof.key_averages().table(sort_by="cpu_time_total", row_limit=2)
    lines, torch_lines = table.splitlines(), torch_table.splitlines()
    assert len(lines) == len(torch_lines) == 7  # rule, header, rule, 2 rows, rule, total
    assert lines[1].split() == torch_lines[1].split()
    assert lines[1].split()[0] == "Name" and lines[1].rstrip().endswith("# of Calls")
    assert lines[0] == lines[2] == lines[5]
    assert [len(c) for c in lines[0].split()][1:] == [len(c) for c in torch_lines[0].split()][1:]
    widest = max(len(a.key) for a in prof.key_averages())
    assert len(lines[0].split()[0]) == widest + 4
    assert lines[3].split()[0] == "block"  # the whole block takes longest
    assert lines[3].split()[-1] == "1"
    assert lines[6].startswith("Self CPU time total: ")
    assert table.endswith("\n")


def test_table_truncates_long_names_and_shows_shapes_and_memory():
    x = mt.ones(4, 4, requires_grad=True)
    with profiler.profile(record_shapes=True, profile_memory=True) as prof:
        ((x * 2).reshape(2, 2, 4) @ x).sum().backward()
    assert "Input Shapes" not in prof.key_averages().table()  # not grouped by them: as torch's
    table = prof.key_averages(group_by_input_shape=True).table()
    header = table.splitlines()[1]
    assert "CPU Mem" in header and "Self CPU Mem" in header and "Input Shapes" in header
    mul = next(line for line in table.splitlines() if "aten::mul " in line)
    assert "64 B" in mul and "[[4, 4], []]" in mul  # 16 float32s
    assert "autograd::engine::evaluate_function: UnsafeViewBackw..." in table  # 52 + "..."


def test_block_without_profiler_records_nothing_and_disabled_profile_is_a_no_op():
    label = profiler.record_function("alone")
    with label:
        assert not _profiler_recording.is_recording()
    with profiler.profile(enabled=False) as prof:
        mt.ones(2) + 1
        assert not _profiler_recording.is_recording()
    with pytest.raises(RuntimeError, match="Profiler didn't finish running"):
        _ = prof.function_events


def test_record_function_as_a_decorator():
    @profiler.record_function("helper")
    def helper(t):
        return t + 1

    with profiler.profile() as prof:
        helper(mt.ones(2))
        helper(mt.ones(2))
    helpers = [e for e in prof.function_events if e.name == "helper"]
    assert len(helpers) == 2
    assert [c.name for c in helpers[0].cpu_children] == ["aten::add"]


def test_custom_function_is_recorded_under_its_class_name_as_torch():
    class Cube(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            return g

    x = mt.ones(2, requires_grad=True)
    with profiler.profile() as prof:
        Cube.apply(x).sum().backward()
    names = [e.name for e in prof.function_events]
    assert names[0] == "Cube"
    assert [c.name for c in prof.function_events[0].cpu_children] == ["aten::mul", "aten::mul"]
    assert "CubeBackward" in names and "autograd::engine::evaluate_function: CubeBackward" in names


def test_methods_are_restored_after_the_block_even_on_error_and_when_nested():
    originals = {
        (cls, attr): cls.__dict__[attr]
        for cls in (Function, Op)
        for attr in ("apply", "_call_backward")
    }
    with pytest.raises(ValueError, match="inside"):
        with profiler.profile() as outer:
            mt.ones(2) + 1
            with profiler.profile() as inner:
                mt.ones(2) * 2
            assert Op.__dict__["apply"] is not originals[(Op, "apply")]  # outer still runs
            mt.ones(2) - 1
            raise ValueError("inside")
    for (cls, attr), original in originals.items():
        assert cls.__dict__[attr] is original
    assert not _profiler_recording.is_recording()
    assert [e.name for e in inner.function_events] == ["aten::mul"]
    assert [e.name for e in outer.function_events] == ["aten::add", "aten::mul", "aten::sub"]


def test_an_op_that_raises_is_recorded_and_the_error_passes():
    with profiler.profile() as prof:
        with pytest.raises(RuntimeError):
            mt.ones(2) + mt.ones(3)
    assert [e.name for e in prof.function_events] == ["aten::add"]


def test_other_threads_are_recorded_with_their_thread_id():
    def work():
        mt.ones(2).exp()

    with profiler.profile() as prof:
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        mt.ones(2).log()
    by_name = {e.name: e.thread for e in prof.function_events}
    assert by_name["aten::exp"] == thread.ident
    assert by_name["aten::log"] == threading.get_ident()


def test_with_stack_keeps_the_callers_frames():
    with profiler.profile(with_stack=True) as prof:
        mt.ones(2).exp()
    stack = prof.function_events[0].stack
    assert stack and "test_profiler.py" in stack[0] and "test_with_stack" in stack[0]
    assert "Source Location" not in prof.key_averages().table()  # not grouped by stack
    assert "Source Location" in prof.key_averages(group_by_stack_n=5).table()


def test_chrome_trace_is_valid_json(tmp_path):
    with profiler.profile(record_shapes=True) as prof:
        with profiler.record_function("block"):
            mt.ones(2, 3).exp()
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())
    complete = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    assert [e["name"] for e in complete] == [e.name for e in prof.function_events]
    assert complete[0]["cat"] == "user_annotation" and complete[1]["cat"] == "cpu_op"
    assert complete[1]["args"]["Input Dims"] == [[2, 3]]
    assert all(e["dur"] >= 0 and {"ts", "pid", "tid"} <= e.keys() for e in complete)


def test_use_cuda_warns_as_torch_without_cuda():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        profiler.profile(use_cuda=True)
    assert [(w.category, str(w.message)) for w in caught] == [
        (
            FutureWarning,
            "The attribute `use_cuda` will be deprecated soon, please use ``use_device = "
            "'cuda'`` instead.",
        ),
        (UserWarning, "CUDA is not available, disabling CUDA profiling"),
    ]


def test_emit_nvtx_and_emit_itt_raise_clear_errors():
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        with profiler.emit_nvtx():
            pass
    with pytest.raises(RuntimeError, match="ITT is not available"):
        with profiler.emit_itt():
            pass
    with profiler.emit_nvtx(enabled=False):
        pass


def test_profiler_is_reachable_from_microtensor_autograd():
    assert mt.autograd.profiler is profiler


@pytest.mark.parametrize(
    "options",
    [
        dict(sort_by="cpu_time_total", row_limit=3),
        dict(sort_by="self_cpu_time_total", max_name_column_width=20),
        dict(top_level_events_only=True, header="HEADER"),
        dict(time_unit="ms", max_shapes_column_width=10, max_src_column_width=12),
    ],
)
def test_table_is_character_for_character_torchs_own_table_of_these_events(options):
    from torch.autograd.profiler_util import _build_table

    x = mt.ones(4, 4, requires_grad=True)
    with profiler.profile(
        record_shapes=True, with_stack=True, profile_memory=True, with_flops=True
    ) as prof:
        with profiler.record_function("block"):
            ((x * 2) @ x).sum().backward()
    for events in (prof.key_averages(), prof.function_events, prof.key_averages(True)):
        ours = events.table(**options)
        assert ours == _build_table(list(events), profile_memory=True, with_flops=True, **options)
    assert prof.key_averages().table() == _build_table(
        list(prof.key_averages()), profile_memory=True, with_flops=True
    )


def test_a_function_overriding_apply_is_timed_and_restored():
    class Twice(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

        @classmethod
        def apply(cls, x):
            return super().apply(x)

    own = Twice.__dict__["apply"]
    with profiler.profile() as prof:
        Twice.apply(mt.ones(2))
    assert Twice.__dict__["apply"] is own
    assert [e.name for e in prof.function_events] == ["Twice", "aten::mul"]  # timed once


def test_memory_counts_new_arrays_not_views():
    x = mt.ones(4, 8)
    with profiler.profile(profile_memory=True) as prof:
        x.reshape(8, 4).t()
        x.exp()
        mt.nn.functional.conv2d(mt.ones(1, 1, 5, 5), mt.ones(2, 1, 3, 3))
    memory = {e.name: e.self_cpu_memory_usage for e in prof.function_events}
    assert memory["aten::view"] == memory["aten::t"] == 0  # reshape of a contiguous x views it
    assert memory["aten::exp"] == 4 * 8 * 4
    assert memory["aten::convolution"] == 2 * 3 * 3 * 4  # a (1, 2, 3, 3) float32 result


def test_flops_match_torch_estimates_and_table():
    from torch.autograd.profiler_util import _build_table

    def run(lib):
        a, b = lib.ones(3, 4), lib.ones(4, 5)
        x, w = lib.ones(2, 3, 8, 8), lib.ones(6, 3, 3, 3)
        with lib.autograd.profiler.profile(with_flops=True) as prof:
            a @ b
            a * a
            a + a
            lib.bmm(lib.ones(2, 3, 4), lib.ones(2, 4, 5))
            lib.nn.functional.conv2d(x, w, stride=2, padding=1)
        return prof

    ours = run(mt)
    flops = {e.name: e.flops for e in ours.function_events if e.flops}
    theirs = {e.name: e.flops for e in run(torch).function_events if e.flops}
    theirs["aten::convolution"] = theirs.pop("aten::conv2d")  # microtensor's conv event
    assert (
        flops
        == theirs
        == {
            "aten::mm": 120,
            "aten::mul": 12,
            "aten::add": 12,
            "aten::bmm": 240,
            "aten::convolution": 10368,
        }
    )
    events = ours.key_averages()
    assert events.table() == _build_table(list(events), with_flops=True)
    assert "Total FLOPs" in events.table().splitlines()[1]
