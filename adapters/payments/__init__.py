"""Payments: the one room that talks to Stripe (the SDK's client, and what Stripe's errors mean to a visitor)."""
