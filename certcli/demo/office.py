"""The hand-made office: people at every stage of both schemes, written through the
domain functions only.

Every step is put on a timeline and the timeline is played in date order, so the
numbers certcli hands out (dossier references, certificate numbers, invoices)
follow the dates as they would in a real office, and every rule a step checks
(cut-off before a session, appeal delay, phases after orientation...) is checked
against the state of that day. Nothing is dated after `today` except a scheduled
interview and the agenda step of a session yet to sit (an agenda step is dated on
the session day, SPEC §8).
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from certcli.demo.people import Names
from certcli.domain import (
    agenda,
    appeals,
    assignment,
    candidates,
    completeness,
    cqpt,
    decisions,
    dossiers,
    dues,
    evaluators,
    experiences,
    instruction,
    instructors,
    invoices,
    reception,
    renewals,
)
from certcli.domain import sessions as commission_sessions
from certcli.records import dataclass, field
from certcli.rules import dates, money, schemes

if TYPE_CHECKING:
    from certcli.store import Store


Step = Callable[[dt.date], object]
T = TypeVar("T")


def _recorded(value: T | None, what: str) -> T:
    """What an earlier step recorded (an id, a reference): steps play in date order,
    so a later one always finds it."""
    if value is None:
        raise RuntimeError(f"a demo step needs {what} before the step that records it")
    return value


class Timeline:
    """Steps (day, order, callable), played by day, then order, then insertion.
    Orders: 0 sessions and staff, 1 agendas, 2 decisions, 5 everything else. A
    step may schedule later steps while the timeline plays (a heap, not a list)."""

    def __init__(self, today: dt.date):
        self.today = today
        self.steps: list[tuple[dt.date, int, int, Step]] = []
        self.count = 0

    def at(self, day: dt.date, step: Step, order: int = 5) -> None:
        if day > self.today:
            raise ValueError(f"demo step dated {day}, after the demo's today {self.today}")
        self.count += 1
        heapq.heappush(self.steps, (day, order, self.count, step))

    def play(self) -> None:
        while self.steps:
            day, _, _, step = heapq.heappop(self.steps)
            step(day)


@dataclass
class Session:
    kind: str
    date: dt.date
    capacity: int | None = None
    id: int | None = None


@dataclass
class Person:
    values: dict
    id: int | None = None
    experiences: list[dict] = field(default_factory=list)
    specialty: str | None = None  # OPQTECC: the career `career()` gives them


def career(person: Person, day: dt.date) -> dict:
    """The experience in their specialty an OPQTECC candidate brings (the scheme asks
    3 years): 4 to 10 years up to the day they are registered. An employee's contract
    is still running (ongoing, hours known to the end of last month); a job seeker's
    last job ended a year ago."""
    from certcli.demo.people import BUILDING_FIRMS

    start = dates.add_years(day, -(4 + _recorded(person.id, "the candidate") % 7))
    if person.values["status"] == "salarie" and person.values.get("employer"):
        until = day - dt.timedelta(days=day.day)
        period = dict(employer=person.values["employer"], ongoing=True, hours_until=until)
    else:
        until = dates.add_years(day, -1)
        period = dict(
            employer=BUILDING_FIRMS[_recorded(person.specialty, "a specialty")][0], end=until
        )
    days = dates.days_inclusive(start, until)
    return dict(start=start, hours=str(days * 1607 // 365), related=True, contract="cdi", **period)


class Office:
    """What the stories share: the store, the timeline, the register's people."""

    def __init__(self, store: Store, rng: random.Random, today: dt.date, *, force: bool = False):
        self.store, self.rng, self.today, self.force = store, rng, today, force
        self.timeline = Timeline(today)
        self.names = Names(rng)
        self.closed = dates.public_holidays(range(today.year - 6, today.year + 2))
        self.instructors: dict[str, int] = {}
        self.evaluators: list[int] = []
        self.sessions: dict[str, Session] = {}
        self.stories: dict[str, Story] = {}
        self.certificates: dict[str, Story] = {}  # role -> the story that granted it

    def day(self, offset: int) -> dt.date:
        return self.today + dt.timedelta(days=offset)

    def workday(self, day: dt.date) -> dt.date:
        return dates.working_day(day, self.closed)

    def person(self, **kind) -> Person:
        return Person(self.names.person(**kind), specialty=kind.get("specialty"))

    def ensure_person(self, person: Person, day: dt.date) -> int:
        if person.id is None:
            # --force adds a second office beside the first: same invented names.
            person.id = candidates.add(self.store, person.values, date=day, force=self.force).id
            periods = list(person.experiences)
            if person.specialty:
                periods.append(career(person, day))
            for period in periods:
                experiences.add(self.store, person.id, date=day, **period)
        return person.id

    def session(
        self,
        name: str,
        kind: str,
        day: dt.date,
        *,
        capacity: int | None = None,
        agenda_on: dt.date | None = None,
    ) -> Session:
        session = Session(kind, day, capacity)
        self.sessions[name] = session

        def create(_day):
            session.id = commission_sessions.add(
                self.store, date=day, kind=kind, capacity=capacity
            ).id

        # Sessions are planned well ahead; created before anything refers to them.
        planned = min(day, agenda_on or day) - dt.timedelta(days=60)
        self.timeline.at(min(planned, self.today), create, order=0)
        if agenda_on is not None:
            self.timeline.at(
                agenda_on,
                lambda d: agenda.build_agenda(
                    self.store, _recorded(session.id, "the session"), date=d
                ),
                order=1,
            )
        return session

    def story(self, name: str, person: Person, scheme: str, **options) -> Story:
        story = Story(self, person, scheme, **options)
        self.stories[name] = story
        return story


