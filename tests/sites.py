"""Local fixture web sites for the tests: a loopback HTTP server and what it serves.

Tests never reach the internet. They start a :class:`FixtureServer` on a loopback
address, fill its route table (``build_news_site`` for the project's own small
synthetic news site, ``build_benchmark_mirror`` for the real pages of the extraction
benchmark in ``../shared``) and point the crawler at the URLs it gives back.

Everything here is plain Python (no pytest), so a test, a conftest fixture or a
debugging session at the prompt can use it alike.
"""

from __future__ import annotations

import gzip
import html
import http.client
import json
import re
import socket
import socketserver
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

__all__ = [
    "ArticleInfo",
    "FixtureServer",
    "Hit",
    "Mirror",
    "NewsSite",
    "Response",
    "Route",
    "build_benchmark_mirror",
    "build_news_site",
    "crawl_cli",
    "corpus_dir",
    "fetch",
    "loopback_alias",
    "shingle_f1",
    "write_settings",
    "write_sources",
]

HTML = "text/html; charset=utf-8"
REPO = Path(__file__).resolve().parents[1]


# =========================================================================== server
@dataclass
class Route:
    """What the server answers on one path."""

    body: bytes | str = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = HTML
    etag: str | None = None  # with or without the quotes
    last_modified: str | None = None  # an HTTP date: "Tue, 04 Mar 2025 09:00:00 GMT"
    location: str | None = None  # for 3xx
    delay: float = 0  # seconds to wait before answering


class Hit(NamedTuple):
    """One request the server received (header names lower-cased)."""

    method: str
    path: str  # path with query string, as requested
    headers: dict[str, str]
    status: int
    time: float = 0.0  # time.monotonic() when the request arrived


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: FixtureServer

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (socket.getfqdn), which can
        # stall on an address like 127.0.0.2; the name is not needed.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if not isinstance(exc, ConnectionError | TimeoutError):
            self.owner.errors.append(repr(exc))  # kept, never printed


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "culturewatch-fixture/1.0"
    sys_version = ""
    timeout = 30  # an idle keep-alive connection is dropped after this
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _answer(self, head: bool) -> None:
        arrived = time.monotonic()
        owner = self.server.owner
        request_headers = {k.lower(): v for k, v in self.headers.items()}
        route = owner.match(self.path)
        if route is None:
            route = Route("not found\n", status=404, content_type="text/plain; charset=utf-8")
        if route.delay:
            time.sleep(route.delay)
        status = 304 if _not_modified(route, request_headers) else route.status
        body = route.body.encode("utf-8") if isinstance(route.body, str) else route.body
        headers: dict[str, str] = {}
        if status != 304:
            headers["Content-Type"] = route.content_type
            headers["Content-Length"] = str(len(body))
        if route.etag:
            headers["ETag"] = _quote_etag(route.etag)
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        if route.location:
            headers["Location"] = route.location
        headers.update(route.headers)
        owner._record(Hit(self.command, self.path, request_headers, status, arrived))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not head and status != 304:
            self.wfile.write(body)


def _quote_etag(etag: str) -> str:
    return etag if etag.startswith(('"', 'W/"')) else f'"{etag}"'


def _not_modified(route: Route, headers: Mapping[str, str]) -> bool:
    """A 304 is due: RFC 9110 section 13.2.2 (If-None-Match wins over If-Modified-Since)."""
    if route.status != 200:
        return False
    if "if-none-match" in headers:
        if not route.etag:
            return False
        wanted = {tag.strip().removeprefix("W/") for tag in headers["if-none-match"].split(",")}
        return "*" in wanted or _quote_etag(route.etag).removeprefix("W/") in wanted
    if "if-modified-since" in headers and route.last_modified:
        try:
            return parsedate_to_datetime(route.last_modified) <= parsedate_to_datetime(
                headers["if-modified-since"]
            )
        except (TypeError, ValueError):
            return False
    return False


