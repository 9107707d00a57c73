"""Renderers: the same analysis as a terminal report, JSON, a DOT or Mermaid graph, Markdown
for chat, or one self-contained HTML page. Each is a pure function from records to ``str``."""

from __future__ import annotations

from .graphs import dot_quote, mermaid_escape, render_dot, render_mermaid
from .html_report import render_html
from .jsonout import render_dump_json, render_dumps_json, render_json, render_jsonl_record
from .markdown import render_markdown
from .text import render_dump_text, render_text, render_text_summary

__all__ = [
    "dot_quote",
    "mermaid_escape",
    "render_dot",
    "render_dump_json",
    "render_dump_text",
    "render_dumps_json",
    "render_html",
    "render_json",
    "render_jsonl_record",
    "render_markdown",
    "render_mermaid",
    "render_text",
    "render_text_summary",
]
