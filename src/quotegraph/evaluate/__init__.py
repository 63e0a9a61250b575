"""Measuring quotegraph against gold annotations.

``quotegraph.evaluate.polnear``: PolNeAR by the CofeNet sentence-level BIO protocol and by article-level exact
span match. ``quotegraph.evaluate.spans``: the chunk, span and P/R/F1 arithmetic they share.
"""

from quotegraph.evaluate.spans import PRF, ROLES, chunks_cofenet, chunks_conlleval, score_bio

__all__ = ["PRF", "ROLES", "chunks_cofenet", "chunks_conlleval", "score_bio"]
