-- Migration 001: USSD session records.
--
-- One row in ussd_session per TCAP dialogue that carried a MS-initiated USSD
-- operation (processUnstructuredSS-Request, op 59, TS 29.002 §17.6.4), and
-- one row in ussd_step per request the gateway relayed (or refused) in it:
-- step 1 is the processUnstructuredSS-Request, every later step the answer to
-- an unstructuredSS-Request prompt (op 60). These are audit records: what the
-- network sent, what the customer answered, what the gateway sent back.
--
-- Conventions for every table here:
--   * times are INTEGER milliseconds since 1970-01-01T00:00:00Z, taken from
--     the gateway's wall clock (UTC);
--   * digit strings (IMSI, MSISDN, GT) are TEXT of decimal digits as decoded
--     from TBCD (TS 29.002 §17.7.8), without TON/NPI;
--   * texts are UTF-8, already decoded from the USSD alphabet (TS 23.038).
--
-- This file is the source of truth: it is compiled into the binary and run
-- once, in one transaction, on a database whose user_version is 0. Change the
-- schema by adding 002_*.sql, never by editing this file once released.

CREATE TABLE ussd_session (
	-- Gateway-wide session number, allocated by the gateway in increasing
	-- order. AUTOINCREMENT keeps the highest number ever used in
	-- sqlite_sequence, so a number is never reused after a retention purge.
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	-- Customer the session was routed to (config customers[].id). NULL when
	-- the session was refused before a customer was chosen (no route).
	customer	TEXT,
	-- IMSI (TS 23.003 §2.2) from MAP-OPEN destinationReference (TS 29.002
	-- §7.3.1); NULL when the dialogue carried none.
	-- Not constrained: an audit row keeps whatever the network sent.
	imsi		TEXT,
	-- MSISDN (TS 23.003 §3.3, E.164 digits) from USSD-Arg msisdn (TS 29.002
	-- §17.7.4) or else MAP-OPEN originationReference; NULL when neither had one.
	msisdn		TEXT,
	-- The USSD string of step 1 (e.g. '*100#'), used for routing
	-- (TS 22.090 USSD service codes). Same for every step of the session.
	service_code	TEXT NOT NULL,
	-- SCCP calling party global title digits (Q.713 §3.4.2.3): the network
	-- node (MSC/VLR/HLR) that sent the TC-BEGIN.
	calling_gt	TEXT NOT NULL,
	-- SCCP called party global title digits: the gateway's address as the
	-- network dialled it.
	called_gt	TEXT NOT NULL,
	-- TCAP originating transaction ID of the network's TC-BEGIN (Q.773
	-- §4.2, OrigTransactionID OCTET STRING SIZE(1..4)), octets as received.
	-- The gateway sends it back as dtid; matches captures (ussdgw decode).
	tcap_otid	BLOB NOT NULL CHECK (length(tcap_otid) BETWEEN 1 AND 4),
	-- The gateway's own transaction ID, which the network uses as dtid in its
	-- TC-CONTINUE/END. NULL when the gateway never sent one (answered at once
	-- with TC-END, or aborted).
	tcap_dtid	BLOB CHECK (tcap_dtid IS NULL OR length(tcap_dtid) BETWEEN 1 AND 4),
	-- When the TC-BEGIN reached the gateway.
	started_at	INTEGER NOT NULL,
	-- When the dialogue ended (TC-END/ABORT sent or received, or timer expiry);
	-- NULL while it runs, or when the gateway stopped before recording the end.
	ended_at	INTEGER,
	-- How the dialogue ended; NULL exactly when ended_at is NULL.
	--   completed           final text sent (TC-END, returnResultLast with USSD-Res)
	--   released            the customer released it (MAP error or empty release)
	--   aborted_by_network  TC-ABORT / MAP-U-ABORT / MAP-P-ABORT from the network
	--                       (e.g. the subscriber cancelled a prompt)
	--   timeout             the network or the MS never answered a prompt
	--                       (TS 29.002 ml timer on unstructuredSS-Request)
	--   fallback            the customer failed; the configured fallback text or
	--                       error was sent instead
	--   refused             no route, or a request the gateway cannot serve
	--                       (e.g. unknownAlphabet, TS 29.002 §17.6.6 error 71)
	--   busy                dialogue limit or customer queue full: ussd-Busy (error 72)
	outcome		TEXT CHECK (outcome IN ('completed', 'released', 'aborted_by_network',
					'timeout', 'fallback', 'refused', 'busy')),
	-- Number of ussd_step rows of this session, kept by a trigger below.
	steps		INTEGER NOT NULL DEFAULT 0,
	CHECK ((ended_at IS NULL) = (outcome IS NULL))
);

