"""The user-facing layer: the ``parareop`` command line (``ui.cli``) and the Streamlit app
(``ui/app.py``).

Keep this module import-light: the CLI must start without importing streamlit, and the
app is started by ``streamlit run``, not imported.
"""
