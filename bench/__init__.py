"""The benchmark instrument: `make bench` runs `bench/run.py` (see docs/operations.md)."""
