#!/usr/bin/python3
"""Independent Python reference for the C# CLIP tokenizer.

Re-implements OpenAI's clip/simple_tokenizer.py + clip.tokenize(truncate=True) with the
real Python machinery the reference depends on (str.lower, the `regex` module's \\p{L},
\\p{N} and \\s, html.unescape), and writes:

  reference_ids.jsonl  one {"text", "ids", "truncated"} per line, ids padded-free
  unicode_tables.txt   per-code-point tables (regex classes, str.lower, Final_Sigma context)

NOTE: ftfy is not installed here, so `fix_text` below implements only the ftfy subset the
C# code implements (html unescape of ftfy's own table when no '<', terminal escapes,
whole-line Windows-1252/Latin-1 mojibake re-decode, C1 controls, Latin ligatures,
character width, curly quotes, line breaks, control chars, NFC; repeated to a fixed point).
Cases that exercise ftfy's heuristics beyond that are not covered by this file.

Run: /usr/bin/python3 make_reference.py
"""
import gzip
import html
import html.entities
import json
import pathlib
import re as stdre
import unicodedata

import regex

HERE = pathlib.Path(__file__).resolve().parent
VOCAB = HERE.parents[3] / "src/Clip.Inference/Models/tiny-clip/bpe_simple_vocab_16e6.txt.gz"


# ---------------------------------------------------------------- ftfy subset
def _sloppy_1252():
    table = {}
    for b in range(256):
        try:
            table[b] = bytes([b]).decode("cp1252")
        except UnicodeDecodeError:
            table[b] = chr(b)
    return table

SLOPPY = _sloppy_1252()
SLOPPY_ENCODE = {c: b for b, c in SLOPPY.items()}

FTFY_ENTITIES = {}
for _name, _char in html.entities.html5.items():
    if _name.endswith(";"):
        FTFY_ENTITIES["&" + _name] = _char
        if _name == _name.lower():
            _upper = "&" + _name.upper()
            if html.unescape(_upper) == _upper:
                FTFY_ENTITIES[_upper] = _char.upper()

def _ftfy_unescape_one(match):
    text = match.group(0)
    if text in FTFY_ENTITIES:
        return FTFY_ENTITIES[text]
    if text.startswith("&#"):
        unescaped = html.unescape(text)
        return text if ";" in unescaped else unescaped
    return text

LIGATURES = {
    "Ĳ": "IJ", "ĳ": "ij", "ŉ": "ʼn", "Ǳ": "DZ", "ǲ": "Dz", "ǳ": "dz", "Ǆ": "DŽ", "ǅ": "Dž", "ǆ": "dž",
    "Ǉ": "LJ", "ǈ": "Lj", "ǉ": "lj", "Ǌ": "NJ", "ǋ": "Nj", "ǌ": "nj",
    "ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "ſt", "ﬆ": "st",
}
WIDTH = {"\u3000": " "}
for _i in range(0xFF01, 0xFFF0):
    _alt = unicodedata.normalize("NFKC", chr(_i))
    if _alt != chr(_i):
        WIDTH[chr(_i)] = _alt
CONTROL = set(list(range(0, 9)) + [0x0B] + list(range(0x0E, 0x20)) + [0x7F]
              + list(range(0x206A, 0x2070)) + [0xFEFF] + list(range(0xFFF9, 0xFFFD)))

def _reencode_line(line):
    if line.isascii():
        return line
    for encode in (lambda s: bytes(SLOPPY_ENCODE[c] for c in s), lambda s: s.encode("latin-1")):
        try:
            return encode(line).decode("utf-8")
        except (KeyError, UnicodeError):
            continue
    return line

def fix_text(text):
    unescape = "<" not in text
    for _ in range(16):
        before = text
        if unescape:
            text = stdre.sub(r"&#?[0-9A-Za-z]{1,24};", _ftfy_unescape_one, text)
        text = stdre.sub("\x1b\\[[0-9;]*[a-zA-Z]", "", text)
        text = "".join(_reencode_line(line) for line in regex.split(r"(?<=\n)", text))
        text = "".join(SLOPPY[ord(c)] if 0x80 <= ord(c) <= 0x9F else c for c in text)
        text = "".join(LIGATURES.get(c, c) for c in text)
        text = "".join(WIDTH.get(c, c) for c in text)
        text = regex.sub("[\u02bc\u2018-\u201b]", "'", text)
        text = regex.sub("[\u201c-\u201f]", '"', text)
        text = (text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
                .replace("\u2029", "\n").replace("\u0085", "\n"))
        text = "".join(c for c in text if ord(c) not in CONTROL)
        text = unicodedata.normalize("NFC", text)
        if text == before:
            break
    return text


# ---------------------------------------------------------------- simple_tokenizer
def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))

def basic_clean(text):
    text = fix_text(text)
    text = html.unescape(html.unescape(text))
    return text.strip()

