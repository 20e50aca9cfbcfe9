"""``MMEMory`` and ``*LRN?`` of a simulated Truevolt meter (Truevolt Operating and
Service Guide, MMEMory subsystem): files on the meter's drives (:mod:`.sim_files`), state
and preference files, reading-memory export and file transfer.

A state file (``.sta``) and a preferences file (``.prf``) hold a first line naming the
model and what they are, then the settings as commands (:mod:`.sim_learn`; the real
files are binary). ``MMEMory:LOAD:STATe`` resets the meter and runs them;
``MMEMory:STATe:VALid?`` tells whether a file is a state file of this model. The
automatic recall at power-on (``STATe:RECall:AUTO``/``SELect``) is kept as the meter
keeps it; a simulator is not power-cycled, so it only answers its queries.
``MMEMory:STORe:DATA RDG_STORE,<file>`` writes reading memory as text, one reading a
line, with its number first when ``FORMat:READing:INFormation`` is on (the meter adds a
time stamp too: not kept by the simulator); ``RLIMit ON`` caps a file at 1 000 000 rows.
``DOWNload`` writes a block (ASCII payloads: a line feed inside the block would end the
message on this transport), ``UPLoad?`` sends a file as a definite-length block.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from metrolab.drivers.dmm.sim_files import CAPACITY, MassMemory
from metrolab.drivers.dmm.sim_learn import PREFERENCE_SETTINGS, StateText

from metrolab.instrument.blocks import BlockFormatError, block_payload, encode_block
from metrolab.instrument.simulation import CommandError, CommandTree, boolean, choice
from metrolab.instrument.simulation.parser import Handler, answers, no_params, nr3, one_param

if TYPE_CHECKING:
    from metrolab.drivers.dmm.simulator import DmmSimulator

#: rows a data file holds with RLIMit ON (Truevolt guide)
ROW_LIMIT = 1_000_000
_SEPARATORS = {"COMMA": ",", "SEMICOLON": ";", "TAB": "\t"}
_SEPARATOR_REPLY = {"COMMA": "COMM", "SEMICOLON": "SEM", "TAB": "TAB"}


class MMemoryCommands:
    """The meter's drives and the MMEMory commands that use them."""

    def __init__(self, sim: DmmSimulator) -> None:
        self.sim = sim
        self.files = MassMemory()
        self.state = StateText(sim)
        self.recall_auto = False
        self.recall_file = ""
        self.download_file = ""
        self.separator = "COMMA"
        self.information = False
        self.row_limit = True

    def _header(self, kind: str) -> bytes:
        return f"{self.sim.MODEL.maker} {self.sim.MODEL.model} {kind}\n".encode("ascii")

    def register(self, tree: CommandTree) -> None:
        """Declare ``*LRN?`` and the MMEMory commands."""
        tree.add("*LRN?", answers(lambda: self.state.settings_text()))
        tree.add("MMEMory:CATalog[:ALL]?", self._catalog)
        tree.add("MMEMory:CDIRectory", lambda p: self.files.change_folder(self._path(p)))
        tree.add("MMEMory:CDIRectory?", self._current_folder)
        tree.add("MMEMory:MDIRectory", lambda p: self.files.make_folder(self._path(p)))
        tree.add("MMEMory:RDIRectory", lambda p: self.files.remove_folder(self._path(p)))
        tree.add("MMEMory:DELete", lambda p: self.files.delete(self._path(p)))
        tree.add("MMEMory:COPY", self._pair(self.files.copy))
        tree.add("MMEMory:MOVE", self._pair(self.files.move))
        tree.add("MMEMory:STORe:STATe", self._store_state)
        tree.add("MMEMory:LOAD:STATe", self._load_state)
        tree.add("MMEMory:STORe:PREFerences", self._store_preferences)
        tree.add("MMEMory:LOAD:PREFerences", self._load_preferences)
        tree.add("MMEMory:STATe:VALid?", self._valid)
        tree.add("MMEMory:STATe:RECall:AUTO", self._set_recall_auto)
        tree.add("MMEMory:STATe:RECall:AUTO?",
                 answers(lambda: "1" if self.recall_auto else "0"))
        tree.add("MMEMory:STATe:RECall:SELect", self._set_recall_file)
        tree.add("MMEMory:STATe:RECall:SELect?",
                 answers(lambda: f'"{self.recall_file}"'))
        tree.add("MMEMory:DOWNload:FNAMe", self._set_download_name)
        tree.add("MMEMory:DOWNload:FNAMe?",
                 answers(lambda: f'"{self.download_file}"'))
        tree.add("MMEMory:DOWNload:DATA", self._download)
        tree.add("MMEMory:UPLoad?", lambda p: encode_block(self.files.read(self._path(p))))
        tree.add("MMEMory:STORe:DATA", self._store_data)
        tree.add("MMEMory:FORMat:READing:CSEParator", self._set_separator)
        tree.add("MMEMory:FORMat:READing:CSEParator?",
                 answers(lambda: _SEPARATOR_REPLY[self.separator]))
        tree.add("MMEMory:FORMat:READing:INFormation", self._flag_setter("information"))
        tree.add("MMEMory:FORMat:READing:INFormation?", self._flag_query("information"))
        tree.add("MMEMory:FORMat:READing:RLIMit", self._flag_setter("row_limit"))
        tree.add("MMEMory:FORMat:READing:RLIMit?", self._flag_query("row_limit"))

    # ----------------------------------------------------------------- helpers
    def _path(self, params: list[str], extension: str = "") -> str:
        path = self.files.resolve(one_param(params))
        name = path.rsplit("\\", 1)[-1]
        if extension and "." not in name:
            path += extension
        if extension and not path.upper().endswith(extension.upper()):
            raise CommandError(-257, f"File name error;{name} is not a {extension} file")
        return path

    def _pair(self, action: object) -> Handler:
        def handler(params: list[str]) -> None:
            if len(params) != 2:
                raise CommandError(-109 if len(params) < 2 else -108)
            action(self.files.resolve(params[0]), self.files.resolve(params[1]))  # type: ignore[operator]

        return handler

    def _flag_setter(self, name: str) -> Handler:
        def handler(params: list[str]) -> None:
            setattr(self, name, boolean(one_param(params)))

        return handler

    def _flag_query(self, name: str) -> Handler:
        return answers(lambda: "1" if getattr(self, name) else "0")

    # ---------------------------------------------------------------- folders
    def _catalog(self, params: list[str]) -> str:
        if len(params) > 1:
            raise CommandError(-108)
        folder = self.files.resolve(params[0]) if params else self.files.cwd
        drive = folder.split(":", 1)[0]
        used = self.files.used(drive)
        entries = [f'"{name},{kind},{size}"' for name, kind, size in self.files.listing(folder)]
        return ",".join([f"{used:+d}", f"{CAPACITY[drive] - used:+d}", *entries])

    def _current_folder(self, params: list[str]) -> str:
        no_params(params)
        cwd = self.files.cwd
        return f'"{cwd}\\"' if cwd.endswith(":") else f'"{cwd}"'

    # ----------------------------------------------------------- state files
    def _store_state(self, params: list[str]) -> None:
        path = self._path(params, ".sta")
        text = self.state.settings_text()
        self.files.write(path, self._header("STATE") + text.encode("ascii"))

    def _text_of(self, path: str, kind: str) -> str | None:
        data = self.files.read(path)
        head, _, body = data.partition(b"\n")
        if head + b"\n" != self._header(kind):
            return None
        return body.decode("ascii")

    def _load_state(self, params: list[str]) -> None:
        path = self._path(params, ".sta")
        text = self._text_of(path, "STATE")
        if text is None:
            raise CommandError(-257, f"File name error;{path} is not a {self.sim.MODEL.model} "
                                     "state file")
        self.sim.reset()
        self.state.restore(text)

    def _valid(self, params: list[str]) -> str:
        path = self.files.resolve(one_param(params))
        return "1" if self.files.is_file(path) and self._text_of(path, "STATE") else "0"

    def _store_preferences(self, params: list[str]) -> None:
        path = self._path(params, ".prf")
        text = self.state.settings_text(PREFERENCE_SETTINGS)
        self.files.write(path, self._header("PREFERENCES") + text.encode("ascii"))

    def _load_preferences(self, params: list[str]) -> None:
        path = self._path(params, ".prf")
        text = self._text_of(path, "PREFERENCES")
        if text is None:
            raise CommandError(-257, f"File name error;{path} is not a preferences file")
        self.state.restore(text)

    def _set_recall_auto(self, params: list[str]) -> None:
        self.recall_auto = boolean(one_param(params))

    def _set_recall_file(self, params: list[str]) -> None:
        path = self._path(params, ".sta")
        if not self.files.is_file(path):
            raise CommandError(-256, f"File name not found;{path}")
        self.recall_file = path

    # ----------------------------------------------------------- data files
    def _set_download_name(self, params: list[str]) -> None:
        self.download_file = self.files.resolve(one_param(params))

    def _download(self, params: list[str]) -> None:
        if not self.download_file:
            raise CommandError(-221, "Settings conflict;no MMEMory:DOWNload:FNAMe given")
        text = ",".join(params)  # a comma inside the block was split off as a parameter
        try:
            payload = block_payload(text.encode("latin-1"))
        except (BlockFormatError, UnicodeEncodeError) as exc:
            raise CommandError(-161, f"Invalid block data;{exc}") from None
        self.files.write(self.download_file, payload)

    def _set_separator(self, params: list[str]) -> None:
        self.separator = choice(one_param(params), ["COMMa", "SEMicolon", "TAB"])

    def _store_data(self, params: list[str]) -> None:
        if len(params) != 2:
            raise CommandError(-109 if len(params) < 2 else -108)
        if params[0].strip().upper() != "RDG_STORE":
            raise CommandError(-224)
        path = self.files.resolve(params[1])
        if "." not in path.rsplit("\\", 1)[-1]:
            path += ".csv"
        memory = self.sim.triggering.memory
        readings = [] if memory is None else memory.tolist()
        if self.row_limit and len(readings) > ROW_LIMIT:
            readings = readings[:ROW_LIMIT]
        separator = _SEPARATORS[self.separator]
        rows = [f"{n}{separator}{nr3(v)}" if self.information else nr3(v)
                for n, v in enumerate(readings, start=1)]
        self.files.write(path, ("\r\n".join(rows) + "\r\n").encode("ascii") if rows else b"")