class Story:
    """One dossier's life, step by step; each method schedules a step and returns
    the story, so a life reads as one chain."""

    def __init__(
        self,
        office: Office,
        person: Person,
        scheme: str,
        *,
        kind: str = "initial",
        certificate: Story | None = None,
        mention: str | None = None,
        route: str | None = None,
        financing: str | None = None,
    ):
        self.office, self.person, self.scheme, self.kind = office, person, scheme, kind
        self.of_certificate, self.mention = certificate, mention
        self.route, self.financing = route, financing
        self._ref: str | None = None
        self.certificate: str | None = None
        self.invoice: str | None = None

    @property
    def store(self) -> Store:
        return self.office.store

    @property
    def ref(self) -> str:
        """The dossier's reference, from the step that opened it on."""
        return _recorded(self._ref, "the dossier")

    def _at(self, day: dt.date, step: Step, order: int = 5) -> Story:
        self.office.timeline.at(day, step, order)
        return self

    # -- reception ------------------------------------------------------------------
    def open(self, day: dt.date) -> Story:
        def step(d):
            candidate_id = self.office.ensure_person(self.person, d)
            number = self.of_certificate.certificate if self.of_certificate else None
            self._ref = dossiers.open_dossier(
                self.store,
                candidate_id=candidate_id,
                scheme_code=self.scheme,
                kind=self.kind,
                certificate=number,
                mention=self.mention,
                route=self.route,
                financing=self.financing,
                date=d,
            ).ref

        return self._at(day, step)

    def receive(self, day: dt.date, *pieces: str) -> Story:
        return self._at(
            day, lambda d: reception.receive(self.store, self.ref, list(pieces), date=d)
        )

    def all_pieces(self) -> list[str]:
        scheme = schemes.get(self.scheme)
        return [f"{code}:{scheme.piece_count(code)}" for code in scheme.required_pieces(self.kind)]

    def pay(self, day: dt.date, amount: str | None = None, method: str = "cheque") -> Story:
        def step(d):
            state = completeness.assess(self.store, dossiers.row(self.store, self.ref))
            value = amount or str(state.fee_due - state.fee_paid)
            reference = (
                f"CHQ {self.office.rng.randrange(1000000, 9999999)}" if method == "cheque" else None
            )
            reception.pay(
                self.store, self.ref, amount=value, method=method, reference=reference, date=d
            )

        return self._at(day, step)

    def check(self, day: dt.date) -> Story:
        return self._at(day, lambda d: reception.check(self.store, self.ref, date=d))

    def complete(self, day: dt.date) -> Story:
        """Everything arrives by post, then the check two days later."""
        self.receive(day, *self.all_pieces())
        if schemes.get(self.scheme).fee(self.kind) > 0:
            self.pay(day, method=self.office.rng.choice(["cheque", "cheque", "virement"]))
        return self.check(day + dt.timedelta(days=2))

    # -- instruction -------------------------------------------------------------------
    def assign(self, day: dt.date) -> Story:
        return self._at(day, lambda d: assignment.assign(self.store, self.ref, auto=True, date=d))

    def expert(self, day: dt.date, who: str) -> Story:
        return self._at(
            day,
            lambda d: assignment.call_expert(
                self.store, self.ref, expert_id=self.office.instructors[who], date=d
            ),
        )

    def request(self, day: dt.date, items: str, due: dt.date) -> Story:
        return self._at(
            day, lambda d: instruction.request(self.store, self.ref, items=items, due=due, date=d)
        )

    def complement(self, day: dt.date) -> Story:
        return self._at(day, lambda d: reception.receive(self.store, self.ref, [], date=d))

    def interview(self, day: dt.date, at: dt.datetime, minutes: int = 60) -> Story:
        return self._at(
            day,
            lambda d: instruction.interview(
                self.store, self.ref, at=at.strftime("%Y-%m-%d %H:%M"), minutes=minutes, date=d
            ),
        )

    def report(
        self, day: dt.date, recommend: str = "grant", mentions: tuple = (), text: str | None = None
    ) -> Story:
        return self._at(
            day,
            lambda d: instruction.report(
                self.store,
                self.ref,
                recommend=recommend,
                mentions=list(mentions),
                text=text,
                date=d,
            ),
        )

    def withdraw(self, day: dt.date, reason: str) -> Story:
        return self._at(
            day, lambda d: instruction.withdraw(self.store, self.ref, reason=reason, date=d)
        )

    def instructed(
        self,
        session: Session,
        *,
        recommend: str = "grant",
        mentions: tuple = (),
        text: str | None = None,
    ) -> Story:
        """The usual road to an award session: in ~5 months, report a month before."""
        s = session.date
        self.open(s - dt.timedelta(days=150)).complete(s - dt.timedelta(days=140))
        self.assign(s - dt.timedelta(days=136))
        return self.report(s - dt.timedelta(days=32), recommend, mentions, text)

    # -- commission -----------------------------------------------------------------------
    def decide(self, session: Session, decision: str, *, reason: str | None = None) -> Story:
        def step(d):
            result = decisions.decide(
                self.store,
                _recorded(session.id, "the session"),
                self.ref,
                decision,
                reason=reason,
                date=d,
            )
            if decision == "granted":
                self.certificate, self.invoice = result.certificate, result.invoice

        return self._at(session.date, step, order=2)

    def appeal(self, day: dt.date, reason: str) -> Story:
        return self._at(day, lambda d: appeals.file(self.store, self.ref, date=d, reason=reason))

    def pay_invoice(self, day: dt.date, *, half: bool = False, method: str = "virement") -> Story:
        """Pay what is left on the story's invoice (or half of it: a first instalment)."""

        def step(d):
            number = _recorded(self.invoice, "the invoice")
            due = money.to_decimal(invoices.get(self.store, number).due)
            amount = money.cents(due / 2) if half else due
            invoices.pay(
                self.store,
                number,
                money.as_str(amount),
                method=method,
                reference=None
                if method == "virement"
                else f"CHQ {self.office.rng.randrange(1000000, 9999999)}",
                date=d,
            )

        return self._at(day, step)

    # -- CQPT ---------------------------------------------------------------------------------
    def admissibility(
        self, day: dt.date, *, accept: bool = True, reason: str | None = None
    ) -> Story:
        return self._at(
            day,
            lambda d: cqpt.admissibility(
                self.store, self.ref, accept=accept, reason=reason, date=d
            ),
        )

    def orient(self, day: dt.date, evaluator: int = 0) -> Story:
        return self._at(
            day,
            lambda d: cqpt.orient(
                self.store, self.ref, evaluator_id=self.office.evaluators[evaluator], date=d
            ),
        )

    def prediag(self, day: dt.date, score: str, advised: bool = False) -> Story:
        return self._at(
            day,
            lambda d: cqpt.prediag(
                self.store, self.ref, score=score, training_advised=advised, date=d
            ),
        )

    def phase(
        self, day: dt.date, phase: str, result: str = "pass", score: str | None = None
    ) -> Story:
        return self._at(
            day,
            lambda d: cqpt.record_phase(
                self.store,
                self.ref,
                phase,
                result=result,
                score=score,
                working_time=True if phase == "situation" else None,
                date=d,
            ),
        )

    def transmit(self, day: dt.date, session: Session) -> Story:
        return self._at(
            day,
            lambda d: cqpt.transmit(
                self.store, self.ref, session_id=_recorded(session.id, "the session"), date=d
            ),
        )


