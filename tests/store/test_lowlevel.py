"""The low-level object maker makes exactly what h5py's high-level calls make."""

from __future__ import annotations

import io
from typing import Any

import h5py
import numpy as np
import pytest

from metrolab.store.lowlevel import STRING, ObjectMaker, as_array

TABLE = np.array([(b"p1", 1.5, True)], dtype=[("id", h5py.string_dtype("utf-8", 2)),
                                              ("v", "<f8"), ("m", "?")])
VALUES: list[Any] = ["text", "ünïcode", np.float64(1.25), np.int64(-3), np.bool_(True),
                     np.array(["a", "bb"], dtype=STRING), np.arange(5, dtype="<i4"),
                     np.linspace(0, 1, 4), TABLE]


def _describe(handle: h5py.File) -> list[Any]:
    """Return every property of every object a reader could see, in iteration order."""
    seen: list[Any] = []

    def attrs(obj: h5py.HLObject) -> list[Any]:
        out = []
        for name in obj.attrs:
            attr = obj.attrs.get_id(name)
            kind = attr.get_type()
            out.append((name, repr(obj.attrs[name]), str(attr.dtype), kind.get_class(),
                        kind.get_cset() if isinstance(kind, h5py.h5t.TypeStringID) else None,
                        attr.get_space().get_simple_extent_dims()))
        return out

    def visit(name: str, obj: h5py.HLObject) -> None:
        plist = obj.id.get_create_plist()
        if isinstance(obj, h5py.Dataset):
            kind = obj.id.get_type()
            seen.append((name, str(obj.dtype), obj.shape, obj.maxshape, obj.chunks,
                         obj.compression, obj.compression_opts, obj.shuffle,
                         plist.get_layout(), plist.get_obj_track_times(),
                         plist.get_attr_creation_order(), kind.get_class(),
                         repr(obj[()]), attrs(obj)))
        else:
            seen.append((name, plist.get_link_creation_order(),
                         plist.get_attr_creation_order(), plist.get_obj_track_times(),
                         attrs(obj)))

    seen.append(attrs(handle))
    handle.visititems(visit)
    return seen


def _high_level(handle: h5py.File) -> None:
    group = handle.create_group("entry", track_order=True)
    for number, value in enumerate(VALUES):
        group.attrs[f"a{number}"] = value
        options = {"dtype": STRING} if isinstance(value, str) else {}
        if isinstance(value, np.ndarray) and value.ndim == 1:
            options = {"chunks": (value.size,), "compression": "gzip",
                       "compression_opts": 1, "shuffle": True}
        dataset = group.create_dataset(f"d{number}", data=value, **options)
        dataset.attrs["units"] = "V"
    handle.create_group("entry/ünï", track_order=True).attrs["NX_class"] = "NXnote"


def _low_level(handle: h5py.File) -> None:
    make = ObjectMaker()
    group = make.group(handle["/"].id, "entry")
    for number, value in enumerate(VALUES):
        data = as_array(value)
        assert data is not None
        make.attribute(group, f"a{number}", data)
        chunk = value.size if isinstance(value, np.ndarray) and value.ndim == 1 else None
        dataset = make.dataset(group, f"d{number}", data, chunk=chunk, level=1)
        make.attribute(dataset, "units", as_array("V"))  # type: ignore[arg-type]
    make.attribute(make.group(group, "ünï"), "NX_class", as_array("NXnote"))  # type: ignore[arg-type]


def test_low_level_objects_are_the_high_level_ones() -> None:
    files = []
    for fill in (_high_level, _low_level):
        image = io.BytesIO()
        with h5py.File(image, "w", track_order=True) as handle:
            fill(handle)
        with h5py.File(image, "r") as handle:
            files.append(_describe(handle))
    assert len(files[0]) == len(VALUES) + 3
    assert files[0] == files[1]


@pytest.mark.parametrize("value", [[1, "a"], np.arange(4.0)[::2], ["a", "b"]])
def test_values_without_a_known_form_are_left_to_h5py(value: Any) -> None:
    assert as_array(value) is None


def test_a_compressed_field_over_several_chunks_reads_back_and_hashes_as_written() -> None:
    from metrolab.store.integrity import manifest
    from metrolab.store.writer import COLUMN_CHUNK, RecordWriter

    rows = COLUMN_CHUNK + 1234
    table = np.zeros(rows, dtype=[("id", h5py.string_dtype("utf-8", 3)), ("v", "<f8")])
    table["id"], table["v"] = b"p1", np.arange(rows) * 0.5
    image = io.BytesIO()
    with h5py.File(image, "w", track_order=True) as handle:
        writer = RecordWriter(handle)
        writer.group("/entry", "NXentry")
        writer.field("/entry/table", table, {"v_units": "V"}, compress=True)
        written = writer.manifest()
    with h5py.File(image, "r") as handle:
        stored = handle["entry/table"]
        assert (stored.chunks, stored.compression, stored.shuffle) == ((COLUMN_CHUNK,), "gzip",
                                                                        True)
        np.testing.assert_array_equal(stored[()], table)
        assert manifest(handle, ()) == written


def test_a_column_appended_across_chunks_reads_back_and_hashes_as_written() -> None:
    from metrolab.store.integrity import manifest
    from metrolab.store.writer import COLUMN_CHUNK, RecordWriter

    rng = np.random.default_rng(7)
    pieces = [rng.normal(size=n) for n in (10, COLUMN_CHUNK - 3, 5, 2 * COLUMN_CHUNK + 1, 0, 9)]
    image = io.BytesIO()
    with h5py.File(image, "w", track_order=True) as handle:
        writer = RecordWriter(handle)
        writer.group("/entry", "NXentry")
        values = writer.column("/entry/value", "f8", {"units": "V"})
        points = writer.column("/entry/point", "i4")
        for number, piece in enumerate(pieces):
            values.append(piece)
            points.repeat(number, piece.size)
        written = writer.manifest()
    with h5py.File(image, "r") as handle:
        np.testing.assert_array_equal(handle["entry/value"][()], np.concatenate(pieces))
        np.testing.assert_array_equal(handle["entry/point"][()], np.repeat(
            np.arange(len(pieces)), [p.size for p in pieces]))
        assert handle["entry/value"].chunks == (COLUMN_CHUNK,)
        assert manifest(handle, ()) == written
