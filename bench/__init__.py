"""Benchmarks of Agora's event pipeline against raw Kafka and raw FerretDB (`python -m bench`)."""
