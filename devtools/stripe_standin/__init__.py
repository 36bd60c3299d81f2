"""A local Stripe stand-in: the Checkout Session API subset the booking function uses, over real HTTP.

`stripe_standin.app.StandIn` is the WSGI app and its state; `stripe_standin.testing.running_standin`
runs one on a free loopback port for a test; `python -m devtools.stripe_standin` runs one by hand.
"""
