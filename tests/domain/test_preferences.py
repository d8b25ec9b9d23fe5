"""List preferences: a user's choice of columns beside their column widths."""
import pytest

from webconsole.domain.errors import ValidationError
from webconsole.domain.preferences import (
    list_preferences,
    reset_chosen_columns,
    reset_column_widths,
    save_chosen_columns,
    save_column_widths,
)
from webconsole.extensions import db
from webconsole.models import ListPreference

KNOWN = {"event_at", "file_name", "md5", "os_user"}


def test_a_choice_keeps_known_columns_once_and_always_the_required_ones(app, world):
    with app.app_context():
        chosen = save_chosen_columns(world["admin"], "forensic_search", ["os_user", "md5", "os_user"], KNOWN,
                                     required=["event_at"])
        assert chosen == ["os_user", "md5", "event_at"]
        assert list_preferences(world["admin"], "forensic_search") == ({}, ["os_user", "md5", "event_at"])
        assert list_preferences(world["helpdesk"], "forensic_search") == ({}, None)  # per user


@pytest.mark.parametrize("keys, message", [
    (["file_name", "password_hash"], "Unknown column “password_hash”."),
    ([], "Choose at least one column."),
])
def test_a_bad_choice_is_refused_precisely_and_nothing_is_stored(app, world, keys, message):
    with app.test_request_context():
        with pytest.raises(ValidationError) as refused:
            save_chosen_columns(world["admin"], "forensic_search", keys, KNOWN)
        assert str(refused.value) == message and refused.value.field == "columns"
        assert list_preferences(world["admin"], "forensic_search") == ({}, None)


def test_resetting_columns_keeps_widths_and_resetting_widths_keeps_columns(app, world):
    with app.app_context():
        save_column_widths(world["admin"], "forensic_search", {"file_name": 300}, KNOWN)
        save_chosen_columns(world["admin"], "forensic_search", ["file_name"], KNOWN)
        reset_chosen_columns(world["admin"], "forensic_search")
        assert list_preferences(world["admin"], "forensic_search") == ({"file_name": 300}, None)
        save_chosen_columns(world["admin"], "forensic_search", ["md5"], KNOWN)
        reset_column_widths(world["admin"], "forensic_search")
        assert list_preferences(world["admin"], "forensic_search") == ({}, ["md5"])
        reset_chosen_columns(world["admin"], "forensic_search")
        assert db.session.get(ListPreference, (world["admin"], "forensic_search")) is None  # nothing left to keep
