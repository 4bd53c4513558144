"""The data-contract validator, split by concern.

`problem` (what is reported and how it prints), `files` (opening a Parquet file and checking its
columns and types), `layout` (snapshot folders and objectifs.yaml), `checks` (the row rules as data)
and `engine` (the DuckDB session that runs them). `ingest.validate` ties them together.
"""
