"""The ParaReop ontology: hand-edited Turtle modules in ``src/``, the build that merges and
reasons over them, the quality checks, and the released ``parareop.owl`` / ``parareop.nt``.

This is the lowest layer of the project (``ui -> planner -> kg -> ontology``); it imports
nothing from the other packages. Importing the package is cheap: the heavy libraries
(owlready2, pyoxigraph) are imported by the modules that need them.
"""