# -- the stages -------------------------------------------------------------------------------
def staff(office: Office) -> None:
    """Instructors and experts (one declared conflict), and the evaluator organisations."""
    since = dates.add_years(office.today, -5)
    people = [
        (
            "fontaine",
            "Claire Fontaine",
            "instructor",
            ["economie"],
            "Fontaine Économie",
            6,
            ["Cabinet Métré Conseil"],
        ),  # she used to work there: a declared conflict
        ("lenoir", "Marc Lenoir", "instructor", ["economie", "programmation"], None, 5, []),
        ("aubert", "Sophie Aubert", "instructor", ["programmation"], "Aubert Programmation", 4, []),
        ("castel", "Olivier Castel", "instructor", ["economie"], None, 3, []),
        ("benali", "Nadia Benali", "instructor", ["programmation"], None, 5, []),
        ("vasseur", "Henri Vasseur", "expert", ["economie"], "Université de Lille", 2, []),
        ("caron", "Isabelle Caron", "expert", ["programmation"], None, 2, []),
    ]

    def step(d):
        for key, name, role, specialties, employer, capacity, conflicts in people:
            email = f"{key}@experts-demo.fr"
            office.instructors[key] = instructors.add(
                office.store,
                name=name,
                role=role,
                specialties=specialties,
                employer=employer,
                capacity=capacity,
                email=email,
                conflict_employers=conflicts,
                date=d,
            ).id
        for name, email, address in (
            ("Formatel Évaluation", "contact@formatel-demo.fr", "12 quai Perrache, Lyon"),
            (
                "Campus Télécom Certification",
                "cqpt@campus-telecom-demo.fr",
                "3 rue de la Fibre, Rennes",
            ),
        ):
            known = office.store.evaluator_by_name(name)  # a second office (--force)
            office.evaluators.append(
                known["id"]
                if known
                else evaluators.add(
                    office.store, name=name, email=email, address=address, date=d
                ).id
            )

    office.timeline.at(since, step, order=0)


