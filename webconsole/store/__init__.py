"""The storage engine's own tricks, below the domain: bulk loads, the text indexes, database housekeeping."""
