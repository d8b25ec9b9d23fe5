"""What every test's new app would compile again, compiled once per run: templates and URL builders.

Each test gets a new app (create_app), and a new app used to compile its 128 URL rules and, on first
use, every template it renders: nearly half of the time of a test that renders pages.
"""
from jinja2 import BytecodeCache
from werkzeug.routing import Rule


class _MemoryBytecodeCache(BytecodeCache):
    """Jinja's compiled templates kept in memory; Jinja checks each against its source's checksum."""

    def __init__(self):
        self.compiled = {}

    def load_bytecode(self, bucket):
        """Fill the bucket from memory when the template was compiled before."""
        data = self.compiled.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket):
        """Keep a newly compiled template."""
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = _MemoryBytecodeCache()


def share_templates(app):
    """Let `app` load the templates other apps of this run compiled (set before its first render)."""
    app.jinja_env.bytecode_cache = TEMPLATES


# A URL builder is a function of the rule's parsed parts and defaults alone (the rule is its first
# argument), so apps can share it. Skipped, harmlessly, if Werkzeug changes how rules compile.
_compile_builder = getattr(Rule, "_compile_builder", None)
_builders = {}


def _shared_builder(self, append_unknown=True):
    """Werkzeug's URL builder for this rule, compiled once per distinct rule."""
    try:
        key = (tuple(self._trace), repr(sorted((self.defaults or {}).items())), append_unknown,
               tuple((name, type(converter), repr({k: v for k, v in vars(converter).items() if k != "map"}))
                     for name, converter in self._converters.items()))
    except (AttributeError, TypeError):
        return _compile_builder(self, append_unknown)
    if key not in _builders:
        _builders[key] = _compile_builder(self, append_unknown)
    return _builders[key]


if _compile_builder is not None:
    Rule._compile_builder = _shared_builder
