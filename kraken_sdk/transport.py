"""How requests travel: the Transport protocol and its implementations (see _core/transport)."""

from kraken_sdk._core.transport import (
    MockTransport,
    Request,
    RequestsTransport,
    Response,
    Transport,
    Urllib3Transport,
)

__all__ = [
    "MockTransport",
    "Request",
    "RequestsTransport",
    "Response",
    "Transport",
    "Urllib3Transport",
]
