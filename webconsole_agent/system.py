"""What the agent reports about the machine it runs on: OS, addresses, users."""
import functools
import getpass
import ipaddress
import platform
import socket
import sys
from contextlib import closing

try:
    import pwd
except ImportError:  # Windows
    pwd = None


def os_name():
    """The protocol's name of this operating system: "linux", "macos" or "windows"."""
    if sys.platform == "darwin":
        return "macos"
    if sys.platform.startswith("win"):
        return "windows"
    return "linux"


def os_version():
    """A readable OS version such as "Debian GNU/Linux 12 (bookworm)", at most 64 characters."""
    name = os_name()
    if name == "macos":
        version = f"macOS {platform.mac_ver()[0]}".strip()
    elif name == "windows":
        version = f"Windows {platform.release()} ({platform.version()})"
    else:
        try:
            version = platform.freedesktop_os_release().get("PRETTY_NAME", "")
        except OSError:
            version = ""
        version = version or f"Linux {platform.release()}"
    return version[:64]


def hostname():
    """The machine's host name."""
    return socket.gethostname()


def _usable(address):
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    return ip.is_private and not (ip.is_loopback or ip.is_link_local or ip.is_unspecified)


def private_addresses():
    """The machine's private (RFC 1918 / ULA) IP addresses, best effort, the outgoing one first."""
    found = []
    try:
        # Connecting a UDP socket sends nothing; it only picks the interface a packet would leave by.
        with closing(socket.socket(socket.AF_INET, socket.SOCK_DGRAM)) as probe:
            probe.connect(("10.255.255.255", 1))
            found.append(probe.getsockname()[0])
    except OSError:
        pass
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None)
    except OSError:
        infos = []
    found.extend(info[4][0] for info in infos)
    return list(dict.fromkeys(a for a in found if _usable(a)))


def primary_address():
    """The first private address, or "" when there is none."""
    addresses = private_addresses()
    return addresses[0] if addresses else ""


def current_user():
    """The operating-system user running the agent."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


@functools.lru_cache(maxsize=256)
def owner_name(uid):
    """The account name of a numeric user id (the id itself when unknown); None on Windows."""
    if pwd is None:
        return None
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)
