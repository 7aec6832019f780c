"""Analytics: read-only figures about learners, courses and the platform, counted by the adapters."""
