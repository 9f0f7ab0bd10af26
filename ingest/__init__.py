"""wenda's ingest side: load files, clean them, split them into chunks, embed them, write the index.

The serving side (`app`) only reads what this package writes; `ingest.pipeline.ingest_paths` is the
one entry point that changes the index.
"""
