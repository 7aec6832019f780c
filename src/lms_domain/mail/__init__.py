"""Mail: messages the service sends (built here from plain templates) and one-time email tokens."""
