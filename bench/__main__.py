"""Run every benchmark: `python -m bench`."""

from __future__ import annotations

import asyncio

from bench import ingest


def main() -> None:
    asyncio.run(ingest.main())


if __name__ == "__main__":
    main()
