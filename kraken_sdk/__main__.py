"""`python -m kraken_sdk ...` runs the `kraken-sdk` command."""

from kraken_sdk.cli.app import main

raise SystemExit(main())
