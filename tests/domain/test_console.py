from sqlalchemy import select

from webconsole.domain import properties
from webconsole.domain.console import REGISTRY, run_line, table
from webconsole.extensions import db
from webconsole.models import AuditEvent, User


def run(app, user_id, line):
    with app.test_request_context():
        return run_line(db.session.get(User, user_id), line)


def test_every_command_has_usage_help_and_a_permission():
    for name, command in REGISTRY.items():
        assert command.usage.split()[0] == name and str(command.help) and "." in command.permission


def test_help_lists_only_what_the_role_may_run(app, world):
    output, ok = run(app, world["admin"], "help")
    assert ok and "prop.set <name> <value>" in output and "audit.tail" in output


def test_tables_are_aligned():
    assert table(["A", "Bee"], [("xx", 1), ("y", None)]).splitlines() == ["A   Bee", "--  ---", "xx  1", "y"]


def test_devices_are_listed_by_partial_name(app, world):
    output, ok = run(app, world["admin"], "devices laptop")
    assert ok and "SELLER-LAPTOP" in output and "USER-LAPTOP" in output and "User Mac" not in output


def test_bad_lines_get_clear_messages_not_tracebacks(app, world):
    assert run(app, world["admin"], "frobnicate") == ("error: unknown command frobnicate. Type help for the list.",
                                                      False)
    output, ok = run(app, world["admin"], 'orgs "unclosed')
    assert not ok and "quotation mark" in output
    output, ok = run(app, world["admin"], "prop.set signin.max_failures many")
    assert not ok and "whole number" in output
    output, ok = run(app, world["admin"], "device.show")
    assert not ok and "Usage: device.show <guid>" in output
    output, ok = run(app, world["admin"], "device.show 123; rm -rf /")
    assert not ok and "Usage" in output


def test_prop_set_changes_behaviour_and_is_audited(app, world):
    output, ok = run(app, world["admin"], "prop.set signin.max_failures 3")
    assert ok and output == "signin.max_failures = 3"
    with app.app_context():
        assert properties.value("signin.max_failures") == 3
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "property.set"))
        assert event.details["changes"] == {"signin.max_failures": [5, 3]}
    output, ok = run(app, world["admin"], "prop.set signin.max_failures 0")
    assert not ok and "from 1 to 100" in output


def test_every_line_is_audited_and_roles_without_the_cli_are_refused(app, world):
    run(app, world["admin"], "whoami")
    output, ok = run(app, world["orgadmin"], "whoami")
    assert not ok and "role does not include" in output
    with app.app_context():
        lines = db.session.scalars(select(AuditEvent.object_label).where(
            AuditEvent.event_type == "console.command")).all()
    assert lines == ["whoami"]


def test_a_listing_cut_short_says_so(app, world, make_device, monkeypatch):
    from webconsole.domain import console
    monkeypatch.setattr(console, "LIMIT", 2)
    output, ok = run(app, world["admin"], "devices")
    assert ok and "SELLER-LAPTOP" in output and "USER-LAPTOP" in output and "User Mac" not in output
    assert output.endswith("First 2 shown; narrow them with a search.")
    output, ok = run(app, world["admin"], "devices mac")
    assert ok and "User Mac" in output and "First" not in output
