"""The words the metadata rules look for, as data, and the patterns made of them.

Two kinds of list:

- **Translation tables** (:data:`TABLES`): one concept ("by", "author", a reporter's role,
  "published", the months...) in every language of :data:`LANGUAGES`, the languages of the
  sources (the configured ones, English and Chinese in both scripts, and the many of the
  metadata corpus). Complete by language, so nothing in them is chosen for one publisher: a
  language without such a word has an empty tuple.
- **Observed strings** (:data:`LISTS`): agencies, CMS accounts, ``<meta>`` names, class
  names, URL paths... as pages spell them. These are what a corpus could tune, so the
  quality gate (``tests/quality/eval_metadata.py --by-publisher``) takes each entry away
  from the publishers that alone need it (leave one publisher out).

:data:`LIMITS` are the rules' thresholds; the gate chooses each on the other publishers.
The patterns are built once from the lists (:func:`clear` after changing one).
"""

from __future__ import annotations

import re
from functools import cache

__all__ = ["LANGUAGES", "LIMITS", "LISTS", "TABLES", "clear", "months", "words"]

LANGUAGES = (
    "en", "zh", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "no", "cs", "pl", "ru",
    "tr", "id", "ja", "ko",
)  # fmt: skip

# ---------------------------------------------------------------- translation tables
# What precedes a name in a byline: "By Jane Doe", "Von", "文/李静怡", "作者：".
BY: dict[str, tuple[str, ...]] = {
    "en": ("by", "words by", "text by", "written by", "text"),
    "zh": ("文", "撰文", "作者", "采写", "採寫", "来源", "來源"),
    "de": ("von", "text", "geschrieben von", "ein kommentar von", "kommentar von"),
    "fr": ("par", "texte"),
    "es": ("por", "texto"),
    "it": ("di", "a cura di", "testo"),
    "pt": ("por", "texto"),
    "nl": ("door", "tekst"),
    "sv": ("av", "text"),
    "da": ("af", "tekst"),
    "no": ("av", "tekst"),
    "cs": ("text",),
    "pl": ("przez", "tekst"),
    "ru": ("текст",),
    "tr": ("yazan",),
    "id": ("oleh", "penulis"),
    "ja": ("文",),
    "ko": ("글",),
}
# A label printed before the author's name: "<strong>Autorin/Autor</strong> Jane Doe".
AUTHOR_LABELS: dict[str, tuple[str, ...]] = {
    "en": ("author", "authors", "written by", "byline"),
    "zh": ("作者", "记者", "記者", "撰稿"),
    "de": ("autor", "autorin", "autoren", "autorinnen", "autorin/autor", "geschrieben von"),
    "fr": ("auteur", "auteurs", "autrice"),
    "es": ("autor", "autora", "autores"),
    "it": ("autore", "autrice", "autori"),
    "pt": ("autor", "autora", "autores"),
    "nl": ("auteur", "auteurs"),
    "sv": ("författare", "skribent"),
    "da": ("forfatter", "skribent"),
    "no": ("forfatter", "skribent"),
    "cs": ("autor", "autorka", "autoři"),
    "pl": ("autor", "autorka", "autorzy"),
    "ru": ("автор", "авторы"),
    "tr": ("yazar",),
    "id": ("penulis", "reporter"),
    "ja": ("著者", "筆者"),
    "ko": ("기자", "글쓴이"),
}
# A reporter's role, before or after the name: "Jane Doe, Staff Writer", "记者 李静怡".
ROLES: dict[str, tuple[str, ...]] = {
    "en": (
        "reporter", "senior reporter", "staff reporter", "staff writer", "writer",
        "senior writer", "correspondent", "senior correspondent", "foreign correspondent",
        "editor", "senior editor", "deputy editor", "political editor", "contributor",
        "contributing writer", "columnist", "journalist", "freelance writer",
        "freelance journalist", "photographer",
    ),
    "zh": (
        "记者", "記者", "本报记者", "本報記者", "特约记者", "特約記者", "实习记者", "實習記者",
        "见习记者", "見習記者", "首席记者", "首席記者", "通讯员", "通訊員", "特约撰稿人",
        "特約撰稿人", "特约", "特約", "撰稿人", "编辑", "編輯", "责任编辑", "責任編輯",
        "责编", "責編", "特派员", "特派員", "主笔", "主筆", "评论员", "評論員", "摄影", "攝影",
    ),
    "de": (
        "redakteur", "redakteurin", "korrespondent", "korrespondentin", "reporter",
        "reporterin", "journalist", "journalistin", "autor", "autorin", "volontär",
        "volontärin", "kolumnist", "kolumnistin", "leitender redakteur",
        "leitende redakteurin",
    ),
    "fr": ("journaliste", "correspondant", "correspondante", "rédacteur", "rédactrice",
           "envoyé spécial", "envoyée spéciale", "chroniqueur", "chroniqueuse"),
    "es": ("periodista", "corresponsal", "redactor", "redactora", "enviado especial",
           "enviada especial", "columnista"),
    "it": ("giornalista", "corrispondente", "inviato", "inviata", "redattore", "redattrice"),
    "pt": ("jornalista", "correspondente", "repórter", "redator", "redatora", "colunista"),
    "nl": ("verslaggever", "correspondent", "redacteur", "journalist", "columnist"),
    "sv": ("reporter", "korrespondent", "journalist", "redaktör", "krönikör"),
    "da": ("journalist", "korrespondent", "redaktør", "reporter"),
    "no": ("journalist", "korrespondent", "redaktør", "reporter", "kommentator"),
    "cs": ("reportér", "reportérka", "redaktor", "redaktorka", "zpravodaj", "zpravodajka"),
    "pl": ("dziennikarz", "dziennikarka", "korespondent", "redaktor", "reporter"),
    "ru": ("корреспондент", "журналист", "редактор", "обозреватель"),
    "tr": ("muhabir", "editör", "yazar"),
    "id": ("wartawan", "reporter", "jurnalis", "editor", "kontributor"),
    "ja": ("記者", "編集委員", "特派員", "論説委員"),
    "ko": ("기자", "선임기자", "특파원", "논설위원", "객원기자", "인턴기자"),
}  # fmt: skip
# An editorial team credited as author: "MND Staff", "BR24 Redaktion", "编辑部".
STAFF: dict[str, tuple[str, ...]] = {
    "en": ("staff", "newsroom", "news desk", "desk", "editors", "editorial team", "team",
           "editorial board", "wire"),
    "zh": ("编辑部", "編輯部", "新闻中心", "新聞中心", "本报", "本報", "综合报道", "綜合報導"),
    "de": ("redaktion", "online-redaktion", "nachrichtenredaktion", "newsdesk"),
    "fr": ("rédaction", "la rédaction"),
    "es": ("redacción",),
    "it": ("redazione",),
    "pt": ("redação", "redacção"),
    "nl": ("redactie",),
    "sv": ("redaktionen",),
    "da": ("redaktionen",),
    "no": ("redaksjonen",),
    "cs": ("redakce",),
    "pl": ("redakcja",),
    "ru": ("редакция",),
    "tr": ("haber merkezi",),
    "id": ("redaksi", "tim redaksi"),
    "ja": ("編集部",),
    "ko": ("편집국", "디지털뉴스부"),
}  # fmt: skip
# What opens a photo credit, never a byline: "Foto: Jane Doe", "图/李静怡".
PHOTO: dict[str, tuple[str, ...]] = {
    "en": ("photo", "photos", "image", "picture", "credit"), "zh": ("图", "圖", "摄影", "攝影"),
    "de": ("foto", "fotos", "bild"), "fr": ("photo", "crédit"), "es": ("foto", "imagen"),
    "it": ("foto",), "pt": ("foto", "imagem"), "nl": ("foto", "beeld"), "sv": ("foto", "bild"),
    "da": ("foto",), "no": ("foto",), "cs": ("foto",), "pl": ("fot", "zdjęcie"),
    "ru": ("фото",), "tr": ("fotoğraf",), "id": ("foto",), "ja": ("写真",), "ko": ("사진",),
}  # fmt: skip
# Words joining two names in one byline.
AND: dict[str, tuple[str, ...]] = {
    "en": ("and",), "zh": ("和", "与", "與", "及"), "de": ("und",), "fr": ("et",),
    "es": ("y",), "it": ("e",), "pt": ("e",), "nl": ("en",), "sv": ("och",),
    "da": ("og",), "no": ("og",), "cs": (), "pl": (), "ru": ("и",), "tr": ("ve",),
    "id": ("dan",), "ja": ("と",), "ko": (),
}  # fmt: skip
# A label printed before the publication date: "Published", "Erstellt:", "Datum".
DATE_LABELS: dict[str, tuple[str, ...]] = {
    "en": ("date", "published", "published on", "posted", "posted on", "first published"),
    "zh": ("发布时间", "發布時間", "发表时间", "發表時間", "日期", "发布日期", "發布日期"),
    "de": ("datum", "veröffentlicht", "veröffentlicht am", "erschienen", "erschienen am",
           "erstellt", "erstellt am", "publiziert", "publiziert am", "zuerst veröffentlicht am"),
    "fr": ("date", "publié", "publié le", "mis en ligne le"),
    "es": ("fecha", "publicado", "publicado el"),
    "it": ("data", "pubblicato", "pubblicato il"),
    "pt": ("data", "publicado", "publicado em"),
    "nl": ("datum", "gepubliceerd", "gepubliceerd op"),
    "sv": ("datum", "publicerad"),
    "da": ("dato", "publiceret"),
    "no": ("dato", "publisert"),
    "cs": ("datum", "publikováno", "vydáno"),
    "pl": ("data", "opublikowano"),
    "ru": ("дата", "опубликовано"),
    "tr": ("tarih", "yayınlanma", "yayınlanma tarihi"),
    "id": ("tanggal", "diterbitkan", "dipublikasikan"),
    "ja": ("公開日", "配信日", "掲載日"),
    "ko": ("입력", "등록", "게재"),
}  # fmt: skip
# What marks a later date, which is never the publication's.
UPDATED: dict[str, tuple[str, ...]] = {
    "en": ("updated", "last updated", "modified", "edited"),
    "zh": ("更新", "修改"), "de": ("aktualisiert", "geändert", "zuletzt"),
    "fr": ("mis à jour", "modifié", "actualisé"), "es": ("actualizado", "modificado"),
    "it": ("aggiornato", "modificato"), "pt": ("atualizado", "actualizado"),
    "nl": ("bijgewerkt", "gewijzigd"), "sv": ("uppdaterad",), "da": ("opdateret",),
    "no": ("oppdatert",), "cs": ("aktualizováno",), "pl": ("zaktualizowano",),
    "ru": ("обновлено",), "tr": ("güncellenme", "güncellendi"), "id": ("diperbarui",),
    "ja": ("更新",), "ko": ("수정",),
}  # fmt: skip
# The months, January first; each name may be written in full or cut after 3+ letters.
MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"),
    "zh": (),  # 2025年4月28日: digits
    "de": ("januar", "februar", "märz", "april", "mai", "juni", "juli", "august",
           "september", "oktober", "november", "dezember"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"),
    "it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
           "settembre", "ottobre", "novembre", "dicembre"),
    "pt": ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto",
           "setembro", "outubro", "novembro", "dezembro"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"),
    "sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
           "september", "oktober", "november", "december"),
    "da": ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
           "september", "oktober", "november", "december"),
    "no": ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august",
           "september", "oktober", "november", "desember"),
    "cs": ("ledna", "února", "března", "dubna", "května", "června", "července", "srpna",
           "září", "října", "listopadu", "prosince"),
    "pl": ("stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca",
           "sierpnia", "września", "października", "listopada", "grudnia"),
    "ru": ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
           "сентября", "октября", "ноября", "декабря"),
    "tr": ("ocak", "şubat", "mart", "nisan", "mayıs", "haziran", "temmuz", "ağustos",
           "eylül", "ekim", "kasım", "aralık"),
    "id": ("januari", "februari", "maret", "april", "mei", "juni", "juli", "agustus",
           "september", "oktober", "november", "desember"),
    "ja": (),  # 2025年4月28日
    "ko": (),  # 2025년 4월 28일
}  # fmt: skip

