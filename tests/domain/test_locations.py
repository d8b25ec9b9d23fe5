"""A device's place from its address: every outcome, names in the console's languages, hostile addresses."""
import hashlib
import logging
import pathlib
import re

import pytest

from webconsole.domain import locations
from webconsole.domain.locations import NO_ADDRESS, NO_DATABASE, UNKNOWN, UNREADABLE, locate

GEOIP = pathlib.Path("tests/data/geoip")
TEST_DATABASE = str(GEOIP / "GeoLite2-City-Test.mmdb")


@pytest.fixture
def placed(app):
    """An app context with the test database configured."""
    app.config["GEOIP_DATABASE"] = TEST_DATABASE
    with app.app_context():
        yield


def test_the_test_database_is_the_recorded_file():
    recorded = dict(re.findall(r"\| `([^`]+)` \|[^\n]*\| `([0-9a-f]{64})` \|", (GEOIP / "README.md").read_text()))
    assert set(recorded) == {"GeoLite2-City-Test.mmdb"}
    digest = hashlib.sha256((GEOIP / "GeoLite2-City-Test.mmdb").read_bytes()).hexdigest()
    assert digest == recorded["GeoLite2-City-Test.mmdb"]


@pytest.mark.parametrize("address, place", [
    ("81.2.69.142", "London, England, United Kingdom"),
    ("89.160.20.112", "Linköping, Östergötland County, Sweden"),
    ("2.125.160.216", "Boxford, England, United Kingdom"),
    ("216.160.83.56", "Milton, Washington, United States"),
    ("175.16.199.0", "Changchun, Jilin Sheng, China"),
    ("67.43.156.0", "Bhutan"),
    ("2001:480::1", "San Diego, California, United States"),
    # The same address as an agent behind a dual-stack socket reports it, and with stray spaces.
    ("::ffff:81.2.69.142", "London, England, United Kingdom"),
    (" 81.2.69.142 ", "London, England, United Kingdom"),
])
def test_an_address_in_the_database_has_its_place(placed, address, place):
    assert locate(address) == locations.Location(address, place=place)


@pytest.mark.parametrize("locale, place", [
    # Germany: the city and country in German, the region in English (the database has no German name).
    ("de", "London, England, Vereinigtes Königreich"),
    ("ja", "ロンドン, England, イギリス"),
    ("fr", "Londres, Angleterre, Royaume-Uni"),
    ("es_419", "Londres, Inglaterra, Reino Unido"),
    ("pt_BR", "Londres, Inglaterra, Reino Unido"),
    ("zh_Hans_CN", "London, England, 英国"),
    # Traditional Chinese readers get English, not the database's Simplified names.
    ("zh_Hant_TW", "London, England, United Kingdom"),
    # A language the database does not name places in: English.
    ("sv", "London, England, United Kingdom"),
    ("en_GB", "London, England, United Kingdom"),
])
def test_names_are_in_the_consoles_language_where_the_database_has_it(placed, locale, place):
    assert locate("81.2.69.142", locale).place == place


def test_a_babel_locale_chooses_the_language_as_its_name_does(placed):
    from babel import Locale
    assert locate("89.160.20.112", Locale.parse("de")).place == "Linköping, Östergötland County, Schweden"
    assert locate("89.160.20.112", Locale.parse("zh_Hans_CN")).place == "林雪平, Östergötland County, 瑞典"


@pytest.mark.parametrize("address", [
    "1.1.1.1",  # public, but not in the test database
    "10.1.2.3", "192.168.0.9", "172.16.5.5",  # private
    "127.0.0.1", "::1",  # loopback
    "203.0.113.7", "198.51.100.1", "192.0.2.44", "2001:db8::1",  # documentation
    "169.254.1.1", "fe80::1%eth0",  # link-local
    "0.0.0.0", "::", "255.255.255.255", "224.0.0.1", "100.64.0.1",  # unspecified, broadcast, multicast, shared
    "::ffff:10.0.0.1",  # a private address mapped into IPv6
])
def test_an_address_without_a_place_says_so(placed, address):
    assert locate(address) == locations.Location(address, missing=UNKNOWN)


