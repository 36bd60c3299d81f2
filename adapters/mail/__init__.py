"""The one mail path: compose every message from theme/email/, hold it in the outbox, send it."""
