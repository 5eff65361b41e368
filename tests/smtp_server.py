"""A real SMTP server on loopback for the e-mail tests (aiosmtpd), on a free port:
what it received, parsed; a server that refuses (550) or defers (451) everything;
and the URL of one that is down (a free port nobody listens on)."""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: email.message.EmailMessage

    def __getitem__(self, header: str) -> str:
        return str(self.message[header])

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""

    def attachments(self) -> list[tuple[str, bytes]]:
        return [
            (part.get_filename(), part.get_content()) for part in self.message.iter_attachments()
        ]


@dataclass
class Server:
    port: int
    answer: str | None = None  # "550 ..." to refuse every message
    received: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if self.answer:
            return self.answer
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), message)  # type: ignore[arg-type]
        )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]


def start(answer: str | None = None):
    """(controller, server): stop the controller when done."""
    from aiosmtpd.controller import Controller

    server = Server(free_port(), answer)
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    return controller, server
