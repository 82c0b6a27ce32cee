"""The service's lifecycle stages: configuration reload (`reload.py`)."""
