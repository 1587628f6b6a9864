"""Reading articles from JSONL, CSV, Parquet or a folder of .txt files, and writing scan outputs."""

from dedup.io.readers import RecordError, read_inputs
from dedup.io.writers import write_jsonl

__all__ = ["RecordError", "read_inputs", "write_jsonl"]
