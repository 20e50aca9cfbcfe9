"""The ``@metrolab`` VISA library: pyvisa's low-level calls dispatched to simulator
sessions in the same process (no socket, no thread)."""

from __future__ import annotations

import itertools
from typing import Any

from pyvisa import constants, errors, highlevel, rname
from pyvisa.typing import VISAEventContext, VISARMSession, VISASession
from pyvisa.util import LibraryPath

from metrolab.errors import UserInputError
from metrolab.instrument.pyvisa_backend.bench import BackendBench, load_bench
from metrolab.instrument.pyvisa_backend.session import VisaSession

StatusCode = constants.StatusCode
_SESSIONS = itertools.count(0x4D4C0001)


class MetrolabVisaLibrary(highlevel.VisaLibraryBase):
    """pyvisa backend serving metrolab's simulators in-process.

    The library path is a bench file (``"bench.toml@metrolab"``) or empty for the
    default bench; see :mod:`metrolab.instrument.pyvisa_backend.bench`. ``bench`` is the
    :class:`BackendBench` (``.simulators`` by resource, ``.bench``, ``.clock``), so a
    test can drive the calibrator, inject a DUT error or arm a fault.
    """

    bench: BackendBench
    sessions: dict[int, Any]

    @staticmethod
    def get_library_paths() -> tuple[LibraryPath, ...]:
        """Return the one path pyvisa tries when none is given: the default bench."""
        return (LibraryPath("unset"),)

    @staticmethod
    def get_debug_info() -> dict[str, str]:
        """Return what ``pyvisa-info`` prints for this backend."""
        return {"backend": "metrolab simulators, in-process"}

    def _init(self) -> None:
        try:
            self.bench = load_bench(str(self.library_path))
        except UserInputError as exc:
            raise OSError(str(exc)) from exc
        self.sessions = {}

    # ---------------------------------------------------------------- sessions
    def open_default_resource_manager(self) -> tuple[VISARMSession, StatusCode]:
        """Return a resource-manager session (viOpenDefaultRM)."""
        session = VISARMSession(next(_SESSIONS))
        self.sessions[session] = self
        return session, self.handle_return_value(session, StatusCode.success)

    def list_resources(self, session: VISARMSession, query: str = "?*::INSTR"
                       ) -> tuple[str, ...]:
        """Return the resources served that match the VISA expression ``query``."""
        found = rname.filter(self.bench.resources(), query)
        if not found:
            raise errors.VisaIOError(StatusCode.error_resource_not_found)
        return tuple(found)

    def open(
        self,
        session: VISARMSession,
        resource_name: str,
        access_mode: constants.AccessModes = constants.AccessModes.no_lock,
        open_timeout: int | None = constants.VI_TMO_IMMEDIATE,
    ) -> tuple[VISASession, StatusCode]:
        """Open ``resource_name`` on its simulator (viOpen); resource_not_found if none."""
        try:
            parsed = rname.parse_resource_name(resource_name)
        except rname.InvalidResourceName:
            return VISASession(0), self.handle_return_value(
                None, StatusCode.error_invalid_resource_name)
        simulator = self.bench.find(resource_name)
        if simulator is None:
            return VISASession(0), self.handle_return_value(
                None, StatusCode.error_resource_not_found)
        new = VISASession(next(_SESSIONS))
        self.sessions[new] = VisaSession(parsed, simulator)
        return new, self.handle_return_value(new, StatusCode.success)

    def close(self, session: VISASession | VISARMSession | VISAEventContext) -> StatusCode:
        """Close a session (viClose)."""
        found = self.sessions.pop(int(session), None)
        status = StatusCode.success if found is not None else StatusCode.error_invalid_object
        return self.handle_return_value(None, status)

    def _session(self, session: int) -> VisaSession:
        found = self.sessions.get(int(session))
        if not isinstance(found, VisaSession):
            raise errors.InvalidSession()
        return found

    # ---------------------------------------------------------------- transfer
    def read(self, session: VISASession, count: int) -> tuple[bytes, StatusCode]:
        """Read up to ``count`` bytes (viRead); VisaIOError on timeout or lost link."""
        data, status = self._session(session).read(count)
        return data, self.handle_return_value(session, status)

    def write(self, session: VISASession, data: bytes) -> tuple[int, StatusCode]:
        """Write ``data`` (viWrite): the simulator answers before this returns."""
        written, status = self._session(session).write(data)
        return written, self.handle_return_value(session, status)

    def clear(self, session: VISASession) -> StatusCode:
        """Device clear (viClear): pending replies are dropped."""
        self._session(session).clear()
        return self.handle_return_value(session, StatusCode.success)

    def flush(self, session: VISASession, mask: constants.BufferOperation) -> StatusCode:
        """Flush buffers (viFlush): discarding the read buffer drops pending replies."""
        target = self._session(session)
        if mask & (constants.BufferOperation.discard_read_buffer
                   | constants.BufferOperation.discard_read_buffer_no_io):
            target.clear()
        return self.handle_return_value(session, StatusCode.success)

    def read_stb(self, session: VISASession) -> tuple[int, StatusCode]:
        """Serial poll (viReadSTB): the simulator's status byte, MAV while a reply waits."""
        return self._session(session).status_byte(), self.handle_return_value(
            session, StatusCode.success)

    def assert_trigger(self, session: VISASession, protocol: constants.TriggerProtocol
                       ) -> StatusCode:
        """Group execute trigger (viAssertTrigger): the simulator's bus trigger."""
        target = self._session(session)
        with target.simulator.lock:
            target.simulator.trigger()
        return self.handle_return_value(session, StatusCode.success)

    def gpib_control_ren(self, session: VISASession, mode: constants.RENLineOperation
                         ) -> StatusCode:
        """Remote enable (viGpibControlREN): accepted; the simulators need no REN."""
        self._session(session)
        return self.handle_return_value(session, StatusCode.success)

    def lock(self, session: VISASession, lock_type: constants.Lock, timeout: int,
             requested_key: str | None = None) -> tuple[str, StatusCode]:
        """Lock (viLock): granted at once, one process owns the simulators."""
        self._session(session)
        return requested_key or "metrolab", self.handle_return_value(session, StatusCode.success)

    def unlock(self, session: VISASession) -> StatusCode:
        """Unlock (viUnlock)."""
        self._session(session)
        return self.handle_return_value(session, StatusCode.success)

    # -------------------------------------------------------------- attributes
    def get_attribute(self, session: VISASession | VISARMSession | VISAEventContext,
                      attribute: constants.ResourceAttribute | constants.EventAttribute
                      ) -> tuple[Any, StatusCode]:
        """Return an attribute's state (viGetAttribute)."""
        value, status = self._session(int(session)).get_attribute(int(attribute))
        return value, self.handle_return_value(session, status)

    def set_attribute(self, session: VISASession | VISARMSession | VISAEventContext,
                      attribute: constants.ResourceAttribute | constants.EventAttribute,
                      attribute_state: Any) -> StatusCode:
        """Set an attribute's state (viSetAttribute)."""
        status = self._session(int(session)).set_attribute(int(attribute), attribute_state)
        return self.handle_return_value(session, status)

    def disable_event(self, session: VISASession, event_type: constants.EventType,
                      mechanism: constants.EventMechanism) -> StatusCode:
        """Disable events (viDisableEvent): the simulators raise none."""
        return self.handle_return_value(session, StatusCode.success)

    def discard_events(self, session: VISASession, event_type: constants.EventType,
                       mechanism: constants.EventMechanism) -> StatusCode:
        """Discard events (viDiscardEvents): there are none."""
        return self.handle_return_value(session, StatusCode.success)
