"""Client Management: deployment policies, which give installers an org's registration key."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webconsole.domain import audit
from webconsole.domain.errors import NotFound, ValidationError
from webconsole.domain.scope import reaches, scope_for
from webconsole.extensions import db
from webconsole.models import DeploymentPolicy, Org


def policies():
    """Every deployment policy, by name."""
    return db.session.scalars(select(DeploymentPolicy).order_by(DeploymentPolicy.name)).all()


def create_policy(actor, *, name, org_id, notes=""):
    """A deployment policy registering new agents into `org_id`."""
    name = " ".join((name or "").split())
    if not 3 <= len(name) <= 100:
        raise ValidationError(_l("Enter a name of %(min)d to %(max)d characters.", min=3, max=100), field="name",
                              code="validation.length")
    if db.session.scalar(select(DeploymentPolicy.id).where(DeploymentPolicy.name == name)):
        raise ValidationError(_l("A deployment policy with this name already exists."), field="name",
                              code="deployment.name_taken")
    org = db.session.get(Org, org_id)
    if org is None or org.status != "active" or not reaches(scope_for(actor, "clients.manage"), org):
        raise ValidationError(_l("Choose an active organization you manage."), field="org_id", code="validation.choice")
    policy = DeploymentPolicy(name=name, org_id=org.id, notes=(notes or "").strip(), created_by=actor.username)
    policy.org = org
    db.session.add(policy)
    db.session.flush()
    audit.record("deployment.create", actor=actor, object_type="deployment", object_id=str(policy.id),
                 object_label=name, details={"org": org.name})
    db.session.commit()
    return policy


def get_policy(policy_id):
    """The deployment policy with this id; NotFound otherwise."""
    policy = db.session.get(DeploymentPolicy, policy_id)
    if policy is None:
        raise NotFound(_l("No such deployment policy."))
    return policy


def delete_policy(actor, policy_id):
    """Remove a deployment policy (agents installed with it stay registered)."""
    policy = get_policy(policy_id)
    audit.record("deployment.delete", actor=actor, object_type="deployment", object_id=str(policy.id),
                 object_label=policy.name)
    db.session.delete(policy)
    db.session.commit()


def agent_configuration(policy, server_url):
    """The configuration file an installer places next to the agent (docs/agent-protocol.md)."""
    return "\n".join([
        f"# webconsole-agent configuration from deployment policy {policy.name!r}",
        f'server = "{server_url}"',
        f'registration_key = "{policy.org.registration_key}"',
        "",
    ])


def install_command(policy, server_url):
    """The command that installs the agent and registers it with the policy's organization."""
    return (f"pip install webconsole && webconsole-agent --server {server_url} "
            f"--registration-key {policy.org.registration_key} --username <username>")
