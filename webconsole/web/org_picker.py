"""The one org picker: the orgs of domain.org_tree.org_tree as options indented under their parents.

Every select or checkbox list of orgs (a list's Organization filter, a user's or an org's new place,
an API client's, an identity provider's, a deployment policy's) takes its options from here, so they
all show the same tree in the same order.
"""
from wtforms.fields.choices import SelectChoice

# An em space per level: a select's options take no padding, and HTML does not collapse this space.
INDENT = "\u2003"


def indented(choice):
    """An OrgChoice's label: its name after one indent per ancestor shown above it."""
    return INDENT * choice.depth + choice.name


def org_options(choices, blank=None):
    """WTForms choices of OrgChoices (values as strings, as a form posts them), after an optional `blank`
    label for no org."""
    options = [SelectChoice("", blank)] if blank is not None else []
    return options + [SelectChoice(str(c.id), indented(c)) for c in choices]
