"""Demo data and the load simulator: fixtures beside the console, never called by its rules."""
