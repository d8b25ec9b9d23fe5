"""The `webconsole-agent` command: run the agent, or look at and change its local state."""
import argparse
import getpass
import json
import logging
import os
import signal
import sys

from webconsole_agent import __version__, report, runner, settings
from webconsole_agent.config import MAX_BATCH, PASSWORD_ENV, ConfigError, load
from webconsole_agent.state import State

EXIT_USAGE = 2
DESCRIPTION = """\
The Webconsole endpoint agent: registers this device, sends heartbeats and reports file changes
in its backup sets as file events (docs/agent-protocol.md)."""
EPILOG = f"""\
Without a command the agent runs in the foreground until SIGTERM or SIGINT.
Exit status: 0 done; 1 the server refused the device or its registration; 2 bad usage, configuration
or a setting you may not change; 3 (--once) events remain queued because the server could not be reached.
The password may also come from the environment variable {PASSWORD_ENV}."""


def _positive(text):
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def parser():
    """The command line."""
    p = argparse.ArgumentParser(prog="webconsole-agent", epilog=EPILOG, description=DESCRIPTION,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"webconsole-agent {__version__}")
    p.add_argument("--config", metavar="PATH", help="TOML configuration file (server, registration_key, ...)")
    p.add_argument("--server", metavar="URL", help="the console's address, such as https://console.example.com/")
    p.add_argument("--registration-key", metavar="KEY", help="the organization's registration key")
    p.add_argument("--username", metavar="NAME", help="the user who registers this device")
    p.add_argument("--password", metavar="PASSWORD",
                   help=f"the user's password (better: {PASSWORD_ENV}; asked on a terminal when needed)")
    p.add_argument("--state-dir", metavar="DIR", help="where the agent keeps its state (default: the platform's "
                                                      "user data folder, such as ~/.local/share/webconsole-agent)")
    p.add_argument("--scan-seconds", metavar="N", type=_positive,
                   help="scan every N seconds (default: the backup.frequency_minutes setting)")
    p.add_argument("--batch-size", metavar="N", type=_positive,
                   help=f"events per upload (default and most: {MAX_BATCH})")
    p.add_argument("--once", action="store_true",
                   help="register if needed, heartbeat, scan, send what is queued, and exit")
    p.add_argument("-v", "--verbose", action="store_true", help="log debugging detail")
    commands = p.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("status", help="show registration, server, last heartbeat and scan, queued events")
    commands.add_parser("settings", help="show the effective settings, lock marks and your own changes")
    change = commands.add_parser("set", help="change a setting the server has not locked")
    change.add_argument("setting", metavar="GROUP.KEY")
    change.add_argument("value", metavar="VALUE", help="JSON (such as 30, true or [\"~/Documents\"]) or text")
    unset = commands.add_parser("unset", help="drop your own change to a setting")
    unset.add_argument("setting", metavar="GROUP.KEY")
    commands.add_parser("archive-password", help="set the archive password that encrypts this device's backups "
                                                 "when the console's Keystore asks for one (read from standard "
                                                 "input, or asked twice on a terminal); it cannot be changed")
    return p


ARCHIVE_PASSWORD_MIN = 8


def _archive_password(state):
    """Keep the archive password the user gives; the exit status."""
    if state.get("archive_password"):
        print("webconsole-agent: an archive password is set already and cannot be changed: backups made with it "
              "could no longer be opened", file=sys.stderr)
        return EXIT_USAGE
    if sys.stdin is not None and sys.stdin.isatty():
        password = getpass.getpass("Archive password: ")
        if getpass.getpass("The same again: ") != password:
            print("webconsole-agent: the two passwords differ; nothing is set", file=sys.stderr)
            return EXIT_USAGE
    else:
        password = (sys.stdin.readline() if sys.stdin is not None else "").rstrip("\r\n")
    if len(password) < ARCHIVE_PASSWORD_MIN:
        print(f"webconsole-agent: use at least {ARCHIVE_PASSWORD_MIN} characters", file=sys.stderr)
        return EXIT_USAGE
    state.put("archive_password", password)
    print("archive password set: backups use it from now on, and a restore from the web asks for it")
    return 0


def _local(args, config):
    """The subcommands that only read or change the local state."""
    with State(config.state_dir) as state:
        if args.command == "archive-password":
            return _archive_password(state)
        if args.command == "status":
            print(report.status_text(state))
        elif args.command == "settings":
            print(report.settings_text(state))
        elif args.command == "set":
            try:
                value = settings.change(state, args.setting, args.value)
            except settings.SettingError as e:
                print(f"webconsole-agent: {e}", file=sys.stderr)
                return EXIT_USAGE
            print(f"{args.setting} = {json.dumps(value)}")
        elif settings.reset(state, args.setting):
            print(f"{args.setting}: your change is removed; the server's value applies")
        else:
            print(f"{args.setting}: you had not changed it")
    return 0


def _run(config, argv):
    """Run the daemon until a signal; start again in place after a `restart` command."""
    daemon = runner.Daemon(config)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, daemon.shutdown)
    status = daemon.run()
    if daemon.restart.is_set():
        logging.getLogger("webconsole_agent").info("restarting")
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, [sys.executable, "-m", "webconsole_agent", *argv])
    return status


def main(argv=None):
    """Entry point of the `webconsole-agent` command; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(message)s")
    try:
        config = load(args)
    except ConfigError as e:
        print(f"webconsole-agent: {e}", file=sys.stderr)
        return EXIT_USAGE
    if args.command:
        return _local(args, config)
    if args.once:
        return runner.run_once(config)
    return _run(config, argv)


if __name__ == "__main__":
    sys.exit(main())
