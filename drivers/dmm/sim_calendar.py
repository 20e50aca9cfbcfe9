"""Date, time and temperatures of a simulated Truevolt meter: ``SYSTem:DATE``/``TIME``
from the injected clock, the internal temperature (``SYSTem:TEMPerature?``) and when
and how warm the last calibration (``CALibration:DATE?``/``TIME?``/``TEMPerature?``)
and auto-calibration (``SYSTem:ACALibration:...``, ``*CAL?``) were.

The meter's clock is the injected clock (UTC) plus whatever ``SYSTem:DATE`` and
``SYSTem:TIME`` moved it by. Its inside runs warmer than the bench: the internal
temperature is the lab's (the simulator's environment, 23 °C without one) plus a
warm-up rise of 5 °C [U: typical of a bench DMM, not published]. The simulated meter
leaves the factory calibrated and auto-calibrated at its power-on time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from metrolab.instrument.simulation import CommandError, CommandTree
from metrolab.instrument.simulation.parser import Handler, answers, no_params, nr3, number

if TYPE_CHECKING:
    from metrolab.drivers.dmm.simulator import DmmSimulator

#: internal temperature above the lab's, in °C [U]
WARM_UP_RISE_C = 5.0
_AMBIENT_C = 23.0


@dataclass(frozen=True)
class Event:
    """When something happened on the meter's clock (POSIX s) and how warm it was (°C)."""

    time_s: float
    temperature_c: float


class Calendar:
    """The meter's clock and its calibration records."""

    def __init__(self, sim: DmmSimulator) -> None:
        self.sim = sim
        self.offset_s = 0.0
        self.calibrated = self.autocalibrated = Event(0.0, _AMBIENT_C + WARM_UP_RISE_C)

    def power_on(self) -> None:
        """Date the factory calibration and auto-calibration at power-on (the clock is
        known once the simulator is built)."""
        self.calibrated = self.autocalibrated = Event(self.sim.clock.now(), self.internal_c())

    def now(self) -> datetime:
        """Return the meter's date and time (UTC plus what SYST:DATE/TIME changed)."""
        return datetime.fromtimestamp(self.sim.clock.now() + self.offset_s, UTC)

    def internal_c(self) -> float:
        """Return the temperature inside the meter in °C."""
        environment = self.sim.environment
        lab = environment.temperature(self.sim.clock.now()) if environment else _AMBIENT_C
        return lab + WARM_UP_RISE_C

    def record_calibration(self) -> None:
        """Note a calibration now (``CAL:DATE?`` and the others answer it)."""
        self.calibrated = Event(self.now().timestamp(), self.internal_c())

    def record_autocalibration(self) -> None:
        """Note an auto-calibration (``*CAL?``) now."""
        self.autocalibrated = Event(self.now().timestamp(), self.internal_c())

    # ------------------------------------------------------------ registration
    def register(self, tree: CommandTree) -> None:
        """Declare the date, time and temperature commands."""
        tree.add("SYSTem:DATE", self._set_date)
        tree.add("SYSTem:DATE?", answers(lambda: self._date(self.now())))
        tree.add("SYSTem:TIME", self._set_time)
        tree.add("SYSTem:TIME?", answers(lambda: self._time(self.now())))
        tree.add("SYSTem:TEMPerature?", answers(lambda: nr3(self.internal_c())))
        for node, attribute in (("CALibration", "calibrated"),
                                ("SYSTem:ACALibration", "autocalibrated")):
            tree.add(f"{node}:DATE?", self._event_query(attribute, self._date))
            tree.add(f"{node}:TIME?", self._event_query(attribute, self._time))
            tree.add(f"{node}:TEMPerature?", self._temperature_query(attribute))

    @staticmethod
    def _date(moment: datetime) -> str:
        return f"{moment.year:+d},{moment.month:+d},{moment.day:+d}"

    @staticmethod
    def _time(moment: datetime) -> str:
        seconds = moment.second + moment.microsecond / 1e6
        return f"{moment.hour:+d},{moment.minute:+d},{seconds:+.3f}"

    def _event_query(self, attribute: str, render: object) -> Handler:
        def handler(params: list[str]) -> str:
            no_params(params)
            event: Event = getattr(self, attribute)
            return render(datetime.fromtimestamp(event.time_s, UTC))  # type: ignore[operator]

        return handler

    def _temperature_query(self, attribute: str) -> Handler:
        return answers(lambda: nr3(getattr(self, attribute).temperature_c))

    def _move_to(self, wanted: datetime) -> None:
        self.offset_s += (wanted - self.now()).total_seconds()

    def _set_date(self, params: list[str]) -> None:
        if len(params) != 3:
            raise CommandError(-109 if len(params) < 3 else -108)
        year = int(number(params[0], minimum=2000, maximum=2099))
        month = int(number(params[1], minimum=1, maximum=12))
        day = int(number(params[2], minimum=1, maximum=31))
        now = self.now()
        try:
            self._move_to(now.replace(year=year, month=month, day=day))
        except ValueError:
            raise CommandError(-222, "Data out of range;no such date") from None

    def _set_time(self, params: list[str]) -> None:
        if len(params) != 3:
            raise CommandError(-109 if len(params) < 3 else -108)
        hour = int(number(params[0], minimum=0, maximum=23))
        minute = int(number(params[1], minimum=0, maximum=59))
        second = number(params[2], minimum=0.0, maximum=59.999)
        midnight = self.now().replace(hour=0, minute=0, second=0, microsecond=0)
        self._move_to(midnight + timedelta(hours=hour, minutes=minute, seconds=second))

