"""Embedded data snapshot (parquet files, manifest.json, PROVENANCE.md)."""