def whitespace_clean(text):
    return regex.sub(r"\s+", " ", text).strip()

class Tokenizer:
    def __init__(self, path):
        self.byte_encoder = bytes_to_unicode()
        merges = gzip.open(path).read().decode("utf-8").split("\n")
        merges = [tuple(m.split()) for m in merges[1:49152 - 256 - 2 + 1]]
        vocab = list(self.byte_encoder.values())
        vocab = vocab + [v + "</w>" for v in vocab]
        vocab += ["".join(m) for m in merges]
        vocab += ["<|startoftext|>", "<|endoftext|>"]
        self.encoder = dict(zip(vocab, range(len(vocab))))
        self.ranks = dict(zip(merges, range(len(merges))))
        self.cache = {"<|startoftext|>": "<|startoftext|>", "<|endoftext|>": "<|endoftext|>"}
        self.pat = regex.compile(
            r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
            regex.IGNORECASE)

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = list(token[:-1]) + [token[-1] + "</w>"]
        while len(word) > 1:
            pairs = [(self.ranks.get(p, float("inf")), p) for p in zip(word, word[1:])]
            rank, (first, second) = min(pairs, key=lambda x: x[0])
            if rank == float("inf"):
                break
            merged, i = [], 0
            while i < len(word):
                if i < len(word) - 1 and word[i] == first and word[i + 1] == second:
                    merged.append(first + second)
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            word = merged
        result = " ".join(word)
        self.cache[token] = result
        return result

    def encode(self, text):
        ids = []
        text = whitespace_clean(basic_clean(text)).lower()
        for token in regex.findall(self.pat, text):
            token = "".join(self.byte_encoder[b] for b in token.encode("utf-8"))
            ids.extend(self.encoder[t] for t in self.bpe(token).split(" "))
        return ids

    def tokenize(self, text, context_length=77):
        ids = [self.encoder["<|startoftext|>"]] + self.encode(text) + [self.encoder["<|endoftext|>"]]
        truncated = len(ids) > context_length
        if truncated:
            ids = ids[:context_length]
            ids[-1] = self.encoder["<|endoftext|>"]
        return ids, truncated


# ---------------------------------------------------------------- cases
CASES = [
    "", " ", "   \t\n  ", "a photo of a dog.", "A Photo Of A DOG.", "a photo of a hot dog, a type of food.",
    "🐶 dog", "Tom &amp; Jerry", "a photo of a cat", "a photo of a {}.", "<|startoftext|>", "<|endoftext|>",
    "hello<|endoftext|>world", "!<|endoftext|>", "<|ENDOFTEXT|>", "<|ſtartoftext|>", "<|startoftext", "<|",
    # contractions
    "don't", "it's", "they're", "we've", "I'm", "you'll", "he'd", "DON'T", "IT'S", "'s'", "''s", "'sam",
    "it‘s", "it’s", "rock ’n’ roll", "'ſ", "o'clock", "rock'n'roll", "'ll'", "can't won't shouldn't",
    # numbers
    "1234567890", "3.14159", "1,000,000", "2024-01-01", "٣٤٥", "१२३", "①②③", "Ⅻ", "½ cup", "x²", "0xFF",
    "१२३ ४५६", "𝟙𝟚𝟛", "๑๒๓",
    # scripts
    "日本語のテキスト", "中文字符测试", "한국어 텍스트", "مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया",
    "Привет, мир!", "ΟΔΟΣ", "ΟΔΟΣ ΑΘΗΝΑΣ.", "Σ", "ΑΣ", "ΑΣΑ", "Α.Σ.", "ΣΑ", "ΌΣΟΣ", "Ελληνικά", "สวัสดีครับ",
    "ქართული", "Հայերեն", "ኢትዮጵያ", "தமிழ்", "বাংলা", "ภาษาไทย", "Tiếng Việt", "Ünïcödé", "İstanbul",
    "ISTANBUL İ", "straße STRASSE", "ẞ", "Ǆemal ǅ", "ﬁnance ﬂow ﬀ ﬃ ﬄ ﬅ ﬆ", "𝐀𝐁𝐂 bold", "𠀀𠀁 ext b",
    "𐐀𐐨 deseret", "ΑΒΓ", "ꙮ", "Ⓐⓑ", "K Kelvin Å angstrom", "ǅ", "ᾈ", "ῼ",
    # emoji
    "👍🏽", "👨‍👩‍👧‍👦 family", "🏳️‍🌈", "🇺🇸🇯🇵 flags", "❤️", "☺", "🐶🐱🐭", "a🐶b", "1️⃣", "😀 😃 😄",
    "🧑🏿‍🚀", "🫠", "✔", "©®™",
    # entities
    "&amp;", "&amp;amp;", "&amp;amp;amp;", "&lt;b&gt;bold&lt;/b&gt;", "<b>&amp;amp;</b>", "&copy 2024", "&copy;2024",
    "&notit;", "&notin;", "&eacute;", "&EACUTE;", "&Eacute;", "&#39;", "&#x27;", "&#X41;", "&#65", "&#0;",
    "&#128;", "&#x110000;", "&#xD800;", "&#1;", "&#xFFFF;", "&nbsp;a", "&ampx", "&#;", "&#x;", "& amp;",
    "&amp;lt;3", "&szlig;&SZLIG;", "&NTILDE;", "&#99999999999999999999;", "&#59;", "&quot;hi&quot;",
    "&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;", "&ThickSpace;x",
    # ftfy subset
    "cafÃ©", "Ã©tÃ©", "â€œquotedâ€\x9d", "donâ€™t", "“smart” ‘quotes’ „low‟", "ʼapostrophe",
    "ＦＵＬＬＷＩＤＴＨ　ｔｅｘｔ！", "ｶﾞｷﾞ", "￥５００", "tab\tnew\nline\r\ncr", "null\x00char", "bell\x07",
    "\x1b[31mred\x1b[0m", "\ufeffbom", "zero\u200bwidth", "soft\u00adhyphen", "e\u0301", "\u1e9b\u0323",
    "c1 \x85 \x80 \x81", "café", "naïve", "\u2028line\u2029para", "\x1c\x1dfs\x1e\x1f",
    # whitespace
    "a\u00a0b", "a\u2003b", "a\u3000b", "a\u200ab", "a\u202fb", "a\u205fb", "a\u1680b", "a\x0bb\x0cc",
    "  leading and trailing  ", "multiple     spaces", "a\u180eb",
    # punctuation runs
    "hello!!!", "...", "?!?!", "a--b", "(parenthesized)", "[brackets]", "{braces}", "@user #hashtag",
    "http://example.com/path?q=1", "email@example.com", "C++ & C#", "$100.00", "50%", "~`^", "\\", "|",
    # mixed
    "The quick brown fox jumps over the lazy dog", "HELLO world", "camelCaseWord", "snake_case_word",
    "ALLCAPS", "MiXeD CaSe", "a b c d e f g", "supercalifragilisticexpialidocious",
    "pneumonoultramicroscopicsilicovolcanoconiosis", "x" * 300,
    " ".join(["word"] * 100),
    " ".join(["photo"] * 75),
    " ".join(["photo"] * 76),
    "a " * 80,
    "🐶" * 40,
    "日本" * 60,
]


