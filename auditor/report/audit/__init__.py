"""Audit outputs, one module per format: `json_out` (DESIGN.md section 5), `table`,
`markdown` and `text` (the unified diff of `diff --app`). Pure functions of the report."""
