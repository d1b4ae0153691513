#!/usr/bin/python3
"""Writes src/Clip.Inference/Tokenization/Html5Entities.txt from Python's own tables.

Lines are `H<TAB>name<TAB>hex code points` for html.entities.html5 (what
html.unescape knows, including the legacy names without ';') and
`U<TAB>NAME;<TAB>hex code points` for the upper-cased names that ftfy's
unescape_html also decodes (lower-case html5 names upper-cased, when
html.unescape leaves them alone; the value is Python's str.upper()).
"""
import html
import html.entities
import pathlib

out = pathlib.Path(__file__).resolve().parents[4] / "src/Clip.Inference/Tokenization/Html5Entities.txt"
lines = []
def hexes(s):
    return " ".join(f"{ord(c):X}" for c in s)
for name, char in sorted(html.entities.html5.items()):
    lines.append(f"H\t{name}\t{hexes(char)}")
for name, char in sorted(html.entities.html5.items()):
    if name.endswith(";") and name == name.lower():
        upper = "&" + name.upper()
        if html.unescape(upper) == upper:
            lines.append(f"U\t{name.upper()}\t{hexes(char.upper())}")
out.write_text("\n".join(lines) + "\n", encoding="ascii")
print(out, len(lines))
