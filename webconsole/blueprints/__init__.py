"""One blueprint per section, registered in navigation order."""


def register_blueprints(app):
    from webconsole.blueprints import (
        account,
        activity,
        agent_api,
        alerts,
        audit,
        auth,
        cases,
        clients,
        code42_api,
        connections,
        console,
        dashboard,
        destinations,
        devices,
        exposure,
        forensics,
        help,
        home,
        identity,
        ingest,
        jobs,
        legal_hold,
        notifications,
        orgs,
        preferences,
        reports,
        restores,
        search,
        sso,
        storage,
        subscription,
        updates,
        users,
        watchlists,
    )

    app.register_blueprint(home.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(preferences.bp)
    app.register_blueprint(help.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(orgs.bp)
    app.register_blueprint(users.bp)
    app.register_blueprint(devices.bp)
    app.register_blueprint(restores.bp)
    app.register_blueprint(forensics.bp)
    app.register_blueprint(exposure.bp)
    app.register_blueprint(watchlists.bp)
    app.register_blueprint(alerts.bp)
    app.register_blueprint(activity.bp)
    app.register_blueprint(cases.bp)
    app.register_blueprint(connections.bp)
    app.register_blueprint(legal_hold.bp)
    app.register_blueprint(legal_hold.policies_bp)
    app.register_blueprint(destinations.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(subscription.bp)
    app.register_blueprint(identity.bp)
    app.register_blueprint(identity.sso_bp)
    app.register_blueprint(sso.bp)
    app.register_blueprint(updates.bp)
    app.register_blueprint(clients.bp)
    app.register_blueprint(agent_api.bp)
    app.register_blueprint(code42_api.bp)
    app.register_blueprint(ingest.bp)
    app.register_blueprint(storage.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(jobs.bp)
    app.register_blueprint(notifications.bp)

    from webconsole.web.permissions import public
    # Static files are public; the route walk in the tests checks every other endpoint.
    public(app.view_functions["static"])
