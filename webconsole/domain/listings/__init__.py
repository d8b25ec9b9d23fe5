"""Listings: every list of the console as a domain object, paged the same way by every door.

A Listing holds the scoped base query for an actor, its typed filters, its whitelisted sorts, its
keyset pages and its bounded count (engine); the filter types are in `filters`, and the console's
listings themselves are declared in `catalog`. The browser adds display columns and signed cursors
(web/lists.py); the console command line prints the rows as text.
"""
from webconsole.domain.listings.engine import (  # noqa: F401 (the package's interface)
    DIRECTIONS,
    SEARCH_MAX,
    Listing,
    ListParams,
    Page,
    PageKey,
    Sort,
    clean_search,
    end_read,
    listing,
)
from webconsole.domain.listings.filters import Choice, Day, Filter, Id, Number, Text  # noqa: F401
