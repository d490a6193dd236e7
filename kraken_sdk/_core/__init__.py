"""The private core: transport, session, auth, nonce, rate limit, retry, errors, endpoints.

Imports nothing of kraken_sdk above it (import-linter checks); users reach it through the
public faces (`kraken_sdk.errors`, `kraken_sdk.auth`, ...) and `kraken_sdk` itself.
"""
