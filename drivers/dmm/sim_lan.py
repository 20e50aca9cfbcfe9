"""Remote-interface settings of a simulated Truevolt meter: ``SYSTem:COMMunicate`` (LAN,
GPIB and the interfaces' enables), ``LXI`` (identify indicator, mDNS) and ``SYSTem:LOCK``
(Truevolt Operating and Service Guide).

These are stored as the meter stores them: they survive ``*RST`` and are kept in a
preferences file. LAN changes wait for ``SYSTem:COMMunicate:LAN:UPDate`` (or
``LXI:RESTart``) to take effect: until then the queries answer the values in use, as
the meter's do. ``LXI:RESet`` returns the LAN to its factory settings (DHCP on). The
simulator's own socket is not moved by any of this: the addresses are state only.
Addresses are dotted IPv4 text, checked with :mod:`ipaddress` (-224 otherwise).

``SYSTem:LOCK:REQuest?`` grants the lock to the asking interface (this simulator's
sessions all come from one interface, ``LAN`` at the meter's address) and counts nested
requests; ``RELease`` undoes one; ``OWNer?`` names the holder or ``NONE``.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from metrolab.instrument.simulation import CommandError, CommandTree, boolean, choice
from metrolab.instrument.simulation.parser import Handler, answers, no_params, number, one_param

if TYPE_CHECKING:
    from metrolab.drivers.dmm.simulator import DmmSimulator

#: the interfaces SYSTem:COMMunicate:ENABle switches
_INTERFACES = ["GPIB", "USB", "LAN", "SOCKets", "TELNet", "VXI11", "WEB", "USBMtp", "USBHost"]
#: LAN control (device clear) socket of the Truevolt meters
CONTROL_PORT = 5030
_DEFAULT_ADDRESS = "169.254.4.10"


@dataclass(frozen=True)
class LanSettings:
    """One set of LAN settings (those pending and those in use)."""

    dhcp: bool = True
    address: str = _DEFAULT_ADDRESS
    mask: str = "255.255.0.0"
    gateway: str = "0.0.0.0"
    dns: tuple[str, str] = ("0.0.0.0", "0.0.0.0")
    wins: tuple[str, str] = ("0.0.0.0", "0.0.0.0")
    hostname: str = ""
    domain: str = ""


def _quoted(text: str) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] not in "\"'" or text[-1] != text[0]:
        raise CommandError(-104)
    return text[1:-1]


def _address(text: str) -> str:
    value = _quoted(text).strip()
    try:
        return str(ipaddress.IPv4Address(value))
    except ValueError:
        raise CommandError(-224, f"Illegal parameter value;{value!r} is not an IPv4 "
                                 "address") from None


class LanCommands:
    """The remote-interface settings and the lock of one meter."""

    def __init__(self, sim: DmmSimulator) -> None:
        self.sim = sim
        serial = sim.IDN.split(",")[2].strip()
        self.factory = LanSettings(hostname=f"K-{sim.MODEL.model}-{serial[-5:]}")
        self.pending = self.factory
        self.active = self.factory
        self.enabled = {name.upper(): True for name in _INTERFACES}
        self.gpib_address = 22
        self.identify = False
        self.mdns = True
        self.service_name = f"Keysight {sim.MODEL.model} Digital Multimeter - {serial}"
        self.telnet_prompt = f"{sim.MODEL.model}> "
        self.telnet_message = f"Welcome to Keysight's {sim.MODEL.model} Digital Multimeter"
        self.mac = "80-09-02-" + "-".join(f"{b:02X}" for b in serial.encode()[-3:])
        self.lock_owner = "NONE"
        self.lock_count = 0

    def register(self, tree: CommandTree) -> None:
        """Declare the SYSTem:COMMunicate, LXI and SYSTem:LOCK commands."""
        lan = "SYSTem:COMMunicate:LAN"
        tree.add("SYSTem:COMMunicate:ENABle", self._set_enable)
        tree.add("SYSTem:COMMunicate:ENABle?", self._enable_query)
        tree.add("SYSTem:COMMunicate:GPIB:ADDRess", self._set_gpib)
        tree.add("SYSTem:COMMunicate:GPIB:ADDRess?",
                 answers(lambda: f"{self.gpib_address:+d}"))
        tree.add(f"{lan}:CONTrol?", answers(lambda: f"{CONTROL_PORT:+d}"))
        tree.add(f"{lan}:DHCP", self._pending_setter("dhcp", boolean))
        tree.add(f"{lan}:DHCP?", answers(lambda: "1" if self.active.dhcp else "0"))
        for header, name in (("IPADdress", "address"), ("SMASk", "mask"),
                             ("GATeway", "gateway")):
            tree.add(f"{lan}:{header}", self._pending_setter(name, _address))
            tree.add(f"{lan}:{header}?", self._active_query(name))
        for header, name in (("DNS", "dns"), ("WINS", "wins")):
            tree.add(f"{lan}:{header}", self._pair_setter(name))
            tree.add(f"{lan}:{header}?", self._pair_query(name))
        tree.add(f"{lan}:HOSTname", self._pending_setter("hostname", self._hostname))
        tree.add(f"{lan}:HOSTname?", self._active_query("hostname"))
        tree.add(f"{lan}:DOMain?", self._active_query("domain"))
        tree.add(f"{lan}:MAC?", answers(lambda: f'"{self.mac}"'))
        tree.add(f"{lan}:TELNet:PROMpt", self._text_setter("telnet_prompt", 15))
        tree.add(f"{lan}:TELNet:PROMpt?", self._text_query("telnet_prompt"))
        tree.add(f"{lan}:TELNet:WMESsage", self._text_setter("telnet_message", 63))
        tree.add(f"{lan}:TELNet:WMESsage?", self._text_query("telnet_message"))
        tree.add(f"{lan}:UPDate", self._update)
        tree.add("LXI:IDENtify[:STATe]", self._set_identify)
        tree.add("LXI:IDENtify[:STATe]?",
                 answers(lambda: "1" if self.identify else "0"))
        tree.add("LXI:MDNS:ENABle", self._set_mdns)
        tree.add("LXI:MDNS:ENABle?", answers(lambda: "1" if self.mdns else "0"))
        tree.add("LXI:MDNS:HNAMe[:RESolved]?",
                 answers(lambda: f'"{self.active.hostname}"'))
        tree.add("LXI:MDNS:SNAMe:DESired", self._text_setter("service_name", 63))
        tree.add("LXI:MDNS:SNAMe:DESired?", self._text_query("service_name"))
        tree.add("LXI:MDNS:SNAMe[:RESolved]?", self._text_query("service_name"))
        tree.add("LXI:RESet", self._lxi_reset)
        tree.add("LXI:RESTart", self._update)
        tree.add("SYSTem:LOCK:REQuest?", self._lock_request)
        tree.add("SYSTem:LOCK:RELease", self._lock_release)
        tree.add("SYSTem:LOCK:OWNer?", answers(lambda: self.lock_owner))
        tree.add("SYSTem:LOCK:NAME?", answers(lambda: f'"{self._interface_name}"'))

    # ----------------------------------------------------------------- helpers
    def _text_setter(self, name: str, longest: int) -> Handler:
        def handler(params: list[str]) -> None:
            text = _quoted(one_param(params))
            if len(text) > longest:
                raise CommandError(-223)  # too much data
            setattr(self, name, text)

        return handler

    def _text_query(self, name: str) -> Handler:
        return answers(lambda: f'"{getattr(self, name)}"')

    def _pending_setter(self, name: str, parse: object) -> Handler:
        def handler(params: list[str]) -> None:
            value = parse(one_param(params))  # type: ignore[operator]
            self.pending = dataclasses.replace(self.pending, **{name: value})

        return handler

    def _active_query(self, name: str) -> Handler:
        return answers(lambda: f'"{getattr(self.active, name)}"')

    def _pair_setter(self, name: str) -> Handler:
        """DNS and WINS take an address and which server it is (1 or 2, default 1)."""
        def handler(params: list[str]) -> None:
            if not params or len(params) > 2:
                raise CommandError(-109 if not params else -108)
            which = (int(number(params[1], minimum=1, maximum=2, default=1))
                     if len(params) == 2 else 1)
            pair = list(getattr(self.pending, name))
            pair[which - 1] = _address(params[0])
            if name == "dns":
                self.pending = dataclasses.replace(self.pending, dns=(pair[0], pair[1]))
            else:
                self.pending = dataclasses.replace(self.pending, wins=(pair[0], pair[1]))

        return handler

    def _pair_query(self, name: str) -> Handler:
        def handler(params: list[str]) -> str:
            if len(params) > 1:
                raise CommandError(-108)
            which = int(number(params[0], minimum=1, maximum=2, default=1)) if params else 1
            return f'"{getattr(self.active, name)[which - 1]}"'

        return handler

    @staticmethod
    def _hostname(text: str) -> str:
        name = _quoted(text)
        if len(name) > 15 or not all(c.isalnum() or c == "-" for c in name):
            raise CommandError(-224, f"Illegal parameter value;host name {name!r}")
        return name

    @property
    def _interface_name(self) -> str:
        return f"LAN{self.active.address}"

    # ---------------------------------------------------------------- handlers
    def _set_enable(self, params: list[str]) -> None:
        if len(params) != 2:
            raise CommandError(-109 if len(params) < 2 else -108)
        self.enabled[choice(params[1], _INTERFACES)] = boolean(params[0])

    def _enable_query(self, params: list[str]) -> str:
        return "1" if self.enabled[choice(one_param(params), _INTERFACES)] else "0"

    def _set_gpib(self, params: list[str]) -> None:
        self.gpib_address = int(number(one_param(params), minimum=0, maximum=30, default=22))

    def _update(self, params: list[str]) -> None:
        no_params(params)
        self.active = self.pending

    def _set_identify(self, params: list[str]) -> None:
        self.identify = boolean(one_param(params))

    def _set_mdns(self, params: list[str]) -> None:
        self.mdns = boolean(one_param(params))

    def _lxi_reset(self, params: list[str]) -> None:
        no_params(params)
        self.pending = self.active = self.factory
        self.mdns = True
        self.service_name = f"Keysight {self.sim.MODEL.model} Digital Multimeter - " + \
            self.sim.IDN.split(",")[2].strip()

    def _lock_request(self, params: list[str]) -> str:
        no_params(params)
        if self.lock_owner not in ("NONE", "LAN"):
            return "0"
        self.lock_owner = "LAN"
        self.lock_count += 1
        return "1"

    def _lock_release(self, params: list[str]) -> None:
        no_params(params)
        if self.lock_count == 0:
            raise CommandError(-221, "Settings conflict;lock not held")
        self.lock_count -= 1
        if self.lock_count == 0:
            self.lock_owner = "NONE"
