"""The worker: scheduled background jobs in their own process (`divert worker`), apart from the API."""
