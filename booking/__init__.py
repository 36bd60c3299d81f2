"""The booking core: what a booking is and how Stripe records it. Imports neither Stripe nor Pelican."""
