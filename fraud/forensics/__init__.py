"""Forensic analyses of a document no issuer record covers (issue N; docs/forensics.md).

One module per analysis (`jpeg_history`, `noise`, `copy_move`, `typography`, `background`,
`pdf_revisions`), what they return (`common`), how a statistic becomes a likelihood
(`calibration`) and the run over one upload (`examine`). The layer is fraud/layers/forensics.py.
"""
