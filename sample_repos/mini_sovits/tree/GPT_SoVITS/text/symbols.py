# The phoneme inventory shared by the text front end, the GPT stage and the SoVITS text
# encoder. Its order is part of every checkpoint: a phoneme id is a row of an embedding.

pad = "_"
punctuation = ["!", "?", "…", ",", "."]
pu_symbols = punctuation + ["SP", "SP2", "SP3", "UNK"]

# Mandarin: pinyin initials, and finals with tones 1-5 (5 is the neutral tone)
c = [
    "AA", "EE", "OO", "b", "c", "ch", "d", "f", "g", "h", "j", "k", "l",
    "m", "n", "p", "q", "r", "s", "sh", "t", "w", "x", "y", "z", "zh",
]
v_finals = [
    "E", "En", "a", "ai", "an", "ang", "ao", "e", "ei", "en", "eng", "er", "i",
    "i0", "ia", "ian", "iang", "iao", "ie", "in", "ing", "iong", "ir", "iu", "o",
    "ong", "ou", "u", "ua", "uai", "uan", "uang", "ui", "un", "uo", "v", "van",
    "ve", "vn",
]
v = [final + str(tone) for final in v_finals for tone in range(1, 6)]

# English: ARPAbet, vowels carry lexical stress 0-2
arpa_vowels = [
    "AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY",
    "UH", "UW",
]
arpa_consonants = [
    "B", "CH", "D", "DH", "F", "G", "HH", "JH", "K", "L", "M", "N", "NG", "P",
    "R", "S", "SH", "T", "TH", "V", "W", "Y", "Z", "ZH",
]
arpa = [vowel + str(stress) for vowel in arpa_vowels for stress in range(3)]
arpa += arpa_consonants

symbols = [pad] + c + v + pu_symbols + arpa
symbols = sorted(set(symbols))

if __name__ == "__main__":
    print(len(symbols))
