"""Business rules, one module per area; every door (browser, agents, API, console CLI) calls these."""
