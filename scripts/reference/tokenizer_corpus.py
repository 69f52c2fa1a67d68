#!/usr/bin/env python3
"""The tokenizer test corpus: >= 10,000 varied strings, generated deterministically.

Unicode from many scripts (NFC and decomposed forms), emoji sequences, code, whitespace runs,
digits of several numeral systems, contractions in every case, special-token text (whole,
partial and glued), and invalid-looking sequences (controls, noncharacters, private use,
replacement characters, mojibake). `build_corpus()` returns the list; running the file prints
a summary.
"""

import random
import unicodedata

SEED = 20250806
TARGET_SIZE = 10_500

SENTENCES = [
    "Once upon a time, there was a little robot who loved to read.",
    "The quick brown fox jumps over the lazy dog.",
    "I'm sure they'll say we've done what we'd planned, isn't it?",
    "DON'T SHOUT! I'M LISTENING. YOU'LL SEE, WE'VE TRIED, HE'D KNOW.",
    "Ça va? L'été dernier, nous étions à Paris — c'était magnifique!",
    "Größere Straßen führen über die Brücke nach Köln.",
    "Съешь же ещё этих мягких французских булок, да выпей чаю.",
    "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία.",
    "صِف خَلقَ خَودِ كَمِثلِ الشَمسِ إِذ بَزَغَت",
    "דג סקרן שט בים מאוכזב ולפתע מצא חברה",
    "ऋषियों को सताने वाले दुष्ट राक्षसों के राजा रावण का सर्वनाश करने वाले",
    "আমি বাংলায় গান গাই, আমি বাংলার গান গাই।",
    "நான் தமிழ் பேசுகிறேன், உங்களுக்கு எப்படி இருக்கிறது?",
    "เป็นมนุษย์สุดประเสริฐเลิศคุณค่า กว่าบรรดาฝูงสัตว์เดรัจฉาน",
    "我能吞下玻璃而不伤身体。今天天气很好，我们去公园散步吧！",
    "いろはにほへと ちりぬるを わかよたれそ つねならむ。東京タワーへ行きましょう。",
    "다람쥐 헌 쳇바퀴에 타고파. 안녕하세요, 반갑습니다!",
    "Tiếng Việt có dấu: Người ta đi học về muộn.",
    "ქართული ენა ძალიან ლამაზია.",
    "Հայերեն լեզուն շատ գեղեցիկ է։",
    "ሰላም ለዓለም። እንዴት ነህ?",
    "Ελληνικά: Καλημέρα κόσμε! Τι κάνεις;",
    "Türkçe: Pijamalı hasta yağız şoföre çabucak güvendi.",
    "Polski: Zażółć gęślą jaźń.",
    "Українська: Чуєш їх, доцю, га? Кумедна ж ти, прощайся без ґольфів!",
    "ᚠᛇᚻ᛫ᛒᛦᚦ᛫ᚠᚱᚩᚠᚢᚱ᛫ᚠᛁᚱᚪ᛫ᚷᛖᚻᚹᛦᛚᚳᚢᛗ",
    "𝔗𝔥𝔢 𝔮𝔲𝔦𝔠𝔨 𝔟𝔯𝔬𝔴𝔫 𝔣𝔬𝔵 — 𝕸𝖆𝖙𝖍 𝖑𝖊𝖙𝖙𝖊𝖗𝖘 and ℌ𝔦𝔩𝔟𝔢𝔯𝔱 ℵ₀",
    "Emoji: 👋🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇯🇵🇫🇷 ❤️‍🔥 🫠 😀😃😄 ✋🏿 1️⃣ #️⃣",
    "What is the capital of France? Paris is the capital of France.",
    "Die Zahl π ≈ 3.14159, e ≈ 2.71828, √2 ≈ 1.41421; ∑ᵢ xᵢ² ≤ ∞.",
]

