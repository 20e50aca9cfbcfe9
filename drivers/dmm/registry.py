"""The packaged DMM profiles, found by name or by the ``*IDN?`` reply of an instrument.

Profiles live beside each maker's drivers: profile ``<maker>-<model>`` is the file
``drivers/<maker>/profiles/<model>.toml``. Each file is read the first time its profile
is asked for (asking by identity reads them all).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from metrolab.drivers.dmm.profile import DmmProfile, ProfileError

from metrolab.errors import UserInputError

_DRIVERS = Path(__file__).resolve().parent.parent
#: the makers whose folders hold DMM profiles
MAKERS = ("keysight", "keithley", "fluke")


def _path(name: str) -> Path:
    maker, _, model = name.partition("-")
    return _DRIVERS / maker / "profiles" / f"{model}.toml"


def profile_names() -> list[str]:
    """Return the names of every packaged DMM profile, sorted (``keysight-34401a`` ...)."""
    return sorted(f"{maker}-{path.stem}" for maker in MAKERS
                  for path in (_DRIVERS / maker / "profiles").glob("*.toml"))


@cache
def _load(name: str) -> DmmProfile:
    path = _path(name)
    profile = DmmProfile.load(path)
    if profile.name != name:
        raise ProfileError(f"DMM profile {path}: its name is {profile.name!r}; a packaged "
                           f"profile's file is named after it ({name!r})")
    return profile


def dmm_profile(name: str) -> DmmProfile:
    """Return the packaged profile ``name``; UserInputError names the known ones."""
    key = name.strip().lower()
    if key not in profile_names():
        raise UserInputError(f"unknown DMM profile {name!r}: known profiles are "
                             f"{', '.join(profile_names())}")
    return _load(key)


def dmm_profiles() -> list[DmmProfile]:
    """Return every packaged DMM profile, by name."""
    return [_load(name) for name in profile_names()]


def profile_for_identity(manufacturer: str, model: str) -> DmmProfile:
    """Return the profile whose ``*IDN?`` manufacturer and model fields these are.

    Raises UserInputError naming the models known when no profile matches.
    """
    for profile in dmm_profiles():
        if profile.identity.matches(manufacturer, model):
            return profile
    known = ", ".join(f"{p.maker} {p.model}" for p in dmm_profiles())
    raise UserInputError(f"no DMM profile for *IDN? manufacturer {manufacturer!r}, model "
                         f"{model!r}: profiles exist for {known}")
