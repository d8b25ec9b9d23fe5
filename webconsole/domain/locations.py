"""Where a device is: the place of the address it last connected from, in a local GeoIP database.

A device's `remote_address` is what its agent's connections came from (webconsole.domain.agents).
With a GeoLite2-City or GeoIP2-City database configured (GEOIP_DATABASE) it is placed as
"City, Region, Country", named in the console's language where the database has that language
(GeoLite2 names places in de, en, es, fr, ja, pt-BR, ru and zh-CN), else in English. Without a
place, the result says why, so a page can say which is missing: no address yet, no database
configured, a database that cannot be read, or no place known for this address.

The address comes from agents and may be anything: it is parsed here, never trusted to be an address.
"""
import ipaddress
from dataclasses import dataclass

import maxminddb
from flask import current_app

from webconsole.store import geoip

NO_ADDRESS = "no_address"  # the device has not connected yet
NO_DATABASE = "no_database"  # GEOIP_DATABASE is not set
UNREADABLE = "unreadable"  # it is set, but the file cannot be opened or read
UNKNOWN = "unknown"  # not a public address (private, loopback, documentation...), or not in the database

# A console locale (by language and script, then by language) -> the language of the database's names.
# Traditional Chinese readers get English rather than the Simplified names GeoLite2 has.
NAME_LANGUAGES = {
    "de": "de", "en": "en", "es": "es", "fr": "fr", "ja": "ja", "pt": "pt-BR", "ru": "ru", "zh_Hans": "zh-CN",
}
FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True)
class Location:
    """An address, and its place or why there is none (`missing`, one of the constants above)."""

    address: str
    place: str = ""
    missing: str = ""


def locate(address, locale=FALLBACK_LANGUAGE):
    """The place of `address`, named in `locale`'s language where the database has it, or why there is none."""
    address = address if isinstance(address, str) else ""
    if not address.strip():
        return Location(address, missing=NO_ADDRESS)
    reader, missing = _reader()
    if missing:
        return Location(address, missing=missing)
    ip = _public_address(address)
    if ip is None:
        return Location(address, missing=UNKNOWN)
    try:
        record = reader.get(ip)
    except maxminddb.InvalidDatabaseError:
        # A damaged record: the file is not what it should be, which is what an administrator must hear.
        return Location(address, missing=UNREADABLE)
    place = _place(record, name_language(locale))
    return Location(address, place=place, missing="" if place else UNKNOWN)


def database_missing():
    """Why no address can be placed at all: NO_DATABASE, UNREADABLE, or "" when the database is open."""
    return _reader()[1]


def name_language(locale):
    """The database's language for names in a console locale ("de", "pt_BR", "zh_Hans_CN"), else English."""
    parts = str(locale).replace("-", "_").split("_")
    return NAME_LANGUAGES.get("_".join(parts[:2])) or NAME_LANGUAGES.get(parts[0]) or FALLBACK_LANGUAGE


def _reader():
    path = current_app.config.get("GEOIP_DATABASE")
    if not path:
        return None, NO_DATABASE
    reader = geoip.reader(path)
    return reader, "" if reader is not None else UNREADABLE


def _public_address(text):
    try:
        ip = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    # Private, loopback, link-local, documentation and reserved ranges are no place's; multicast is no host's.
    return ip if ip.is_global and not ip.is_multicast else None


def _place(record, language):
    if not isinstance(record, dict):
        return ""
    subdivisions = record.get("subdivisions")
    # The first subdivision is the largest (England before West Berkshire, a state before its county).
    region = subdivisions[0] if isinstance(subdivisions, list) and subdivisions else None
    # A network known only by its continent still says more than nothing.
    wider = record.get("country") or record.get("continent")
    names = []
    for part in (record.get("city"), region, wider):
        name = _name(part, language)
        if name and name not in names:  # "Berlin, Germany", not "Berlin, Berlin, Germany"
            names.append(name)
    return ", ".join(names)


def _name(part, language):
    names = part.get("names") if isinstance(part, dict) else None
    if not isinstance(names, dict):
        return ""
    name = names.get(language) or names.get(FALLBACK_LANGUAGE)
    return name.strip() if isinstance(name, str) else ""
