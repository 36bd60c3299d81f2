"""The flows: each turns something that happened (a booking, a payment, a change, a back-office run) into one
transition of a booking's life (booking.life), written to the store with its messages, then delivers them.

Used by the HTTP edge (functions/) and the back office (bookings/) alike; they know nothing of HTTP.
"""
