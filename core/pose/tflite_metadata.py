"""Attach MediaPipe input-normalisation metadata to a TFLite model, without TensorFlow.

MediaPipe's Tasks API reads how to scale image pixels from the model's "TFLITE_METADATA"
buffer; the pose models inside the mediapipe wheels predate the Tasks API and (for the
landmark model) lack it. The metadata itself is built with the schema mediapipe ships. To embed
it, the model's flatbuffer gets a new root ``Model`` table in front of the original bytes that
reuses every original object and adds one buffer and one metadata entry. Flatbuffer offsets
from a table to its children only point forward, so a prefix can refer to the old bytes while
the old bytes stay untouched.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import flatbuffers
from mediapipe.tasks.metadata import metadata_schema_py_generated as schema

METADATA_NAME = b"TFLITE_METADATA"
_METADATA_IDENTIFIER = b"M001"
_TFLITE_IDENTIFIER = b"TFL3"
# Field indices of tflite's schema.fbs tables that the surgery touches.
_MODEL_BUFFERS = 4
_MODEL_METADATA = 6
_MODEL_KNOWN_FIELDS = 8  # version .. signature_defs; all of them are 4 bytes wide
_METADATA_NAME_FIELD = 0
_BUFFER_ALIGN = 16  # tflite's Buffer.data has force_align: 16


class TfliteFormatError(ValueError):
    """Bytes that are not a TFLite model this module can extend."""


@dataclass(frozen=True)
class ImageInput:
    """How the model expects pixels: ``(pixel - mean) / std`` and the resulting value range."""

    name: str
    description: str
    mean: float
    std: float

    @property
    def value_range(self) -> tuple[float, float]:
        return (0.0 - self.mean) / self.std, (255.0 - self.mean) / self.std


def build_metadata(model_name: str, image: ImageInput, output_names: list[str]) -> bytes:
    """A ModelMetadata flatbuffer describing one RGB image input and the named outputs."""
    normalization = schema.NormalizationOptionsT()
    normalization.mean = [image.mean]
    normalization.std = [image.std]
    unit = schema.ProcessUnitT()
    unit.optionsType = schema.ProcessUnitOptions.NormalizationOptions
    unit.options = normalization

    properties = schema.ImagePropertiesT()
    properties.colorSpace = schema.ColorSpaceType.RGB
    content = schema.ContentT()
    content.contentPropertiesType = schema.ContentProperties.ImageProperties
    content.contentProperties = properties

    stats = schema.StatsT()
    stats.min, stats.max = ([value] for value in image.value_range)

    tensor = schema.TensorMetadataT()
    tensor.name = image.name
    tensor.description = image.description
    tensor.content = content
    tensor.processUnits = [unit]
    tensor.stats = stats

    outputs = []
    for name in output_names:
        output = schema.TensorMetadataT()
        output.name = name
        outputs.append(output)

    subgraph = schema.SubGraphMetadataT()
    subgraph.inputTensorMetadata = [tensor]
    subgraph.outputTensorMetadata = outputs
    metadata = schema.ModelMetadataT()
    metadata.name = model_name
    metadata.minParserVersion = "1.0.0"
    metadata.subgraphMetadata = [subgraph]

    builder = flatbuffers.Builder(1024)
    builder.Finish(metadata.Pack(builder), _METADATA_IDENTIFIER)
    return bytes(builder.Output())


def read_metadata(model: bytes) -> schema.ModelMetadataT | None:
    """The model's TFLITE_METADATA, unpacked, or None when it has none."""
    reader = _Reader(model)
    for entry in reader.vector(reader.root, _MODEL_METADATA):
        if reader.string(entry, _METADATA_NAME_FIELD) == METADATA_NAME:
            index = reader.scalar(entry, 1)
            buffer = reader.vector(reader.root, _MODEL_BUFFERS)[index]
            data_pos = reader.field_target(buffer, 0)
            length = reader.u32(data_pos)
            raw = bytes(model[data_pos + 4 : data_pos + 4 + length])
            return schema.ModelMetadataT.InitFromObj(schema.ModelMetadata.GetRootAs(raw, 0))
    return None


class _Reader:
    """Just enough flatbuffer reading to walk tflite's Model, Buffer and Metadata tables."""

    def __init__(self, data: bytes) -> None:
        if len(data) < 8 or data[4:8] != _TFLITE_IDENTIFIER:
            raise TfliteFormatError("not a TFLite model (missing the TFL3 identifier)")
        self.data = data
        self.root = self.u32(0)

    def u32(self, pos: int) -> int:
        return struct.unpack_from("<I", self.data, pos)[0]

    def vtable(self, table: int) -> list[int]:
        start = table - struct.unpack_from("<i", self.data, table)[0]
        size = struct.unpack_from("<H", self.data, start)[0]
        return list(struct.unpack_from(f"<{(size - 4) // 2}H", self.data, start + 4))

    def field_pos(self, table: int, index: int) -> int | None:
        fields = self.vtable(table)
        if index >= len(fields) or fields[index] == 0:
            return None
        return table + fields[index]

    def field_target(self, table: int, index: int) -> int:
        pos = self.field_pos(table, index)
        if pos is None:
            raise TfliteFormatError(f"table at {table} lacks field {index}")
        return pos + self.u32(pos)

    def scalar(self, table: int, index: int) -> int:
        pos = self.field_pos(table, index)
        return 0 if pos is None else self.u32(pos)

    def vector(self, table: int, index: int) -> list[int]:
        """Absolute positions of the tables a vector-of-tables field refers to."""
        if self.field_pos(table, index) is None:
            return []
        start = self.field_target(table, index)
        return [start + 4 + 4 * i + self.u32(start + 4 + 4 * i) for i in range(self.u32(start))]

    def string(self, table: int, index: int) -> bytes:
        if self.field_pos(table, index) is None:
            return b""
        start = self.field_target(table, index)
        return bytes(self.data[start + 4 : start + 4 + self.u32(start)])