CODE = [
    "def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n",
    "struct Point: Hashable {\n\tvar x: Double\n\tvar y: Double\n}\n\nlet p = Point(x: 1.5, y: -2e10)\n",
    '{"model": "smollm2", "temperature": 0.7, "max_tokens": 128, "stop": ["\\n\\n", "<|im_end|>"]}',
    "<html>\n  <body class=\"main\">\n    <p>Hello &amp; welcome!</p>\n  </body>\n</html>\n",
    "for (int i = 0; i < 10; ++i) { sum += a[i] * b[i]; } // dot product\r\n",
    "SELECT id, name FROM users WHERE created_at >= '2024-01-01' ORDER BY id DESC LIMIT 50;",
    "fn main() -> Result<(), Box<dyn Error>> {\n    println!(\"{:?}\", vec![1, 2, 3]);\n    Ok(())\n}\n",
    "    \n\t\t// indented comment\n        return x  \n\n\n",
    "#include <stdio.h>\nint main(void){printf(\"%d\\n\",42);return 0;}",
    "$ ls -la /usr/local/bin | grep -E '^-rwx' && echo \"done\" >> ~/log.txt",
    "x = [i**2 for i in range(100) if i % 3 == 0]  # squares of multiples of three",
    "const f = async (a, b) => { await sleep(1_000); return a ?? b; };",
]

SPECIAL_TEXT = [
    "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|begin_of_text|>", "<|end_of_text|>",
    "<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>", "<|reserved_special_token_5|>",
    "<think>", "</think>", "<tool_call>", "</tool_call>", "<|fim_prefix|>", "<|file_sep|>",
    "<repo_name>", "<filename>", "<jupyter_code>", "<|im_sta", "|im_end|>", "<|im_start|",
    "<<|im_end|>>", "<|im_start|><|im_start|>", "< |im_end| >", "<|IM_END|>",
]

WHITESPACE = [" ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", "\r", " \n ", "\u00a0", "\u3000",
              "\u2028", "\u2029", "\u0085", "\x0b", "\x0c", "\u2003", "\u200a", "\u202f",
              "\u1680", "\u205f", "\t \t", "    \n    ", "\n \n \n"]

CONTRACTIONS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'Re", "'rE",
                "'VE", "'M", "'LL", "'Ll", "'D", "'ſ", "’s", "'x", "''", "'", "'ss", "'dd"]

NUMBERS = ["0", "7", "42", "123", "1234", "12345", "1234567890", "3.14159", "-17", "1e-9",
           "1,000,000", "2024-08-06", "٠١٢٣٤٥٦٧٨٩", "०१२३४५", "０１２３", "²³¹", "½¼¾",
           "Ⅻ", "ⅷ", "①②③", "𝟙𝟚𝟛", "፩፪፫", "〇一二三", "๑๒๓", "00000000", "+1 (555) 010-9999"]

INVALID_LOOKING = ["\ufffd", "\ufffd\ufffd", "\uffff", "\ufdd0", "\U0010ffff", "\U0001fffe",
                   "\ue000", "\uf8ff", "\U000f0000", "\x00", "\x01\x02\x03", "\x1b[31mred\x1b[0m",
                   "\x7f", "\x80\x81\x9f", "\ufeff", "\u200b", "\u200c\u200d", "\u2060",
                   "\u0378", "\u0380", "\U000e01ef", "Ã©tÃ©", "Ã¢â‚¬â„¢", "â€œquotedâ€\x9d",
                   "\\xc3\\x28", "%C3%A9", "&#233;&eacute;", "\u0301\u0301\u0301", "a\u0308\u0301",
                   "\U000e0041\U000e0042", "\ud7ff\ue001", "\u180e", "\u034f", "\u115f\u1160"]

# Code point ranges sampled for random text (all long-assigned, so every Unicode version
# agrees on their categories).
RANGES = [
    (0x20, 0x7E), (0xA0, 0xFF), (0x100, 0x24F), (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x4FF),
    (0x530, 0x58F), (0x5D0, 0x5EA), (0x600, 0x6FF), (0x900, 0x97F), (0x980, 0x9FF), (0xB80, 0xBFF),
    (0xE00, 0xE5B), (0x10A0, 0x10FF), (0x1100, 0x11FF), (0x1E00, 0x1EFF), (0x2000, 0x206F),
    (0x2070, 0x209F), (0x20A0, 0x20BF), (0x2100, 0x214F), (0x2150, 0x218F), (0x2190, 0x22FF),
    (0x2460, 0x24FF), (0x2500, 0x257F), (0x3000, 0x303F), (0x3040, 0x30FF), (0x4E00, 0x9FFF),
    (0xAC00, 0xD7A3), (0xFF00, 0xFFEF), (0x1F300, 0x1F64F), (0x1F900, 0x1F9FF), (0x1D400, 0x1D7FF),
]


