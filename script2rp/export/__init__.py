"""Rows -> dataset files: parquet configs, the dataset card."""