def ranges(predicate):
    out, start = [], None
    for cp in range(0x110001):
        inside = cp < 0x110000 and predicate(cp)
        if inside and start is None:
            start = cp
        elif not inside and start is not None:
            out.append((start, cp - 1))
            start = None
    return out


def write_unicode_tables(path):
    lines = []
    def add(kind, predicate):
        lines.extend(f"{kind} {a:X} {b:X}" for a, b in ranges(predicate))
    add("L", lambda cp: regex.match(r"\p{L}", chr(cp)) is not None)
    add("N", lambda cp: regex.match(r"\p{N}", chr(cp)) is not None)
    add("S", lambda cp: regex.match(r"\s", chr(cp)) is not None)
    # Code points the regex module knows (its Unicode version may be older than .NET's).
    add("R", lambda cp: regex.match(r"\p{Assigned}", chr(cp)) is not None)
    # Code points Python 3.11 knows (Unicode 14): lower() is only meaningful to compare there.
    add("A", lambda cp: unicodedata.category(chr(cp)) not in ("Cn", "Cs"))
    # Final_Sigma context, probed through str.lower itself (see PythonLowercase.cs):
    # "xΣ" ends in ς iff x is cased and not case-ignorable; "AxΣ" iff x is case-ignorable or cased.
    cased = lambda cp: ("" + chr(cp) + "Σ").lower()[-1] == "ς"
    add("C", lambda cp: (0xD800 > cp or cp > 0xDFFF) and cased(cp))
    add("I", lambda cp: (0xD800 > cp or cp > 0xDFFF) and ("A" + chr(cp) + "Σ").lower()[-1] == "ς" and not cased(cp))
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        lower = chr(cp).lower()
        if lower != chr(cp):
            lines.append(f"W {cp:X} " + " ".join(f"{ord(c):X}" for c in lower))
    path.write_text("\n".join(lines) + "\n", encoding="ascii")


def main():
    tok = Tokenizer(VOCAB)
    with open(HERE / "reference_ids.jsonl", "w", encoding="utf-8") as out:
        for text in CASES:
            ids, truncated = tok.tokenize(text)
            out.write(json.dumps({"text": text, "ids": ids, "truncated": truncated}, ensure_ascii=True) + "\n")
    write_unicode_tables(HERE / "unicode_tables.txt")
    print(len(CASES), "cases")


if __name__ == "__main__":
    main()
