"""The console command line: a registry of commands, each with its arguments, help and permission.

Lines are split like a shell's (quotes group words) but nothing reaches a shell or eval: a line
names a registered command, whose implementation calls the domain.
"""
import platform
import shlex
import time
from dataclasses import dataclass
from importlib.metadata import version
from typing import Callable

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from webconsole import __name__ as package
from webconsole.domain import agents, audit, properties, users
from webconsole.domain.devices import get_device
from webconsole.domain.errors import DomainError, NotFound
from webconsole.domain.listings import catalog
from webconsole.domain.scope import permissions_of
from webconsole.extensions import db
from webconsole.models import Device, Org, User
from webconsole.web import labels

LIMIT = 25


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    help: object
    permission: str
    run: Callable


REGISTRY = {}


class UsageError(DomainError):
    """The command exists but its arguments are wrong."""

    code = "console.usage"


def command(name, usage, help, permission="console.cli"):
    """Register a console command (decorator)."""
    def register(run):
        REGISTRY[name] = Command(name, usage, help, permission, run)
        return run
    return register


def table(headers, rows):
    """Rows as text columns aligned under their headers."""
    cells = [[str(h) for h in headers]] + [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run_line(actor, line):
    """(output, ok): run one console line for `actor`; every line is audited."""
    line = (line or "").strip()
    if not line:
        return "", True
    try:
        argv = shlex.split(line)
    except ValueError:
        return _("error: a quotation mark is not closed"), False
    name, args = argv[0], argv[1:]
    found = REGISTRY.get(name)
    if found is None:
        return _("error: unknown command %(name)s. Type help for the list.", name=name), False
    if found.permission not in permissions_of(actor):
        return _("error: your role does not include %(name)s", name=name), False
    audit.record("console.command", actor=actor, object_type="console", object_label=line[:255])
    db.session.commit()
    try:
        return found.run(actor, args), True
    except UsageError as error:
        return _("error: %(message)s. Usage: %(usage)s", message=str(error), usage=found.usage), False
    except DomainError as error:
        db.session.rollback()
        return _("error: %(message)s", message=str(error)), False


def _one(args, what):
    if len(args) != 1:
        raise UsageError(_("give one %(what)s", what=what))
    return args[0]


@command("help", "help [command]", _l("List the commands, or describe one"))
def _help(actor, args):
    if args:
        found = REGISTRY.get(args[0])
        if found is None:
            raise UsageError(_("no command %(name)s", name=args[0]))
        return f"{found.usage}\n  {found.help}"
    mine = permissions_of(actor)
    return table([_("Command"), _("Description")],
                 [(c.usage, str(c.help)) for c in sorted(REGISTRY.values(), key=lambda c: c.name)
                  if c.permission in mine])


@command("whoami", "whoami", _l("Show who you are signed in as, your roles and organization"))
def _whoami(actor, args):
    return table([_("Username"), _("Organization"), _("Roles")],
                 [(actor.username, actor.org.name, ", ".join(r.name for r in actor.roles))])


def _listed(listing, actor, args, limit=None):
    """The first `limit` rows of a listing as `actor` sees it on its page, searched for the words in
    `args` exactly as the page's search box would, in the page's default order; and whether there are more."""
    page = listing.page(actor, listing.params(q=" ".join(args)), limit=limit or LIMIT)
    return page.rows, page.next is not None


def _more(shown, more):
    """The note under a listing cut short."""
    return "\n" + _("First %(n)d shown; narrow them with a search.", n=shown) if more else ""


@command("orgs", "orgs [search]", _l("List organizations"), "orgs.view")
def _orgs(actor, args):
    rows, more = _listed(catalog.ORGS, actor, args)
    return table([_("GUID"), _("Name"), _("Status"), _("Registration key")],
                 [(r.uid, r.name, r.status, r.registration_key) for r in rows]) + _more(len(rows), more)


@command("users", "users [search]", _l("List users"), "users.view")
def _users(actor, args):
    rows, more = _listed(catalog.USERS, actor, args)
    return table([_("GUID"), _("Username"), _("Status"), _("Organization")],
                 [(r.uid, r.username, r.status, r.org_name) for r in rows]) + _more(len(rows), more)


@command("devices", "devices [search]", _l("List devices"), "devices.view")
def _devices(actor, args):
    rows, more = _listed(catalog.DEVICES, actor, args)
    return table([_("GUID"), _("Name"), _("OS"), _("Status"), _("Last connected")],
                 [(r.guid, r.name, labels.OS.get(r.os, r.os), r.status,
                   f"{r.last_connected:%Y-%m-%d %H:%M}" if r.last_connected else "") for r in rows]
                 ) + _more(len(rows), more)


def _device(actor, guid, permission):
    device = db.session.scalar(select(Device).where(Device.guid == guid))
    return get_device(actor, device.id if device else -1, permission)


@command("device.show", "device.show <guid>", _l("Show a device"), "devices.view")
def _device_show(actor, args):
    device = _device(actor, _one(args, _("device GUID")), "devices.view")
    rows = [(_("Name"), device.name), (_("Hostname"), device.hostname), (_("GUID"), device.guid),
            (_("Status"), device.status), (_("Online"), _("yes") if agents.is_online(device) else _("no")),
            (_("User"), device.user.username), (_("Organization"), device.org.name),
            (_("OS"), labels.os_text(device.os, device.os_version)), (_("Version"), device.agent_version),
            (_("Last connected"), device.last_connected)]
    return table([_("Field"), _("Value")], rows)


@command("device.send", "device.send <guid> <command> [arguments]",
         _l("Send a command to an online device (status, settings, scan, restart, version)"), "devices.edit")
def _device_send(actor, args):
    if len(args) < 2:
        raise UsageError(_("give a device GUID and a command"))
    device = _device(actor, args[0], "devices.edit")
    sent = agents.queue_command(actor, device, " ".join(args[1:]))
    return _("Command %(id)s queued for %(name)s; its output appears on the device's page.", id=sent.id,
             name=device.name)


def _user(actor, username):
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None:
        raise NotFound(_l("No such user."))
    return users.get_user(actor, user.id, "users.edit")


@command("user.deactivate", "user.deactivate <username>",
         _l("Deactivate a user and their devices (not while on legal hold: block instead)"), "users.edit")
def _user_deactivate(actor, args):
    user = _user(actor, _one(args, _("username")))
    users.set_user_active(actor, user.id, False)
    return _("%(name)s is deactivated.", name=user.username)


@command("user.reactivate", "user.reactivate <username>", _l("Reactivate a user and their devices"), "users.edit")
def _user_reactivate(actor, args):
    user = _user(actor, _one(args, _("username")))
    users.set_user_active(actor, user.id, True)
    return _("User reactivated.")


@command("user.block", "user.block <username>", _l("Block a user: signed out everywhere, backups go on"),
         "users.edit")
def _user_block(actor, args):
    user = _user(actor, _one(args, _("username")))
    users.set_user_blocked(actor, user.id, True)
    return _("%(name)s is blocked.", name=user.username)


@command("user.unblock", "user.unblock <username>", _l("Let a blocked user sign in again"), "users.edit")
def _user_unblock(actor, args):
    user = _user(actor, _one(args, _("username")))
    users.set_user_blocked(actor, user.id, False)
    return _("User unblocked.")


@command("matters", "matters [search]", _l("List legal hold matters"), "legalhold.manage")
def _matters(actor, args):
    rows, more = _listed(catalog.MATTERS, actor, args)
    return table([_("Name"), _("Status"), _("Custodians"), _("Created by")],
                 [(r.name, r.status, str(r.custodian_count), r.created_by_username) for r in rows]
                 ) + _more(len(rows), more)


@command("prop.show", "prop.show [name]", _l("Show server properties and their values"))
def _prop_show(actor, args):
    names = [n for n in properties.PROPERTIES if not args or n == args[0]]
    if args and not names:
        raise UsageError(_("no property %(name)s", name=args[0]))
    return table([_("Property"), _("Value"), _("Description")],
                 [(n, properties.value(n), str(properties.PROPERTIES[n].help)) for n in names])


@command("prop.set", "prop.set <name> <value>", _l("Change a server property"))
def _prop_set(actor, args):
    if len(args) != 2:
        raise UsageError(_("give a property name and a value"))
    return f"{args[0]} = {properties.set_value(actor, args[0], args[1])}"


@command("server.info", "server.info", _l("Show the version, database, uptime and counts"))
def _server_info(actor, args):
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    uptime = int(time.time() - current_app.config["STARTED_AT"])
    rows = [(_("Version"), version(package)), (_("Python"), platform.python_version()),
            (_("Database"), db.engine.dialect.name), (_("Uptime"), f"{uptime // 3600}h {uptime // 60 % 60}m"),
            (_("Organizations"), count(Org)), (_("Users"), count(User)), (_("Devices"), count(Device))]
    return table([_("Field"), _("Value")], rows)


@command("audit.tail", "audit.tail [count]", _l("Show the latest audit log entries"), "audit.view")
def _audit_tail(actor, args):
    try:
        n = int(args[0]) if args else 10
    except ValueError:
        raise UsageError(_("the count must be a whole number")) from None
    # The Audit Log's listing, newest first: the same entries its page shows this actor.
    rows, _more_rows = _listed(catalog.AUDIT, actor, [], limit=max(1, min(n, 100)))
    return table([_("Date"), _("Actor"), _("Event"), _("Object")],
                 [(f"{r.at:%Y-%m-%d %H:%M:%S}", r.actor_username, r.event_type, r.object_label) for r in rows])
