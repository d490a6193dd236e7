"""Model generator: `python -m codegen` regenerates kraken_sdk/models from schemas/."""
