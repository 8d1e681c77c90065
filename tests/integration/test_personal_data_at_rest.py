"""Personal data at rest, on PostgreSQL and SQLite: the stored events hold no applicant's
name, IIN, birth date, e-mail or phone (the raw rows searched byte by byte); an identity
reads back with its case's key and not with another master key; a ciphertext edited in
the database is found by ``audit verify``; the library's whole-event cipher can be added
as a second layer."""

from __future__ import annotations

import base64
import dataclasses
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from datetime import date
from uuid import UUID, uuid4

import orjson
import pytest
from eventsourcing.cryptography import AESCipher

from domain.case.chain_check import SEALED
from domain.case.personal import PersonalDataError
from domain.case.stage import Stage
from domain.clock import FixedClock
from domain.submission import ApplicantIdentity
from infra.audit import checkpoints
from infra.audit.verify import VerifyReport, verify_store
from infra.case_store import CaseEvents, CaseService
from infra.container import build_projection_engine, build_reader, build_service, view_database
from infra.pii.keys import KeyRow, MemoryKeyStore
from infra.pii.sealer import KeySealer
from infra.settings import Settings
from projections import queries as q
from projections.case_list import CASE_PII
from projections.sql import ViewDatabase
from tests.conftest import FAR_FUTURE
from tests.support import builders as b
from tests.support.journey import Journey

APPLICANTS = (
    b.applicant(),
    b.applicant(
        full_name="Nurlanuly Daulet",
        iin=b.synthetic_iin(date(1994, 2, 3), female=False),
        birth_date=date(1994, 2, 3),
        email="daulet.n@example.kz",
        phone="+77027654321",
    ),
    b.applicant(
        full_name="Seitkali Madina",
        iin=b.synthetic_iin(date(1999, 11, 28)),
        birth_date=date(1999, 11, 28),
        email="m.seitkali@example.kz",
        phone="+77473339911",
    ),
)


@pytest.fixture
def store(fresh_store: Settings) -> Settings:
    """A store of its own: these tests read every row of it, and tamper with some."""
    return fresh_store


EVENTS_PER_CASE = 9  # submitted, assessed, tested, booked, three sheets, completed, awarded
# and the campaign's quota ledger: opened, and a place reserved per award (no personal data)
LEDGER_EVENTS = 1 + len(APPLICANTS)


def record_cases(settings: Settings) -> list[UUID]:
    """One awarded case per synthetic applicant."""
    with closing(build_service(settings, clock=FixedClock(FAR_FUTURE))) as service:
        return [
            Journey(service, b.submission(applicant=person)).to(Stage.AWARDED)
            for person in APPLICANTS
        ]


@contextmanager
def views(settings: Settings) -> Iterator[ViewDatabase]:
    with closing(build_reader(settings)) as reader:
        db = view_database(settings, reader.events_table())
        try:
            yield db
        finally:
            db.close()


def stored_states(settings: Settings) -> list[bytes]:
    """Every stored event's ``state`` column as the database holds it."""
    with views(settings) as db:
        return [bytes(row[0]) for row in db.query(f"SELECT state FROM {db.events_table}")]


def needles(person: ApplicantIdentity) -> list[bytes]:
    """Each piece of an identity as it would appear if stored in the clear."""
    parts = [person.iin, person.birth_date.isoformat(), person.email, person.phone]
    parts += person.full_name.split()
    return [p.encode() for p in parts]


def verify_all(settings: Settings) -> VerifyReport:
    with closing(build_reader(settings)) as reader, views(settings) as db:
        return verify_store(reader, db)


def case_key(settings: Settings, case_id: UUID) -> str:
    return str(case_id) if settings.database.kind == "postgres" else case_id.hex


def test_stored_events_hold_no_name_iin_birth_date_email_or_phone(store: Settings) -> None:
    record_cases(store)
    states = stored_states(store)
    assert len(states) == len(APPLICANTS) * EVENTS_PER_CASE + LEDGER_EVENTS
    found = [
        (needle.decode(), i)
        for person in APPLICANTS
        for needle in needles(person)
        for i, state in enumerate(states)
        if needle in state
    ]
    assert found == []


def test_the_control_an_identity_in_the_clear_would_be_found_by_that_search() -> None:
    """The search above looks for the bytes the codec would write (the identity's JSON)."""
    person = APPLICANTS[1]
    clear = json.dumps(dataclasses.asdict(person), default=str).encode()
    assert all(needle in clear for needle in needles(person))


def test_the_commitment_salt_is_not_stored_in_the_clear(store: Settings) -> None:
    [case_id, *_] = record_cases(store)
    with closing(build_reader(store)) as reader:
        submitted = next(iter(reader.events.get(case_id)))
    salt = submitted.applicant_salt.encode()  # type: ignore[attr-defined]
    assert len(salt) == 64
    assert not any(salt in state for state in stored_states(store))


