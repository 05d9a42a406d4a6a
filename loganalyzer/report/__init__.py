"""The HTML report: data, charts, page (template + script), and writing it."""
