"""Map the fixed top-level folders into the ``metrolab`` namespace.

``drivers/`` installs as ``metrolab.drivers`` and ``procedures/`` as
``metrolab.procedures``, so nothing bare lands in site-packages. Subpackages are
discovered, so a new driver folder cannot be forgotten in the wheel.
"""

from setuptools import find_packages, setup

ROOTS = {"metrolab": "metrolab", "metrolab.drivers": "drivers", "metrolab.procedures": "procedures"}


def _packages() -> tuple[list[str], dict[str, str]]:
    packages: list[str] = []
    package_dir: dict[str, str] = {}
    for name, folder in ROOTS.items():
        package_dir[name] = folder
        packages.append(name)
        packages += [f"{name}.{sub}" for sub in find_packages(where=folder)]
    return packages, package_dir


PACKAGES, PACKAGE_DIR = _packages()
setup(packages=PACKAGES, package_dir=PACKAGE_DIR)
