"""The offline demo: a bundled Arabic sample news site and a config that points at it."""
