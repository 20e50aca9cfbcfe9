"""The refType attributes of metrolab's DCCs: how software finds each value without
reading names or labels.

Sources. The ``basic`` namespace is PTB's DCC reference-type vocabulary, kept in the
"Metrology refType Database" (PTB/DKD, https://digilab.ptb.de/dkd/refType/vocab/) and
described on the DCC wiki (https://dccwiki.ptb.de/, "refType"). Only terms seen there or
in published DCCs that follow it are used: ``basic_nominalValue``,
``basic_referenceValue``, ``basic_measuredValue``, ``basic_measurementError``,
``basic_conformity``, ``basic_metrologicallyTraceableToSI``, ``basic_revision``,
``basic_temperature`` with ``basic_temperatureMin``/``Max``, ``basic_humidityRelative``
with ``basic_humidityRelativeMin``/``Max``. Where that vocabulary has no term we know of
(tolerance and acceptance limits, risks, the decision rule, ranges, frequencies, point
IDs, means, air pressure), the term is in metrolab's own ``metrolab`` namespace, which
every DCC declares in ``administrativeData/refTypeDefinitions`` (DCC 3.3.0) with a link
to these definitions, as the DCC allows for community namespaces.

The expanded uncertainty of a result is found through its refType too: it is the
``si:expandedMUXMLList`` (D-SI) of the ``basic_measurementError`` quantity.
"""

from __future__ import annotations

#: namespace -> (name, link, description) declared in every DCC's refTypeDefinitions
NAMESPACES: dict[str, tuple[str, str, str]] = {
    "basic": ("PTB DCC reference types, namespace basic",
              "https://digilab.ptb.de/dkd/refType/vocab/",
              "General terms of PTB's DCC refType vocabulary (Metrology refType Database)."),
    "metrolab": ("metrolab reference types",
                 "urn:metrolab:dcc:reftypes:1",
                 "Terms of metrolab for values the basic namespace has no term for; defined "
                 "in metrolab.certificates.dcc_reftypes and docs/certificates.md."),
}

# basic namespace (PTB/DKD)
NOMINAL = "basic_nominalValue"
REFERENCE = "basic_referenceValue"
MEASURED = "basic_measuredValue"
ERROR = "basic_measurementError"
CONFORMITY = "basic_conformity"
TRACEABILITY = "basic_metrologicallyTraceableToSI"
REVISION = "basic_revision"

# metrolab namespace
RESULTS = "metrolab_calibrationResults"
POINT_ID = "metrolab_pointId"
RANGE = "metrolab_range"
FREQUENCY = "metrolab_frequency"
TOLERANCE_LOWER = "metrolab_toleranceLimitLower"
TOLERANCE_UPPER = "metrolab_toleranceLimitUpper"
ACCEPTANCE_LOWER = "metrolab_acceptanceLimitLower"
ACCEPTANCE_UPPER = "metrolab_acceptanceLimitUpper"
PROBABILITY_OF_CONFORMITY = "metrolab_probabilityOfConformity"
SPECIFIC_RISK = "metrolab_specificRisk"
PFA = "metrolab_probabilityOfFalseAccept"
PFR = "metrolab_probabilityOfFalseReject"
TUR = "metrolab_testUncertaintyRatio"
DECISION_RULE = "metrolab_decisionRule"
ADJUSTMENT = "metrolab_adjustmentState"
RECORD_HASH = "metrolab_recordSha256"
NOTE = "metrolab_note"

#: influence condition name -> (condition refType, mean, minimum, maximum refTypes)
CONDITIONS: dict[str, tuple[str, str, str, str]] = {
    "Temperature": ("basic_temperature", "metrolab_temperatureMean", "basic_temperatureMin",
                    "basic_temperatureMax"),
    "Relative humidity": ("basic_humidityRelative", "metrolab_humidityRelativeMean",
                          "basic_humidityRelativeMin", "basic_humidityRelativeMax"),
    "Air pressure": ("metrolab_airPressure", "metrolab_airPressureMean",
                     "metrolab_airPressureMin", "metrolab_airPressureMax"),
}
