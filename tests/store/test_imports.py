"""The store's import boundaries: no instruments, uncertainty or conformity; a light journal."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("metrolab.instrument", "metrolab.drivers", "metrolab.uncertainty",
             "metrolab.conformity", "metrolab.procedures", "metrolab.runner",
             "metrolab.certificates")


def _modules_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return set(done.stdout.split())


def test_the_store_imports_nothing_of_the_other_parts() -> None:
    loaded = _modules_after("import metrolab.store.approval, metrolab.store.cli, "
                            "metrolab.store.summary")
    assert "metrolab.store.sealing" in loaded
    assert sorted(m for m in loaded if m.startswith(FORBIDDEN)) == []


def test_a_journal_writer_does_not_load_hdf5() -> None:
    loaded = _modules_after("from metrolab.store import Journal")
    assert "metrolab.store.journal" in loaded
    assert "h5py" not in loaded and "numpy" not in loaded
