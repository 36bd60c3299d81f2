"""Adapters, one room each, used by the function and the back office alike: `adapters.store` (the booking store)."""
