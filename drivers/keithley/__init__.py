"""Keithley digital multimeters (2000, 2010, DMM6500, DMM7510 in its SCPI command set):
profiles of the DMM family, their specification tables and simulators.

Drive one with the family driver, ``ScpiDmm.for_profile("keithley-dmm6500")`` or
:func:`~metrolab.drivers.dmm.driver.open_dmm`; simulate one with
``metrolab sim serve keithley-2000``.
"""
