"""Fill the en_US catalog from the source strings: en_US is the language the code is written in."""
import sys

from babel.messages.pofile import read_po, write_po

path = sys.argv[1] if len(sys.argv) > 1 else "translations/en_US/LC_MESSAGES/messages.po"
with open(path, "rb") as f:
    catalog = read_po(f, locale="en_US")
for message in catalog:
    if not message.id:
        continue
    message.string = message.id
    message.flags.discard("fuzzy")
with open(path, "wb") as f:
    write_po(f, catalog, width=0, omit_header=False, no_location=True)
