"""microtensor.profiler against torch.profiler: schedule semantics, steps, handlers, activities."""

import inspect
import json
import warnings

import pytest
import torch
import torch.profiler as torch_profiler

import microtensor as mt
from microtensor import profiler


def _params(fn):
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize(
    "name", ["profile", "record_function", "schedule", "tensorboard_trace_handler"]
)
def test_signatures_match_torch(name):
    assert _params(getattr(profiler, name)) == _params(getattr(torch_profiler, name))


@pytest.mark.parametrize(
    "method", ["key_averages", "events", "export_chrome_trace", "step", "start", "stop"]
)
def test_profile_method_signatures_match_torch(method):
    ours, theirs = getattr(profiler.profile, method), getattr(torch_profiler.profile, method)
    assert [p[0] for p in _params(ours)] == [p[0] for p in _params(theirs)]


@pytest.mark.parametrize("enum", ["ProfilerActivity", "ProfilerAction"])
def test_enums_have_torch_members_and_values(enum):
    ours, theirs = getattr(profiler, enum), getattr(torch_profiler, enum)
    assert {m: int(v.value) for m, v in ours.__members__.items()} == {
        m: int(v.value) for m, v in theirs.__members__.items()
    }


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(wait=1, warmup=1, active=2),
        dict(wait=1, warmup=1, active=2, repeat=2),
        dict(wait=0, warmup=2, active=1, repeat=1, skip_first=3),
        dict(wait=2, warmup=1, active=1, skip_first=1, skip_first_wait=1),
    ],
)
def test_schedule_matches_torch_step_by_step(kwargs):
    ours, theirs = profiler.schedule(**kwargs), torch_profiler.schedule(**kwargs)
    assert [ours(i).name for i in range(20)] == [theirs(i).name for i in range(20)]


def test_schedule_errors_and_warning_as_torch():
    with pytest.raises(AssertionError, match="Invalid profiler schedule arguments"):
        profiler.schedule(wait=0, warmup=0, active=0)
    with pytest.warns(UserWarning, match="won't be using warmup"):
        profiler.schedule(wait=0, warmup=0, active=1)
    with pytest.raises(AssertionError, match="Step must be non-negative"):
        profiler.schedule(wait=0, warmup=1, active=1)(-1)


def _run_schedule(lib, steps):
    ready = []
    sched = lib.profiler.schedule(wait=1, warmup=1, active=2, repeat=2)

    def on_ready(p):
        names = [e.name for e in p.events() if e.name.startswith("ProfilerStep")]
        ready.append((p.step_num, names))

    with lib.profiler.profile(schedule=sched, on_trace_ready=on_ready) as prof:
        for _ in range(steps):
            lib.ones(2).exp()
            prof.step()
    return ready, prof.step_num, prof.current_action.name


@pytest.mark.parametrize("steps", [3, 4, 6, 9])
def test_steps_trigger_on_trace_ready_as_torch(steps):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = _run_schedule(mt, steps), _run_schedule(torch, steps)
    assert ours == theirs


def test_a_recorded_step_holds_its_ops_under_profiler_step():
    with profiler.profile(schedule=profiler.schedule(wait=0, warmup=1, active=1, repeat=1)) as prof:
        for _ in range(2):
            mt.ones(2).exp()
            prof.step()
    events = prof.events()
    step = next(e for e in events if e.name == "ProfilerStep*")
    assert [c.name for c in step.cpu_children] == ["aten::exp"]
    assert [a.key for a in prof.key_averages()] == ["ProfilerStep*", "aten::exp"]


def test_without_schedule_everything_is_recorded_and_on_trace_ready_runs_at_exit():
    calls = []
    with profiler.profile(on_trace_ready=calls.append) as prof:
        mt.ones(2) * 2
    assert calls == [prof]
    assert [e.name for e in prof.events()] == ["aten::mul"]