class FixtureServer:
    """A threading HTTP server on a loopback address serving ``self.routes``.

    The socket is bound at construction, so ``base_url`` and ``url()`` work before
    ``start()``. Routes may be added or changed while it runs.
    """

    def __init__(
        self, routes: Mapping[str, Route] | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.log: list[Hit] = []
        self.errors: list[str] = []  # unexpected exceptions in request handling
        self._lock = threading.Lock()
        self._httpd = _HTTPServer((host, port), _Handler)
        self._httpd.owner = self
        self.host = host
        self.port: int = self._httpd.server_address[1]
        self.base_url = f"http://{host}:{self.port}"
        self._thread: threading.Thread | None = None

    # -- life cycle
    def start(self) -> FixtureServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"fixture-server-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> FixtureServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- routes and URLs
    def url(self, path: str) -> str:
        """The absolute URL of *path* on this server."""
        if path.startswith(("http://", "https://")):
            return path
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def match(self, path_with_query: str) -> Route | None:
        """The route for a request target: path and query exactly, else the path alone."""
        route = self.routes.get(path_with_query)
        if route is None:
            route = self.routes.get(urlsplit(path_with_query).path)
        return route

    # -- request log
    def _record(self, hit: Hit) -> None:
        with self._lock:
            self.log.append(hit)

    def requests(
        self, match: str | Callable[[Hit], bool] | None = None, *, method: str | None = None
    ) -> list[Hit]:
        """Logged requests whose path starts with *match* (a path or an absolute URL on
        this server) or for which *match(hit)* is true; optionally of one *method*."""
        with self._lock:
            hits = list(self.log)
        if isinstance(match, str):
            prefix = match.removeprefix(self.base_url) or "/"
            hits = [h for h in hits if h.path.startswith(prefix)]
        elif match is not None:
            hits = [h for h in hits if match(h)]
        if method:
            hits = [h for h in hits if h.method == method.upper()]
        return hits

    def hits(
        self, match: str | Callable[[Hit], bool] | None = None, *, method: str | None = None
    ) -> int:
        """How many requests :meth:`requests` would return."""
        return len(self.requests(match, method=method))

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()


class Response(NamedTuple):
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes


def fetch(
    url: str, *, method: str = "GET", headers: Mapping[str, str] | None = None, timeout: float = 10
) -> Response:
    """One plain request (no redirect following, no decompression), for tests."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        conn.request(method, target, headers=dict(headers or {}))
        resp = conn.getresponse()
        body = resp.read()
        return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
    finally:
        conn.close()


def loopback_alias() -> str:
    """A second loopback address for a second "site": 127.0.0.2 when it can be bound
    here (Linux routes all of 127/8 to lo), else 127.0.0.1 (a second port then)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.2", 0))
        return "127.0.0.2"
    except OSError:
        return "127.0.0.1"


# =========================================================================== news site
SITE_NAME = "The Lantern Review"


@dataclass(frozen=True)
class ArticleInfo:
    key: str
    url: str  # absolute canonical URL: the one the archive must hold
    path: str  # path of that URL
    title: str
    language: str  # primary language subtag: "en" or "zh"
    lang_tag: str  # the page's <html lang>: "en", "zh-Hans", "zh-Hant"
    relevant_expected: bool
    published: str  # ISO 8601, UTC
    topic: str  # a human label of what it is about (not a theme key)
    phrase: str  # words of the body that an extraction must keep


@dataclass
class NewsSite:
    base_url: str
    feeds: dict[str, str]  # "rss2", "rss1", "rss091", "atom", "jsonfeed" -> URL
    sitemaps: dict[str, str]  # "news", "index", "urlset", "urlset_gz" -> URL
    articles: dict[str, ArticleInfo]  # canonical URL -> info
    listed: dict[str, list[str]]  # feed or sitemap name -> item links as listed there
    robots: str
    disallowed: list[str]  # exist, but robots.txt forbids them: the page, then the feed
    disallowed_feed: str  # an RSS 2.0 feed under /private/ (listing the private page)
    redirect_from: str
    redirect_to: str
    missing: str
    not_html: str
    tracking_url: str
    canonical_from: str
    canonical_to: str

    def article(self, key: str) -> ArticleInfo:
        """The article with this key (e.g. "nezha", "wukong")."""
        return next(a for a in self.articles.values() if a.key == key)

    @property
    def relevant(self) -> list[ArticleInfo]:
        return [a for a in self.articles.values() if a.relevant_expected]


# The site's articles, in the project's own words. "paras" are the <article> body.
# Optional: "also_at" (another path serving the page, whose canonical is "path").
_ARTICLES: list[dict[str, Any]] = [
    {
        "key": "nezha",
        "path": "/zh/culture/nezha-overseas.html",
        "lang": "zh-Hans",
        "title": "动画电影《哪吒之魔童闹海》走进海外影院",
        "desc": "国产动画电影在北美和东南亚上映，海外观众如何看待哪吒？",
        "published": "2025-03-03T08:00:00Z",
        "section": "文化",
        "author": "林晓",
        "tags": ["动画电影", "哪吒", "海外票房"],
        "topic": "Chinese animated film abroad",
        "relevant": True,
        "phrase": "哪吒这一角色的魅力",
        "paras": [
            "国产动画电影《哪吒之魔童闹海》近日在北美、澳大利亚和东南亚多地陆续上映。发行方表示，"
            "影片保留了中文原声，同时提供英文字幕和配音版本，希望让更多海外观众认识这个来自中国神话的"
            "少年英雄。不少华人家庭带着孩子走进影院，一些本地影评人也在社交媒体上分享了观影感受。",
            "业内人士认为，哪吒这一角色的魅力在于既叛逆又重情义，这种性格在不同文化中都容易引起共鸣。"
            "影片的特效场面和配乐获得较多好评，但也有观众表示，片中大量神话人物和典故需要一定的背景"
            "知识，初次接触的观众可能需要查阅资料，才能完全理解剧情。",
            "分析人士指出，动画电影正在成为中国文化走出去的重要载体。与真人电影相比，动画更容易跨越"
            "语言和审美的差异。不过，海外票房能否持续增长，还取决于发行渠道、宣传投入以及与流媒体平台"
            "的后续合作，单靠一部影片难以改变整体格局。",
            "一些海外影评人建议，今后的作品可以在保留神话内核的同时，更多考虑国际观众的观影习惯，"
            "例如在片头简要介绍人物关系。也有人认为，不必刻意迎合，真正打动人的仍然是完整的故事和"
            "鲜明的人物，观众愿意为好作品花时间去了解陌生的文化背景。",
        ],
    },
    {
        "key": "wukong",
        "path": "/games/black-myth-wukong-players-abroad.html",
        "lang": "en",
        "title": "Monkey King game keeps its grip on overseas players",
        "desc": "A year on, a Chinese action game still draws players abroad to an old novel.",
        "published": "2025-02-26T10:30:00Z",
        "section": "Games",
        "author": "Dana Whitfield",
        "tags": ["video games", "Journey to the West"],
        "topic": "Chinese game abroad",
        "relevant": True,
        "phrase": "Black Myth: Wukong",
        "paras": [
            "More than a year after its release, Black Myth: Wukong still ranks among the most "
            "discussed action games on international streaming platforms. Players in Europe and "
            "North America describe long evenings spent on its boss fights, and many say the game "
            "was their first encounter with the classic novel Journey to the West.",
            "Fan communities have filled wikis with explanations of the characters, temples and "
            "legends that appear in the game. Several players told us they went on to read "
            "translations of the novel or to watch older television adaptations, a path that "
            "cultural officials in Beijing openly hope more games will create.",
            "Critics are more divided on what the success means. Some argue that a polished game "
            "travels on its own merits, not because of any national message, and that studios "
            "should not be asked to carry diplomatic ambitions. Others see a rare case where "
            "commercial entertainment and cultural promotion point in the same direction.",
        ],
    },
    {
        "key": "hanfu",
        "path": "/lifestyle/hanfu-guochao-revival.html",
        "lang": "en",
        "title": "Young shoppers turn hanfu and guochao into everyday fashion",
        "desc": "Traditional dress and 'national trend' brands move from hobby to high street.",
        "published": "2025-02-20T07:15:00Z",
        "section": "Lifestyle",
        "author": "Mei Andersen",
        "tags": ["hanfu", "guochao", "fashion"],
        "topic": "hanfu and guochao revival",
        "relevant": True,
        "phrase": "pleated mamian skirt",
        "paras": [
            "On weekend afternoons in Hangzhou and Xi'an, groups of students in hanfu pose for "
            "photos beside lakes and city walls. What began as a niche hobby a decade ago has "
            "grown into a steady market, with online shops selling flowing robes, embroidered "
            "jackets and the pleated mamian skirt to buyers across the country.",
            "Brands have followed the trend under the guochao label, mixing traditional patterns "
            "with sneakers, cosmetics and coffee packaging. Designers interviewed for this article "
            "said customers want clothes that feel modern yet carry a story about Chinese history, "
            "and they talk about cultural confidence as often as about price or comfort.",
            "The revival also has a sharper edge. Online debates flare up when a foreign fashion "
            "house is accused of borrowing a Chinese design without credit, and some commentators "
            "criticise people who wear kimonos in Chinese cities. Scholars warn that pride in "
            "heritage can slide into nationalism when every garment becomes a test of loyalty.",
        ],
    },
    {
        "key": "unesco",
        "path": "/heritage/spring-festival-unesco-listing.html",
        "lang": "en",
        "title": "Spring Festival joins UNESCO list of intangible heritage",
        "desc": "The lunar new year celebration is inscribed on the Representative List.",
        "published": "2025-02-12T09:00:00Z",
        "section": "Heritage",
        "author": "Tomas Reyes",
        "tags": ["UNESCO", "intangible heritage", "Spring Festival"],
        "topic": "UNESCO intangible heritage listing",
        "relevant": True,
        "phrase": "Representative List of the Intangible Cultural Heritage of Humanity",
        "paras": [
            "The Spring Festival, the celebration of the lunar new year shared by families in "
            "China and across the diaspora, has been inscribed on the Representative List of the "
            "Intangible Cultural Heritage of Humanity. The decision was taken at the annual "
            "session of the UNESCO intergovernmental committee in December.",
            "Officials presented the listing as recognition of customs such as family reunion "
            "dinners, paper cutting, lantern displays and temple fairs. Cultural agencies "
            "announced exhibitions and performances abroad, and embassies planned receptions so "
            "that foreign audiences could take part in the festival rather than watch it from a "
            "distance.",
            "Heritage researchers note that the listing protects living practices, not a national "
            "brand, and that neighbouring countries celebrate their own versions of the lunar new "
            "year. How the new status is used in cultural diplomacy, they say, will show whether "
            "it becomes a shared celebration or another point of regional rivalry.",
        ],
    },
    {
        "key": "tourism",
        "path": "/travel/cultural-tourism-ancient-towns.html",
        "lang": "en",
        "title": "Cultural tourism lifts ancient towns as foreign visitors return",
        "desc": "Visa-free travel brings a new wave of visitors to heritage towns.",
        "published": "2025-02-18T06:45:00Z",
        "section": "Travel",
        "author": "Priya Lund",
        "tags": ["cultural tourism", "heritage towns"],
        "topic": "cultural tourism",
        "relevant": True,
        "phrase": "Local governments see cultural tourism",
        "paras": [
            "Visa-free entry for travellers from a growing list of countries has brought a new "
            "wave of foreign visitors to China's ancient towns and heritage sites. Tour operators "
            "report strong demand for trips that combine historic streets, local opera "
            "performances, tea tasting and short classes in calligraphy or paper cutting.",
            "Local governments see cultural tourism as a way to support rural economies and to "
            "show a friendlier image abroad. Several provinces have opened multilingual visitor "
            "centres, added English menus and trained guides to explain local festivals, while "
            "travel bloggers from overseas post videos that reach millions of viewers at home.",
            "The boom brings familiar problems. Residents complain about crowds and rising rents, "
            "and critics say some restored streets look more like theme parks than living "
            "communities. Planners argue that tourism income must be shared with the people whose "
            "traditions attract visitors, or the heritage on display will slowly lose its meaning.",
        ],
    },
    {
        "key": "forum",
        "path": "/diplomacy/beijing-culture-forum.html",
        "also_at": "/amp/diplomacy/beijing-culture-forum.html",
        "lang": "en",
        "title": "Culture forum in Beijing promotes dialogue among civilizations",
        "desc": "Museums, studios and publishers meet to talk about exchange and trust.",
        "published": "2025-02-27T12:00:00Z",
        "section": "Diplomacy",
        "author": "Jonas Berg",
        "tags": ["Beijing Culture Forum", "Global Civilization Initiative"],
        "topic": "cultural forum",
        "relevant": True,
        "phrase": "Global Civilization Initiative",
        "paras": [
            "Delegates from more than sixty countries gathered in Beijing this week for an annual "
            "culture forum on exchange between civilizations. Speakers from museums, "
            "universities, film studios and publishing houses discussed joint exhibitions, "
            "translation programmes and co-productions, and several cooperation agreements were "
            "signed on the final day.",
            "Organisers linked the meeting to the Global Civilization Initiative, which calls for "
            "respect for diverse cultures and more exchange between people. Officials stressed "
            "cultural confidence and the role of heritage in building trust, while foreign guests "
            "spoke about the practical difficulties of funding long projects between institutions.",
            "Observers noted that forums of this kind work best when they lead to lasting "
            "partnerships rather than ceremonies. A museum director from Southeast Asia said the "
            "most useful outcome was a plan to exchange curators for six months, which would let "
            "staff learn how each side tells the history of its own collections.",
        ],
    },
    {
        "key": "softpower",
        "path": "/opinion/limits-of-soft-power.html",
        "lang": "en",
        "title": "Why cultural exports do not automatically win hearts abroad",
        "desc": "Spending on cultural promotion has not moved opinion surveys much.",
        "published": "2025-03-01T15:20:00Z",
        "section": "Opinion",
        "author": "Ruth Okafor",
        "tags": ["soft power", "public opinion"],
        "topic": "limits of soft power",
        "relevant": True,
        "phrase": "Researchers who study soft power",
        "paras": [
            "China spends heavily on cultural promotion abroad, from film festivals and language "
            "centres to touring exhibitions and state media in many languages. Yet international "
            "opinion surveys suggest that favourable views of the country have not risen in step "
            "with this spending, especially in Europe, North America and parts of Asia.",
            "Researchers who study soft power point out that attraction is hard to manufacture. "
            "Audiences may enjoy a blockbuster film, a video game or a dumpling festival without "
            "changing their opinion of a government. When promotion feels like propaganda, it can "
            "even make people more suspicious of the culture being offered.",
            "The most effective exchanges, several scholars argue, are those that happen without "
            "an official script: students who study abroad, artists who work together freely and "
            "fans who discover a story on their own. Cultural exports travel best when they are "
            "allowed to entertain first and to persuade only by accident.",
        ],
    },
    {
        "key": "mamian",
        "path": "/zh/lifestyle/mamian-skirt.html",
        "lang": "zh-Hans",
        "title": "马面裙走红：汉服爱好者带动国潮消费",
        "desc": "传统服饰走进日常生活，国潮品牌推出融合传统纹样的新品。",
        "published": "2025-02-08T03:00:00Z",
        "section": "生活",
        "author": "王珊",
        "tags": ["汉服", "马面裙", "国潮"],
        "topic": "hanfu and guochao revival",
        "relevant": True,
        "phrase": "马面裙成为多个电商平台上最受欢迎的服装之一",
        "paras": [
            "今年春节前后，马面裙成为多个电商平台上最受欢迎的服装之一。不少年轻人把这种传统样式的"
            "裙子搭配毛衣或运动鞋，穿着去上班、逛街和拜年。商家表示，相关订单比去年同期明显增长，"
            "部分款式甚至需要提前一个月预订。",
            "汉服爱好者认为，马面裙的流行说明传统服饰正在从摄影和节日活动走进日常生活。许多国潮品牌"
            "也推出了融合传统纹样的新品，从帽子、包袋到化妆品包装，都可以看到云纹、刺绣和古典配色。"
            "一些城市还举办了汉服文化节，吸引了大批游客参与。",
            "也有学者提醒，传统文化的复兴不应变成简单的商业噱头，更不应演变成对他人穿着的指责。"
            "他们建议，品牌在讲述历史故事时要尊重史料，消费者在表达文化自信的同时，也应以开放的"
            "心态看待其他国家和地区的服饰传统。",
            "在海外社交平台上，穿着马面裙的视频也吸引了不少外国网友关注。有留学生表示，她在校园"
            "活动中穿上传统服饰，同学们最常问的是衣服的历史和穿法，这样的交流比任何宣传都更自然，"
            "也让她对自己熟悉的文化有了新的认识。",
        ],
    },
    {
        "key": "chunjie",
        "path": "/zh/heritage/chunjie-unesco.html",
        "lang": "zh-Hans",
        "title": "春节申遗成功后的第一个新年 海外民众共庆中国年",
        "desc": "春节列入人类非物质文化遗产代表作名录后，世界各地举办庆祝活动。",
        "published": "2025-02-02T11:00:00Z",
        "section": "非遗",
        "author": "陈立",
        "tags": ["春节", "非物质文化遗产", "联合国教科文组织"],
        "topic": "UNESCO intangible heritage listing",
        "relevant": True,
        "phrase": "人类非物质文化遗产代表作名录",
        "paras": [
            "春节正式列入联合国教科文组织人类非物质文化遗产代表作名录后，今年迎来了第一个春节。世界"
            "各地的博物馆、图书馆和唐人街纷纷举办庆祝活动，舞狮、写春联、包饺子等体验项目吸引了大量"
            "当地居民参与，许多家庭第一次了解到这个节日的来历。",
            "文化部门表示，春节申遗成功有助于加强对相关传统习俗的保护和传承，也为对外文化交流提供了"
            "新的契机。多个驻外使领馆组织了新春招待会和主题展览，介绍年画、剪纸、灯会等非遗项目，"
            "并邀请当地艺术家共同创作。",
            "专家指出，非物质文化遗产的核心在于社区的持续实践，而不是一次性的荣誉。春节在亚洲多个"
            "国家和地区都有各自的庆祝方式，如何在对外传播中体现包容与共享，而不是强调归属之争，是"
            "今后需要认真思考的问题。",
            "一些海外华人社团表示，申遗成功后，当地学校和社区中心邀请他们讲解春节习俗的次数明显"
            "增多。他们希望这些活动不只停留在表演层面，而是让更多人亲手参与，例如一起准备年夜饭、"
            "学写福字，在轻松的氛围中感受节日的意义。",
        ],
    },
    {
        "key": "nishan",
        "path": "/zh-hant/diplomacy/nishan-forum.html",
        "lang": "zh-Hant",
        "title": "尼山論壇聚焦文明對話 學者談文化軟實力",
        "desc": "各國學者在曲阜討論文明互鑒，也談到文化傳播的限度。",
        "published": "2025-02-24T02:30:00Z",
        "section": "外交",
        "author": "黃嘉文",
        "tags": ["尼山世界文明論壇", "軟實力"],
        "topic": "cultural forum and soft power",
        "relevant": True,
        "phrase": "尼山世界文明論壇",
        "paras": [
            "今年的尼山世界文明論壇日前在山東曲阜舉行，來自數十個國家和地區的學者、官員與藝術家"
            "出席。與會者圍繞儒家思想、文明互鑒與文化遺產保護展開討論，並參觀了孔廟與當地的非物質"
            "文化遺產展示，場面十分熱鬧。",
            "主辦方表示，論壇希望為不同文明之間的交流搭建平台，推動更多教育與出版合作。多位海外學者"
            "在發言中肯定了傳統文化的價值，但也提到，文化傳播若過於強調官方敘事，反而可能削弱外界的"
            "興趣與信任，影響軟實力的效果。",
            "有觀察人士認為，此類論壇的成效不在於簽署了多少協議，而在於能否促成長期而平等的學術往來。"
            "他們建議增加青年學者與民間團體的參與，讓對話走出會場，真正進入大學、博物館與社區之中。",
            "也有與會者坦言，國際社會對文化交流的看法並不一致，部分國家的民眾對官方主導的活動仍"
            "抱持保留態度。他們認為，與其追求聲勢，不如從翻譯、教育與藝術合作等細節做起，"
            "以時間累積彼此的理解與信任。",
        ],
    },
    {
        "key": "football",
        "path": "/sport/county-cup-final.html",
        "lang": "en",
        "title": "Riverside Rovers edge Harbour City in county cup final",
        "desc": "A late header settles a tense final at Westfield Park.",
        "published": "2025-03-02T18:00:00Z",
        "section": "Sport",
        "author": "Sam Doyle",
        "tags": ["football", "county cup"],
        "topic": "local sports result",
        "relevant": False,
        "phrase": "Riverside Rovers won the county cup",
        "paras": [
            "Riverside Rovers won the county cup on Saturday afternoon, beating Harbour City two "
            "goals to one in a tense final at Westfield Park. Around four thousand supporters "
            "watched the match in bright but windy conditions, and the winning goal arrived only "
            "six minutes before the final whistle.",
            "Harbour City took the lead early through a low shot from their captain, but Rovers "
            "equalised shortly after half time when a corner kick was headed in at the near post. "
            "Both goalkeepers made several fine saves, and the referee showed five yellow cards in "
            "a physical second half.",
            "The Rovers manager praised his squad for staying patient and thanked the volunteers "
            "who keep the club running. The team will now enter the regional championship in the "
            "spring, while Harbour City must rebuild after losing two senior players to injury "
            "during the final weeks of the season.",
        ],
    },
    {
        "key": "soup",
        "path": "/food/lemon-barley-soup.html",
        "lang": "en",
        "title": "A simple lemon and barley soup for cold evenings",
        "desc": "Forty minutes, a few cupboard ingredients and a squeeze of lemon.",
        "published": "2025-02-15T16:00:00Z",
        "section": "Food",
        "author": "Clara Moss",
        "tags": ["recipes", "soup"],
        "topic": "recipe",
        "relevant": False,
        "phrase": "one cup of pearl barley",
        "paras": [
            "This soup takes about forty minutes and needs only a few ingredients from the "
            "cupboard. Start by rinsing one cup of pearl barley under cold water, then soften a "
            "chopped onion, two carrots and a stick of celery in olive oil over a medium heat for "
            "about eight minutes.",
            "Add the barley, a litre and a half of vegetable stock and a bay leaf, then bring "
            "everything to a gentle simmer. Cook for thirty minutes, stirring now and then, until "
            "the barley is tender. If the soup becomes too thick, add a little hot water and "
            "season with salt and pepper.",
            "Just before serving, stir in the juice of one lemon and a handful of chopped parsley. "
            "The lemon lifts the flavour and keeps the soup from feeling heavy. It keeps well in "
            "the fridge for three days and can be frozen in portions, although the barley will "
            "soften further when reheated.",
        ],
    },
    {
        "key": "ereader",
        "path": "/tech/pocket-e-reader-review.html",
        "lang": "en",
        "title": "Review: a pocket e-reader with a surprisingly good battery",
        "desc": "Small, light and slow to charge, with a store that needs work.",
        "published": "2025-02-22T13:10:00Z",
        "section": "Tech",
        "author": "Leo Varga",
        "tags": ["gadgets", "e-readers", "reviews"],
        "topic": "tech gadget review",
        "relevant": False,
        "phrase": "Battery life is the standout feature",
        "paras": [
            "The new six-inch e-reader from a small European maker is light enough to carry in a "
            "jacket pocket, weighing a little under one hundred and fifty grams. Its screen is "
            "sharp for text, the page turn buttons are firm, and the front light can be warmed in "
            "the evening to reduce glare.",
            "Battery life is the standout feature. In our tests, reading for an hour each day with "
            "the light at half strength, the device lasted almost five weeks before it needed "
            "charging. Copying books over a cable works well, although the wireless store is slow "
            "and its search often misses titles.",
            "At its launch price the reader competes with larger brands that offer more "
            "accessories and better software. We would recommend it to travellers who value size "
            "and battery above everything else, but readers who buy many books online may prefer a "
            "model with a smoother store and a waterproof case.",
        ],
    },
]

# What each feed and sitemap lists (article keys); "@..." are the special links.
_FEED_ITEMS = {
    "rss2": ["wukong", "hanfu", "unesco", "football", "@private", "@missing", "@not_html"],
    "rss1": ["tourism", "soup", "mamian"],
    "rss091": ["@redirect", "ereader"],
    "atom": ["nezha", "chunjie", "nishan", "@amp", "@tracking"],
    "jsonfeed": ["hanfu", "tourism", "mamian"],
}
_NEWS_SITEMAP = ["nezha", "wukong", "forum", "softpower", "chunjie", "nishan"]
_URLSET_1 = ["nezha", "wukong", "hanfu", "unesco", "tourism", "forum", "softpower", "@private"]
_URLSET_2 = ["mamian", "chunjie", "nishan", "football", "soup", "ereader"]

_PATHS = {
    "rss2": "/feeds/rss2.xml",
    "rss1": "/feeds/rss1.rdf",
    "rss091": "/feeds/rss091.xml",
    "atom": "/feeds/atom.xml",
    "jsonfeed": "/feeds/feed.json",
    "news": "/sitemap-news.xml",
    "index": "/sitemap-index.xml",
    "urlset": "/sitemap-1.xml",
    "urlset_gz": "/sitemap-2.xml.gz",
    "robots": "/robots.txt",
    "private": "/private/secret.html",
    "private_feed": "/private/feed.xml",
    "missing": "/culture/withdrawn-story.html",
    "not_html": "/files/culture-report-2025.pdf",
    "redirect": "/old/moved.html",
}
_RSS2_VALIDATORS = {"etag": '"rss2-v1"', "last_modified": "Mon, 03 Mar 2025 09:00:00 GMT"}
_UPDATED = "2025-03-03T09:00:00Z"


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _dt(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC)


def _page(a: Mapping[str, Any], canonical: str) -> str:
    """One article page: boilerplate around an <article> of the given paragraphs."""
    published = _dt(a["published"]).isoformat()
    paras = "\n".join(f"      <p>{_esc(p)}</p>" for p in a["paras"])
    tags = "".join(f'\n  <meta property="article:tag" content="{_esc(t)}">' for t in a["tags"])
    return f"""<!DOCTYPE html>
<html lang="{a["lang"]}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{_esc(a["title"])} | {SITE_NAME}</title>
  <meta name="description" content="{_esc(a["desc"])}">
  <meta name="author" content="{_esc(a["author"])}">
  <link rel="canonical" href="{_esc(canonical)}">
  <meta property="og:type" content="article">
  <meta property="og:site_name" content="{SITE_NAME}">
  <meta property="og:title" content="{_esc(a["title"])}">
  <meta property="og:description" content="{_esc(a["desc"])}">
  <meta property="og:url" content="{_esc(canonical)}">
  <meta property="article:published_time" content="{published}">
  <meta property="article:section" content="{_esc(a["section"])}">{tags}
  <link rel="alternate" type="application/rss+xml" title="{SITE_NAME}" href="{_PATHS["rss2"]}">
</head>
<body>
  <header class="site-header">
    <a class="logo" href="/">{SITE_NAME}</a>
    <nav><ul>
      <li><a href="/culture/">Culture</a></li><li><a href="/travel/">Travel</a></li>
      <li><a href="/opinion/">Opinion</a></li><li><a href="/sport/">Sport</a></li>
      <li><a href="/subscribe.html">Subscribe</a></li>
    </ul></nav>
  </header>
  <main>
    <article>
      <h1>{_esc(a["title"])}</h1>
      <p class="byline">By {_esc(a["author"])},
        <time datetime="{published}">{published[:10]}</time></p>
{paras}
    </article>
    <aside class="newsletter">Get the week's reading in your inbox.
      <a href="/subscribe.html">Sign up</a></aside>
  </main>
  <footer>
    <p>&copy; 2025 {SITE_NAME}. <a href="/about.html">About us</a> &middot;
      <a href="/privacy.html">Privacy</a> &middot; <a href="{_PATHS["rss2"]}">RSS</a></p>
  </footer>
</body>
</html>
"""


def _private_page() -> str:
    return _page(
        {
            "lang": "en",
            "title": "Internal draft: not for crawlers",
            "desc": "A page robots.txt disallows.",
            "author": "Desk",
            "published": "2025-03-01T00:00:00Z",
            "section": "Internal",
            "tags": [],
            "paras": [
                "This draft sits under the private folder that robots.txt disallows. A polite "
                "crawler never requests it, so if this text ever reaches the archive the robots "
                "rules were ignored somewhere between the feed and the download step of the crawl."
            ]
            * 3,
        },
        canonical="/private/secret.html",
    )


class _Item(NamedTuple):
    link: str
    title: str
    summary: str
    published: str  # ISO
    tags: list[str]
    lang: str


def _rss2(site: str, items: list[_Item]) -> str:
    entries = "".join(
        f"""
    <item>
      <title>{_esc(i.title)}</title>
      <link>{_esc(i.link)}</link>
      <guid isPermaLink="true">{_esc(i.link)}</guid>
      <pubDate>{format_datetime(_dt(i.published))}</pubDate>
      <description>{_esc(i.summary)}</description>"""
        + "".join(f"\n      <category>{_esc(t)}</category>" for t in i.tags)
        + "\n    </item>"
        for i in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>{SITE_NAME}</title>
    <link>{site}/</link>
    <atom:link href="{site}{_PATHS["rss2"]}" rel="self" type="application/rss+xml"/>
    <description>Culture, travel and opinion from {SITE_NAME}.</description>
    <language>en</language>
    <lastBuildDate>{format_datetime(_dt(_UPDATED))}</lastBuildDate>{entries}
  </channel>
</rss>
"""


def _rss1(site: str, items: list[_Item]) -> str:
    seq = "".join(f'\n          <rdf:li rdf:resource="{_esc(i.link)}"/>' for i in items)
    entries = "".join(
        f"""
  <item rdf:about="{_esc(i.link)}">
    <title>{_esc(i.title)}</title>
    <link>{_esc(i.link)}</link>
    <description>{_esc(i.summary)}</description>
    <dc:date>{_dt(i.published).isoformat()}</dc:date>
    <dc:language>{i.lang}</dc:language>
  </item>"""
        for i in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="{site}{_PATHS["rss1"]}">
    <title>{SITE_NAME}: travel and living</title>
    <link>{site}/</link>
    <description>Travel, food and living.</description>
    <items>
      <rdf:Seq>{seq}
      </rdf:Seq>
    </items>
  </channel>{entries}
</rdf:RDF>
"""


def _rss091(site: str, items: list[_Item]) -> str:
    entries = "".join(
        f"""
    <item>
      <title>{_esc(i.title)}</title>
      <link>{_esc(i.link)}</link>
      <description>{_esc(i.summary)}</description>
    </item>"""
        for i in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="0.91">
  <channel>
    <title>{SITE_NAME}: opinion and reviews</title>
    <link>{site}/</link>
    <description>Opinion and reviews.</description>
    <language>en-us</language>{entries}
  </channel>
</rss>
"""


def _atom(site: str, items: list[_Item]) -> str:
    entries = "".join(
        f"""
  <entry xml:lang="{i.lang}">
    <title>{_esc(i.title)}</title>
    <link rel="alternate" type="text/html" href="{_esc(i.link)}"/>
    <id>{_esc(i.link)}</id>
    <published>{_dt(i.published).isoformat()}</published>
    <updated>{_dt(i.published).isoformat()}</updated>
    <summary>{_esc(i.summary)}</summary>"""
        + "".join(f'\n    <category term="{_esc(t)}"/>' for t in i.tags)
        + "\n  </entry>"
        for i in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>{SITE_NAME}: China desk</title>
  <id>{site}{_PATHS["atom"]}</id>
  <link rel="self" href="{site}{_PATHS["atom"]}"/>
  <link rel="alternate" href="{site}/"/>
  <updated>{_dt(_UPDATED).isoformat()}</updated>
  <author><name>{SITE_NAME}</name></author>{entries}
</feed>
"""


def _jsonfeed(site: str, items: list[_Item]) -> str:
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"{SITE_NAME}: lifestyle",
        "home_page_url": f"{site}/",
        "feed_url": f"{site}{_PATHS['jsonfeed']}",
        "language": "en",
        "items": [
            {
                "id": i.link,
                "url": i.link,
                "title": i.title,
                "content_text": i.summary,
                "summary": i.summary,
                "date_published": _dt(i.published).isoformat(),
                "tags": i.tags,
                "language": i.lang,
            }
            for i in items
        ],
    }
    return json.dumps(feed, ensure_ascii=False, indent=2)


_SITEMAP_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
_NEWS_NS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'


def _news_lang(lang: str) -> str:
    return {"zh-Hans": "zh-cn", "zh-Hant": "zh-tw"}.get(lang, lang)


def _news_sitemap(items: list[_Item], publication: str = SITE_NAME) -> str:
    urls = "".join(
        f"""
  <url>
    <loc>{_esc(i.link)}</loc>
    <lastmod>{_dt(i.published).isoformat()}</lastmod>
    <news:news>
      <news:publication>
        <news:name>{_esc(publication)}</news:name>
        <news:language>{_news_lang(i.lang)}</news:language>
      </news:publication>
      <news:publication_date>{_dt(i.published).isoformat()}</news:publication_date>
      <news:title>{_esc(i.title)}</news:title>
      <news:keywords>{_esc(", ".join(i.tags))}</news:keywords>
    </news:news>
  </url>"""
        for i in items
    )
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {_SITEMAP_NS} {_NEWS_NS}>'
    return f"{head}{urls}\n</urlset>\n"


def _urlset(items: list[_Item]) -> str:
    urls = "".join(
        f"\n  <url><loc>{_esc(i.link)}</loc><lastmod>{i.published[:10]}</lastmod></url>"
        for i in items
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {_SITEMAP_NS}>{urls}\n</urlset>\n'


def _sitemap_index(urls: list[str]) -> str:
    entries = "".join(
        f"\n  <sitemap><loc>{_esc(u)}</loc><lastmod>{_UPDATED}</lastmod></sitemap>" for u in urls
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex {_SITEMAP_NS}>{entries}\n'
        "</sitemapindex>\n"
    )


def build_news_site(srv: FixtureServer) -> NewsSite:
    """Fill ``srv.routes`` with the synthetic news site and describe it."""
    site = srv.base_url
    by_key = {a["key"]: a for a in _ARTICLES}
    articles: dict[str, ArticleInfo] = {}
    for a in _ARTICLES:
        url = srv.url(a["path"])
        page = _page(a, canonical=url)
        for path in (a["path"], a.get("also_at")):
            if path:
                srv.routes[path] = Route(page)
        articles[url] = ArticleInfo(
            key=a["key"],
            url=url,
            path=a["path"],
            title=a["title"],
            language=a["lang"].split("-")[0],
            lang_tag=a["lang"],
            relevant_expected=a["relevant"],
            published=_dt(a["published"]).isoformat(),
            topic=a["topic"],
            phrase=a["phrase"],
        )

    wukong = srv.url(by_key["wukong"]["path"])
    special = {  # "@name" -> (link, title, language)
        "@private": (srv.url(_PATHS["private"]), "Internal draft", "en"),
        "@missing": (srv.url(_PATHS["missing"]), "A story that was withdrawn", "en"),
        "@not_html": (srv.url(_PATHS["not_html"]), "Annual culture report (PDF)", "en"),
        "@redirect": (srv.url(_PATHS["redirect"]), by_key["softpower"]["title"], "en"),
        "@amp": (srv.url(by_key["forum"]["also_at"]), by_key["forum"]["title"], "en"),
        "@tracking": (
            wukong + "?utm_source=rss&utm_medium=feed#comments",
            by_key["wukong"]["title"],
            "en",
        ),
    }

    def item(key: str) -> _Item:
        if key in special:
            link, title, lang = special[key]
            return _Item(link, title, f"{title}.", "2025-03-01T00:00:00Z", [], lang)
        a = by_key[key]
        link = srv.url(a["path"])
        return _Item(link, a["title"], a["desc"], a["published"], a["tags"], a["lang"])

    def items(keys: list[str]) -> list[_Item]:
        return [item(k) for k in keys]

    render = {"rss2": _rss2, "rss1": _rss1, "rss091": _rss091, "atom": _atom, "jsonfeed": _jsonfeed}
    types = {
        "rss2": "application/rss+xml; charset=utf-8",
        "rss1": "application/rdf+xml; charset=utf-8",
        "rss091": "application/rss+xml; charset=utf-8",
        "atom": "application/atom+xml; charset=utf-8",
        "jsonfeed": "application/feed+json; charset=utf-8",
    }
    listed: dict[str, list[str]] = {}
    for name, keys in _FEED_ITEMS.items():
        body = render[name](site, items(keys))
        extra = _RSS2_VALIDATORS if name == "rss2" else {}
        srv.routes[_PATHS[name]] = Route(body, content_type=types[name], **extra)
        listed[name] = [i.link for i in items(keys)]

    xml = "application/xml; charset=utf-8"
    srv.routes[_PATHS["news"]] = Route(_news_sitemap(items(_NEWS_SITEMAP)), content_type=xml)
    srv.routes[_PATHS["urlset"]] = Route(_urlset(items(_URLSET_1)), content_type=xml)
    srv.routes[_PATHS["urlset_gz"]] = Route(
        gzip.compress(_urlset(items(_URLSET_2)).encode("utf-8"), mtime=0),
        content_type="application/x-gzip",
    )
    children = [srv.url(_PATHS["urlset"]), srv.url(_PATHS["urlset_gz"])]
    srv.routes[_PATHS["index"]] = Route(_sitemap_index(children), content_type=xml)
    listed["news"] = [i.link for i in items(_NEWS_SITEMAP)]
    listed["urlset"] = [i.link for i in items(_URLSET_1)]
    listed["urlset_gz"] = [i.link for i in items(_URLSET_2)]
    listed["index"] = listed["urlset"] + listed["urlset_gz"]

    srv.routes[_PATHS["robots"]] = Route(
        "User-agent: *\nDisallow: /private/\n\n"
        f"Sitemap: {srv.url(_PATHS['index'])}\nSitemap: {srv.url(_PATHS['news'])}\n",
        content_type="text/plain; charset=utf-8",
    )
    srv.routes[_PATHS["private"]] = Route(_private_page())
    srv.routes[_PATHS["private_feed"]] = Route(  # a feed robots.txt forbids, as a source URL
        _rss2(site, items(["@private"])), content_type="application/rss+xml; charset=utf-8"
    )
    srv.routes[_PATHS["redirect"]] = Route(
        status=301, location=srv.url(by_key["softpower"]["path"]), content_type="text/plain"
    )
    srv.routes[_PATHS["not_html"]] = Route(
        b"%PDF-1.4\n% culturewatch fixture: not an article\n1 0 obj << >> endobj\n%%EOF\n",
        content_type="application/pdf",
    )
    links = "".join(f'<li><a href="{a["path"]}">{_esc(a["title"])}</a></li>' for a in _ARTICLES)
    srv.routes["/"] = Route(
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{SITE_NAME}</title>'
        f"</head><body><h1>{SITE_NAME}</h1><ul>{links}</ul></body></html>"
    )

    return NewsSite(
        base_url=site,
        feeds={name: srv.url(_PATHS[name]) for name in _FEED_ITEMS},
        sitemaps={name: srv.url(_PATHS[name]) for name in ("news", "index", "urlset", "urlset_gz")},
        articles=articles,
        listed=listed,
        robots=srv.url(_PATHS["robots"]),
        disallowed=[srv.url(_PATHS["private"]), srv.url(_PATHS["private_feed"])],
        disallowed_feed=srv.url(_PATHS["private_feed"]),
        redirect_from=srv.url(_PATHS["redirect"]),
        redirect_to=srv.url(by_key["softpower"]["path"]),
        missing=srv.url(_PATHS["missing"]),
        not_html=srv.url(_PATHS["not_html"]),
        tracking_url=special["@tracking"][0],
        canonical_from=srv.url(by_key["forum"]["also_at"]),
        canonical_to=srv.url(by_key["forum"]["path"]),
    )


# =========================================================================== config files
def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON escapes are valid TOML
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def write_sources(path: str | Path, entries: Iterable[Mapping[str, Any]]) -> Path:
    """Write a sources file: one ``[[sources]]`` table per entry (name, url, kind, ...)."""
    path = Path(path)
    blocks = [
        "[[sources]]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in entry.items())
        for entry in entries
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


TEST_SETTINGS: dict[str, dict[str, Any]] = {
    "politeness": {
        "download_delay": 0,
        "autothrottle": False,
        "retry_times": 1,
        "retry_backoff_base": 0.1,
        "timeout": 10,
    },
}


def write_settings(path: str | Path, **overrides: Any) -> Path:
    """Write a ``settings.toml`` with fast politeness for tests, and beside it the
    project's ``themes.toml`` when there is none (a crawl needs both).

    *path* is a config directory (``settings.toml`` is written inside) or the file.
    Overrides: a top-level key (``allow_private_networks=True``), a whole section as a
    dict (``politeness={"timeout": 5}``, merged), or dotted via
    ``**{"crawl.max_items_per_source": 3}``.
    """
    path = Path(path)
    if path.suffix != ".toml":
        path = path / "settings.toml"
    top: dict[str, Any] = {}
    sections = {name: dict(values) for name, values in TEST_SETTINGS.items()}
    for key, value in overrides.items():
        if "." in key:
            section, _, name = key.partition(".")
            sections.setdefault(section, {})[name] = value
        elif isinstance(value, Mapping):
            sections.setdefault(key, {}).update(value)
        else:
            top[key] = value
    lines = [f"{k} = {_toml_value(v)}" for k, v in top.items()]
    for section, values in sections.items():
        lines += ["", f"[{section}]"] + [f"{k} = {_toml_value(v)}" for k, v in values.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines).lstrip("\n") + "\n", encoding="utf-8")
    themes = path.parent / "themes.toml"
    if not themes.exists():
        themes.write_bytes((REPO / "config" / "themes.toml").read_bytes())
    return path


def crawl_cli(
    config: str | Path, sources: str | Path, db: str | Path, *extra: str, timeout: float = 120
) -> Any:
    """``culturewatch crawl`` in its own process (Twisted's reactor runs once per process);
    returns the ``subprocess.CompletedProcess``. Loopback needs ``--allow-private-networks``
    in *extra*."""
    import subprocess

    return subprocess.run(
        [
            sys.executable,
            "-m",
            "crawler",
            "crawl",
            "--config",
            str(config),
            "--sources",
            str(sources),
            "--db",
            str(db),
            *extra,
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# =========================================================================== benchmark mirror
def corpus_dir() -> Path | None:
    """``<repo>/../shared/corpus/extraction-benchmark``, or None when it is not there."""
    path = REPO.parent / "shared" / "corpus" / "extraction-benchmark"
    return path if (path / "ground-truth.json").is_file() and (path / "html").is_dir() else None


@dataclass
class Mirror:
    feed_url: str  # RSS 2.0 on the first server: the first half of the pages
    sitemap_url: str  # Google News sitemap on the second server: the second half
    truth: dict[str, str]  # served page URL -> ground-truth articleBody
    ids: dict[str, str] = field(default_factory=dict)  # served page URL -> benchmark id


def build_benchmark_mirror(
    feed_srv: FixtureServer, sitemap_srv: FixtureServer, corpus_dir: str | Path
) -> Mirror:
    """Serve the benchmark's pages at ``/a/<id>.html``: the first half (by id) from
    *feed_srv*, listed in ``/bench/feed.xml``; the second half from *sitemap_srv*, listed
    in ``/bench/news-sitemap.xml``. Titles in the listings are neutral placeholders."""
    corpus = Path(corpus_dir)
    ground = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(p.name.removesuffix(".html.gz") for p in (corpus / "html").glob("*.html.gz"))
    half = (len(ids) + 1) // 2
    truth: dict[str, str] = {}
    id_of: dict[str, str] = {}
    listings: dict[int, list[_Item]] = {0: [], 1: []}
    for n, page_id in enumerate(ids):
        side = 0 if n < half else 1
        srv = (feed_srv, sitemap_srv)[side]
        path = f"/a/{page_id}.html"
        page = gzip.decompress((corpus / "html" / f"{page_id}.html.gz").read_bytes())
        srv.routes[path] = Route(page)
        url = srv.url(path)
        truth[url] = ground.get(page_id, {}).get("articleBody", "")
        id_of[url] = page_id
        listings[side].append(
            _Item(url, f"Article {page_id[:8]}", "", "2019-11-20T12:00:00Z", [], "en")
        )
    feed_srv.routes["/bench/feed.xml"] = Route(
        _rss2(feed_srv.base_url, listings[0]), content_type="application/rss+xml; charset=utf-8"
    )
    sitemap_srv.routes["/bench/news-sitemap.xml"] = Route(
        _news_sitemap(listings[1], publication="Benchmark mirror"),
        content_type="application/xml; charset=utf-8",
    )
    return Mirror(
        feed_url=feed_srv.url("/bench/feed.xml"),
        sitemap_url=sitemap_srv.url("/bench/news-sitemap.xml"),
        truth=truth,
        ids=id_of,
    )


# =========================================================================== metric
_TOKEN = re.compile(r"\w+")


def _shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """Multiset of n-token shingles; a text of 1..n-1 tokens is one short shingle."""
    tokens = _TOKEN.findall(text or "")
    if len(tokens) < n:
        return Counter([tuple(tokens)] if tokens else [])
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _tp_fp_fn(predicted: str, truth: str) -> tuple[float, float, float]:
    pred, true = _shingles(predicted), _shingles(truth)
    tp = sum((pred & true).values())
    fp = sum((pred - true).values())
    fn = sum((true - pred).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def shingle_f1(pairs: Iterable[tuple[str, str]]) -> dict[str, float]:
    """The extraction benchmark's metric over (predicted, truth) text pairs.

    Per page, tp/fp/fn count 4-token shingles (tokens: ``\\w+``) in the multiset
    overlap, normalised to sum 1. Precision is the mean of tp/(tp+fp) over the pages
    where tp+fp > 0, recall the mean of tp/(tp+fn) over the pages where tp+fn > 0, and
    F1 the harmonic mean of those two means (0 when there is nothing to average).
    """
    counts = [_tp_fp_fn(pred, truth) for pred, truth in pairs]
    precisions = [tp / (tp + fp) for tp, fp, _ in counts if tp + fp > 0]
    recalls = [tp / (tp + fn) for tp, _, fn in counts if tp + fn > 0]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "pages": len(counts)}
