"""Documents for the model owner and auditors, generated from a run's own datasets: the methodology note and
the model card (Markdown templates rendered with Jinja2, then to self-contained HTML)."""
