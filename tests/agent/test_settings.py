"""Settings: pushed values apply, the user's change to an unlocked setting is kept, a locked one wins."""
import json

import pytest

from tests.agent.conftest import server_settings
from webconsole_agent import settings
from webconsole_agent.__main__ import main
from webconsole_agent.state import State


def test_locked_wins_unlocked_override_kept_pushed_values_apply():
    server = server_settings(included=["~"], locked=["backup.filename_exclusions"])
    merged = settings.effective(server, {"backup.frequency_minutes": 60, "backup.filename_exclusions": []})
    assert settings.value(merged, "backup", "frequency_minutes") == 60
    assert settings.value(merged, "backup", "filename_exclusions") == [r".*\.tmp$"]
    assert settings.value(merged, "general", "away_minutes") == 15
    assert merged["backup"]["filename_exclusions"].override_ignored
    assert settings.scan_seconds(merged) == 3600


def test_describe_marks_locks_and_changes():
    server = server_settings(locked=["backup.filename_exclusions", "general.away_minutes"])
    lines = settings.describe(settings.effective(server, {"backup.frequency_minutes": 30,
                                                          "backup.filename_exclusions": []}))
    assert 'backup.filename_exclusions = [".*\\\\.tmp$"]  [locked; your change [] is ignored]' in lines
    assert "general.away_minutes = 15  [locked]" in lines
    assert "backup.frequency_minutes = 30  [your change; server: 15]" in lines


@pytest.fixture
def stored(state_dir):
    with State(state_dir) as state:
        state.put("settings", server_settings(locked=["backup.filename_exclusions"]))
    return state_dir


def test_set_on_a_locked_setting_is_refused_with_status_2(stored, capsys):
    status = main(["--state-dir", str(stored), "set", "backup.filename_exclusions", "[]"])
    assert status == 2
    assert "locked" in capsys.readouterr().err
    with State(stored) as state:
        assert state.overrides() == {}


def test_set_and_unset_an_unlocked_setting(stored, capsys):
    assert main(["--state-dir", str(stored), "set", "backup.frequency_minutes", "60"]) == 0
    with State(stored) as state:
        assert state.overrides() == {"backup.frequency_minutes": 60}
    capsys.readouterr()
    assert main(["--state-dir", str(stored), "settings"]) == 0
    assert "backup.frequency_minutes = 60  [your change; server: 15]" in capsys.readouterr().out
    assert main(["--state-dir", str(stored), "unset", "backup.frequency_minutes"]) == 0
    with State(stored) as state:
        assert state.overrides() == {}


@pytest.mark.parametrize("setting, value", [("backup.nonsense", "1"), ("nogroup", "1"),
                                            ("backup.frequency_minutes", "often")])
def test_unknown_or_mistyped_setting_is_refused(stored, setting, value):
    assert main(["--state-dir", str(stored), "set", setting, value]) == 2


def test_values_are_json_or_text():
    assert settings.parse_value("30") == 30
    assert settings.parse_value('["~/Documents"]') == ["~/Documents"]
    assert settings.parse_value("hello world") == "hello world"


def test_text_value_is_kept_as_text(stored):
    assert main(["--state-dir", str(stored), "set", "general.away_minutes", "15"]) == 0
    with State(stored) as state:
        state.put("settings", {"appearance": {"product_name": {"value": "Webconsole", "locked": False}}})
    assert main(["--state-dir", str(stored), "set", "appearance.product_name", "Acme Backup"]) == 0
    with State(stored) as state:
        assert json.dumps(state.overrides()["appearance.product_name"]) == '"Acme Backup"'
