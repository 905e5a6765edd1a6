//! A room's durable state in its Durable Object's SQLite: the event history and sequence
//! counter, blocks, typing indicators and, for chat rooms, messages, read markers and
//! invitations. Everything a restart or hibernation must not forget lives here.

use forecourt_domain::realtime::chat::{ChatRole, Invitation, InvitationState};
use forecourt_domain::realtime::history::HISTORY_LIMIT;
use forecourt_domain::realtime::presence::Typing;
use forecourt_domain::realtime::protocol::ChatLine;
use forecourt_domain::realtime::RoomEvent;
use serde::Deserialize;
use worker::{Result, SqlStorage, SqlStorageValue};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL, at_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (key TEXT PRIMARY KEY, until_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS typing (user_id TEXT PRIMARY KEY, until_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS chat_messages (
    seq INTEGER PRIMARY KEY, message_id TEXT NOT NULL, author_id TEXT NOT NULL,
    body TEXT NOT NULL, at_ms INTEGER NOT NULL, UNIQUE (author_id, message_id));
CREATE TABLE IF NOT EXISTS reads (user_id TEXT PRIMARY KEY, last_read INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS invitations (
    user_id TEXT PRIMARY KEY, role TEXT NOT NULL, state TEXT NOT NULL,
    invited_by TEXT NOT NULL, expires_ms INTEGER NOT NULL);
";

pub struct Store {
    sql: SqlStorage,
}

#[derive(Deserialize)]
pub struct StoredEvent {
    pub seq: i64,
    pub body: String,
}

#[derive(Deserialize)]
struct Bounds {
    oldest: Option<i64>,
}

#[derive(Deserialize)]
struct IntValue {
    value: i64,
}

#[derive(Deserialize)]
struct TextValue {
    value: String,
}

#[derive(Deserialize)]
struct TypingRow {
    user_id: String,
    until_ms: i64,
}

#[derive(Deserialize)]
struct ChatRow {
    seq: i64,
    message_id: String,
    author_id: String,
    body: String,
    at_ms: i64,
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

#[derive(Deserialize)]
struct InvitationRow {
    user_id: String,
    role: String,
    state: String,
    expires_ms: i64,
}

fn int(value: u64) -> SqlStorageValue {
    // SQLite integers are signed 64-bit; our counters and clocks stay far below i64::MAX.
    SqlStorageValue::from(i64::try_from(value).unwrap_or(i64::MAX))
}

fn text(value: &str) -> SqlStorageValue {
    SqlStorageValue::from(value)
}

fn unsigned(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

impl Store {
    pub fn open(sql: SqlStorage) -> Result<Self> {
        sql.exec(SCHEMA, None)?;
        Ok(Self { sql })
    }

    // ---- identity ----

    pub fn remember_name(&self, name: &str) -> Result<()> {
        self.sql
            .exec("INSERT INTO info (key, value) VALUES ('name', ?) ON CONFLICT(key) DO NOTHING", vec![text(name)])?;
        Ok(())
    }

    /// The room's name, remembered from the first request (alarms arrive without one).
    pub fn name(&self) -> Result<Option<String>> {
        let rows: Vec<TextValue> = self.sql.exec("SELECT value FROM info WHERE key = 'name'", None)?.to_array()?;
        Ok(rows.into_iter().next().map(|r| r.value))
    }

    // ---- history ----

    /// The highest sequence number ever issued; kept apart from the history so trimming can't lower it.
    pub fn newest_ever(&self) -> Result<u64> {
        let rows: Vec<IntValue> = self.sql.exec("SELECT value FROM meta WHERE key = 'seq'", None)?.to_array()?;
        Ok(rows.first().map_or(0, |c| unsigned(c.value)))
    }

    pub fn oldest_kept(&self) -> Result<Option<u64>> {
        let bounds: Bounds = self.sql.exec("SELECT MIN(seq) AS oldest FROM events", None)?.one()?;
        Ok(bounds.oldest.map(unsigned))
    }

    /// Gives `event` the next sequence number and keeps it (with the last [`HISTORY_LIMIT`]).
    /// Storage writes in a Durable Object commit together per event-loop turn, so the counter,
    /// the row and the trim are atomic.
    pub fn append(&self, event: &RoomEvent, now: u64) -> Result<u64> {
        let seq = self.newest_ever()? + 1;
        self.sql.exec(
            "INSERT INTO meta (key, value) VALUES ('seq', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            vec![int(seq)],
        )?;
        self.sql.exec(
            "INSERT INTO events (seq, body, at_ms) VALUES (?, ?, ?)",
            vec![int(seq), text(&serde_json::to_string(event)?), int(now)],
        )?;
        if seq > HISTORY_LIMIT {
            self.sql.exec("DELETE FROM events WHERE seq <= ?", vec![int(seq - HISTORY_LIMIT)])?;
        }
        Ok(seq)
    }

    pub fn events_after(&self, after: u64) -> Result<Vec<(u64, RoomEvent)>> {
        let rows: Vec<StoredEvent> =
            self.sql.exec("SELECT seq, body FROM events WHERE seq > ? ORDER BY seq", vec![int(after)])?.to_array()?;
        rows.into_iter().map(|row| Ok((unsigned(row.seq), serde_json::from_str(&row.body)?))).collect()
    }

    // ---- blocks ----

    pub fn block(&self, key: &str, until_ms: u64) -> Result<()> {
        self.sql.exec(
            "INSERT INTO blocks (key, until_ms) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET until_ms = MAX(until_ms, excluded.until_ms)",
            vec![text(key), int(until_ms)],
        )?;
        Ok(())
    }

    pub fn blocked_until(&self, key: &str, now: u64) -> Result<Option<u64>> {
        // Lapsed blocks are dropped on the way, so the table only holds live ones.
        self.sql.exec("DELETE FROM blocks WHERE until_ms <= ?", vec![int(now)])?;
        let rows: Vec<IntValue> =
            self.sql.exec("SELECT until_ms AS value FROM blocks WHERE key = ?", vec![text(key)])?.to_array()?;
        Ok(rows.first().map(|r| unsigned(r.value)))
    }

    // ---- typing ----

    pub fn typing(&self) -> Result<Typing> {
        let rows: Vec<TypingRow> = self.sql.exec("SELECT user_id, until_ms FROM typing", None)?.to_array()?;
        Ok(Typing::from_entries(rows.into_iter().map(|r| (r.user_id, unsigned(r.until_ms)))))
    }

    pub fn save_typing(&self, typing: &Typing) -> Result<()> {
        self.sql.exec("DELETE FROM typing", None)?;
        for (user, until) in typing.entries() {
            self.sql.exec("INSERT INTO typing (user_id, until_ms) VALUES (?, ?)", vec![text(user), int(until)])?;
        }
        Ok(())
    }

    // ---- chat ----

    /// The sequence number a message already got, when its author sent this id before.
    pub fn chat_message_seq(&self, author: &str, message_id: &str) -> Result<Option<u64>> {
        let rows: Vec<IntValue> = self
            .sql
            .exec(
                "SELECT seq AS value FROM chat_messages WHERE author_id = ? AND message_id = ?",
                vec![text(author), text(message_id)],
            )?
            .to_array()?;
        Ok(rows.first().map(|r| unsigned(r.value)))
    }

    pub fn keep_chat_message(&self, line: &ChatLine) -> Result<()> {
        self.sql.exec(
            "INSERT INTO chat_messages (seq, message_id, author_id, body, at_ms) VALUES (?, ?, ?, ?, ?)",
            vec![int(line.seq), text(&line.message_id), text(&line.author_id), text(&line.body), int(line.at_ms)],
        )?;
        Ok(())
    }

    pub fn chat_history(&self, before: Option<u64>, limit: u32) -> Result<Vec<ChatLine>> {
        let rows: Vec<ChatRow> = self
            .sql
            .exec(
                "SELECT seq, message_id, author_id, body, at_ms FROM chat_messages WHERE seq < ? ORDER BY seq DESC LIMIT ?",
                vec![int(before.unwrap_or(u64::MAX >> 1)), int(u64::from(limit))],
            )?
            .to_array()?;
        let mut lines: Vec<ChatLine> = rows
            .into_iter()
            .map(|r| ChatLine {
                seq: unsigned(r.seq),
                message_id: r.message_id,
                author_id: r.author_id,
                body: r.body,
                at_ms: unsigned(r.at_ms),
            })
            .collect();
        lines.reverse();
        Ok(lines)
    }

    pub fn last_read(&self, user: &str) -> Result<u64> {
        let rows: Vec<IntValue> =
            self.sql.exec("SELECT last_read AS value FROM reads WHERE user_id = ?", vec![text(user)])?.to_array()?;
        Ok(rows.first().map_or(0, |r| unsigned(r.value)))
    }

    pub fn set_last_read(&self, user: &str, seq: u64) -> Result<()> {
        self.sql.exec(
            "INSERT INTO reads (user_id, last_read) VALUES (?, ?) ON CONFLICT(user_id) DO UPDATE SET last_read = excluded.last_read",
            vec![text(user), int(seq)],
        )?;
        Ok(())
    }

    /// Messages by others after the reader's marker (`domain::realtime::chat::unread`, in SQL).
    pub fn unread(&self, user: &str) -> Result<u64> {
        let count: Count = self
            .sql
            .exec(
                "SELECT COUNT(*) AS n FROM chat_messages WHERE seq > ? AND author_id != ?",
                vec![int(self.last_read(user)?), text(user)],
            )?
            .one()?;
        Ok(unsigned(count.n))
    }

    pub fn invitation(&self, user: &str) -> Result<Option<Invitation>> {
        let rows: Vec<InvitationRow> = self
            .sql
            .exec("SELECT user_id, role, state, expires_ms FROM invitations WHERE user_id = ?", vec![text(user)])?
            .to_array()?;
        Ok(rows.into_iter().next().and_then(|r| {
            Some(Invitation {
                role: ChatRole::parse(&r.role)?,
                state: InvitationState::parse(&r.state)?,
                expires_ms: unsigned(r.expires_ms),
            })
        }))
    }

    pub fn save_invitation(&self, user: &str, invitation: &Invitation, by: &str) -> Result<()> {
        self.sql.exec(
            "INSERT INTO invitations (user_id, role, state, invited_by, expires_ms) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT(user_id) DO UPDATE SET role = excluded.role, state = excluded.state,
             invited_by = excluded.invited_by, expires_ms = excluded.expires_ms",
            vec![
                text(user),
                text(invitation.role.as_str()),
                text(invitation.state.as_str()),
                text(by),
                int(invitation.expires_ms),
            ],
        )?;
        Ok(())
    }

    /// Pending invitations whose time is up, to expire them.
    pub fn lapsed_invitations(&self, now: u64) -> Result<Vec<(String, Invitation)>> {
        let rows: Vec<InvitationRow> = self
            .sql
            .exec(
                "SELECT user_id, role, state, expires_ms FROM invitations WHERE state = 'pending' AND expires_ms <= ?",
                vec![int(now)],
            )?
            .to_array()?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some((
                    r.user_id,
                    Invitation {
                        role: ChatRole::parse(&r.role)?,
                        state: InvitationState::parse(&r.state)?,
                        expires_ms: unsigned(r.expires_ms),
                    },
                ))
            })
            .collect())
    }

    pub fn next_invitation_expiry(&self) -> Result<Option<u64>> {
        let rows: Vec<IntValue> = self
            .sql
            .exec("SELECT MIN(expires_ms) AS value FROM invitations WHERE state = 'pending' HAVING COUNT(*) > 0", None)?
            .to_array()?;
        Ok(rows.first().map(|r| unsigned(r.value)))
    }
}
