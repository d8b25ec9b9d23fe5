"""HTTP plumbing shared by the browser blueprints."""
