"""The simulated Truevolt meter's mass memory: an in-memory file system with the
internal flash (``INT:``) and a USB stick (``USB:``), as ``MMEMory`` addresses them.

Paths are Windows-like and case-insensitive (``"INT:\\States\\bench.sta"``); one
without a drive is taken from the current folder (``MMEMory:CDIRectory``). Failures
are the SCPI mass-storage errors: -256 (file or folder not found), -257 (bad name,
existing name, folder not empty), -250 (medium full), -252 (no USB stick plugged).
Nothing is written to the host's disk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from metrolab.instrument.simulation import CommandError

#: characters a Truevolt file or folder name may not hold (Operating Guide, MMEMory)
_BAD_NAME = re.compile(r'[*?"<>|:/]')
_DRIVES = ("INT", "USB")
#: capacity of each drive in bytes [U: the internal flash is reported as about 1 GB]
CAPACITY = {"INT": 1_000_000_000, "USB": 4_000_000_000}


def _missing(what: str) -> CommandError:
    return CommandError(-256, f"File name not found;{what}")


@dataclass
class MassMemory:
    """Folders and files of the meter's drives (keys are upper-case full paths)."""

    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    folders: dict[str, str] = field(default_factory=lambda: {f"{d}:": f"{d}:" for d in _DRIVES})
    cwd: str = "INT:"
    usb_present: bool = True

    # ------------------------------------------------------------- paths
    def resolve(self, text: str) -> str:
        """Return the full path (``DRIVE:\\a\\b``, the case as given) ``text`` names:
        a quoted string, relative to the current folder without a drive."""
        raw = text.strip()
        if len(raw) < 2 or raw[0] not in "\"'" or raw[-1] != raw[0]:
            raise CommandError(-104)  # a file name is a quoted string
        path = raw[1:-1].strip().replace("/", "\\")
        if not path:
            raise CommandError(-257, "File name error;empty name")
        drive, sep, rest = path.partition(":")
        if sep and drive.upper() in _DRIVES:
            parts = [drive.upper() + ":", *[p for p in rest.split("\\") if p]]
        elif sep:
            raise CommandError(-257, f"File name error;unknown drive {drive}")
        else:
            parts = [*self.cwd.split("\\"), *[p for p in path.split("\\") if p]]
        for part in parts[1:]:
            if _BAD_NAME.search(part) or part in (".", ".."):
                raise CommandError(-257, f"File name error;{part}")
        if parts[0] == "USB:" and not self.usb_present:
            raise CommandError(-252, "Missing media;no USB drive")
        return "\\".join(parts)

    @staticmethod
    def parent(path: str) -> str:
        """Return the folder holding ``path``."""
        return path.rsplit("\\", 1)[0] if "\\" in path else path

    def is_folder(self, path: str) -> bool:
        """Return True when ``path`` is an existing folder (a drive's root included)."""
        return path.upper() in self.folders

    def is_file(self, path: str) -> bool:
        """Return True when ``path`` is an existing file."""
        return path.upper() in self.files

    # ------------------------------------------------------------- files
    def read(self, path: str) -> bytes:
        """Return the bytes of file ``path``; -256 when there is none."""
        found = self.files.get(path.upper())
        if found is None:
            raise _missing(path)
        return found[1]

    def write(self, path: str, data: bytes) -> None:
        """Create or replace file ``path`` with ``data``; its folder must exist."""
        if not self.is_folder(self.parent(path)):
            raise _missing(self.parent(path))
        if self.is_folder(path):
            raise CommandError(-257, f"File name error;{path} is a folder")
        drive = path.split(":", 1)[0]
        old = len(self.files.get(path.upper(), ("", b""))[1])
        if self.used(drive) - old + len(data) > CAPACITY[drive]:
            raise CommandError(-250, "Mass storage error;drive full")
        self.files[path.upper()] = (path, bytes(data))

    def delete(self, path: str) -> None:
        """Remove file ``path``; -256 when there is none."""
        if self.files.pop(path.upper(), None) is None:
            raise _missing(path)

    def copy(self, source: str, target: str) -> None:
        """Copy file ``source`` to ``target`` (a folder keeps the file's name)."""
        data = self.read(source)
        if self.is_folder(target):
            target = f"{target}\\{source.rsplit(chr(92), 1)[-1]}"
        self.write(target, data)

    def move(self, source: str, target: str) -> None:
        """Move (rename) file ``source`` to ``target``."""
        self.copy(source, target)
        self.delete(source)

    # ----------------------------------------------------------- folders
    def make_folder(self, path: str) -> None:
        """Create folder ``path``; its parent must exist and the name be free."""
        if self.is_folder(path) or self.is_file(path):
            raise CommandError(-257, f"File name error;{path} exists")
        if not self.is_folder(self.parent(path)):
            raise _missing(self.parent(path))
        self.folders[path.upper()] = path

    def remove_folder(self, path: str) -> None:
        """Remove the empty folder ``path`` (not a drive's root)."""
        if not self.is_folder(path) or path.endswith(":"):
            raise _missing(path)
        prefix = path.upper() + "\\"
        if any(k.startswith(prefix) for k in (*self.files, *self.folders)):
            raise CommandError(-257, f"File name error;folder {path} not empty")
        del self.folders[path.upper()]
        if self.cwd.upper() == path.upper():
            self.cwd = self.parent(path)

    def change_folder(self, path: str) -> None:
        """Make ``path`` the current folder."""
        if not self.is_folder(path):
            raise _missing(path)
        self.cwd = self.folders[path.upper()]

    def listing(self, folder: str) -> list[tuple[str, str, int]]:
        """Return ``(name, kind, size)`` of each entry directly in ``folder``: kind is
        FOLD for a folder, STAT for a state file, PREF for a preferences file, ASC for a
        data file, "" otherwise."""
        if not self.is_folder(folder):
            raise _missing(folder)
        prefix = folder.upper() + "\\"
        entries: list[tuple[str, str, int]] = []
        for key, shown in sorted(self.folders.items()):
            if key.startswith(prefix) and "\\" not in key[len(prefix):]:
                entries.append((shown.rsplit("\\", 1)[-1], "FOLD", 0))
        for key, (shown, data) in sorted(self.files.items()):
            if key.startswith(prefix) and "\\" not in key[len(prefix):]:
                name = shown.rsplit("\\", 1)[-1]
                kind = {"STA": "STAT", "PRF": "PREF", "CSV": "ASC"}.get(
                    name.rsplit(".", 1)[-1].upper() if "." in name else "", "")
                entries.append((name, kind, len(data)))
        return entries

    def used(self, drive: str) -> int:
        """Return the bytes the files on ``drive`` (INT or USB) take."""
        prefix = f"{drive.upper()}:"
        return sum(len(data) for key, (_, data) in self.files.items() if key.startswith(prefix))

    def erase(self) -> None:
        """Remove every file and folder of the internal drive (sanitise)."""
        self.files = {k: v for k, v in self.files.items() if not k.startswith("INT:")}
        self.folders = {k: v for k, v in self.folders.items()
                        if not k.startswith("INT:") or k == "INT:"}
        if self.cwd.upper().startswith("INT:"):
            self.cwd = "INT:"
