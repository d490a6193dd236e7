"""Tables in notebooks and terminals; `%load_ext kraken_sdk.display`.

A public import path; the code lives in `kraken_sdk.presentation.display`."""

from kraken_sdk.presentation.display import *  # noqa: F403
from kraken_sdk.presentation.display import __all__ as __all__
