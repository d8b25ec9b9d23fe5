"""The reference endpoint agent: speaks docs/agent-protocol.md with the standard library only."""

__version__ = "1.0.0"