class _Prefix:
    """The bytes placed in front of the original model, laid out front to back."""

    def __init__(self) -> None:
        self.data = bytearray()

    def alloc(self, size: int, align: int = 4, align_after: int = 0) -> int:
        """Reserve ``size`` bytes so that ``pos + align_after`` is a multiple of ``align``."""
        while (len(self.data) + align_after) % align:
            self.data.append(0)
        pos = len(self.data)
        self.data.extend(bytes(size))
        return pos

    def put(self, fmt: str, pos: int, *values: int) -> None:
        struct.pack_into(fmt, self.data, pos, *values)

    def table(self, present: list[int]) -> tuple[int, list[int | None]]:
        """A vtable and its table of 4-byte fields; returns the table and its field positions."""
        count = len(present)
        vtable = self.alloc(4 + 2 * count, align=2)
        table = self.alloc(4 + 4 * count)
        self.put("<HH", vtable, 4 + 2 * count, 4 + 4 * count)
        offsets = [4 + 4 * i if flag else 0 for i, flag in enumerate(present)]
        self.put(f"<{count}H", vtable + 4, *offsets)
        self.put("<i", table, table - vtable)
        return table, [table + offset if offset else None for offset in offsets]

    def offset_vector(self, count: int) -> tuple[int, list[int]]:
        start = self.alloc(4 + 4 * count)
        self.put("<I", start, count)
        return start, [start + 4 + 4 * i for i in range(count)]

    def link(self, pos: int, target: int) -> None:
        if target <= pos:
            raise AssertionError("flatbuffer offsets must point forward")
        self.put("<I", pos, target - pos)


def with_metadata(model: bytes, metadata: bytes) -> bytes:
    """The model with ``metadata`` as its TFLITE_METADATA (any previous one is dropped)."""
    reader = _Reader(model)
    fields = reader.vtable(reader.root)
    if any(fields[_MODEL_KNOWN_FIELDS:]):
        raise TfliteFormatError("the model uses Model fields newer than this writer knows")
    fields = (fields + [0] * _MODEL_KNOWN_FIELDS)[:_MODEL_KNOWN_FIELDS]
    fields[_MODEL_BUFFERS] = fields[_MODEL_METADATA] = 1
    old_buffers = reader.vector(reader.root, _MODEL_BUFFERS)
    old_entries = [
        entry
        for entry in reader.vector(reader.root, _MODEL_METADATA)
        if reader.string(entry, _METADATA_NAME_FIELD) != METADATA_NAME
    ]

    prefix = _Prefix()
    root = prefix.alloc(8)
    model_table, model_fields = prefix.table(fields)
    buffers, buffer_slots = prefix.offset_vector(len(old_buffers) + 1)
    entries, entry_slots = prefix.offset_vector(len(old_entries) + 1)
    buffer_table, (data_field,) = prefix.table([1])
    entry_table, (name_field, index_field) = prefix.table([1, 1])
    name = prefix.alloc(4 + len(METADATA_NAME) + 1)
    prefix.put("<I", name, len(METADATA_NAME))
    prefix.data[name + 4 : name + 4 + len(METADATA_NAME)] = METADATA_NAME
    data = prefix.alloc(4 + len(metadata), align=_BUFFER_ALIGN, align_after=4)
    prefix.put("<I", data, len(metadata))
    prefix.data[data + 4 :] = metadata
    prefix.alloc(0, align=_BUFFER_ALIGN)  # keeps the original bytes' alignment
    shift = len(prefix.data)

    prefix.link(root, model_table)
    prefix.data[4:8] = _TFLITE_IDENTIFIER
    for index, pos in enumerate(model_fields):
        old_pos = reader.field_pos(reader.root, index)
        if pos is None:
            continue
        if index == _MODEL_BUFFERS:
            prefix.link(pos, buffers)
        elif index == _MODEL_METADATA:
            prefix.link(pos, entries)
        elif index == 0:  # version, a plain uint32
            prefix.put("<I", pos, reader.u32(old_pos))
        else:
            prefix.link(pos, shift + old_pos + reader.u32(old_pos))
    for slot, old in zip(buffer_slots, old_buffers):
        prefix.link(slot, shift + old)
    prefix.link(buffer_slots[-1], buffer_table)
    for slot, old in zip(entry_slots, old_entries):
        prefix.link(slot, shift + old)
    prefix.link(entry_slots[-1], entry_table)
    prefix.link(data_field, data)
    prefix.link(name_field, name)
    prefix.put("<I", index_field, len(old_buffers))
    return bytes(prefix.data) + bytes(model)