@pytest.mark.parametrize("address", [
    "<script>alert(1)</script>", "999.1.1.1", "1" * 25, "\x00", "81.2.69.142\x00", "81.2.69.142/24",
    "81.2.69.142:443", "[::1]", "1.2.3.4%eth0", "x" * 100_000, "١٢٣.١.١.١", "\u202e81.2.69.142",
])
def test_hostile_addresses_are_no_place_and_never_an_error(placed, address):
    location = locate(address)
    assert location.place == "" and location.missing == UNKNOWN and location.address == address


@pytest.mark.parametrize("address", ["", "   ", None])
def test_a_device_that_has_not_connected_has_no_address_yet(placed, address):
    assert locate(address).missing == NO_ADDRESS


def test_without_a_database_no_place_is_looked_up(app):
    with app.app_context():
        assert app.config["GEOIP_DATABASE"] == ""
        assert locate("81.2.69.142") == locations.Location("81.2.69.142", missing=NO_DATABASE)
        assert locate("<script>").missing == NO_DATABASE
        assert locate("").missing == NO_ADDRESS
        assert locations.database_missing() == NO_DATABASE


def written(name, data):
    """A path maker: the file `name` in a test's folder, holding `data`."""
    def make(folder):
        (folder / name).write_bytes(data)
        return folder / name
    return make


@pytest.mark.parametrize("make_path", [
    lambda folder: folder / "missing.mmdb",
    lambda folder: folder,
    written("not-a-database.mmdb", b"<html>not a database</html>"),
    written("truncated.mmdb", pathlib.Path(TEST_DATABASE).read_bytes()[:4000]),
    lambda folder: f"{folder}/nul\x00.mmdb",
], ids=["missing", "a-folder", "not-a-database", "truncated", "nul-in-path"])
def test_a_database_that_cannot_be_read_is_logged_once_and_said(app, tmp_path, caplog, make_path):
    app.config["GEOIP_DATABASE"] = str(make_path(tmp_path))
    with app.app_context(), caplog.at_level(logging.WARNING, logger="webconsole.store.geoip"):
        assert locate("81.2.69.142") == locations.Location("81.2.69.142", missing=UNREADABLE)
        assert locate("89.160.20.112").missing == UNREADABLE
        assert locations.database_missing() == UNREADABLE
    warnings = [r for r in caplog.records if r.name == "webconsole.store.geoip"]
    assert len(warnings) == 1 and "cannot be read" in warnings[0].getMessage()


def test_the_database_is_opened_once_and_shared_by_threads(placed):
    from concurrent.futures import ThreadPoolExecutor

    from flask import current_app

    from webconsole.store import geoip
    app = current_app._get_current_object()

    def look(address):
        with app.app_context():
            return locate(address).place, id(geoip.reader(TEST_DATABASE))

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(look, ["81.2.69.142", "89.160.20.112"] * 50))
    assert {place for place, _ in results} == {
        "London, England, United Kingdom", "Linköping, Östergötland County, Sweden"}
    assert len({reader for _, reader in results}) == 1


@pytest.mark.parametrize("record, place", [
    ({"city": {"names": {"en": "Berlin"}}, "subdivisions": [{"names": {"en": "Berlin"}}],
      "country": {"names": {"en": "Germany"}}}, "Berlin, Germany"),
    ({"continent": {"names": {"en": "Europe"}}}, "Europe"),
    ({"city": {"names": "London"}, "subdivisions": "England", "country": {"names": {"xx": "Nowhere"}}}, ""),
    ({"city": None, "country": {"names": {"en": 5}}}, ""),
    ([], ""),
    (None, ""),
])
def test_odd_records_from_another_database_make_the_place_they_can(record, place):
    assert locations._place(record, "en") == place


def test_the_database_is_named_by_an_environment_variable():
    from webconsole.config import from_environment
    path = "/var/lib/GeoIP/GeoLite2-City.mmdb"
    assert from_environment({"WEBCONSOLE_GEOIP_DATABASE": path}) == {"GEOIP_DATABASE": path}
