"""The interactive exercises: thin ipywidgets views over the package's logic."""
