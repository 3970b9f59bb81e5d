"""Where the files of ``spec/`` are: modules at the top, models in a folder per module.

::

    spec/<Module>.tla                       the neutral module
    spec/AP<Module>.tla                     its Apalache wrapper (typed, ``INSTANCE <Module>``)
    spec/<Module>/MC_<Module>[_<variant>].cfg   its TLC models and broken variants

The modules stay side by side because SANY, TLC, Apalache and the embedded checker
resolve ``INSTANCE`` and ``EXTENDS`` only next to the root module (or on a library
path, which none of the runners passes): ``Rendezvous`` instantiates
``DescriptorValidity``, and each wrapper its module. A model names its module
(``MC_GuardChain_bad_GCTypeOK.cfg`` checks ``GuardChain.tla``), so a model is
found by its file name alone. Every function takes the folder to search (default
the project's ``spec/``); a folder with its models at the top, beside the modules,
is read the same way, so small throwaway folders need no subfolders.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = [
    "SpecLayoutError",
    "all_configs",
    "config_path",
    "model_dir",
    "module_configs",
    "module_of",
    "module_path",
    "spec_dir",
    "wrapper_path",
]

_CFG_NAME = re.compile(r"^MC_(?P<module>[A-Za-z][A-Za-z0-9]*)(?:_[A-Za-z0-9_]+)?\.cfg$")


class SpecLayoutError(LookupError):
    """A file is not where the layout puts it, or its name does not follow it."""


def spec_dir() -> Path:
    """``spec/`` of the project: the checkout this package is installed from."""
    return Path(__file__).resolve().parents[2] / "spec"


def _root(root: Path | None) -> Path:
    return root if root is not None else spec_dir()


def module_of(cfg: Path | str) -> str:
    """The module a model checks, read from its name: ``MC_<Module>[_<variant>].cfg``."""
    name = Path(cfg).name
    m = _CFG_NAME.match(name)
    if m is None:
        raise SpecLayoutError(f"{cfg}: name is not MC_<Module>[_<variant>].cfg")
    return m.group("module")


def module_path(module: str, root: Path | None = None) -> Path:
    """``spec/<Module>.tla`` (not checked for existence)."""
    return _root(root) / f"{module}.tla"


def wrapper_path(module: str, root: Path | None = None) -> Path:
    """``spec/AP<Module>.tla``, the module's Apalache wrapper (not checked for existence)."""
    return _root(root) / f"AP{module}.tla"


def model_dir(module: str, root: Path | None = None) -> Path:
    """``spec/<Module>/``: the folder of the module's models and broken variants."""
    return _root(root) / module


def config_path(name: str, root: Path | None = None) -> Path:
    """The model file called ``name`` (e.g. ``MC_GuardChain.cfg``), in its module's folder.

    Raises :class:`SpecLayoutError` when the name does not follow the layout or no
    such file exists.
    """
    folder = _root(root)
    for path in (model_dir(module_of(name), folder) / name, folder / name):
        if path.is_file():
            return path
    raise SpecLayoutError(f"{name}: no such model in {model_dir(module_of(name), folder)}")


def module_configs(module: str, root: Path | None = None) -> list[Path]:
    """Every model of ``module``, sorted by file name (the ok model first)."""
    return [cfg for cfg in all_configs(root) if module_of(cfg) == module]


def all_configs(root: Path | None = None) -> list[Path]:
    """Every ``MC_*.cfg`` in the module folders (and at the top), sorted by file name."""
    folder = _root(root)
    found = [*folder.glob("MC_*.cfg"), *folder.glob("*/MC_*.cfg")]
    return sorted(found, key=lambda p: (p.name, str(p)))
