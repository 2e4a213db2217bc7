"""Report rendering: pure functions from model values to text, JSON, YAML and markdown."""