-- Retention purge and "sessions since T" queries walk this index.
CREATE INDEX idx_ussd_session_started_at ON ussd_session (started_at);

CREATE TABLE ussd_step (
	-- The session this step belongs to; deleting a session deletes its steps.
	session		INTEGER NOT NULL REFERENCES ussd_session (id) ON DELETE CASCADE,
	-- 1 for the processUnstructuredSS-Request, +1 for each answer to a prompt
	-- (the same number the customer sees in its request, docs/customer-api.md).
	step		INTEGER NOT NULL CHECK (step >= 1),
	-- What the subscriber sent in this step (USSD-String of USSD-Arg, TS 29.002
	-- §17.7.4), decoded to UTF-8.
	request_text	TEXT NOT NULL,
	-- USSD-DataCodingScheme of the request as received (CBS DCS, TS 23.038 §5).
	dcs		INTEGER NOT NULL CHECK (dcs BETWEEN 0 AND 255),
	-- Text the gateway sent back (final text, prompt or fallback text), UTF-8.
	-- NULL when it sent no text (MAP error, abort, or nothing at all).
	response_text	TEXT,
	-- What the gateway did towards the network in this step:
	--   reply     TC-END with returnResultLast USSD-Res (final text)
	--   prompt    TC-CONTINUE with unstructuredSS-Request (op 60)
	--   release   TC-END with a MAP error or without text, as the customer asked
	--   fallback  the configured fallback text or error, because the customer failed
	-- NULL when nothing was sent (the network ended the dialogue first).
	action		TEXT CHECK (action IN ('reply', 'prompt', 'release', 'fallback')),
	-- MAP error code sent in a returnError (TS 29.002 §17.6.6: 34
	-- systemFailure, 35 dataMissing, 36 unexpectedDataValue, 71
	-- unknownAlphabet, 13 callBarred, 72 ussd-Busy); NULL when none.
	map_error	INTEGER CHECK (map_error IS NULL OR map_error BETWEEN 0 AND 255),
	-- Time from sending the request to the customer until its answer or the
	-- failure, in ms. NULL when the customer was not asked (refused, busy).
	customer_latency_ms INTEGER CHECK (customer_latency_ms IS NULL OR customer_latency_ms >= 0),
	-- How the customer call went (the relay's failure kinds, docs/customer-api.md):
	--   answered          valid answer within the step deadline
	--   timeout           the step deadline passed first
	--   connect_failed    name resolution or TCP connect failed
	--   tls_failed        TLS handshake failed (e.g. certificate not from the pinned CA)
	--   connection_lost   the customer closed or reset the connection mid-exchange
	--   http_status       non-2xx HTTP status
	--   bad_response      malformed HTTP, not JSON, or JSON that breaks the schema
	--   queue_full        customer pool and queue full: refused at once
	--   cancelled         the network ended the dialogue during the call
	--   not_relayed       the gateway answered without asking a customer
	outcome		TEXT NOT NULL CHECK (outcome IN ('answered', 'timeout', 'connect_failed',
					'tls_failed', 'connection_lost', 'http_status', 'bad_response',
					'queue_full', 'cancelled', 'not_relayed')),
	-- When the step's request reached the gateway.
	started_at	INTEGER NOT NULL,
	-- When the gateway sent its answer to the network (or gave up).
	ended_at	INTEGER NOT NULL,
	PRIMARY KEY (session, step)
) WITHOUT ROWID;

-- ussd_session.steps counts the steps, so listing sessions needs no join.
CREATE TRIGGER trg_ussd_step_count AFTER INSERT ON ussd_step
BEGIN
	UPDATE ussd_session SET steps = steps + 1 WHERE id = NEW.session;
END;

PRAGMA user_version = 1;
