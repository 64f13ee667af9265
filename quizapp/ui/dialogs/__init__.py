"""Modal dialogs that dismiss with a value: skipped files, session summary."""
