"""Metrics read where they live: raw tables and SQL sources on DuckDB, PostgreSQL or any warehouse.

settings (the YAML pieces: connections, tables, measures), connect (opening a connection, one-line
errors with the password removed), tables (the generated per-table queries), queries (`query`
sources), load (what a deck reads from them, merged with the CSV sources).
"""