TABLES = (
    "BY", "AUTHOR_LABELS", "ROLES", "STAFF", "PHOTO", "AND", "DATE_LABELS", "UPDATED", "MONTHS",
)  # fmt: skip

# ---------------------------------------------------------------- observed strings
# News agencies: credited, never taken for a person.
AGENCIES: tuple[str, ...] = (
    "reuters", "ap", "associated press", "afp", "agence france-presse", "dpa",
    "deutsche presse-agentur", "apa", "ansa", "efe", "europa press", "xinhua", "bloomberg",
    "kyodo", "jiji", "yonhap", "pa", "pa media", "kna", "epd", "sda", "keystone-sda", "sid",
    "ians", "pti", "ani", "tass", "ria novosti", "interfax", "anadolu", "belga", "anp", "ntb",
    "tt", "ritzau", "čtk", "ctk", "pap", "cna", "新华社", "新華社", "中新社", "中央社", "路透社",
    "美联社", "美聯社", "法新社", "共同通信", "時事通信", "연합뉴스", "뉴시스",
)  # fmt: skip
# The CMS's own accounts in an author's page URL: "/author/admin/".
ACCOUNTS: tuple[str, ...] = (
    "admin", "administrator", "editor", "redaktion", "staff", "webmaster",
)  # fmt: skip
# <meta> names (or properties) holding the author.
AUTHOR_META: tuple[str, ...] = (
    "author", "article:author", "dc.creator", "dcterms.creator", "parsely-author",
    "sailthru.author", "byl",
)  # fmt: skip
# <meta> names (or properties) holding the publication date.
DATE_META: tuple[str, ...] = (
    "article:published_time", "og:published_time", "og:article:published_time",
    "datepublished", "pubdate", "publishdate", "publish-date", "publish_date", "date",
    "dc.date.issued", "dc.date", "dcterms.created", "dcterms.issued", "sailthru.date",
    "parsely-pub-date", "article.published", "published_time", "cxenseparse:recs:publishtime",
)  # fmt: skip
# Class names (parts of) of a byline element, the most specific first.
BYLINE_CLASSES: tuple[str, ...] = ("byline", "author", "autor", "writer")
# URL paths of an author's page.
AUTHOR_PATHS: tuple[str, ...] = (
    "/author/", "/authors/", "/autor/", "/autoren/", "/auteur/", "/reporter/",
    "/journalist/", "/people/", "/profile/",
)  # fmt: skip
# Class names (parts of) of an element printing the publication date.
DATE_CLASSES: tuple[str, ...] = (
    "date", "time", "datum", "dateline", "published", "pubdate", "timestamp",
)  # fmt: skip
# Words of a share or follow widget, never a byline.
SOCIAL: tuple[str, ...] = (
    "twitter", "facebook", "instagram", "linkedin", "whatsapp", "share", "follow", "teilen",
    "partager",
)  # fmt: skip
# Labels of a host that do not name the site ("www" of www.golem.de).
GENERIC_HOST_LABELS: tuple[str, ...] = (
    "www", "news", "com", "org", "net", "amp", "edition", "online", "web", "m", "mobile",
)  # fmt: skip

