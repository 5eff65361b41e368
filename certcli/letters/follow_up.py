"""The `--letter` of the writing commands: which letter follows which step, and
how it is asked for with the step and rendered after it.

One table, so that "which letter does `commission decide --letter` send?" has one
answer. The letter is asked for in the step's own transaction (a pending letter,
certcli.letters.log.ask) and rendered after it committed; the CLI only prints
what `FollowUp` found (certcli.cli.common.finish_letter).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from certcli.errors import CertcliError, NotFound, ValidationError
from certcli.letters import catalog, log, mail, render
from certcli.rules import dates

if TYPE_CHECKING:
    from certcli.store import Store

# The invoice a grant letter encloses, rendered in the same file after it.
ENCLOSED_INVOICE = "facture"

# step -> template, for the steps that always send the same letter
AFTER = {
    "receive": "accuse-reception",
    "request": "demande-complements",
    "interview": "entretien",
    # The CQPT admissibility letter also names the evaluator: it goes with orientation.
    "orient": "cqpt-recevabilite",
    "pay": "recu-paiement",
    "withdraw": "retrait-dossier",
    "certificate-withdraw": "retrait-certificat",
}


def after_admissibility(accept: bool) -> str:
    """A rejection gets its letter now; an acceptance's letter names the evaluator,
    so it waits for `cqpt orient --letter` (refused here, before anything is recorded)."""
    if accept:
        raise ValidationError(
            "no letter is sent when admissibility is accepted: the "
            "admissibility letter (cqpt-recevabilite) names the evaluator, "
            "send it with `certcli cqpt orient REF --evaluator ID --letter`"
        )
    return "cqpt-irrecevabilite"


def after_check(complete: bool) -> str:
    """An incomplete dossier gets the list of what is missing; a complete one the
    acknowledgement (which says it goes on to instruction)."""
    return "accuse-reception" if complete else "dossier-incomplet"


def check_decision(decision: str) -> None:
    """Refuse --letter before recording a decision no letter speaks of."""
    if decision not in ("granted", "refused", "adjourned"):
        raise ValidationError(f"no letter is sent for an {decision} dossier: drop --letter")


def after_decision(store: Store, session_id: int, decision: str) -> str:
    """Appeal session -> appeal outcome; CPNE session -> CQPT decision; award
    session -> notification (granted), refusal with the appeal deadline, or
    adjournment (only an award session adjourns)."""
    check_decision(decision)
    session = store.session(session_id)
    if session is None:
        raise NotFound(f"no session {session_id}")
    if session["kind"] == "appeal":
        return "decision-recours"
    if session["kind"] == "cpne":
        return "cqpt-decision"
    if decision == "adjourned":
        return "ajournement"
    return "notification" if decision == "granted" else "refus"


def decision_date(store: Store, result: dict) -> dt.date:
    """The day a decision's letter is dated: the session day, like the decision,
    unless the decision brought an invoice issued later (recorded after the session),
    since a letter is never dated before the invoice it encloses."""
    day = dates.from_iso(result["date"])
    if result.get("invoice"):
        from certcli.domain import invoices

        day = max(day, dates.from_iso(invoices.get(store, result["invoice"]).issued_on))
    return day


class FollowUp:
    """A writing command's --letter: options checked before the action, the letter
    asked for in the action's own transaction (a pending letter) and rendered after
    it committed.

        with follow.step(store):
            result = domain.action(store, ...)
            follow.render(store, template, dossier=result.ref, date=day)

    Outside `step`, `render` asks for the letter in a transaction of its own, after
    the action's. A rendering failure never undoes the action: `error` says the
    letter is pending and how to render it (the command prints the action's result,
    then that error); a run killed meanwhile leaves it pending, never lost. Letters
    an earlier run left pending are completed after this one and handed to
    `on_pending` (the CLI's warnings).
    """

    def __init__(
        self,
        wanted: bool,
        fmt: str,
        out: Path,
        templates: Path | None,
        *,
        email: bool = False,
        post: bool = False,
        on_pending: Callable[[list[log.PendingOutcome]], None] | None = None,
    ):
        wanted = wanted or email or post
        self.wanted, self.fmt, self.out, self.templates = wanted, fmt, out, templates
        # --email: the letter's PDF goes by e-mail (certcli.letters.mail); it is for
        # the post too with --post, or when only --letter was given.
        self.email, self.post = email, post or not email
        self.on_pending = on_pending
        self.template: str | None = None
        self.path: str | None = None
        self.error: str | None = None
        self.message: dict | None = None  # the e-mail, as `mail queue` lists it
        # (pending id, composed letter, ref): the step's letter, and the invoice it encloses
        self._asked: list[tuple[int, render.Letter, str]] = []
        self._queued: int | None = None  # the e-mail's outbox id
        self._in_step = False
        if wanted:
            # Mistyped options fail before anything is recorded.
            if fmt not in render.FORMATS:
                raise ValidationError(f"invalid format {fmt!r} (pdf or html)")
            catalog.own_templates_dir(templates)
        if email:
            if fmt != "pdf":
                raise ValidationError("--email sends the letter as a PDF: drop --format html")
            mail.check_settings()

    @contextmanager
    def step(self, store: Store):
        """The action's transaction, its letter asked for inside, rendered after."""
        self._in_step = True
        try:
            with store.transaction():
                yield self
        finally:
            self._in_step = False
        self._render_asked(store)

    def render(
        self,
        store: Store,
        template: str,
        *,
        date: dt.date,
        dossier: str | None = None,
        certificate: str | None = None,
        enclose: str | None = None,
    ) -> None:
        """The letter about one record: a dossier, or a certificate; `enclose`: the
        number of an invoice rendered with it, in the same file (a notification and
        its dues invoice: the letter says "ci-joint")."""
        if not self.wanted:
            return
        self.template = template
        option, ref = ("--certificate", certificate) if certificate else ("--dossier", dossier)
        try:
            # Composed under the step's write lock: the letter says what was recorded.
            with store.transaction():
                letter = render.compose(
                    store,
                    template,
                    dossier=dossier,
                    certificate=certificate,
                    date=date,
                    templates_dir=self.templates,
                )
                outgoing = None
                if self.email:
                    try:
                        outgoing = mail.for_letter(letter, date=date, templates_dir=self.templates)
                    except mail.NoEmailAddress as exc:
                        self.error = (
                            f"{ref}: the step is recorded but nothing was e-mailed: {exc}; "
                            "its letter is rendered for the post (to e-mail it once the "
                            f"address is in: `certcli letters render {template} {option} "
                            f"{ref} --email --date {date.isoformat()}`)"
                        )
                asked = [(letter, str(ref))]
                if enclose:
                    invoice = render.compose(
                        store,
                        ENCLOSED_INVOICE,
                        invoice=enclose,
                        date=date,
                        templates_dir=self.templates,
                    )
                    asked.append((invoice, enclose))
                pending: list[tuple[int, render.Letter, str]] = []
                for one, what in asked:
                    pending_id = log.ask(
                        store,
                        one,
                        date=date,
                        fmt=self.fmt,
                        out_dir=self.out,
                        templates_dir=self.templates,
                        post=self.post or outgoing is None,
                        enclosed_in=pending[0][0] if pending else None,
                    )
                    pending.append((pending_id, one, what))
                if outgoing is not None:
                    # the e-mail carries the letter's file (with what it encloses)
                    self._queued = mail.queue(store, outgoing, pending_id=pending[0][0])
        except CertcliError as exc:
            again = [
                f"certcli letters render {template} {option} {ref}",
                f"--date {date.isoformat()}",
                f"--format {self.fmt}",
                f"--out {self.out}",
            ]
            if self.templates:
                again.append(f"--templates {self.templates}")
            self.error = (
                f"{ref}: the step is recorded but the letter was not rendered: "
                f"{exc}; render it with `{' '.join(again)}`"
            )
            return
        self._asked = pending
        if not self._in_step:
            self._render_asked(store)

    def _render_asked(self, store: Store) -> None:
        if not self._asked:
            return
        asked, self._asked = self._asked, []
        ref = asked[0][2]
        letters = [letter for _, letter, _ in asked]
        try:
            # The letter and what it encloses in one file, named after the letter.
            done = log.complete(store, [i for i, _, _ in asked], letters)
        except CertcliError as exc:
            self.error = (
                f"{ref}: the step is recorded and its letter is pending, not "
                f"rendered: {exc}; render it with `certcli letters render "
                "--pending`"
            )
            return
        if done:
            self.path = str(done[0].path)
        if store.pending_letters():
            outcomes = log.complete_pending(store)
            if self.on_pending is not None:
                self.on_pending(outcomes)
        if self._queued is not None:
            self._send(store, ref)

    def _send(self, store: Store, ref: str) -> None:
        """The step's e-mail, now that its letter is rendered (then the rest of the
        queue, an earlier run's)."""
        assert self._queued is not None
        with mail.Sender(store) as sending:
            done = sending.flush([self._queued])
            sending.flush()
        found = store.outbox_message(self._queued)
        assert found is not None  # recorded in the step
        self.message = mail.item(found)
        if self.message["status"] == "failed":
            self.error = (
                f"{ref}: the step is recorded and its letter rendered, but the server "
                f"refused the e-mail for good: {self.message['error']}"
            )
        elif self.message["status"] == "queued":
            why = self.message["error"] or done.unreachable or "not sent"
            self.error = (
                f"{ref}: the step is recorded and its letter rendered; its e-mail is "
                f"queued ({why}): `certcli mail flush` sends it"
            )

    def render_decision(self, store: Store, result: dict) -> None:
        """The letter of a decision just recorded (`commission decide`, `appeal decide`),
        dated on the session day like the decision, or on the day its invoice was
        issued when that is later (decision_date)."""
        if self.wanted:
            template = after_decision(store, result["session"], result["decision"])
            self.render(
                store,
                template,
                dossier=result["ref"],
                date=decision_date(store, result),
                enclose=result.get("invoice") if result["decision"] == "granted" else None,
            )

    def add_to(self, data: dict) -> dict:
        """The command's JSON with `"letter": path` (null when it failed) and, with
        --email, `"email"`: the message as `mail queue` lists it (null if none)."""
        if not self.wanted:
            return data
        if self.email:
            return {**data, "letter": self.path, "email": self.message}
        return {**data, "letter": self.path}


class Batch:
    """The letters of a batch step (`dues call --letter`): one letter per record, each
    asked for (a pending letter) in the step's own transaction, then rendered after
    it committed, one file each or, `one_file`, one file of every letter (as `renewals
    remind --one-file`). A record whose letter cannot be composed (no postal address)
    is skipped: its step stands, `skipped` says how to render the letter later.

        batch = Batch(wanted, fmt, out, templates, one_file=one_file)
        with batch.step(store):
            result = domain.action(store, ...)
            batch.ask(store, "appel-cotisation", invoice=[...numbers], date=day)
    """

    def __init__(
        self,
        wanted: bool,
        fmt: str,
        out: Path,
        templates: Path | None,
        *,
        one_file: bool = False,
        email: bool = False,
        post: bool = False,
        on_pending: Callable[[list[log.PendingOutcome]], None] | None = None,
    ):
        from certcli.letters import reminders

        wanted = wanted or email or post
        self.wanted, self.fmt, self.out, self.templates = wanted, fmt, out, templates
        self.one_file, self.on_pending = one_file, on_pending
        # --email: each letter's PDF e-mailed too (for the post as well with --post)
        self.email, self.post = email, post or not email
        self.files: list[str] = []
        self.skipped: list[dict] = []
        self.emailed: list[str] = []
        self.not_emailed: list[dict] = []  # [{"invoice", "status", "error"}]
        self.error: str | None = None
        self._asked: list[tuple[int, render.Letter]] = []
        self._queued: dict[int, str] = {}  # outbox id -> invoice
        self._stem: str | None = None
        if wanted:
            if fmt not in render.FORMATS:
                raise ValidationError(f"invalid format {fmt!r} (pdf or html)")
            catalog.own_templates_dir(templates)
        reminders.check_email(email, one_file=one_file, fmt=fmt, dry_run=False)

    @contextmanager
    def step(self, store: Store):
        with store.transaction():
            yield self
        self._render_asked(store)

    def ask(self, store: Store, template: str, *, invoices: Iterable[str], date: dt.date) -> None:
        """One letter of `template` per invoice, asked for inside the step (`invoices`
        may be read as they come: the numbers of a dues call)."""
        if not self.wanted or not invoices:
            return
        from certcli.letters.conditions import NoPostalAddress

        info = catalog.find(template, self.templates)
        folder = render.prepare_out_dir(self.out, store)
        for number in invoices:
            try:
                letter = render.compose(
                    store,
                    template,
                    invoice=number,
                    date=date,
                    templates_dir=self.templates,
                    info=info,
                )
            except NoPostalAddress as exc:
                self.skipped.append(
                    {
                        "invoice": number,
                        "reason": f"{exc}; then render it with `certcli letters render "
                        f"{template} --invoice {number} --date {date.isoformat()}`",
                    }
                )
                continue
            outgoing = None
            if self.email:
                try:
                    outgoing = mail.for_letter(letter, date=date, templates_dir=self.templates)
                except mail.NoEmailAddress as exc:
                    # its letter is rendered for the post (or a later e-mail)
                    self.not_emailed.append({"invoice": number, "status": None, "error": str(exc)})
            pending_id = log.ask(
                store,
                letter,
                date=date,
                fmt=self.fmt,
                out_dir=folder,
                templates_dir=self.templates,
                post=self.post or outgoing is None,
            )
            if outgoing is not None:
                self._queued[mail.queue(store, outgoing, pending_id=pending_id)] = number
            self._asked.append((pending_id, letter))
        if self._asked:
            first = self._asked[0][1].context.ref
            self._stem = f"{date.isoformat()}_{template}_lot-{first}-{len(self._asked)}"

    def _render_asked(self, store: Store) -> None:
        asked, self._asked = self._asked, []
        if not asked:
            return
        try:
            if self.one_file:
                done = log.complete(
                    store, [i for i, _ in asked], [letter for _, letter in asked], stem=self._stem
                )
                self.files = list(dict.fromkeys(str(r.path) for r in done or []))
            else:
                each = log.complete_each(store, asked)
                self.files += [str(r.path) for r in each if r is not None]
            if self._queued:
                self._send(store)
        except CertcliError as exc:
            self.error = (
                f"the step is recorded and its letters are pending, not rendered: {exc}; "
                "render them with `certcli letters render --pending`"
            )
            return
        if store.pending_letters():
            outcomes = log.complete_pending(store)
            if self.on_pending is not None:
                self.on_pending(outcomes)

    def _send(self, store: Store) -> None:
        """The batch's e-mails, now that their letters are rendered (then the rest of
        the queue, an earlier run's)."""
        queued, self._queued = self._queued, {}
        with mail.Sender(store) as sending:
            done = sending.flush(list(queued))
            sending.flush()
        for m in done.sent:
            self.emailed.append(queued[m["id"]])
        for m in [*done.queued, *done.failed, *done.waiting]:
            self.not_emailed.append(
                {"invoice": queued[m["id"]], "status": m["status"], "error": m["error"]}
            )
