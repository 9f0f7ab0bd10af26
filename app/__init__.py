"""wenda's serving side: retrieval, the answer chain, and the CLI, HTTP API and web UI over it."""