LISTS = (
    "AGENCIES", "ACCOUNTS", "AUTHOR_META", "DATE_META", "BYLINE_CLASSES", "AUTHOR_PATHS",
    "DATE_CLASSES", "SOCIAL", "GENERIC_HOST_LABELS",
)  # fmt: skip

# ---------------------------------------------------------------- thresholds
LIMITS: dict[str, int] = {
    "lead_lines": 3,  # the body's first lines where a byline line is looked for
    "name_words": 4,  # most words in a name printed on a line of its own
    "kicker_words": 6,  # most words a kicker adds to a headline repeated atop the text
}
GRIDS: dict[str, tuple[int, ...]] = {
    "lead_lines": (1, 2, 3, 4, 5),
    "name_words": (3, 4, 5),
    "kicker_words": (3, 4, 6, 8),
}


@cache
def words(table: str) -> tuple[str, ...]:
    """Every word of translation table *table* (or observed list), longest first."""
    value = globals()[table]
    flat = [w for ws in value.values() for w in ws] if isinstance(value, dict) else list(value)
    return tuple(sorted(dict.fromkeys(flat), key=lambda w: (-len(w), w)))


@cache
def months() -> dict[str, int]:
    """Month name (folded) -> number, every language of :data:`MONTHS`."""
    return {name: i + 1 for names in MONTHS.values() for i, name in enumerate(names)}


