"""Currencies the stand-in accepts: Stripe-supported ISO 4217 codes with two decimal places.

Zero- and three-decimal currencies (jpy, krw, bhd, ...) are valid at Stripe but left out here,
because the hosted page formats every amount as minor units / 100.
"""

TWO_DECIMAL = frozenset(
    ["aed", "afn", "all", "amd", "ang", "aoa", "ars", "aud", "awg", "azn", "bam", "bbd", "bdt", "bgn", "bmd", "bnd", "bob", "brl", "bsd", "bwp", "byn", "bzd", "cad", "cdf", "chf", "cny", "cop", "crc", "cve", "czk", "dkk", "dop", "dzd", "egp", "etb", "eur", "fjd", "fkp", "gbp", "gel", "gip", "gmd", "gtq", "gyd", "hkd", "hnl", "htg", "huf", "idr", "ils", "inr", "isk", "jmd", "kes", "kgs", "khr", "kyd", "kzt", "lak", "lbp", "lkr", "lrd", "lsl", "mad", "mdl", "mkd", "mmk", "mnt", "mop", "mur", "mvr", "mwk", "mxn", "myr", "mzn", "nad", "ngn", "nio", "nok", "npr", "nzd", "pab", "pen", "pgk", "php", "pkr", "pln", "qar", "ron", "rsd", "rub", "sar", "sbd", "scr", "sek", "sgd", "shp", "sle", "sos", "srd", "std", "szl", "thb", "tjs", "top", "try", "ttd", "twd", "tzs", "uah", "uzs", "wst", "xcd", "yer", "zar", "zmw"]
)

ZERO_OR_THREE_DECIMAL = frozenset(
    ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf", "bhd", "jod", "kwd", "omr", "tnd"]
)

# Stripe's minimum charge per currency in minor units (its "minimum and maximum charge amounts" table).
MINIMUM_CHARGE = {"gbp": 30, "eur": 50, "usd": 50, "aud": 50, "cad": 50, "chf": 50, "nzd": 50, "sgd": 50}
DEFAULT_MINIMUM_CHARGE = 50

# Stripe's largest amount for a single charge: eight digits of minor units.
MAXIMUM_AMOUNT = 99_999_999
