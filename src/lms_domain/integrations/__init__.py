"""Integrations: webhooks, the deliveries of events to them and to a learning record store."""