def sessions(office: Office) -> None:
    """Award sessions four years ago (the holders now due), this year's past ones,
    the next one with its agenda, the rest of the year planned; appeals and CPNE."""
    t, wd = office.day, office.workday
    four = dates.add_years(office.today, -4)
    for name, offset in (("O1", -100), ("O2", 45), ("O3", 120), ("O4", 215)):
        day = wd(four + dt.timedelta(days=offset))
        office.session(name, "award", day, agenda_on=day - dt.timedelta(days=12))
    for name, offset in (("A1", -250), ("A2", -160), ("A3", -75), ("A4", -8)):
        day = wd(t(offset))
        office.session(name, "award", day, capacity=8, agenda_on=day - dt.timedelta(days=12))
    a4 = office.sessions["A4"].date
    # The next session's agenda was sent out before the last one sat, so the
    # dossier adjourned there is not on it yet (run `commission agenda` to add it).
    office.session("N1", "award", wd(t(12)), capacity=8, agenda_on=a4 - dt.timedelta(days=1))
    last = office.sessions["N1"].date
    for i, proposal in enumerate(
        commission_sessions.plan(office.store, year=office.today.year, count=5)
    ):
        day = dates.from_iso(proposal.date)
        if day > last + dt.timedelta(days=30):
            office.session(f"P{i}", "award", day, capacity=8)
            last = day
    ap1 = wd(t(-30))
    office.session("AP1", "appeal", ap1, agenda_on=ap1 - dt.timedelta(days=10))
    office.session("AP2", "appeal", wd(t(25)), agenda_on=t(-1))
    office.session("C1", "cpne", wd(t(-40)))
    office.session("C2", "cpne", wd(t(20)))


def holders(office: Office) -> None:
    """Certified about four years ago: due for renewal now, one lapsed already."""
    s = office.sessions
    for role, session, scheme, mentions in (
        ("lapsed", "O1", "ECO", ()),
        ("renewed", "O2", "PROG", ("Santé",)),
        ("due", "O4", "ECO", ()),
        ("reminded", "O3", "PROG", ()),
        ("extended", "O4", "ECO", ("OPC",)),
    ):
        person = office.person(specialty=schemes.get(scheme).specialty, status="salarie")
        person.values["directory_consent"] = True
        story = office.story(f"holder-{role}", person, scheme)
        story.instructed(s[session], mentions=mentions).decide(s[session], "granted")
        story.pay_invoice(s[session].date + dt.timedelta(days=21))
        office.certificates[role] = story


