"""Writes common-crawl-style.warc.gz with warcio, laid out as Common Crawl's
WARC files are (WARC/1.0; warcinfo; request, response and metadata records;
payloads stored decoded, with the original Content-Encoding and
Content-Length kept as X-Crawler-* headers), plus records pith must skip
(a 404, a redirect, a revisit, an image) and one response stored raw,
chunked and gzip-encoded, as live capture tools store it.

    pip install warcio
    python3 testdata/warc/make_common_crawl_style.py
"""
import gzip
import io
import os

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HERE = os.path.dirname(os.path.abspath(__file__))
PAGES = os.path.join(HERE, "..", "pages")


def page(slug):
    with open(os.path.join(PAGES, slug, "source.html"), "rb") as f:
        return f.read()


def chunked(data, size=700):
    out = b""
    for i in range(0, len(data), size):
        part = data[i : i + size]
        out += b"%x\r\n" % len(part) + part + b"\r\n"
    return out + b"0\r\n\r\n"


def main():
    out = os.path.join(HERE, "common-crawl-style.warc.gz")
    with open(out, "wb") as f:
        w = WARCWriter(f, gzip=True, warc_version="WARC/1.0")
        w.write_record(
            w.create_warcinfo_record(
                "common-crawl-style.warc.gz",
                {"software": "warcio", "description": "pith test fixture"},
            )
        )

        def exchange(url, status, headers, payload, extra=None):
            req = StatusAndHeaders(
                "GET " + url.split("/", 3)[3] + " HTTP/1.1",
                [("Host", url.split("/")[2]), ("User-Agent", "CCBot/2.0")],
                is_http_request=True,
            )
            w.write_record(
                w.create_warc_record(
                    url, "request", payload=io.BytesIO(b""), http_headers=req
                )
            )
            http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
            rec = w.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(payload),
                http_headers=http,
                warc_headers_dict=extra or {},
            )
            w.write_record(rec)

        ko = page("korean-euc-kr")
        ko_url = "http://www.hangyeolnews.co.kr/news/articleView.html?idxno=52817"
        exchange(
            ko_url,
            "200 OK",
            [
                ("Content-Type", "text/html; charset=euc-kr"),
                ("X-Crawler-Content-Encoding", "gzip"),
                ("X-Crawler-Content-Length", str(len(gzip.compress(ko)))),
                ("Content-Length", str(len(ko))),
            ],
            ko,
            {"WARC-Identified-Payload-Type": "text/html"},
        )
        w.write_record(
            w.create_warc_record(
                ko_url,
                "metadata",
                payload=io.BytesIO(b"languages-cld2: {\"languages\":[{\"code\":\"ko\"}]}\r\n"),
                warc_content_type="application/warc-fields",
            )
        )
        exchange(
            "http://www.hangyeolnews.co.kr/news/missing.html",
            "404 Not Found",
            [("Content-Type", "text/html"), ("Content-Length", "9")],
            b"not found",
        )
        exchange(
            "http://www.hangyeolnews.co.kr/old",
            "301 Moved Permanently",
            [("Location", ko_url), ("Content-Length", "0")],
            b"",
        )
        exchange(
            "http://www.hangyeolnews.co.kr/logo.png",
            "200 OK",
            [("Content-Type", "image/png"), ("Content-Length", "8")],
            b"\x89PNG\r\n\x1a\n",
        )
        w.write_record(
            w.create_revisit_record(
                ko_url,
                digest="sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                refers_to_uri=ko_url,
                refers_to_date="2020-01-01T00:00:00Z",
            )
        )
        en = page("news-ads-newsletter")
        en_url = "https://www.northerndispatch.com/2021/02/03/transit/electric-buses-cold-winter-test.html"
        exchange(
            en_url,
            "200 OK",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Encoding", "gzip"),
                ("Transfer-Encoding", "chunked"),
            ],
            chunked(gzip.compress(en)),
        )


if __name__ == "__main__":
    main()
