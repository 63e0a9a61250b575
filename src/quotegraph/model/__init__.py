"""quotegraph's trained attribution tagger: source, cue and content spans learnt from PolNeAR.

``features`` turns a parsed Doc (and the rules' attributions on it) into per-token inputs, ``network`` is the
BiLSTM tagger over them, ``data`` reads PolNeAR's BRAT gold into token labels, ``train`` fits the shipped weights
(``quotegraph train``) and ``tagger`` runs them inside the Extractor and links the spans into Attributions.
torch is imported only by ``network``, ``train`` and ``tagger``.
"""

ROLES = ("source", "cue", "content")
LABELS = ("O", "B-source", "I-source", "B-cue", "I-cue", "B-content", "I-content")
