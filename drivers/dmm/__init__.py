"""The SCPI digital-multimeter family: one driver and one simulator engine for every model,
each model a profile of data (``drivers/<maker>/profiles/*.toml``).

``dmm_profile(name)`` returns a :class:`DmmProfile` (identity, functions and ranges with
over-range, integration table, trigger model, interfaces, quirks, specification table);
``profile_names()`` lists them; ``profile_for_identity(maker, model)`` finds one from an
``*IDN?`` reply.
"""

from metrolab.drivers.dmm.profile import (
    DIALECTS,
    DmmProfile,
    FunctionRanges,
    Identity,
    IntegrationSetting,
    Interfaces,
    ProfileError,
    Quirks,
    TriggerModel,
)
from metrolab.drivers.dmm.registry import (
    dmm_profile,
    dmm_profiles,
    profile_for_identity,
    profile_names,
)

__all__ = [
    "DIALECTS",
    "DmmProfile",
    "FunctionRanges",
    "Identity",
    "IntegrationSetting",
    "Interfaces",
    "ProfileError",
    "Quirks",
    "TriggerModel",
    "dmm_profile",
    "dmm_profiles",
    "profile_for_identity",
    "profile_names",
]