def renewal_round(office: Office) -> None:
    """Reminders, a renewal in time, a late one (lapse), an extension with a mention."""
    t, s = office.day, office.sessions
    certs = office.certificates

    def remind(role: str, day: dt.date):
        office.timeline.at(
            day,
            lambda d: renewals.record_sent(
                office.store,
                _recorded(certs[role].certificate, "the certificate"),
                months=9,
                date=d,
            ),
        )

    def end_of(session):  # last valid day of a certificate granted at that session
        return dates.validity_end(s[session].date, 4)

    remind("lapsed", dates.add_months(end_of("O1"), -9) + dt.timedelta(days=3))
    remind("renewed", dates.add_months(end_of("O2"), -9) + dt.timedelta(days=5))
    remind("reminded", t(-15))

    a4 = s["A4"]
    renewed = certs["renewed"]
    on_time = office.story(
        "renewal-on-time", renewed.person, renewed.scheme, kind="renewal", certificate=renewed
    )
    on_time.open(t(-150)).complete(t(-140)).assign(t(-136)).report(t(-40))
    on_time.decide(a4, "granted")

    lapsed = certs["lapsed"]
    late = office.story(
        "renewal-late", lapsed.person, lapsed.scheme, kind="renewal", certificate=lapsed
    )
    late.open(max(t(-90), end_of("O1") + dt.timedelta(days=10)))
    late.complete(t(-80)).assign(t(-76)).report(t(-30)).decide(a4, "granted")

    extended = certs["extended"]
    a3 = s["A3"]
    ext = office.story(
        "extension",
        extended.person,
        extended.scheme,
        kind="extension",
        certificate=extended,
        mention="BIM",
    )
    ext.instructed(a3, text="Trois opérations en maquette numérique, niveau attendu atteint.")
    ext.decide(a3, "granted")


