"""microtensor.hub against torch.hub: cache directory rules, cached checkpoints, hubconf.py."""

import hashlib
import inspect

import pytest
import torch
import torch.hub
import torch.utils.model_zoo

import microtensor as mt
from microtensor import hub
from microtensor.utils import model_zoo

pytestmark = pytest.mark.filterwarnings("ignore:You are using `microtensor.load`")


def _params(fn):
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize(
    "name",
    [
        "get_dir",
        "set_dir",
        "list",
        "help",
        "load",
        "load_state_dict_from_url",
        "download_url_to_file",
    ],
)
def test_signatures_match_torch(name):
    assert _params(getattr(hub, name)) == _params(getattr(torch.hub, name))


@pytest.fixture
def unset_dirs(monkeypatch):
    monkeypatch.setattr(hub, "_hub_dir", None)
    monkeypatch.setattr(torch.hub, "_hub_dir", None)
    for var in ("TORCH_HOME", "XDG_CACHE_HOME", "TORCH_HUB"):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"XDG_CACHE_HOME": "/x/cache"},
        {"TORCH_HOME": "~/th"},
        {"TORCH_HOME": "/t", "XDG_CACHE_HOME": "/x"},
    ],
)
def test_get_dir_follows_torch_environment_rules(unset_dirs, env):
    for var, value in env.items():
        unset_dirs.setenv(var, value)
    assert hub.get_dir() == torch.hub.get_dir()


def test_set_dir_wins_and_expands_user(unset_dirs):
    hub.set_dir("~/myhub")
    torch.hub.set_dir("~/myhub")
    assert hub.get_dir() == torch.hub.get_dir()
    assert "~" not in hub.get_dir()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setattr(hub, "_hub_dir", str(tmp_path))
    (tmp_path / "checkpoints").mkdir()
    return tmp_path


def test_cached_checkpoint_loads_including_one_torch_wrote(cache):
    torch.save({"w": torch.arange(3.0)}, cache / "checkpoints" / "net.pth")
    state = hub.load_state_dict_from_url("https://download.example.org/models/net.pth?x=1")
    assert state["w"].tolist() == [0.0, 1.0, 2.0]
    assert isinstance(state["w"], mt.Tensor)
    assert model_zoo.load_url is hub.load_state_dict_from_url
    assert torch.utils.model_zoo.load_url is torch.hub.load_state_dict_from_url


def test_file_name_and_model_dir(tmp_path):
    mt.save({"b": mt.zeros(1)}, tmp_path / "other.pt")
    state = hub.load_state_dict_from_url(
        "https://x/y/ignored.pt", model_dir=str(tmp_path), file_name="other.pt"
    )
    assert state["b"].tolist() == [0.0]


def test_missing_file_says_where_to_put_it(cache):
    expected = str(cache / "checkpoints" / "resnet18-f37072fd.pth")
    with pytest.raises(RuntimeError, match="never downloads") as err:
        hub.load_state_dict_from_url("https://download.pytorch.org/models/resnet18-f37072fd.pth")
    assert expected in str(err.value)
    with pytest.raises(RuntimeError, match="never downloads"):
        hub.download_url_to_file("https://x/a.pt", str(cache / "a.pt"))


def test_check_hash(cache):
    path = cache / "checkpoints" / "w.pt"
    mt.save({"a": mt.ones(1)}, path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    good = cache / "checkpoints" / f"w-{digest[:8]}.pt"
    bad = cache / "checkpoints" / "w-00000000.pt"
    good.write_bytes(path.read_bytes())
    bad.write_bytes(path.read_bytes())
    assert hub.load_state_dict_from_url(f"https://x/{good.name}", check_hash=True)["a"].item() == 1
    with pytest.raises(RuntimeError, match="invalid hash value"):
        hub.load_state_dict_from_url(f"https://x/{bad.name}", check_hash=True)
    hub.load_state_dict_from_url(f"https://x/{bad.name}")  # not checked by default


HUBCONF = '''
dependencies = ["json"]

import helper_module


def tiny(scale=1.0):
    """A tiny model."""
    return helper_module.make(scale)


def _private():
    pass
'''


@pytest.fixture
def repo(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "hubconf.py").write_text(HUBCONF)
    (repo / "helper_module.py").write_text("def make(scale):\n    return ('model', scale)\n")
    return repo


def test_local_load_as_torch(repo):
    assert hub.load(str(repo), "tiny", 2.0, source="local") == ("model", 2.0)
    assert torch.hub.load(str(repo), "tiny", 2.0, source="local") == ("model", 2.0)
    with pytest.raises(RuntimeError, match="Cannot find callable nope in hubconf"):
        hub.load(str(repo), "nope", source="local")
    with pytest.raises(ValueError, match='Unknown source: "web"'):
        hub.load(str(repo), "tiny", source="web")
    with pytest.raises(ValueError, match="model should be a string"):
        hub.load(str(repo), 3, source="local")


def test_missing_dependency(repo):
    (repo / "hubconf.py").write_text(HUBCONF.replace('["json"]', '["json", "no_such_pkg_xyz"]'))
    with pytest.raises(RuntimeError, match="Missing dependencies: no_such_pkg_xyz"):
        hub.load(str(repo), "tiny", source="local")


def test_github_source_uses_torch_cache_layout_or_raises(cache, repo):
    with pytest.raises(RuntimeError, match="never downloads") as err:
        hub.load("owner/name:v1", "tiny")
    assert str(cache / "owner_name_v1") in str(err.value)
    repo.rename(cache / "owner_name_v1")
    assert hub.load("owner/name:v1", "tiny", scale=3) == ("model", 3)
    assert hub.list("owner/name:v1") == ["tiny"]
    assert hub.help("owner/name:v1", "tiny") == "A tiny model."


def test_list_and_help_of_an_uncached_repository_raise(cache):
    with pytest.raises(RuntimeError, match="never downloads"):
        hub.list("owner/absent")
    with pytest.raises(RuntimeError, match="owner_absent_main"):
        hub.help("owner/absent", "tiny")
