"""XSD files for offline DCC validation (package data; see README.txt)."""
