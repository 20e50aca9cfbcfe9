"""The installed package holds every module of the checkout.

CI installs metrolab non-editable, so a folder that setup.py does not pick up
(a missing ``__init__.py``, say) would be missing from the wheel: this test
names it.
"""

import importlib.util
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[2]
ROOTS = {"metrolab": "metrolab", "metrolab.drivers": "drivers", "metrolab.procedures": "procedures"}


def _source_modules() -> list[str]:
    names = []
    for package, folder in ROOTS.items():
        for path in sorted((CHECKOUT / folder).rglob("*.py")):
            parts = path.relative_to(CHECKOUT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            names.append(".".join((package, *parts)))
    return names


@pytest.mark.parametrize("module", _source_modules())
def test_module_is_installed(module: str) -> None:
    assert importlib.util.find_spec(module) is not None, f"{module} is not in the installed package"


def test_no_bare_top_level_drivers_module() -> None:
    assert importlib.util.find_spec("drivers") is None
    assert importlib.util.find_spec("procedures") is None
