"""One screen per file: home, question (study), simulation."""
