"""Display, system, status, calibration and identity commands of the simulated 344xx
meters (34401A User's Guide ch. 4 command summary; Truevolt command quick reference).

Calibration works as on the meters: secured by default (``702 Cal secured``); after
``CAL:SEC:STAT OFF,<code>``, ``CAL?`` (34401A) or ``CAL:ALL?`` (Truevolt) adjusts the
gain of the selected function and range so that the applied input reads ``CAL:VAL``,
counts the adjustment (``CAL:COUN?``) and answers +0.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from metrolab.drivers.dmm.modes import Mode

from metrolab.instrument.blocks import encode_block
from metrolab.instrument.simulation import CommandError, CommandTree, boolean, choice
from metrolab.instrument.simulation.parser import Handler, no_params, nr3, number, one_param

if TYPE_CHECKING:
    from metrolab.drivers.dmm.sim_settings import MeterSettings
    from metrolab.drivers.dmm.simulator import DmmSimulator

#: factory security codes [U: 34401A "HP034401" from its Service Guide as recalled;
#: Truevolt "AT3446xA" by model]
_SECURE_CODES = {"34401A": "HP034401", "34465A": "AT34465A"}
_MAX_CODE = 12
_SAVED_STATES = 5
_OPERATION_WAITING = 1 << 5
#: what DISPlay:VIEW? answers for each view
_VIEW_SHORT = {"NUMERIC": "NUM", "HISTOGRAM": "HIST", "TCHART": "TCH", "METER": "MET"}
#: identities SYSTem:IDENtify lets a Truevolt meter answer *IDN? with [U: the guide's
#: list differs by model; these are the 344xx predecessors]
_EMULATED = ("HP34401A", "AT34410A", "AT34411A")


class SystemCommands:
    """DISPlay, SYSTem, STATus, CALibration and the remaining common commands."""

    def __init__(self, sim: DmmSimulator) -> None:
        self.sim = sim
        self.table = sim.TABLE
        self.psc = True
        self.cal_count = 0
        self.cal_string = ""
        self.secure_code = _SECURE_CODES.get(self.table.model.model, "SECURE")
        self.secured = True
        self.saved: dict[int, MeterSettings] = {}
        #: the identity *IDN? gives (SYSTem:IDENtify: DEFAULT or an older model's)
        self.identity = "DEFAULT"
        self.security_count = 0
        self.usb_host = True
        self.welcome = ""
        self.reset()

    def reset(self) -> None:
        """``*RST``: display on, text cleared, beeper on, calibration value 0."""
        self.display_on = True
        self.text = ""
        self.view = "NUMERIC"
        self.beeper = True
        self.click = True
        self.label = ""
        self.cal_value = 0.0

    # ------------------------------------------------------------ registration
    def register(self, tree: CommandTree) -> None:
        """Declare the model's display, system, status and calibration commands."""
        truevolt = self.table.truevolt
        state = "[:STATe]" if truevolt else ""
        data = "[:DATA]" if truevolt else ""
        tree.add(f"DISPlay{state}", self._flag_setter("display_on"))
        tree.add(f"DISPlay{state}?", self._flag_query("display_on"))
        tree.add(f"DISPlay:TEXT{data}", self._set_text)
        tree.add(f"DISPlay:TEXT{data}?", lambda p: self._reply(p, f'"{self.text}"'))
        tree.add("DISPlay:TEXT:CLEar", self._clear_text)
        tree.add(f"SYSTem:BEEPer{'[:IMMediate]' if truevolt else ''}", no_params)
        tree.add("SYSTem:BEEPer:STATe", self._flag_setter("beeper"))
        tree.add("SYSTem:BEEPer:STATe?", self._flag_query("beeper"))
        tree.add("SYSTem:VERSion?", lambda p: self._reply(p, "1999.0"))
        tree.add("STATus:QUEStionable:ENABle", self._set_ques_enable)
        tree.add("STATus:QUEStionable:ENABle?",
                 lambda p: self._reply(p, f"{self.sim.questionable.enable:+d}"))
        tree.add(f"STATus:QUEStionable{'[:EVENt]' if truevolt else ':EVENt'}?",
                 lambda p: self._reply(p, f"{self.sim.questionable.read_event():+d}"))
        tree.add("STATus:PRESet", self._status_preset)
        tree.add("*PSC", self._set_psc)
        tree.add("*PSC?", lambda p: self._reply(p, "1" if self.psc else "0"))
        cal = "CALibration[:ALL]?" if truevolt else "CALibration?"
        tree.add(cal, self._calibrate)
        tree.add("CALibration:COUNt?", lambda p: self._reply(p, f"{self.cal_count:+d}"))
        tree.add("CALibration:SECure:CODE", self._set_code)
        tree.add("CALibration:SECure:STATe", self._set_secure)
        tree.add("CALibration:SECure:STATe?", self._flag_query("secured"))
        tree.add("CALibration:STRing", self._set_cal_string)
        tree.add("CALibration:STRing?", lambda p: self._reply(p, f'"{self.cal_string}"'))
        tree.add("CALibration:VALue", self._set_cal_value)
        tree.add("CALibration:VALue?", lambda p: self._reply(p, nr3(self.cal_value)))
        if truevolt:
            self._register_truevolt(tree)
        else:
            tree.add("SYSTem:REMote", self._remote_setter(True))
            tree.add("SYSTem:RWLock", self._remote_setter(True))
            tree.add("SYSTem:LOCal", self._remote_setter(False))

    def _register_truevolt(self, tree: CommandTree) -> None:
        tree.add("DISPlay:VIEW", self._set_view)
        tree.add("DISPlay:VIEW?", lambda p: self._reply(p, _VIEW_SHORT[self.view]))
        tree.add("SYSTem:CLICk:STATe", self._flag_setter("click"))
        tree.add("SYSTem:CLICk:STATe?", self._flag_query("click"))
        tree.add("SYSTem:LABel", self._set_label)
        tree.add("SYSTem:LABel?", lambda p: self._reply(p, f'"{self.label}"'))
        tree.add("SYSTem:PRESet", self._preset)
        tree.add("SYSTem:UPTime?", self._uptime)
        tree.add("STATus:QUEStionable:CONDition?",
                 lambda p: self._reply(p, f"{self.sim.questionable.condition:+d}"))
        tree.add("STATus:OPERation:CONDition?", self._operation)
        tree.add("STATus:OPERation[:EVENt]?", self._operation)
        tree.add("STATus:OPERation:ENABle", self._set_operation_enable)
        tree.add("STATus:OPERation:ENABle?",
                 lambda p: self._reply(p, f"{self.operation_enable:+d}"))
        tree.add("*CAL?", self._autocalibrate)
        tree.add("*SAV", self._save)
        tree.add("*RCL", self._recall)
        tree.add("CALibration:STORe", self._store_calibration)
        tree.add("CALibration:ADC?", self._calibrate_adc)
        tree.add("TEST:ALL?", lambda p: self._reply(p, "+0"))
        tree.add("SYSTem:HELP?", self._help)
        tree.add("SYSTem:IDENtify", self._set_identity)
        tree.add("SYSTem:IDENtify?", lambda p: self._reply(p, self.identity))
        tree.add("SYSTem:SECurity:COUNt?", lambda p: self._reply(p, f"{self.security_count:+d}"))
        tree.add("SYSTem:SECurity:IMMediate", self._sanitise)
        tree.add("SYSTem:USB:HOST:ENABle", self._flag_setter("usb_host"))
        tree.add("SYSTem:USB:HOST:ENABle?", self._flag_query("usb_host"))
        tree.add("SYSTem:WMESsage", self._set_welcome)
        tree.add("SYSTem:WMESsage?", lambda p: self._reply(p, f'"{self.welcome}"'))
        self.sim.calendar.register(tree)
        self.sim.hardcopy.register(tree)
        self.operation_enable = 0

    # ----------------------------------------------------------------- helpers
    @staticmethod
    def _reply(params: list[str], text: str) -> str:
        no_params(params)
        return text

    def _flag_setter(self, attribute: str) -> Handler:
        def handler(params: list[str]) -> None:
            setattr(self, attribute, boolean(one_param(params)))

        return handler

    def _flag_query(self, attribute: str) -> Handler:
        return lambda params: self._reply(params, "1" if getattr(self, attribute) else "0")

    @staticmethod
    def _quoted(params: list[str]) -> str:
        text = one_param(params).strip()
        if len(text) < 2 or text[0] not in "\"'" or text[-1] != text[0]:
            raise CommandError(-104)  # a string parameter must be quoted
        return text[1:-1]

    def _remote_setter(self, remote: bool) -> Handler:
        def handler(params: list[str]) -> None:
            no_params(params)
            self.sim.remote = remote

        return handler

    # ---------------------------------------------------------------- display
    def _set_text(self, params: list[str]) -> None:
        # the meter shows as many characters as it has and drops the rest
        self.text = self._quoted(params)[: self.table.display_chars]

    def _clear_text(self, params: list[str]) -> None:
        no_params(params)
        self.text = ""

    def _set_view(self, params: list[str]) -> None:
        self.view = choice(one_param(params), ["NUMeric", "HISTogram", "TCHart", "METer"])

    def _set_label(self, params: list[str]) -> None:
        self.label = self._quoted(params)[:40]

    # ----------------------------------------------------------------- status
    def _set_ques_enable(self, params: list[str]) -> None:
        self.sim.questionable.enable = int(number(one_param(params), minimum=0, maximum=65535))

    def _status_preset(self, params: list[str]) -> None:
        no_params(params)
        self.sim.questionable.enable = 0
        if self.table.truevolt:
            self.operation_enable = 0

    def _set_operation_enable(self, params: list[str]) -> None:
        self.operation_enable = int(number(one_param(params), minimum=0, maximum=65535))

    def _operation(self, params: list[str]) -> str:
        no_params(params)
        return f"{_OPERATION_WAITING if self.sim.triggering.armed else 0:+d}"

    def _set_psc(self, params: list[str]) -> None:
        self.psc = bool(number(one_param(params), minimum=0, maximum=1))

    def _uptime(self, params: list[str]) -> str:
        no_params(params)
        seconds = int(self.sim.clock.now() - self.sim.started)
        days, rest = divmod(seconds, 86400)
        hours, rest = divmod(rest, 3600)
        minutes, secs = divmod(rest, 60)
        return f"{days:+d},{hours:+d},{minutes:+d},{secs:+d}"

    def _preset(self, params: list[str]) -> None:
        no_params(params)
        self.sim.reset()

    def _save(self, params: list[str]) -> None:
        slot = int(number(one_param(params), minimum=0, maximum=_SAVED_STATES - 1))
        self.saved[slot] = self.sim.settings.copy()

    def _recall(self, params: list[str]) -> None:
        slot = int(number(one_param(params), minimum=0, maximum=_SAVED_STATES - 1))
        if slot not in self.saved:
            raise CommandError(-221)  # nothing stored there
        self.sim.settings = self.saved[slot].copy()

    # ------------------------------------------------------------ calibration
    def _set_code(self, params: list[str]) -> None:
        if self.secured:
            raise CommandError(702, "Cal secured")
        code = one_param(params).strip().strip('"')
        if len(code) > _MAX_CODE:
            raise CommandError(704, "Secure code too long")
        self.secure_code = code.upper()
        self.security_count += 1

    def _set_secure(self, params: list[str]) -> None:
        if not params or len(params) > 2:
            raise CommandError(-109 if not params else -108)
        secure = boolean(params[0])
        if len(params) == 2 and params[1].strip().strip('"').upper() != self.secure_code:
            raise CommandError(703, "Invalid secure code")
        if len(params) < 2 and secure != self.secured:
            raise CommandError(-109)
        if secure != self.secured:
            self.security_count += 1
        self.secured = secure

    def _set_cal_string(self, params: list[str]) -> None:
        if self.secured:
            raise CommandError(702, "Cal secured")
        self.cal_string = self._quoted(params)[:40]

    def _set_cal_value(self, params: list[str]) -> None:
        self.cal_value = number(one_param(params), minimum=-1.2e9, maximum=1.2e9)

    def _calibrate(self, params: list[str]) -> str:
        """Adjust the selected function's gain on its range so the input reads CAL:VAL."""
        no_params(params)
        if self.secured:
            self.sim.push_error(702, "Cal secured")
            return "+1"
        sim = self.sim
        mode = sim.mode
        burst = sim.acquire(1)
        reading = float(burst.values[0])
        if burst.overload[0] or reading == 0.0 or mode not in sim.calibratable:
            sim.push_error(707, "Cal signal measurement out of range")
            return "+1"
        ratio = self.cal_value / reading
        if not 0.9 <= ratio <= 1.1:
            sim.push_error(706, "Cal value out of range")
            return "+1"
        range_value = sim.settings.modes[mode].range
        own = sim.intrinsic(mode, range_value)
        gain = (1.0 + own.gain) * ratio - 1.0
        sim.set_intrinsic(mode, range_value, dataclasses.replace(own, gain=gain))
        self.cal_count += 1
        if self.table.truevolt:
            sim.calendar.record_calibration()
        return "+0"

    def _autocalibrate(self, params: list[str]) -> str:
        """``*CAL?``: the Truevolt auto-calibration of its ADC; passes (+0) in 15 s."""
        no_params(params)
        self.sim.clock.sleep(15.0)
        self.sim.calendar.record_autocalibration()
        return "+0"

    def _calibrate_adc(self, params: list[str]) -> str:
        """``CAL:ADC?``: calibrate the ADC (input shorted); secured: error 702 and +1."""
        no_params(params)
        if self.secured:
            self.sim.push_error(702, "Cal secured")
            return "+1"
        self.sim.clock.sleep(15.0)
        self.sim.calendar.record_calibration()
        return "+0"

    def _store_calibration(self, params: list[str]) -> None:
        """``CAL:STOR``: keep the constants (secured: 702) and date the calibration."""
        no_params(params)
        if self.secured:
            raise CommandError(702, "Cal secured")
        self.sim.calendar.record_calibration()

    # ----------------------------------------------------------------- system
    def idn(self) -> str:
        """Return the ``*IDN?`` reply: the model's own, or the one SYST:IDEN emulates."""
        if self.identity == "DEFAULT":
            return self.sim.IDN
        maker = "HEWLETT-PACKARD" if self.identity.startswith("HP") else "Agilent Technologies"
        firmware = self.sim.IDN.split(",")[3]
        return f"{maker},{self.identity[2:]},0,{firmware}"

    def _set_identity(self, params: list[str]) -> None:
        self.identity = choice(one_param(params), ["DEFault", *_EMULATED])

    def _help(self, params: list[str]) -> bytes:
        """``SYST:HELP?``: every header the meter knows, one a line, as a block."""
        no_params(params)
        lines = [command.pattern for command in self.sim.commands.commands()]
        return encode_block(("\n".join(lines) + "\n").encode("ascii"))

    def _sanitise(self, params: list[str]) -> None:
        """``SYST:SEC:IMM``: erase user data (files, stored states, labels) per NISPOM."""
        no_params(params)
        self.sim.mmemory.files.erase()
        self.saved.clear()
        self.label = ""
        self.welcome = ""
        self.security_count += 1

    def _set_welcome(self, params: list[str]) -> None:
        text = self._quoted(params)
        if len(text) > 63:
            raise CommandError(-223)
        self.welcome = text


#: modes a calibration adjusts (the others have no gain constants of their own)
CALIBRATABLE = frozenset({Mode.DCV, Mode.ACV, Mode.DCI, Mode.ACI, Mode.RES2, Mode.RES4})