def test_cuda_activity_warns_and_is_dropped_as_torch_without_cuda():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        prof = profiler.profile(
            activities=[profiler.ProfilerActivity.CPU, profiler.ProfilerActivity.CUDA]
        )
    assert [str(w.message) for w in caught] == ["CUDA is not available, disabling CUDA profiling"]
    assert prof.activities == {profiler.ProfilerActivity.CPU}
    assert profiler.supported_activities() == {profiler.ProfilerActivity.CPU}
    if not torch.cuda.is_available():
        assert {a.name for a in torch_profiler.supported_activities()} == {"CPU"}
    with pytest.warns(FutureWarning, match="`use_cuda` is deprecated"):
        profiler.profile(use_cuda=False)


def test_tensorboard_trace_handler_writes_a_trace_into_the_dir(tmp_path):
    handler = profiler.tensorboard_trace_handler(str(tmp_path / "logs"), worker_name="w0")
    with profiler.profile(on_trace_ready=handler, record_shapes=True):
        mt.ones(2, 2).sum()
    files = list((tmp_path / "logs").iterdir())
    assert len(files) == 1 and files[0].name.startswith("w0.")
    assert files[0].name.endswith(".pt.trace.json")
    trace = json.loads(files[0].read_text())
    assert [e["name"] for e in trace["traceEvents"] if e["ph"] == "X"] == ["aten::sum"]


def test_gzip_trace(tmp_path):
    import gzip

    handler = profiler.tensorboard_trace_handler(str(tmp_path), worker_name="w", use_gzip=True)
    with profiler.profile(on_trace_ready=handler):
        mt.ones(2).exp()
    (path,) = tmp_path.iterdir()
    assert path.name.endswith(".pt.trace.json.gz")
    assert json.loads(gzip.open(path, "rt").read())["traceEvents"][-1]["name"] == "aten::exp"


def test_table_sorted_by_total_time():
    with profiler.profile() as prof:
        with profiler.record_function("everything"):
            mt.ones(8, 8).exp().sum()
    table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=10)
    rows = table.splitlines()[3:-2]
    assert rows[0].split()[0] == "everything"
    totals = [a.cpu_time_total for a in prof.key_averages()]
    assert sorted(totals, reverse=True)[0] == max(totals)


def test_events_before_any_trace_raise():
    prof = profiler.profile(schedule=profiler.schedule(wait=5, warmup=1, active=1))
    with pytest.raises(AssertionError, match="Profiler must be initialized"):
        prof.events()


# PyTorch's profiler recipe (pytorch.org/tutorials/recipes/recipes/profiler_recipe.html)


def _recipe(lib, tmp_path):
    """The recipe's steps, written once for torch and microtensor."""
    nn, profiler = lib.nn, lib.profiler
    profile, record_function, activity = (
        profiler.profile,
        profiler.record_function,
        profiler.ProfilerActivity,
    )
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 5))
    inputs = lib.randn(2, 3, 8, 8)
    result = {}
    with profile(activities=[activity.CPU], record_shapes=True) as prof:
        with record_function("model_inference"):
            model(inputs)
    table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=10)
    result["first row"] = table.splitlines()[3].split()[0]
    by_shape = prof.key_averages(group_by_input_shape=True)
    result["relu shapes"] = [a.input_shapes for a in by_shape if a.key == "aten::relu"]
    with profile(activities=[activity.CPU], profile_memory=True, record_shapes=True) as prof:
        model(inputs)
    table = prof.key_averages().table(sort_by="self_cpu_memory_usage", row_limit=10)
    result["memory columns"] = "Self CPU Mem" in table.splitlines()[1]
    prof.export_chrome_trace(str(tmp_path / f"{lib.__name__}.json"))
    trace = json.loads((tmp_path / f"{lib.__name__}.json").read_text())
    result["relu in trace"] = any(e.get("name") == "aten::relu" for e in trace["traceEvents"])
    with profile(activities=[activity.CPU], with_stack=True) as prof:
        model(inputs)
    prof.export_stacks(str(tmp_path / f"{lib.__name__}.stacks"), "self_cpu_time_total")
    result["stacks written"] = (tmp_path / f"{lib.__name__}.stacks").exists()
    ready = []
    steps = profiler.schedule(wait=1, warmup=1, active=2, repeat=1)
    with profile(
        activities=[activity.CPU, activity.CUDA],
        schedule=steps,
        on_trace_ready=lambda p: ready.append(
            (p.step_num, p.key_averages().table(sort_by="self_cuda_time_total", row_limit=3) != "")
        ),
    ) as p:
        for _ in range(6):
            model(inputs)
            p.step()
    result["ready"] = ready
    return result


