"""The live view, headless: the PNG the plot writer produces holds the plotted points, the
page on 127.0.0.1 redraws from a file while it is written, the window loop draws the file."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import matplotlib.dates as mdates
import matplotlib.image as mpimg
import numpy as np
import pytest

from metrolab.daq.errors import DaqFileError
from metrolab.daq.layout import AxisInfo, ColumnInfo, FileLayout
from metrolab.daq.plot import Tail, figure_of, png_bytes, read_tail
from metrolab.daq.rows import RowBlock
from metrolab.daq.view import run_window, show
from metrolab.daq.web import serve_view
from metrolab.daq.writer import DaqWriter

BLUE = np.array([0x1F, 0x77, 0xB4]) / 255.0  # matplotlib's C0, the colour of every trace


def _pixels(png: bytes) -> np.ndarray:
    return mpimg.imread(io.BytesIO(png), format="png")[..., :3]


def _is_blue(image: np.ndarray, x: float, y: float, reach: int = 2) -> bool:
    """Return True when a pixel within ``reach`` of display point (x, y) is the trace colour."""
    row, col = round(image.shape[0] - y), round(x)
    patch = image[max(row - reach, 0):row + reach + 1, max(col - reach, 0):col + reach + 1]
    return bool((np.abs(patch - BLUE).max(axis=-1) < 0.08).any())


def test_the_png_shows_each_point_where_the_data_puts_it() -> None:
    setpoints = np.array([0.0, 2.0, 4.0, 6.0, 8.0])
    readings = np.array([0.1, 2.3, 3.8, 6.4, 7.7])
    tail = Tail("sweep", "running", 5, "cal", "V", setpoints, {"dmm": ("V", readings)},
                is_time=False)
    figure = figure_of(tail)
    image = _pixels(png_bytes(figure))
    axes = figure.axes[0]
    for x, y in zip(setpoints, readings, strict=True):
        assert _is_blue(image, *axes.transData.transform((x, y))), (x, y)
    for x, y in zip(setpoints, readings + 1.2, strict=True):  # where no point was drawn
        assert not _is_blue(image, *axes.transData.transform((x, y))), (x, y)
    assert axes.get_ylabel() == "dmm (V)"


def test_a_log_is_drawn_against_utc_time() -> None:
    times = 1.767225600e9 + np.arange(6) * 60.0
    values = np.array([20.0, 20.5, 21.0, 20.5, 20.0, 19.5])
    tail = Tail("log", "completed", 6, "time", "s", times,
                {"t": ("degC", values), "rh": ("percent", values * 2)}, is_time=True)
    figure = figure_of(tail)
    image = _pixels(png_bytes(figure))
    dates = mdates.date2num(times.astype("datetime64[s]"))
    for axes, scale in zip(figure.axes, (1, 2), strict=True):
        for x, y in zip(dates, values * scale, strict=True):
            assert _is_blue(image, *axes.transData.transform((x, y)))
    assert figure.axes[-1].get_xlabel() == "time (UTC)"


LAYOUT = FileLayout("LIVE-1", "log", "live test", 1.767225600e9, "live.daqjournal", 1,
                    (ColumnInfo("dmm", "V", "dmm", "DCV"),), (), {}, [])


def _rows(writer: DaqWriter, first: int, count: int) -> None:
    for step in range(first, first + count):
        writer.append(RowBlock(step, step, 1, 1.767225600e9 + step, 1.767225600e9 + step, {},
                               {"dmm": np.array([step * 0.5])}))
    writer.flush()


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as reply:
            return reply.status, reply.headers["Content-Type"], reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_the_page_redraws_from_a_file_being_written(tmp_path: Path) -> None:
    path = tmp_path / "live.h5"
    with serve_view(path) as server:
        assert server.url.startswith("http://127.0.0.1:")
        status, _, body = _get(server.url + "latest.json")
        assert status == 503 and b"cannot be read yet" in body  # the run has not begun
        writer = DaqWriter.create(path, LAYOUT)
        try:
            _rows(writer, 0, 3)
            first = json.loads(_get(server.url + "latest.json")[2])
            _rows(writer, 3, 4)
            second = json.loads(_get(server.url + "latest.json")[2])
            status, kind, png = _get(server.url + "plot.png")
        finally:
            writer.finish("completed", 1.767225700e9, "")
        page = _get(server.url)
        missing = _get(server.url + "nothing")
    assert (first["rows"], first["columns"]["dmm"]["value"]) == (3, 1.0)
    assert (second["rows"], second["columns"]["dmm"]["value"]) == (7, 3.0)
    assert second["status"] == "running" and second["columns"]["dmm"]["unit"] == "V"
    assert (status, kind) == (200, "image/png") and png.startswith(b"\x89PNG")
    assert page[0] == 200 and b"plot.png" in page[2]
    assert missing[0] == 404


def test_the_window_loop_draws_the_file(tmp_path: Path) -> None:
    import matplotlib.pyplot as pyplot

    path = tmp_path / "w.h5"
    writer = DaqWriter.create(path, LAYOUT)
    _rows(writer, 0, 5)
    writer.finish("completed", 1.767225700e9, "")
    before = set(pyplot.get_fignums())
    try:
        assert run_window(path, 0.001, 100, frames=2) == 2
        figure = pyplot.figure(max(set(pyplot.get_fignums()) - before))
        line = figure.axes[0].lines[0]
        np.testing.assert_allclose(line.get_ydata(), np.arange(5) * 0.5)
        assert "completed, 5 rows" in figure.texts[0].get_text() or \
            "completed, 5 rows" in figure._suptitle.get_text()  # type: ignore[union-attr]
    finally:
        for number in set(pyplot.get_fignums()) - before:
            pyplot.close(number)


def test_view_serves_the_page_without_a_display(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    path = tmp_path / "v.h5"
    writer = DaqWriter.create(path, LAYOUT)
    _rows(writer, 0, 2)
    writer.finish("completed", 1.767225700e9, "")
    said: list[str] = []
    fetched: list[Any] = []

    def visit() -> None:  # what a person does before pressing Ctrl-C
        url = said[0].split()[-4]
        fetched.append(json.loads(_get(url + "latest.json")[2]))

    show(path, web=False, port=0, every_s=1.0, last=100, echo=said.append, wait=visit)
    assert fetched[0]["rows"] == 2 and "127.0.0.1" in said[0]


def test_read_tail_refuses_what_is_not_an_acquisition_file(tmp_path: Path) -> None:
    (tmp_path / "x.h5").write_bytes(b"not hdf5")
    with pytest.raises(DaqFileError, match="cannot be read yet"):
        read_tail(tmp_path / "x.h5")
    sweep = FileLayout("S", "sweep", "s", 0.0, "s.daqjournal", 1,
                       (ColumnInfo("dmm", "V", "dmm", ""),),
                       (AxisInfo("cal", "V", "cal", "output", (1.0, 2.0), 0.0),), {}, [])
    writer = DaqWriter.create(tmp_path / "s.h5", sweep)
    writer.append(RowBlock(0, 0, 1, 0.0, 0.0, {"cal": 1.0}, {"dmm": np.array([1.1])}))
    writer.finish("completed", 1.0, "")
    tail = read_tail(tmp_path / "s.h5")
    assert (tail.x_name, tail.x.tolist(), tail.is_time) == ("cal", [1.0], False)
