"""The packaged DMM profiles, found by name or by the ``*IDN?`` reply of an instrument.

Profiles live beside each maker's drivers (``drivers/<maker>/profiles/*.toml``); each
file is read once, the first time any profile is asked for.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from metrolab.drivers.dmm.profile import DmmProfile, ProfileError

from metrolab.errors import UserInputError

_DRIVERS = Path(__file__).resolve().parent.parent
#: the makers whose folders hold DMM profiles
PROFILE_DIRS = tuple(_DRIVERS / maker / "profiles" for maker in ("keysight", "keithley", "fluke"))


@cache
def _profiles() -> dict[str, DmmProfile]:
    found: dict[str, DmmProfile] = {}
    for folder in PROFILE_DIRS:
        for path in sorted(folder.glob("*.toml")):
            profile = DmmProfile.load(path)
            if profile.name in found:
                raise ProfileError(f"DMM profile {path}: name {profile.name!r} is also used by "
                                   f"{found[profile.name].path}")
            found[profile.name] = profile
    return found


def profile_names() -> list[str]:
    """Return the names of every packaged DMM profile, sorted (``keysight-34401a`` ...)."""
    return sorted(_profiles())


def dmm_profile(name: str) -> DmmProfile:
    """Return the packaged profile ``name``; UserInputError names the known ones."""
    found = _profiles().get(name.strip().lower())
    if found is None:
        raise UserInputError(f"unknown DMM profile {name!r}: known profiles are "
                             f"{', '.join(profile_names())}")
    return found


def dmm_profiles() -> list[DmmProfile]:
    """Return every packaged DMM profile, by name."""
    return [_profiles()[name] for name in profile_names()]


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
