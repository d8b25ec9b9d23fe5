"""The ingest door's request body as a typed value (docs/data-connections.md)."""
from typing import Annotated

from pydantic import Strict

from webconsole.web.payloads import Payload


class IngestBatch(Payload):
    """{"events": [...]}: the envelope. Each event goes to the tuned parser every door shares (events.parse_event),
    which names every bad one at a fraction of a model's cost."""

    events: Annotated[list, Strict()]
