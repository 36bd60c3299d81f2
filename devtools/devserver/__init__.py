"""The local dev server behind `make dev`: the built site, /api/* through the production adapter, and a Stripe stand-in."""
