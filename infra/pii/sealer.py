"""The identity of each case sealed under a data key of its own (AES-256-GCM).

Each case gets a random 256-bit data key when its first event is stored. The key is kept
in ``applicant_keys`` wrapped (AES-GCM) by the master key ``BOLASHAK_PII_MASTER_KEY``;
erasure deletes the wrapped key, and the case's identity can no longer be read anywhere
the event store is copied to. Both ciphertexts are bound to the case's id (associated
data), so a ciphertext moved to another case does not open.

Copies of an identity kept elsewhere (the case list's ``case_pii``) are sealed under the
same key by ``seal_existing``, deterministically (AES-GCM-SIV under a key derived from
the case's), so a rebuilt read model holds the same bytes; they are read with
``open_with_key`` and the wrapped key fetched beside them, never a cached key.

Where the event store's recorder can store a new key with the case's first events, in the
same transaction (PostgreSQL, ``infra/event_store.py``), the sealer hands new keys over to
it (``hand_keys_over``) instead of inserting them itself: a new key is made in memory, the
mapper sends it with the first save's rows (``unsaved_key``), and the recorder says whether
it was stored or refused. A refused key (the case, or a key of it, was stored meanwhile) is
dropped, and the case's key is then read or inserted on its own, as without a recorder.

Keys are loaded in bulk and cached unwrapped: reading a million events asks the table for
the keys once, then for the keys created since, never once per case. The cache holds at
most ``max_keys`` keys (the oldest go first): a key dropped is asked for again when its
case is next read, and an erased one stays erased (the table keeps its row). No key is
ever logged or shown in a ``repr``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import os
import threading
from collections.abc import Sequence
from typing import Any, NamedTuple
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESGCMSIV
from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from domain.case.personal import ErasedIdentityError, PersonalDataError
from infra.pii.keys import KeyStore, MemoryKeyStore, SqlKeyStore

SEALED_PREFIX = "v1."  # the format of ``sealed``: nonce (12 bytes) + ciphertext, base64
COPY_PREFIX = "s1."  # ``seal_existing``'s: AES-GCM-SIV ciphertext, base64
_SIV_NONCE = bytes(12)
MASTER_KEY_SETTING = "BOLASHAK_PII_MASTER_KEY"
_NONCE = 12
MAX_KEYS = 200_000  # cached keys, loaded or unwrapped (about 50 MB at most)


class KeySealer:
    """A ``domain.case.personal.Sealer`` over a key table."""

    def __init__(self, master_key: bytes, store: KeyStore, max_keys: int = MAX_KEYS) -> None:
        if len(master_key) != 32:
            raise ValueError(f"{MASTER_KEY_SETTING} must be 32 bytes")
        self._master = AESGCM(master_key)
        # the key of ``digest``: derived from the master key, never the master key itself
        self._index_key = hmac.new(master_key, b"bolashak-pii-index", hashlib.sha256).digest()
        self.store = store
        self.max_keys = max_keys
        self._keys: dict[UUID, _DataKey | None] = {}  # None: erased
        self._wrapped: dict[UUID, bytes | None] = {}  # loaded, not unwrapped yet
        self._loaded_upto = 0
        self._lock = threading.Lock()
        self._handing_over = False  # new keys go to the store with the events
        self._unsaved: dict[UUID, bytes] = {}  # made here, handed over, not stored yet
        self._refused: set[UUID] = set()  # a handed-over key was refused: ask the table

    def __repr__(self) -> str:
        return "KeySealer(<keys>)"

    def hand_keys_over(self) -> None:
        """New keys are stored by the event store's recorder with the case's first events
        (see the module docstring; ``CaseEvents.construct_recorder`` connects the two); it
        tells this sealer of each through ``keys_stored``/``keys_refused``."""
        self._handing_over = True

    def unsaved_key(self, application_id: UUID) -> bytes | None:
        """The wrapped key made here for the case and not stored yet, if any: the mapper
        sends it with the events sealed under it."""
        with self._lock:
            return self._unsaved.get(application_id)

    def keys_stored(self, application_ids: Sequence[UUID]) -> None:
        with self._lock:
            for application_id in application_ids:
                self._unsaved.pop(application_id, None)

    def keys_refused(self, application_ids: Sequence[UUID]) -> None:
        """The saves these keys went with were refused (their cases, or keys, were stored
        meanwhile): the keys are dropped, and the next use asks the table."""
        with self._lock:
            for application_id in application_ids:
                if self._unsaved.pop(application_id, None) is not None:
                    self._keys.pop(application_id, None)
                    self._refused.add(application_id)

    def seal(self, application_id: UUID, plaintext: bytes) -> str:
        key = self._key(application_id, create=True)
        if key is None:
            raise ErasedIdentityError(f"the personal data of {application_id} was erased")
        nonce = os.urandom(_NONCE)
        sealed = nonce + key.gcm.encrypt(nonce, plaintext, _aad(application_id))
        return SEALED_PREFIX + base64.b64encode(sealed).decode()

    def seal_existing(self, application_id: UUID, plaintext: bytes) -> str | None:
        """Deterministic (AES-GCM-SIV under a key derived from the case's, one fixed
        nonce): a read model rebuilt from the log holds the same bytes as the one kept up
        to date event by event; equal texts of one case seal alike, and nothing else is
        learnt from it."""
        key = self._key(application_id, create=False)
        if key is None:
            return None
        sealed = key.copies().encrypt(_SIV_NONCE, plaintext, _aad(application_id))
        return COPY_PREFIX + base64.b64encode(sealed).decode()

    def open(self, application_id: UUID, sealed: str) -> bytes | None:
        key = self._key(application_id, create=False)
        return None if key is None else _opened(key, application_id, sealed)

    def open_with_key(
        self, application_id: UUID, wrapped_key: bytes | None, sealed: str
    ) -> bytes | None:
        if wrapped_key is None:
            return None
        key = _DataKey.of(self._unwrap(application_id, bytes(wrapped_key)))
        return _opened(key, application_id, sealed)

    def digest(self, value: str) -> str:
        return hmac.new(self._index_key, value.encode(), hashlib.sha256).hexdigest()

    def destroy(self, application_id: UUID) -> bool:
        destroyed = self.store.erase(application_id)
        self.forget(application_id)
        return destroyed

    def holds(self, application_id: UUID) -> bool:
        """Whether this process has the case's key in memory (unwrapped or not)."""
        with self._lock:
            return self._keys.get(application_id) is not None or bool(
                self._wrapped.get(application_id)
            )

    def forget(self, application_id: UUID) -> None:
        with self._lock:
            self._keys[application_id] = None
            self._wrapped.pop(application_id, None)
            self._unsaved.pop(application_id, None)

    def _key(self, application_id: UUID, *, create: bool) -> _DataKey | None:
        with self._lock:
            if application_id in self._keys:
                return self._keys[application_id]
            if not create:
                return self._remember(application_id, self._stored(application_id))
            if self._handing_over and application_id not in self._refused:
                # A new case: its key goes to the store with its first events.
                wrapped = self._unsaved.get(application_id) or self._wrap(application_id)
                self._unsaved[application_id] = wrapped
                return self._remember(application_id, wrapped)
        # A new case: one statement stores its key (or finds a retry's). Outside the lock:
        # the statement commits, and the submissions of other cases must not queue behind
        # each other's commits (concurrent ones of one case get the same row from it).
        row = self.store.insert_or_get(application_id, self._wrap(application_id))
        with self._lock:
            self._refused.discard(application_id)
            if application_id in self._keys:  # another thread, or erased meanwhile
                return self._keys[application_id]
            return self._remember(application_id, row.wrapped)

    def _remember(self, application_id: UUID, wrapped: bytes | None) -> _DataKey | None:
        key = None if wrapped is None else _DataKey.of(self._unwrap(application_id, wrapped))
        self._keys[application_id] = key
        _keep_newest(self._keys, self.max_keys)
        return key

    def _stored(self, application_id: UUID) -> bytes | None:
        """The wrapped key of a stored case: from the bulk load of the keys created since
        the last one, else (committed out of order) asked for on its own."""
        if application_id not in self._wrapped:
            self._load_new()
        if application_id in self._wrapped:
            return self._wrapped.pop(application_id)
        row = self.store.get(application_id)
        if row is None:
            raise PersonalDataError(f"no data key was ever stored for {application_id}")
        return row.wrapped

    def _load_new(self) -> None:
        for row in self.store.since(self._loaded_upto):
            if row.application_id not in self._keys:
                self._wrapped[row.application_id] = row.wrapped
            self._loaded_upto = max(self._loaded_upto, row.seq)
        _keep_newest(self._wrapped, self.max_keys)

    def _wrap(self, application_id: UUID) -> bytes:
        nonce = os.urandom(_NONCE)
        data_key = AESGCM.generate_key(bit_length=256)
        return nonce + self._master.encrypt(nonce, data_key, _aad(application_id))

    def _unwrap(self, application_id: UUID, wrapped: bytes) -> bytes:
        try:
            return self._master.decrypt(wrapped[:_NONCE], wrapped[_NONCE:], _aad(application_id))
        except InvalidTag:
            raise PersonalDataError(
                f"{MASTER_KEY_SETTING} does not open the data key of {application_id}:"
                " the master key is not the one the keys were stored with"
            ) from None


