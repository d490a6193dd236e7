"""The asyncio side: AsyncKrakenClient, KrakenAdapter, fills, the async dead man's switch."""

from kraken_sdk.aio.adapter import KrakenAdapter
from kraken_sdk.aio.client import AsyncKrakenClient
from kraken_sdk.aio.deadman import AsyncDeadMansSwitch
from kraken_sdk.aio.fills import FillStream

__all__ = ["AsyncDeadMansSwitch", "AsyncKrakenClient", "FillStream", "KrakenAdapter"]