@pytest.mark.filterwarnings("ignore")
def test_the_recipe_gives_what_torch_gives(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = _recipe(mt, tmp_path), _recipe(torch, tmp_path)
    assert ours == theirs
    assert ours["first row"] == "model_inference" and ours["relu shapes"] == [[[2, 4, 6, 6]]]
    assert ours["ready"] == [(4, True)]


def test_optimizer_steps_are_labelled_as_torch_labels_them():
    def run(lib):
        weight = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.SGD([weight], lr=0.1)
        with lib.profiler.profile() as prof:
            weight.sum().backward()
            opt.step()
            opt.zero_grad()
        return [e.name for e in prof.events() if e.name.startswith("Optimizer.")]

    mt.optim.SGD([mt.nn.Parameter(mt.ones(1))])  # the first SGD puts step's hooks on the class
    original = mt.optim.SGD.__dict__["step"]
    assert run(mt) == run(torch) == ["Optimizer.step#SGD.step", "Optimizer.zero_grad#SGD.zero_grad"]
    assert mt.optim.SGD.__dict__["step"] is original  # put back


def test_an_optimizer_made_while_profiling_runs_its_step_hooks_once():
    class Fresh(mt.optim.SGD):  # never instantiated before the profile
        pass

    weight = mt.nn.Parameter(mt.ones(2))
    calls = []
    with mt.profiler.profile() as prof:
        opt = Fresh([weight], lr=0.1)
        opt.register_step_pre_hook(lambda *args: calls.append("pre"))
        weight.sum().backward()
        opt.step()
    opt.step()
    assert calls == ["pre", "pre"]
    assert [e.name for e in prof.events() if e.name.startswith("Optim")] == [
        "Optimizer.step#Fresh.step"
    ]


def test_trace_handler_raises_when_the_dir_cannot_be_made(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    handler = profiler.tensorboard_trace_handler(str(blocker / "logs"))
    with pytest.raises(RuntimeError, match="Can't create directory"):
        with profiler.profile(on_trace_ready=handler):
            mt.ones(1).exp()


def test_public_methods_are_torchs():
    ours = {m for m in dir(profiler.profile) if not m.startswith("_")}
    theirs = {m for m in dir(torch_profiler.profile) if not m.startswith("_")}
    assert ours == theirs


def test_metadata_trace_id_toggle_and_memory_timeline(tmp_path):
    prof = profiler.profile(custom_trace_id_callback=lambda: "RUN-7")
    with prof:
        mt.ones(2).exp()
        prof.toggle_collection_dynamic(False, [profiler.ProfilerActivity.CPU])
        mt.ones(2).log()  # not recorded
        prof.toggle_collection_dynamic(True, [profiler.ProfilerActivity.CPU])
        mt.ones(2).sin()
    assert [e.name for e in prof.events()] == ["aten::exp", "aten::sin"]
    prof.add_metadata("run", "a")
    prof.add_metadata_json("config", '{"lr": 0.1}')
    path = tmp_path / "t.json"
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())
    assert (trace["trace_id"], trace["run"], trace["config"]) == ("RUN-7", "a", {"lr": 0.1})
    with pytest.raises(NotImplementedError, match="not a timeline of allocations"):
        prof.export_memory_timeline(str(tmp_path / "m.html"))
