-- Migration 002: ussd_session.steps is written by the writer, not a trigger.
--
-- Migration 001 kept ussd_session.steps with an AFTER INSERT trigger on
-- ussd_step: one extra UPDATE of the session row for every step row. The
-- gateway writes records in batches and knows how many steps of a session a
-- batch holds, so it writes the count itself: in the INSERT of the session
-- row when the session began in the same batch, else with one UPDATE per
-- session and batch (docs/storage.md, "Writes, batching and the event loop").
--
-- Meaning of the column is unchanged: steps = number of ussd_step rows of the
-- session. Existing rows were counted by the trigger and stay correct. Any
-- other program that inserts into ussd_step must now also add to
-- ussd_session.steps in the same transaction, e.g.
--   UPDATE ussd_session SET steps = steps + 1 WHERE id = :session;
-- (No such writer exists: ops tools only read.)

DROP TRIGGER trg_ussd_step_count;

PRAGMA user_version = 2;
