"""`python -m syndicator` is the `syndicator` command."""

from syndicator.cli import main

if __name__ == "__main__":  # worker processes import this module without running the CLI
    main()
