"""The lab's own standards: DCC import into the register, history, drift and intervals.

``metrolab register import-dcc`` validates a supplier's Digital Calibration Certificate
and enters its calibration into the register of standards (:mod:`.dcc_read`,
:mod:`.register_update`); :mod:`.history` gathers each standard's calibrations as time
series per point and fits their drift; :mod:`.intervals` recommends calibration
intervals (ILAC-G24/OIML D 10 control chart, NCSLI RP-1 simple response);
``metrolab register status`` shows it all (:mod:`.status`, :mod:`.chart`). Methods and
rules: docs/traceability.md.
"""
