"""Configuration defaults; deployments override them from the environment or instance/config.py."""
import os

LOCALES = [
    "en_US", "en_GB", "zh_Hans_CN", "zh_Hant_TW", "nl", "fr", "de", "it",
    "ja", "ko", "nb", "pt_BR", "es_419", "es_ES", "sv", "th",
]


class Config:
    """Defaults that are safe for a developer's machine."""

    SECRET_KEY = "dev"
    SQLALCHEMY_DATABASE_URI = None  # set in create_app: instance/webconsole.db unless DATABASE_URL
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # A form's CSRF token expires after a working day (each page gets a fresh one); it also changes at
    # sign-in and sign-out, when the cookie session is cleared.
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    BABEL_DEFAULT_LOCALE = "en_US"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "translations"
    )
    LOCALES = LOCALES
    # Largest request body: an agent's batch of 1000 file events with long paths fits well within it.
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024
    # SQLite page cache per connection: keeps the file-event indexes' hot pages in memory.
    SQLITE_CACHE_KIB = 32768
    LIST_PAGE_SIZE = 50
    # A list shows an exact count only up to this bound, then "more than N".
    LIST_COUNT_BOUND = 10_000
    SIGNIN_MAX_FAILURES = 5
    SIGNIN_WINDOW_MINUTES = 15
    # Argon2id parameters; tests lower them (argon2's RFC 9106 low-memory profile is the default).
    PASSWORD_HASH_PROFILE = "RFC_9106_LOW_MEMORY"
    # Trust X-Forwarded-For from this many proxies (for sign-in throttling by address).
    PROXY_COUNT = 0
    # How often agents send heartbeats; a device is online while they arrive.
    AGENT_HEARTBEAT_SECONDS = 60
    # Retention (server properties retention.*): older sign-in attempts, audit entries and finished jobs go.
    SIGNIN_RETENTION_DAYS = 90
    AUDIT_RETENTION_DAYS = 365
    JOBS_RETENTION_DAYS = 30
    # Background jobs: Redis when set (several app servers), else a SQLite queue in instance/.
    REDIS_URL = None
    JOBS_QUEUE_PATH = None  # default: instance/jobs-queue.db
    JOBS_FOLDER = None  # where jobs keep their files; default: instance/jobs
    JOBS_IMMEDIATE = None  # run jobs at once in the calling process; None: only when testing
    # A worker renews its jobs' leases a few times within this; a job silent longer is taken up again.
    JOBS_LEASE_SECONDS = 60
    # Where "This server" keeps the devices' restic repositories, one folder per device GUID;
    # default: instance/storage.
    STORAGE_DIR = None
    # Alert e-mail (none is sent while SMTP_HOST is unset). SMTP_SECURITY: none, starttls or tls;
    # SMTP_PORT 0 means the security's usual port (25, 587, 465).
    SMTP_HOST = ""
    SMTP_PORT = 0
    SMTP_SECURITY = "none"
    SMTP_USER = ""
    SMTP_PASSWORD = ""
    SMTP_SENDER = "webconsole@localhost"
    # The console's address as people reach it (https://console.example.com), for links in e-mail;
    # unset, links use the address of the request during which they are sent, else http://localhost/.
    EXTERNAL_URL = ""
    # A web restore download larger than this is prepared as a job (for the keys the console holds).
    RESTORE_JOB_MB = 100
    # The Keystore's master key: a file outside the database that seals the devices' repository
    # passwords (standard keys). Default: instance/master.key, made on first use.
    MASTER_KEY_FILE = ""
    # A MaxMind GeoLite2-City or GeoIP2-City database (.mmdb): devices' locations then name their city.
    # Unset, a location is the address alone. Mapped at the first lookup: a file replaced by a rename (as
    # geoipupdate does) is read after a restart; one overwritten in place could crash the process reading it.
    GEOIP_DATABASE = ""
    DEMO_PASSWORD = "webconsole-demo"
    WEBSITE_URL = "https://github.com/webconsole/webconsole"


ENVIRONMENT = {
    # environment variable -> config key
    "SECRET_KEY": "SECRET_KEY",
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "WEBCONSOLE_SESSION_COOKIE_SECURE": "SESSION_COOKIE_SECURE",
    "WEBCONSOLE_LIST_PAGE_SIZE": "LIST_PAGE_SIZE",
    "WEBCONSOLE_PROXY_COUNT": "PROXY_COUNT",
    "WEBCONSOLE_DEMO_PASSWORD": "DEMO_PASSWORD",
    "WEBCONSOLE_MASTER_KEY_FILE": "MASTER_KEY_FILE",
    "WEBCONSOLE_RESTORE_JOB_MB": "RESTORE_JOB_MB",
    "WEBCONSOLE_WEBSITE_URL": "WEBSITE_URL",
    "WEBCONSOLE_SIGNIN_MAX_FAILURES": "SIGNIN_MAX_FAILURES",
    "WEBCONSOLE_AGENT_HEARTBEAT_SECONDS": "AGENT_HEARTBEAT_SECONDS",
    "WEBCONSOLE_REDIS_URL": "REDIS_URL",
    "WEBCONSOLE_JOBS_QUEUE_PATH": "JOBS_QUEUE_PATH",
    "WEBCONSOLE_JOBS_FOLDER": "JOBS_FOLDER",
    "WEBCONSOLE_JOBS_LEASE_SECONDS": "JOBS_LEASE_SECONDS",
    "WEBCONSOLE_STORAGE_DIR": "STORAGE_DIR",
    "WEBCONSOLE_SMTP_HOST": "SMTP_HOST",
    "WEBCONSOLE_SMTP_PORT": "SMTP_PORT",
    "WEBCONSOLE_SMTP_SECURITY": "SMTP_SECURITY",
    "WEBCONSOLE_SMTP_USER": "SMTP_USER",
    "WEBCONSOLE_SMTP_PASSWORD": "SMTP_PASSWORD",
    "WEBCONSOLE_SMTP_SENDER": "SMTP_SENDER",
    "WEBCONSOLE_EXTERNAL_URL": "EXTERNAL_URL",
    "WEBCONSOLE_GEOIP_DATABASE": "GEOIP_DATABASE",
}


def from_environment(environ):
    """Config values named by WEBCONSOLE_* variables, DATABASE_URL and SECRET_KEY."""
    values = {}
    for name, key in ENVIRONMENT.items():
        if name not in environ:
            continue
        raw = environ[name]
        default = getattr(Config, key, None)
        if isinstance(default, bool):
            values[key] = raw.lower() in ("1", "true", "yes", "on")
        elif isinstance(default, int):
            values[key] = int(raw)
        else:
            values[key] = raw
    url = values.get("SQLALCHEMY_DATABASE_URI")
    if url and url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        values["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + url[len("postgresql://"):]
    return values