def alternation(table: str) -> str:
    """A regex alternation of the words of *table* (escaped, longest first)."""
    return "|".join(re.escape(w) for w in words(table)) or r"(?!)"


@cache
def pattern(kind: str) -> re.Pattern[str]:
    """The compiled pattern *kind* of :data:`_PATTERNS`, built from the lists once."""
    return re.compile(_PATTERNS[kind](), re.I)


def clear() -> None:
    """Forget the built patterns (after a list changed)."""
    for built in (pattern, words, months):
        built.cache_clear()


_HAN = r"\u3400-\u9fff\uf900-\ufaff"
_PATTERNS = {
    # "By ", "Von: ", "文/", "作者：": the prefix and its punctuation (文 of 文一鸣 is a name)
    "by": lambda: rf"^(?:{alternation('BY')})(?:\s*[:：/／|｜]\s*|\s+)",
    # a role before a name ("记者 李静怡", "记者李静怡", "Reporter Jane Doe")
    "role_before": lambda: (
        rf"^(?:{alternation('ROLES')})(?:\s*[:：/／|｜]\s*|\s+|(?<=[{_HAN}])(?=[{_HAN}]))"
    ),
    # a role after a name ("Jane Doe, Staff Writer", "김민수 기자", "Nicole Opitz Redakteurin")
    "role_after": lambda: (
        rf"(?:\s*[,|–—-]\s*|\s+|(?<=[{_HAN}\uac00-\ud7af]))"
        rf"(?:{alternation('ROLES')})s?\.?$"
    ),
    "label_author": lambda: rf"(?:{alternation('AUTHOR_LABELS')})",
    "label_date": lambda: rf"(?:{alternation('DATE_LABELS')})",
    "updated": lambda: rf"(?<!\w)(?:{alternation('UPDATED')})(?!\w)",
    "and": lambda: rf"\s+(?:{alternation('AND')})\s+",
    "social": lambda: rf"\b(?:{alternation('SOCIAL')})\b",
    "photo": lambda: rf"^(?:{alternation('PHOTO')})\b",
    # a label or a role as a word, or ending a German compound ("Wirtschaftsredakteur")
    "junk": lambda: (
        rf"(?<!\w)(?:{alternation('AUTHOR_LABELS')}|{alternation('ROLES')})(?!\w)"
        rf"|(?:{'|'.join(re.escape(w) for w in words('ROLES') if len(w) >= 6)})$"
    ),
    "staff": lambda: rf"(?<!\w)(?:{alternation('STAFF')})(?!\w)",
    "agency": lambda: rf"^(?:{alternation('AGENCIES')})$",
    "account": lambda: (
        rf"/(?:{'|'.join(re.escape(p.strip('/')) for p in AUTHOR_PATHS) or '(?!)'}|user|members?)"
        rf"/(?:{alternation('ACCOUNTS')})/?$"
    ),
    "month": lambda: rf"(?:{alternation('MONTHS')})",
}
