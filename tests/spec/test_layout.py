"""``aura_model.specs``: modules at the top of ``spec/``, models in a folder per module."""

from __future__ import annotations

from pathlib import Path

import pytest
from aura_model.specs import (
    SpecLayoutError,
    all_configs,
    config_path,
    model_dir,
    module_configs,
    module_of,
    module_path,
    spec_dir,
    wrapper_path,
)

MODULES = ("GuardChain", "DescriptorValidity", "EpochRotation", "Rendezvous")


def _layout(root: Path) -> None:
    (root / "Counter.tla").write_text("---- MODULE Counter ----\n====\n")
    (root / "Counter").mkdir()
    for name in ("MC_Counter.cfg", "MC_Counter_bad_Small.cfg"):
        (root / "Counter" / name).write_text("\\* expect: ok\n")
    (root / "MC_Other_live.cfg").write_text("\\* expect: ok\n")


def test_a_model_is_found_by_its_file_name(tmp_path: Path) -> None:
    """The module comes from the name; the file from the module's folder, else the top."""
    _layout(tmp_path)
    assert module_of("MC_Counter_bad_Small.cfg") == "Counter"
    assert module_path("Counter", tmp_path) == tmp_path / "Counter.tla"
    assert wrapper_path("Counter", tmp_path) == tmp_path / "APCounter.tla"
    assert model_dir("Counter", tmp_path) == tmp_path / "Counter"
    assert config_path("MC_Counter.cfg", tmp_path) == tmp_path / "Counter" / "MC_Counter.cfg"
    assert config_path("MC_Other_live.cfg", tmp_path) == tmp_path / "MC_Other_live.cfg"
    assert [p.name for p in module_configs("Counter", tmp_path)] == [
        "MC_Counter.cfg",
        "MC_Counter_bad_Small.cfg",
    ]
    assert [p.name for p in all_configs(tmp_path)] == [
        "MC_Counter.cfg",
        "MC_Counter_bad_Small.cfg",
        "MC_Other_live.cfg",
    ]


def test_a_missing_or_misnamed_model_is_an_error_naming_it(tmp_path: Path) -> None:
    """Failing counterpart: no file, or a name that names no module, is refused."""
    _layout(tmp_path)
    with pytest.raises(SpecLayoutError, match=r"MC_Counter_live\.cfg"):
        config_path("MC_Counter_live.cfg", tmp_path)
    with pytest.raises(SpecLayoutError, match=r"^Counter\.cfg"):
        module_of("Counter.cfg")


def test_the_project_models_are_found() -> None:
    """Each module of the project has its ok model where ``config_path`` looks."""
    for name in MODULES:
        assert module_path(name).is_file()
        assert config_path(f"MC_{name}.cfg") in module_configs(name)
    assert spec_dir().name == "spec"


def test_the_runners_find_the_module_one_folder_up(tmp_path: Path) -> None:
    """A model in spec/<Module>/ checks spec/<Module>.tla; Apalache gets spec/AP<Module>.tla."""
    from aura_model.runners import model_configs, spec_for

    _layout(tmp_path)
    bad = tmp_path / "Counter" / "MC_Counter_bad_Small.cfg"
    assert spec_for(bad) == tmp_path / "Counter.tla"
    assert spec_for(bad, "apalache") == tmp_path / "Counter.tla"
    wrapper_path("Counter", tmp_path).write_text("---- MODULE APCounter ----\n====\n")
    assert spec_for(bad, "apalache") == tmp_path / "APCounter.tla"
    assert spec_for(bad, "tlc") == tmp_path / "Counter.tla"
    assert model_configs(tmp_path) == all_configs(tmp_path)
