"""A recording stand-in for Kibana's saved-objects import API, over real HTTP on loopback.

It enforces what Kibana enforces on that route (the kbn-xsrf header, credentials, the
multipart `file` field), parses the upload with the standard library's MIME parser, and
answers like Kibana: success with a count, or success:false with per-object errors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from loopback import QuietHandler, http_server

IMPORT_PATH = re.compile(r"^(?:/s/(?P<space>[a-z0-9_-]+))?/api/saved_objects/_import$")


@dataclass
class Upload:
    path: str
    space: str | None
    query: dict[str, list[str]]
    headers: dict[str, str]
    field_name: str | None
    filename: str | None
    content_type: str | None
    content: bytes

    def objects(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.content.decode().splitlines() if line]


@dataclass
class FakeKibana:
    authorization: str | None = None  # the header value it accepts; None: no auth
    answer: tuple[int, Any] | None = None  # scripted (status, body); None: import all
    uploads: list[Upload] = field(default_factory=list)
    url: str = ""


def _answer(handler: BaseHTTPRequestHandler, status: int, body: Any) -> None:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    handler.send_response(status)
    kind = "text/html" if isinstance(body, bytes) else "application/json"
    handler.send_header("Content-Type", kind)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


@contextmanager
def fake_kibana(**kwargs: Any) -> Iterator[FakeKibana]:
    kibana = FakeKibana(**kwargs)

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            parts = urlsplit(self.path)
            route = IMPORT_PATH.match(parts.path)
            if not route:
                return _answer(self, 404, {"statusCode": 404, "message": "Not Found"})
            if "kbn-xsrf" not in self.headers:
                return _answer(
                    self,
                    400,
                    {"statusCode": 400, "message": "Request must contain a kbn-xsrf header."},
                )
            if kibana.authorization and self.headers.get("Authorization") != kibana.authorization:
                return _answer(
                    self,
                    401,
                    {
                        "statusCode": 401,
                        "error": "Unauthorized",
                        "message": "[security_exception]: unable to authenticate user",
                    },
                )
            message = BytesParser(policy=HTTP).parsebytes(
                f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + body
            )
            file_part = next(iter(message.iter_parts()), None) if message.is_multipart() else None
            upload = Upload(
                path=parts.path,
                space=route.group("space"),
                query=parse_qs(parts.query),
                headers=dict(self.headers),
                field_name=file_part.get_param("name", header="content-disposition")
                if file_part
                else None,
                filename=file_part.get_filename() if file_part else None,
                content_type=file_part.get_content_type() if file_part else None,
                content=file_part.get_payload(decode=True) if file_part else b"",
            )
            kibana.uploads.append(upload)
            if upload.field_name != "file":
                return _answer(self, 400, {"statusCode": 400, "message": "[file]: required"})
            if kibana.answer is not None:
                return _answer(self, *kibana.answer)
            count = len(upload.objects())
            return _answer(self, 200, {"success": True, "successCount": count, "errors": []})

    with http_server(Handler) as url:
        kibana.url = url
        yield kibana
