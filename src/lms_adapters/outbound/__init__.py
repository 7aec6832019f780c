"""Outgoing HTTP with httpx: webhook deliveries, and the rule on which addresses may receive them."""
