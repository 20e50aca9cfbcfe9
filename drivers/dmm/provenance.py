"""How much of a DMM profile's specification table rests on a manufacturer's document
(the tags and their counting: :mod:`metrolab.instrument.spec_provenance`)."""

from __future__ import annotations

from metrolab.drivers.dmm.profile import DmmProfile

from metrolab.instrument.spec_provenance import SpecProvenance, count_provenance, tag_of

__all__ = ["SpecProvenance", "spec_provenance", "tag_of"]


def spec_provenance(profile: DmmProfile) -> SpecProvenance:
    """Return the provenance counts of ``profile``'s specification rows."""
    return count_provenance(profile.name, (row.source for row in profile.spec.rows),
                            provisional=profile.spec.provisional)
