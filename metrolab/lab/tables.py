"""The catalogue's tables (SQLAlchemy Core): the same schema on SQLite and PostgreSQL.

``records`` holds one row per indexed record; ``standards_used``, ``points`` and
``signatures`` its standards, decided points and verified signatures; ``directories``
each records folder with the state of its audit log when it was last indexed (how much
of the log the catalogue has read, and the hash of that last entry), so later entries
(new seals, reviews, approvals, amendments) are picked up by reading only the rest.
``catalogue_info`` holds the schema version.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
)

#: bump when the tables change: an older catalogue is then rebuilt from the records
SCHEMA_VERSION = "1"

metadata = MetaData()

info = Table(
    "catalogue_info", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

directories = Table(
    "directories", metadata,
    Column("id", Integer, primary_key=True),
    Column("path", Text, nullable=False, unique=True),
    Column("log_entries", Integer, nullable=False, default=0),
    Column("log_head", String(64), nullable=False, default=""),
    Column("log_size", Integer, nullable=False, default=0),
    Column("log_mtime_ns", String(32), nullable=False, default=""),
    Column("indexed_at", DateTime(timezone=True), nullable=False),
)

records = Table(
    "records", metadata,
    Column("id", Integer, primary_key=True),
    Column("record_id", String(255), nullable=False, unique=True),
    Column("certificate_id", String(255), nullable=False),
    Column("directory_id", Integer, ForeignKey("directories.id"), nullable=False),
    Column("file", Text, nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("schema_version", String(16), nullable=False),
    Column("item_manufacturer", Text, nullable=False),
    Column("item_model", Text, nullable=False),
    Column("item_serial", Text, nullable=False),
    Column("item_asset", Text, nullable=False),
    Column("procedure", Text, nullable=False),
    Column("procedure_version", String(64), nullable=False),
    Column("customer", Text, nullable=False),
    Column("operator", Text, nullable=False),
    Column("started_at", DateTime(timezone=True)),
    Column("ended_at", DateTime(timezone=True)),
    Column("run_status", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("amends", String(255)),
    Column("superseded_by", String(255)),
    Column("indexed_at", DateTime(timezone=True), nullable=False),
    Index("ix_records_started", "started_at"),
    Index("ix_records_status", "status"),
    Index("ix_records_directory", "directory_id"),
)
# queries compare lower-cased text: index the lower-cased columns (SQLite and PostgreSQL)
Index("ix_records_serial", func.lower(records.c.item_serial))
Index("ix_records_asset", func.lower(records.c.item_asset))
Index("ix_records_model", func.lower(records.c.item_model))

standards_used = Table(
    "standards_used", metadata,
    Column("id", Integer, primary_key=True),
    Column("record", Integer, ForeignKey("records.id"), nullable=False),
    Column("register_id", String(255), nullable=False),
    Column("name", Text, nullable=False),
    Column("manufacturer", Text, nullable=False),
    Column("model", Text, nullable=False),
    Column("serial", Text, nullable=False),
    Column("certificate_id", Text, nullable=False),
    Column("calibration_date", Date),
    Column("due_date", Date),
    Index("ix_standards_record", "record"),
)
Index("ix_standards_register_id", func.lower(standards_used.c.register_id))
Index("ix_standards_serial", func.lower(standards_used.c.serial))
Index("ix_standards_certificate", func.lower(standards_used.c.certificate_id))

points = Table(
    "points", metadata,
    Column("id", Integer, primary_key=True),
    Column("record", Integer, ForeignKey("records.id"), nullable=False),
    Column("point_id", Text, nullable=False),
    Column("phase", String(32), nullable=False),
    Column("function", String(32), nullable=False),
    Column("nominal", Float),
    Column("unit", String(64), nullable=False),
    Column("value", Float),
    Column("expanded_u", Float),
    Column("statement", String(32), nullable=False),
    Column("specific_risk", Float),
    Index("ix_points_record", "record"),
)

signatures = Table(
    "signatures", metadata,
    Column("id", Integer, primary_key=True),
    Column("record", Integer, ForeignKey("records.id"), nullable=False),
    Column("action", String(32), nullable=False),
    Column("name", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("fingerprint", String(128), nullable=False),
    Column("time", String(64), nullable=False),
    Index("ix_signatures_record", "record"),
)

#: child tables of ``records``, deleted with their record
CHILDREN = (standards_used, points, signatures)