def award_pipeline(office: Office) -> None:
    """This year's OPQTECC dossiers, one or more at every status."""
    t, s, wd = office.day, office.sessions, office.workday
    eco = {"specialty": "economie"}
    prog = {"specialty": "programmation"}

    def story(name, kind, scheme, **extra):
        return office.story(name, office.person(**kind, **extra), scheme)

    # Decided at past sessions.
    a1, a2, a3, a4 = s["A1"], s["A2"], s["A3"], s["A4"]
    g = story("granted-a1-eco", eco, "ECO").instructed(a1, mentions=("OPC",))
    g.decide(a1, "granted").pay_invoice(a1.date + dt.timedelta(days=18))
    g = story("granted-a1-prog", prog, "PROG").instructed(a1).decide(a1, "granted")
    g.pay_invoice(a1.date + dt.timedelta(days=33), method="cheque")
    story("refused-a1", eco, "ECO").instructed(
        a1, recommend="refuse", text="Références insuffisantes en économie de la construction."
    ).decide(
        a1,
        "refused",
        reason="Aucune des deux références ne relève d'une mission d'économiste menée en propre.",
    )
    g = story("granted-a2", prog, "PROG").instructed(a2, mentions=("Santé",))
    g.decide(a2, "granted").pay_invoice(a2.date + dt.timedelta(days=15), half=True, method="cheque")
    g.pay_invoice(a2.date + dt.timedelta(days=45))
    won = story("appeal-granted", eco, "ECO").instructed(a2, recommend="refuse")
    won.decide(a2, "refused", reason="Dossier technique jugé incomplet (métrés absents).")
    won.appeal(a2.date + dt.timedelta(days=40), "Les métrés avaient été joints en annexe 4.")
    won.decide(s["AP1"], "granted")
    g = story("granted-a3", eco, "ECO").instructed(a3).decide(a3, "granted")
    g.pay_invoice(a3.date + dt.timedelta(days=20))
    pending = story("appeal-pending", prog, "PROG").instructed(a3, recommend="refuse")
    pending.decide(a3, "refused", reason="Programmes présentés sans phase de diagnostic.")
    pending.appeal(t(-20), "Le diagnostic figure dans l'étude préalable jointe.")
    story("granted-a4-eco", eco, "ECO").instructed(a4).decide(a4, "granted")
    story("granted-a4-prog", prog, "PROG").instructed(a4, mentions=("Équipements publics",)).decide(
        a4, "granted"
    )
    story("adjourned", eco, "ECO").instructed(a4).decide(
        a4, "adjourned", reason="La commission souhaite entendre le candidat."
    )
    story("refused-a4", prog, "PROG").instructed(a4, recommend="refuse").decide(
        a4,
        "refused",
        reason="Références de programmation jugées insuffisantes au regard du référentiel.",
    )

    # On the agenda of the next session: reports in after A4's agenda was sent.
    for i, (name, kind, scheme) in enumerate(
        (("agenda-1", eco, "ECO"), ("agenda-2", prog, "PROG"), ("agenda-3", eco, "ECO"))
    ):
        report_on = a4.date - dt.timedelta(days=10 - 3 * i)
        st = story(name, kind, scheme).open(report_on - dt.timedelta(days=110))
        st.complete(report_on - dt.timedelta(days=100)).assign(report_on - dt.timedelta(days=96))
        st.report(report_on)

    # Reports in too late for the next session: report_ready.
    for name, kind, scheme, day in (
        ("report-1", prog, "PROG", t(0)),
        ("report-2", eco, "ECO", t(0)),
    ):
        st = story(name, kind, scheme).open(t(-95)).complete(t(-85)).assign(t(-82))
        st.report(day, text="Dossier solide, entretien concluant.")

    # Under instruction.
    st = story("interview", eco, "ECO").open(t(-60)).complete(t(-50)).assign(t(-47))
    slot = wd(t(5))
    st.interview(t(-3), dt.datetime(slot.year, slot.month, slot.day, 10, 0), 45)
    st = story("waiting", prog, "PROG").open(t(-70)).complete(t(-60)).assign(t(-57))
    st.request(t(-12), "Attestation du maître d'ouvrage pour la deuxième référence", t(18))
    st = story("overdue", eco, "ECO").open(t(-90)).complete(t(-80)).assign(t(-77))
    st.request(t(-50), "Copie du contrat de la mission de la médiathèque", t(-20))
    st = story("instruction-expert", eco, "ECO", employer="Cabinet Métré Conseil")
    st.open(t(-75)).complete(t(-65)).assign(t(-63))
    st.request(t(-55), "Détail des quantitatifs du lot gros œuvre", t(-25))
    st.complement(t(-33)).expert(t(-10), "vasseur")
    story("instruction", prog, "PROG").open(t(-20)).complete(t(-14)).assign(t(-12))
    story("withdrawn", prog, "PROG").open(t(-100)).complete(t(-92)).assign(t(-90)).withdraw(
        t(-35), "Le candidat change d'employeur et reportera sa demande."
    )

    # Arriving.
    st = story("incomplete-1", eco, "ECO").open(t(-25))
    st.receive(t(-22), "administratif", "contrats", "technique").pay(t(-22), "200.00")
    st.check(t(-20))
    st = story("incomplete-2", prog, "PROG").open(t(-18))
    st.receive(t(-16), *st.all_pieces()).check(t(-15))
    story("submitted-1", eco, "ECO").open(t(-2))
    story("submitted-2", prog, "PROG").open(t(-1)).receive(t(0), "demande-signee")


