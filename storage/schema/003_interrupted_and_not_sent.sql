-- Migration 003: two new session outcomes, and the instance that wrote a session.
--
-- New values of ussd_session.outcome (issue 7 items 12 and 13):
--   interrupted  the session was still open when the gateway instance that
--                ran it stopped without recording its end (crash, kill -9,
--                power loss). The next run of the same instance closes it at
--                start-up; ended_at is then the time of that start-up, not
--                the (unknown) moment the dialogue really ended.
--   not_sent     the gateway decided on an answer (final text, error,
--                fallback, prompt) but could not hand it to the SS7 link
--                (link down, outbound queue full): nothing reached the
--                network. The step row has no action, as nothing was sent.
--
-- New column ussd_session.instance: the name of the gateway instance that
-- began the session (SqliteStoreOptions::instance; '' for the one gateway of
-- a file, and for every session written before this migration). At start-up
-- an instance closes only its own open sessions, so several gateways sharing
-- one database (PostgreSQL later) never close each other's live sessions
-- (docs/storage.md, "Sessions left open by an earlier run").
--
-- SQLite's ALTER TABLE cannot change a CHECK constraint, so ussd_session is
-- rebuilt the documented way (https://sqlite.org/lang_altertable.html §7):
-- create the new table, copy, drop the old one, rename. The migration runner
-- turns foreign keys off around the transaction (else dropping ussd_session
-- would cascade-delete every ussd_step row) and runs foreign_key_check
-- before committing. Column meanings are those of 001_ussd_sessions.sql.

CREATE TABLE ussd_session_new (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	customer	TEXT,
	imsi		TEXT,
	msisdn		TEXT,
	service_code	TEXT NOT NULL,
	calling_gt	TEXT NOT NULL,
	called_gt	TEXT NOT NULL,
	tcap_otid	BLOB NOT NULL CHECK (length(tcap_otid) BETWEEN 1 AND 4),
	tcap_dtid	BLOB CHECK (tcap_dtid IS NULL OR length(tcap_dtid) BETWEEN 1 AND 4),
	started_at	INTEGER NOT NULL,
	ended_at	INTEGER,
	-- 001's list plus 'interrupted' and 'not_sent' (above).
	outcome		TEXT CHECK (outcome IN ('completed', 'released', 'aborted_by_network',
					'timeout', 'fallback', 'refused', 'busy',
					'interrupted', 'not_sent')),
	-- Number of ussd_step rows of this session, written by the gateway (002).
	steps		INTEGER NOT NULL DEFAULT 0,
	-- The gateway instance that began the session (above).
	instance	TEXT NOT NULL DEFAULT '',
	CHECK ((ended_at IS NULL) = (outcome IS NULL))
);

INSERT INTO ussd_session_new (id, customer, imsi, msisdn, service_code, calling_gt, called_gt,
		tcap_otid, tcap_dtid, started_at, ended_at, outcome, steps, instance)
	SELECT id, customer, imsi, msisdn, service_code, calling_gt, called_gt,
		tcap_otid, tcap_dtid, started_at, ended_at, outcome, steps, ''
	FROM ussd_session;

-- Session numbers are never reused: carry over the highest number ever
-- used, which may belong to a session already purged.
DELETE FROM sqlite_sequence WHERE name = 'ussd_session_new';
INSERT INTO sqlite_sequence (name, seq)
	SELECT 'ussd_session_new', max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'ussd_session'), 0),
		coalesce((SELECT max(id) FROM ussd_session), 0));

DROP TABLE ussd_session;
ALTER TABLE ussd_session_new RENAME TO ussd_session;

-- Retention purge and "sessions since T" queries walk this index (as in 001).
CREATE INDEX idx_ussd_session_started_at ON ussd_session (started_at);
-- The sessions still open, by instance: what start-up closes. Partial, so
-- it holds only open sessions (a few per dialogue in flight); a session
-- begun and ended within one batch never enters it.
CREATE INDEX idx_ussd_session_open ON ussd_session (instance) WHERE outcome IS NULL;

PRAGMA user_version = 3;
