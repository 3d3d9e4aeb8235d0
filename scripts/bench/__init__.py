"""Benchmarks for ClearPress at archive scale: ``python -m scripts.bench``.

``generate`` writes a deterministic synthetic archive (captures or Markdown articles), ``run``
measures import throughput and full/incremental build time, memory and output size against plain
Pelican on the same content, and ``profile`` records where one build spends its time.  Timings on
a shared machine are noisy, so every figure is reported next to a baseline measured in the same
run, never compared with a fixed threshold.
"""
