"""The organiser's back-office command line: `python -m bookings export EVENT` lists who is coming, from Stripe."""
