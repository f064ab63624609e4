"""The risk layer's rules: exposure books, limits and auto-suspend triggers (plain Python)."""
