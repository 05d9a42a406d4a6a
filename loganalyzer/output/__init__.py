"""Renderers: read finished results and write them as tables, JSON or CSV. No analysis here."""