def _keep_newest(cache: dict[UUID, Any], most: int) -> None:
    """Drops the oldest tenth of ``cache`` when it holds more than ``most`` entries (dicts
    keep insertion order)."""
    if len(cache) > most:
        for stale in list(itertools.islice(cache, len(cache) - most + most // 10)):
            del cache[stale]


class _DataKey(NamedTuple):
    """A case's data key, unwrapped: AES-GCM for the events' identities, and the key of
    the read models' deterministic copies (derived when first needed)."""

    gcm: AESGCM
    raw: bytes

    @classmethod
    def of(cls, raw: bytes) -> _DataKey:
        return cls(AESGCM(raw), raw)

    def copies(self) -> AESGCMSIV:
        return AESGCMSIV(hmac.new(self.raw, b"bolashak-pii-copies", hashlib.sha256).digest())


def _opened(key: _DataKey, application_id: UUID, sealed: str) -> bytes:
    try:
        if sealed.startswith(SEALED_PREFIX):
            raw = base64.b64decode(sealed[len(SEALED_PREFIX) :], validate=True)
            return key.gcm.decrypt(raw[:_NONCE], raw[_NONCE:], _aad(application_id))
        if sealed.startswith(COPY_PREFIX):
            raw = base64.b64decode(sealed[len(COPY_PREFIX) :], validate=True)
            return key.copies().decrypt(_SIV_NONCE, raw, _aad(application_id))
    except (InvalidTag, ValueError):
        raise PersonalDataError(
            f"the sealed identity of {application_id} does not open with its key"
            " (the stored ciphertext was altered)"
        ) from None
    raise PersonalDataError(f"the sealed identity of {application_id} has no known format")


def _aad(application_id: UUID) -> bytes:
    return b"bolashak-pii:" + application_id.bytes


def sealer_for(env: Environment, factory: InfrastructureFactory) -> KeySealer:
    """The sealer of an event-sourced application (named by ``PII_SEALER_TOPIC``): its key
    table on the application's own datastore, created with the event tables."""
    encoded = env.get("PII_MASTER_KEY") or ""
    master_key = base64.b64decode(encoded)
    datastore = getattr(factory, "datastore", None)
    store: KeyStore
    if datastore is None:
        store = MemoryKeyStore()
    else:
        postgres = type(datastore).__module__.startswith("eventsourcing.postgres")
        store = SqlKeyStore(datastore, postgres=postgres)
    if (env.get("CREATE_TABLE") or "").lower() in ("y", "yes", "t", "true", "on", "1"):
        store.create_table()
    return KeySealer(master_key, store)
