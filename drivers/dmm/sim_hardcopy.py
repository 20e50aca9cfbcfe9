"""Screen images of a simulated Truevolt meter: ``HCOPy:SDUMp:DATA?`` answers the front
panel as a PNG (``*RST``) or BMP file in a definite-length block, the format chosen by
``HCOPy:SDUMp:DATA:FORMat`` (Truevolt Operating and Service Guide, HCOPy subsystem).

The picture is the meter's 480 x 272 display drawn with Pillow: the function and range
on top, then the ``DISPlay:TEXT`` message when one is shown, else the latest reading
with its unit; a disabled display (``DISPlay OFF``) shows only that it is off. It is a
rendering of the simulator's state, not a copy of the real panel's layout.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont

from metrolab.instrument.blocks import encode_block
from metrolab.instrument.simulation import CommandTree, choice
from metrolab.instrument.simulation.parser import answers, nr3, one_param

if TYPE_CHECKING:
    from metrolab.drivers.dmm.simulator import DmmSimulator

#: the Truevolt display in pixels (4.3 inch WQVGA)
SCREEN = (480, 272)
_BACKGROUND = (16, 24, 32)
_FOREGROUND = (235, 235, 235)


class HardCopy:
    """The screen-dump commands of one meter."""

    def __init__(self, sim: DmmSimulator) -> None:
        self.sim = sim
        self.image_format = "PNG"

    def reset(self) -> None:
        """``*RST``: PNG images."""
        self.image_format = "PNG"

    def register(self, tree: CommandTree) -> None:
        """Declare ``HCOPy:SDUMp:DATA?`` and its format."""
        tree.add("HCOPy:SDUMp:DATA:FORMat", self._set_format)
        tree.add("HCOPy:SDUMp:DATA:FORMat?", answers(lambda: self.image_format))
        tree.add("HCOPy:SDUMp:DATA?", answers(lambda: encode_block(self.image())))

    def _set_format(self, params: list[str]) -> None:
        self.image_format = choice(one_param(params), ["PNG", "BMP"])

    def lines(self) -> list[str]:
        """Return the lines the screen shows now."""
        sim = self.sim
        system = sim.system
        if not system.display_on:
            return ["Display disabled"]
        mode = sim.mode
        settings = sim.settings.current
        head = f"{mode.value}  {'AUTO' if settings.autorange else nr3(settings.range)}"
        if system.text:
            return [head, system.text]
        last = sim.triggering.last
        reading = "----------" if last is None else f"{nr3(last[0])} {last[1].last_unit}"
        return [head, reading]

    def image(self) -> bytes:
        """Return the screen as an image file in the selected format (PNG or BMP)."""
        picture = Image.new("RGB", SCREEN, _BACKGROUND)
        draw = ImageDraw.Draw(picture)
        sizes = (22, 40)
        y = 20
        for index, line in enumerate(self.lines()):
            font = ImageFont.load_default(size=sizes[min(index, 1)])
            draw.text((16, y), line, fill=_FOREGROUND, font=font)
            y += sizes[min(index, 1)] + 30
        out = io.BytesIO()
        picture.save(out, format=self.image_format)
        return out.getvalue()