def random_scalar(rng):
    low, high = rng.choice(RANGES)
    while True:
        ch = chr(rng.randint(low, high))
        if unicodedata.category(ch) != "Cn" and unicodedata.category(ch) != "Cs":
            return ch


def random_text(rng, length):
    return "".join(random_scalar(rng) for _ in range(length))


def random_mix(rng):
    pools = [SENTENCES, CODE, SPECIAL_TEXT, WHITESPACE, CONTRACTIONS, NUMBERS, INVALID_LOOKING]
    parts = []
    for _ in range(rng.randint(2, 8)):
        pool = rng.choice(pools)
        item = rng.choice(pool)
        if pool in (SENTENCES, CODE) and rng.random() < 0.5:
            start = rng.randint(0, len(item) - 1)
            item = item[start:start + rng.randint(1, 40)]
        parts.append(item)
        if rng.random() < 0.4:
            parts.append(rng.choice(WHITESPACE))
    return "".join(parts)


def word_salad(rng):
    words = " ".join(SENTENCES).split()
    return rng.choice(["", " ", "\n"]).join(rng.choice(words) for _ in range(rng.randint(1, 12)))


def numbers(rng):
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 20)))
    glue = rng.choice(["", " ", "x", ".", ",", "\n", "abc", "€", "½"])
    return rng.choice([digits, glue + digits, digits + glue + rng.choice(NUMBERS), f"v{digits}.{rng.randint(0, 99)}"])


def whitespace_runs(rng):
    run = "".join(rng.choice(WHITESPACE) for _ in range(rng.randint(1, 12)))
    word = rng.choice(["", "a", "word", "ß", "中", "!", "1", "'s", "<|im_end|>"])
    return rng.choice([run, run + word, word + run, word + run + word, run + word + run])


def decomposed(rng):
    sentence = rng.choice(SENTENCES)
    return unicodedata.normalize(rng.choice(["NFD", "NFKD", "NFC", "NFKC"]), sentence)


def build_corpus():
    rng = random.Random(SEED)
    corpus = ["", " ", "\n", "a", "hello", " world", "Hello, world!"]
    corpus += SENTENCES + CODE + SPECIAL_TEXT + WHITESPACE + CONTRACTIONS + NUMBERS + INVALID_LOOKING
    corpus += [" " + c for c in CONTRACTIONS] + ["x" + c + "y" for c in CONTRACTIONS]
    corpus = list(dict.fromkeys(corpus))  # the lists share a few entries (" ", "\n")
    generators = [random_mix, random_mix, random_mix, word_salad, numbers, whitespace_runs, decomposed,
                  lambda r: random_text(r, r.randint(1, 60)),
                  lambda r: random_text(r, r.randint(1, 8)) + rng.choice(SPECIAL_TEXT) + random_text(r, r.randint(0, 8))]
    seen = set(corpus)
    while len(corpus) < TARGET_SIZE:
        text = rng.choice(generators)(rng)
        if text not in seen:
            seen.add(text)
            corpus.append(text)
    # A few long inputs, so whitespace runs and letter runs longer than any word are covered.
    corpus.append(" " * 300 + "x" + "\n" * 200)
    corpus.append("".join(rng.choice(SENTENCES) for _ in range(40)))
    corpus.append(random_text(rng, 2000))
    corpus.append("中" * 700 + "文" * 300)
    return corpus


if __name__ == "__main__":
    corpus = build_corpus()
    print(f"{len(corpus)} strings, {sum(len(s) for s in corpus)} characters, "
          f"{sum(len(s.encode()) for s in corpus)} UTF-8 bytes")