def cqpt_pipeline(office: Office) -> None:
    """CQPT dossiers on each route, from submission to the CPNE's decision."""
    t, s = office.day, office.sessions
    c1, c2 = s["C1"], s["C2"]
    window_start = dates.add_years(office.today, -3)

    def story(name, route, financing, periods=()):
        person = office.person()
        employer = person.values["employer"]
        person.experiences = [
            dict(employer=employer, in_branch=True, related=True, **p) for p in periods
        ]
        return office.story(name, person, "CQPT", route=route, financing=financing)

    def evaluated(st, start, *, prediag=None, situation="pass", phases=3):
        st.open(start).complete(start + dt.timedelta(days=5))
        st.admissibility(start + dt.timedelta(days=15))
        st.orient(start + dt.timedelta(days=20), office.rng.randrange(2))
        day = start + dt.timedelta(days=25)
        if prediag:
            st.prediag(day, *prediag)
        for i, (phase, result) in enumerate(
            (("proof", "pass"), ("quiz", "pass"), ("situation", situation))[:phases]
        ):
            st.phase(
                day + dt.timedelta(days=30 * (i + 1)),
                phase,
                result,
                str(12 + office.rng.randrange(7)),
            )
        return st

    delivered = evaluated(
        story("cqpt-delivered", "contrat-pro", "contrat-pro"), t(-200), prediag=("14", False)
    )
    delivered.transmit(t(-60), c1).decide(c1, "granted")
    failed = evaluated(
        story("cqpt-refused", "periode-pro", "periode-pro"), t(-190), situation="fail"
    )
    failed.transmit(t(-58), c1).decide(
        c1, "refused", reason="Mise en situation professionnelle non validée."
    )
    evaluated(story("cqpt-transmitted", "periode-pro", "plan-formation"), t(-140)).transmit(
        t(-10), c2
    )
    evaluated(
        story("cqpt-phases", "contrat-pro", "contrat-pro"), t(-100), prediag=("11", False), phases=2
    )
    evaluated(story("cqpt-prediag", "periode-pro", "dif"), t(-45), prediag=("8", True), phases=0)

    # Free access: just over 1607 hours in the window, and not quite.
    just = [
        dict(
            start=window_start + dt.timedelta(days=20),
            end=dates.add_years(office.today, -2),
            hours="760",
            contract="cdd",
        ),
        dict(
            start=dates.add_years(office.today, -2) + dt.timedelta(days=1),
            end=office.today,
            hours="855",
            contract="cdi",
        ),
    ]
    st = story("cqpt-libre-eligible", "libre", "dif-prioritaire", just)
    st.open(t(-20)).complete(t(-15)).admissibility(t(-3))
    short = [
        dict(
            start=window_start + dt.timedelta(days=20),
            end=dates.add_years(office.today, -1),
            hours="900",
            contract="cdd",
        ),
        dict(
            start=dates.add_years(office.today, -1) + dt.timedelta(days=1),
            end=office.today,
            hours="690",
            contract="cdi",
        ),
    ]
    st = story("cqpt-libre-short", "libre", "plan-formation", short)
    st.open(t(-30)).complete(t(-25)).admissibility(
        t(-5),
        accept=False,
        reason="Moins de 1 607 heures dans la branche sur les 3 dernières années.",
    )
    story("cqpt-complete", "contrat-pro", "contrat-pro").open(t(-9)).complete(t(-6))
    st = story("cqpt-incomplete", "periode-pro", "periode-pro").open(t(-12))
    st.receive(t(-10), "candidature", "piece-identite").check(t(-8))
    story(
        "cqpt-submitted",
        "libre",
        "plan-formation",
        [
            dict(
                start=dates.add_months(office.today, -30),
                end=office.today,
                hours="1650",
                contract="cdi",
            )
        ],
    ).open(t(-1))


def dues_calls(office: Office) -> None:
    """Yearly dues calls since the first grants; old years paid, this year partly;
    one invoice cancelled by a credit note."""
    first = min(s.date for s in office.sessions.values()).year
    for year in range(first + 1, office.today.year + 1):
        call_day = office.workday(dt.date(year, 1, 15))
        if call_day >= office.today:
            continue
        current = year == office.today.year
        office.timeline.at(call_day, partial(_call, office, year, current=current))


def _call(office: Office, year: int, day: dt.date, current: bool) -> None:
    issued = list(dues.call(office.store, year, date=day).invoiced)

    def settle(d):
        for i, line in enumerate(issued):
            if current and i % 3 == 2:
                continue  # still owed
            if invoices.get(office.store, line.number).status == "open":
                invoices.pay(
                    office.store,
                    line.number,
                    str(line.amount),
                    method="virement",
                    reference=None,
                    date=d,
                )

    def cancel(d):
        unpaid = [i for i in issued[2::3]]
        if unpaid:
            invoices.cancel(
                office.store,
                unpaid[0].number,
                date=d,
                reason="Exonération accordée par le conseil d'administration",
            )

    pay_day = min(day + dt.timedelta(days=25), office.today)
    office.timeline.at(pay_day, settle)  # played after this step: the timeline is sorted
    if current:
        office.timeline.at(min(day + dt.timedelta(days=40), office.today), cancel)


STAGES = (staff, sessions, holders, renewal_round, award_pipeline, cqpt_pipeline, dues_calls)


def build(store: Store, rng: random.Random, today: dt.date, *, force: bool = False) -> Office:
    office = Office(store, rng, today, force=force)
    for stage in STAGES:
        stage(office)
    office.timeline.play()
    return office
