"""The adapters, one room each: the booking store, payments (Stripe), mail and the organiser's content files.

The HTTP edge (functions/) and the back office (bookings/) use them alike; the booking core (booking/) and
pricing/ never do.
"""
