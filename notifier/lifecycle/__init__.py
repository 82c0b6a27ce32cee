"""The service's lifecycle: configuration reload (`reload.py`) and scheduled jobs (`jobs.py`)."""