def test_a_case_identity_reads_back_with_its_key(store: Settings) -> None:
    cases = record_cases(store)
    with closing(build_reader(store)) as reader:  # a process that never saw the commands
        assert [reader.get_case(case_id).applicant for case_id in cases] == list(APPLICANTS)


def test_a_reader_with_a_bounded_key_cache_reads_every_identity_and_no_erased_one(
    store: Settings,
) -> None:
    """The cache of data keys is bounded (a server reads more cases than it should keep keys
    for); a key dropped from it is asked for again, and an erased one stays erased."""
    cases = record_cases(store)
    with closing(build_service(store, clock=FixedClock(FAR_FUTURE))) as service:
        Journey.resume(service, cases[0]).erase(date(2023, 7, 1))
    with closing(build_reader(store)) as reader:
        sealer = getattr(reader.mapper, "sealer", None)
        assert isinstance(sealer, KeySealer)
        sealer.max_keys = 1
        asked: list[UUID] = []
        get = sealer.store.get

        def counted(application_id: UUID) -> KeyRow | None:
            asked.append(application_id)
            return get(application_id)

        sealer.store.get = counted  # type: ignore[method-assign]
        for _ in range(2):  # each pass reads keys the one before dropped
            found = [reader.get_case(case_id).applicant for case_id in cases]
            assert found == [None, *APPLICANTS[1:]]
            assert len(sealer._keys) <= 1
            assert len(sealer._wrapped) <= 1
        assert len(asked) >= len(cases)  # the second pass asked the table again


def test_the_case_list_holds_the_identity_sealed_in_its_restricted_table(store: Settings) -> None:
    """``case_pii`` holds each identity sealed under its case's key and the IIN's keyed
    digest: the rows searched byte by byte hold no personal data; the case list's reads
    open them."""
    cases = record_cases(store)
    engine = build_projection_engine(store)
    try:
        engine.run_until_head()
        rows = engine.db.query(f"SELECT * FROM {CASE_PII.name}")
        assert isinstance(engine.reader, CaseEvents)
        sealer = engine.reader.sealer
        listed = q.list_cases(engine.db, first=10, personal_data=sealer).items
        found = {
            case: q.cases_of_iin(engine.db, sealer, p.iin)
            for case, p in zip(cases, APPLICANTS, strict=True)
        }
    finally:
        engine.db.close()
    assert len(rows) == len(cases)
    raw = repr(rows).encode()
    assert [n for p in APPLICANTS for n in needles(p) if n in raw] == []
    assert {r["application_id"]: r["iin"] for r in listed} == {
        str(c): p.iin for c, p in zip(cases, APPLICANTS, strict=True)
    }
    assert found == {case: [str(case)] for case in cases}


def test_a_wrong_master_key_is_refused_with_a_clear_error(store: Settings) -> None:
    [case_id, *_] = record_cases(store)
    other = store.model_copy(update={"pii_master_key": bytes(range(32))})
    with closing(build_reader(other)) as reader, pytest.raises(PersonalDataError) as refused:
        reader.get_case(case_id)
    assert "BOLASHAK_PII_MASTER_KEY does not open the data key" in str(refused.value)


def test_a_tampered_ciphertext_is_found_by_audit_verify_while_the_key_exists(
    store: Settings,
) -> None:
    cases = record_cases(store)
    key = case_key(store, cases[1])
    with views(store) as db:
        events = db.events_table
        [(state,)] = db.query(
            f"SELECT state FROM {events} WHERE originator_id = %s AND originator_version = 1",
            (key,),
        )
        body = json.loads(bytes(state))
        sealed = body["applicant"]["sealed"]
        raw = bytearray(base64.b64decode(sealed[3:]))
        raw[20] ^= 0x01  # one bit of the ciphertext
        body["applicant"]["sealed"] = "v1." + base64.b64encode(bytes(raw)).decode()
        with db.transaction() as cur:
            cur.execute(
                f"UPDATE {events} SET state = %s"
                " WHERE originator_id = %s AND originator_version = 1",
                (json.dumps(body).encode(), key),
            )
    report = verify_all(store)
    assert [(f.application_id, f.version, f.kind) for f in report.findings] == [
        (str(cases[1]), 1, SEALED)
    ]
    assert "altered" in report.findings[0].detail


