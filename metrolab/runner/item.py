"""Who the item calibrated is: its nameplate identity, not only what ``*IDN?`` says.

A 34401A answers ``*IDN?`` with serial ``0``; a certificate must name the item by the
serial on its nameplate and the lab's asset number. In order of precedence they come
from ``--item`` or the answers file's ``[item]``, from the register's ``[[item]]``
entry of the instrument, or from the operator at the terminal; an unattended run with
none of these keeps the ``*IDN?`` serial and the record says where each came from.
"""

from __future__ import annotations

from collections.abc import Mapping

from metrolab.runner.discovery import Procedure
from metrolab.runner.errors import UserInputError
from metrolab.runner.instruments import OpenInstrument
from metrolab.runner.operator import Operator
from metrolab.runner.register import Register

#: the fields of the record's ``item``: identity, then its date of receipt (YYYY-MM-DD)
#: and its condition on receipt, which the certificate states (ISO/IEC 17025 7.8.2.1 g, h)
FIELDS = ("manufacturer", "model", "serial", "asset", "description", "received", "condition")


def item_identity(procedure: Procedure, given: Mapping[str, str],
                  instruments: Mapping[str, OpenInstrument], register: Register | None,
                  operator: Operator) -> dict[str, str]:
    """Return the record's ``item``: :data:`FIELDS`, ``idn_serial`` and ``serial_source``.

    ``given`` is ``--item`` merged with the answers file's ``[item]``. Raises
    :class:`UserInputError` when the item is not an instrument and nobody says which it
    is, or when ``--item`` names another model than the instrument reports.
    """
    dut = instruments.get("dut")
    if dut is None:
        return _sensor(procedure, given, operator)
    idn = dut.identity
    if given.get("model") and given["model"].casefold() != idn["model"].casefold():
        raise UserInputError(f"--item names a {given['model']}, but the DUT at {dut.resource} "
                             f"answers *IDN? as a {idn['model']}: check the connection")
    item = {"manufacturer": idn["manufacturer"], "model": idn["model"], "serial": "",
            "asset": "", "description": ""}
    source = ""
    registered = register.find_item(idn["manufacturer"], idn["model"], idn["serial"]) \
        if register is not None else None
    if registered is not None:
        item.update({k: v for k, v in (("serial", registered.serial),
                                       ("asset", registered.asset),
                                       ("description", registered.description)) if v})
        source = "register"
    if given.get("serial"):
        source = "--item"
    item.update({k: v for k, v in given.items() if v})
    if not source and operator.can_ask:
        item["serial"] = operator.ask_text(
            f"Serial number on the nameplate of the {idn['model']} (*IDN? says "
            f"{idn['serial']!r})", idn["serial"]).strip()
        item["asset"] = operator.ask_text("Asset number of the item (Enter: none)", "").strip()
        source = "operator"
    if not item["serial"]:
        item["serial"], source = idn["serial"], "*IDN?"
    return {**item, "idn_serial": idn["serial"], "serial_source": source}


def _sensor(procedure: Procedure, given: Mapping[str, str], operator: Operator
            ) -> dict[str, str]:
    """Return the identity of an item that is not an instrument (a sensor in a bath)."""
    item = {key: given.get(key, "") for key in FIELDS}
    source = "--item"
    if not item["serial"] and operator.can_ask:
        for key, question in (("manufacturer", "Manufacturer of the item"),
                              ("model", "Model of the item"),
                              ("serial", "Serial number on the item"),
                              ("asset", "Asset number of the item (Enter: none)")):
            if not item[key]:
                item[key] = operator.ask_text(question, "").strip()
        source = "operator"
    if not item["serial"]:
        raise UserInputError(f"procedure {procedure.metadata.name} calibrates an item that is "
                             "not an instrument: give --item MANUFACTURER,MODEL,SERIAL "
                             "(or [item] in the answers file)")
    return {**item, "idn_serial": "", "serial_source": source}
