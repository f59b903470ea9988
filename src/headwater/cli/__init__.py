"""The ``headwater`` command line: a thin layer of Click commands over the instance, graph and storage.

No business logic lives here; commands parse options, call the layers below and print the result.
"""
