"""The booking function: a pure core (routes, validation, pricing, fulfilment) behind edge adapters.

`functions.lambda_handler.handler` is the AWS Lambda Function URL entry point; the dev server calls
the same handler, so what runs locally is what runs in production.
"""
