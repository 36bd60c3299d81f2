"""The local DynamoDB engine: moto's server, one request at a time, with the bookings table from the SAM template.

`python -m devtools.dynamodb [--port N] [--table NAME] [--data FILE]` serves it (devtools/dynamodb/__main__.py);
`engine.start()` runs that as a child process for `make dev` and the tests; `table.create_table()` creates a
table from functions/template.yaml's own `BookingsTable` resource.
"""

# The engine's first line on stdout once it answers, followed by its endpoint.
READY = "dynamodb: listening on "