def test_an_identity_sealed_for_another_case_is_found_by_audit_verify(store: Settings) -> None:
    """Ciphertexts are bound to their case: one copied over another's does not open."""
    cases = record_cases(store)
    with views(store) as db:
        events = db.events_table
        select = f"SELECT state FROM {events} WHERE originator_id = %s AND originator_version = 1"
        [(donor,)] = db.query(select, (case_key(store, cases[0]),))
        [(victim,)] = db.query(select, (case_key(store, cases[2]),))
        body = json.loads(bytes(victim))
        body["applicant"]["sealed"] = json.loads(bytes(donor))["applicant"]["sealed"]
        with db.transaction() as cur:
            cur.execute(
                f"UPDATE {events} SET state = %s"
                " WHERE originator_id = %s AND originator_version = 1",
                (json.dumps(body).encode(), case_key(store, cases[2])),
            )
    report = verify_all(store)
    assert [(f.version, f.kind) for f in report.findings] == [(1, SEALED)]
    assert report.findings[0].application_id == str(cases[2])


def with_cipher(settings: Settings, key: str) -> Settings:
    """The same store with the library's cipher, as ``BOLASHAK_CIPHER_KEY`` sets it."""
    env = {"BOLASHAK_DATABASE_URL": settings.database.url, "BOLASHAK_CIPHER_KEY": key}
    return settings.model_copy(update={"cipher_key": Settings.from_env(env).cipher_key})


def test_the_library_cipher_adds_a_second_layer_the_audit_still_verifies(
    store: Settings,
) -> None:
    """``BOLASHAK_CIPHER_KEY``: whole events encrypted as well."""
    store = with_cipher(store, AESCipher.create_key(32))
    cases = record_cases(store)
    for state in stored_states(store):
        for plain in (b"applicant_code", b"officer-1", b"commitment", b"masters"):
            assert plain not in state
    with closing(build_reader(store)) as reader:
        assert reader.get_case(cases[0]).applicant == APPLICANTS[0]
    with views(store) as db, closing(build_service(store)) as service:
        checkpoints.make(db, service.mapper, every=5)
    report = verify_all(store)
    assert report.ok, report.findings
    stored = len(APPLICANTS) * EVENTS_PER_CASE + LEDGER_EVENTS
    assert (report.events, report.cases) == (stored, len(APPLICANTS) + 1)  # the ledger's chain


def test_without_the_library_cipher_key_the_doubly_encrypted_store_does_not_open(
    store: Settings,
) -> None:
    """The control of the test above: its events really are encrypted as a whole."""
    [case_id, *_] = record_cases(with_cipher(store, AESCipher.create_key(32)))
    with closing(build_reader(store)) as reader, pytest.raises(orjson.JSONDecodeError):
        reader.get_case(case_id)


def test_a_service_without_a_sealer_refuses_to_store_personal_data() -> None:
    """A store built around ``infra.settings`` cannot write an identity in the clear."""
    service = CaseService(
        {"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=FixedClock(FAR_FUTURE)
    )
    with pytest.raises(RuntimeError, match="personal data needs a sealer"):
        Journey(service).to(Stage.SUBMITTED)


class _MeetingKeyStore(MemoryKeyStore):
    """A key table whose inserts wait until two of them are under way at once."""

    def __init__(self) -> None:
        super().__init__()
        self.both_inside = threading.Barrier(2, timeout=5)

    def insert_or_get(self, application_id: UUID, wrapped: bytes) -> KeyRow:
        self.both_inside.wait()  # broken (an error) if the inserts come one after the other
        return super().insert_or_get(application_id, wrapped)


def test_new_cases_store_their_keys_side_by_side_not_one_after_another() -> None:
    """A new case's key is stored by a statement that commits: two submissions of
    different cases must not queue behind each other's commit on the sealer's lock."""
    store = _MeetingKeyStore()
    sealer = KeySealer(bytes(32), store)
    cases = [uuid4(), uuid4()]
    with ThreadPoolExecutor(2) as pool:
        sealed = list(pool.map(lambda case: sealer.seal(case, b"identity"), cases))
    assert [sealer.open(case, s) for case, s in zip(cases, sealed, strict=True)] == [
        b"identity",
        b"identity",
    ]
    assert {row.application_id for row in store.since(0)} == set(cases)


def test_one_case_sealed_from_two_threads_at_once_gets_one_key() -> None:
    store = _MeetingKeyStore()
    sealer = KeySealer(bytes(32), store)
    case = uuid4()
    with ThreadPoolExecutor(2) as pool:
        sealed = list(pool.map(lambda text: sealer.seal(case, text), [b"first", b"second"]))
    assert [sealer.open(case, s) for s in sealed] == [b"first", b"second"]
    assert len(store.since(0)) == 1
    fresh = KeySealer(bytes(32), store)  # another process, reading the stored key
    assert [fresh.open(case, s) for s in sealed] == [b"first", b"second"]
