"""The product's vocabulary: the enums that the models, the workflow and the schema share.

The bottom layer: it imports nothing of the project's.
"""
