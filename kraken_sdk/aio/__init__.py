"""The asyncio side: AsyncKrakenClient, KrakenAdapter, fills, the async dead man's switch."""

from kraken_sdk.aio.client import AsyncDeadMansSwitch, AsyncKrakenClient, FillStream, KrakenAdapter

__all__ = ["AsyncDeadMansSwitch", "AsyncKrakenClient", "FillStream", "KrakenAdapter"]
