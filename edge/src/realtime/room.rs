//! The Durable Object behind each room: sockets (hibernation API), sequence numbers and a
//! bounded history in the object's SQLite storage, so a restart loses nothing that matters.

use forecourt_domain::realtime::history::{plan_resume, ResumePlan, HISTORY_LIMIT};
use forecourt_domain::realtime::protocol::{ClientMessage, PROTOCOL_VERSION};
use forecourt_domain::realtime::{RoomEvent, ServerMessage};
use serde::Deserialize;
use worker::{
    durable_object, DurableObject, Env, Method, Request, Response, Result, SqlStorage, State,
    WebSocket, WebSocketIncomingMessage, WebSocketPair,
};

#[durable_object]
pub struct Room {
    state: State,
}

#[derive(Deserialize)]
struct StoredEvent {
    seq: i64,
    body: String,
}

#[derive(Deserialize)]
struct Bounds {
    oldest: Option<i64>,
    newest: Option<i64>,
}

#[derive(Deserialize)]
struct Counter {
    value: i64,
}

impl Room {
    fn sql(&self) -> SqlStorage {
        self.state.storage().sql()
    }

    fn name(&self) -> String {
        self.state
            .id()
            .name()
            .unwrap_or_else(|| self.state.id().to_string())
    }

    /// The highest sequence number ever issued; kept apart from the history so trimming can't lower it.
    fn newest_ever(&self) -> Result<u64> {
        let counter: Vec<Counter> = self
            .sql()
            .exec("SELECT value FROM meta WHERE key = 'seq'", None)?
            .to_array()?;
        Ok(counter.first().map(|c| c.value.max(0) as u64).unwrap_or(0))
    }

    fn publish(&self, event: RoomEvent) -> Result<()> {
        let sql = self.sql();
        let seq = self.newest_ever()? + 1;
        let body = serde_json::to_string(&event)?;
        // Storage writes in a Durable Object are applied atomically per event-loop turn, so the
        // counter, the history row and the trim commit together.
        sql.exec("INSERT INTO meta (key, value) VALUES ('seq', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", vec![(seq as i64).into()])?;
        sql.exec(
            "INSERT INTO events (seq, body, at_ms) VALUES (?, ?, ?)",
            vec![
                (seq as i64).into(),
                body.into(),
                (js_sys::Date::now() as i64).into(),
            ],
        )?;
        sql.exec(
            "DELETE FROM events WHERE seq <= ?",
            vec![(seq as i64 - HISTORY_LIMIT as i64).into()],
        )?;

        let message = ServerMessage::Event {
            room: self.name(),
            seq,
            event,
        };
        let text = serde_json::to_string(&message)?;
        for socket in self.state.get_websockets() {
            // A socket that is closing can fail to send; the others must still get the event.
            if let Err(error) = socket.send_with_str(&text) {
                worker::console_warn!("dropping a message to a closing socket: {error}");
            }
        }
        Ok(())
    }

    fn accept_subscriber(&self, after: Option<u64>) -> Result<Response> {
        let pair = WebSocketPair::new()?;
        self.state.accept_web_socket(&pair.server);
        let newest_ever = self.newest_ever()?;
        let welcome = ServerMessage::Welcome {
            protocol: PROTOCOL_VERSION,
            room: self.name(),
            last_seq: newest_ever,
        };
        pair.server.send(&welcome)?;

        let bounds: Bounds = self
            .sql()
            .exec(
                "SELECT MIN(seq) AS oldest, MAX(seq) AS newest FROM events",
                None,
            )?
            .one()?;
        let oldest = bounds.oldest.map(|s| s as u64);
        debug_assert!(bounds.newest.is_none_or(|n| n as u64 == newest_ever));
        match plan_resume(after, oldest, newest_ever) {
            ResumePlan::UpToDate => {}
            ResumePlan::Resync => {
                pair.server.send(&ServerMessage::ResyncRequired {
                    room: self.name(),
                    oldest_seq: oldest.unwrap_or(newest_ever + 1),
                })?;
            }
            ResumePlan::ReplayAfter(after) => {
                let missed: Vec<StoredEvent> = self
                    .sql()
                    .exec(
                        "SELECT seq, body FROM events WHERE seq > ? ORDER BY seq",
                        vec![(after as i64).into()],
                    )?
                    .to_array()?;
                for stored in missed {
                    let event: RoomEvent = serde_json::from_str(&stored.body)?;
                    pair.server.send(&ServerMessage::Event {
                        room: self.name(),
                        seq: stored.seq as u64,
                        event,
                    })?;
                }
            }
        }
        Response::from_websocket(pair.client)
    }
}

impl DurableObject for Room {
    fn new(state: State, _env: Env) -> Self {
        let room = Self { state };
        let schema = room.sql().exec(
            "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL, at_ms INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);",
            None,
        );
        if let Err(error) = schema {
            worker::console_error!("room storage could not be prepared: {error}");
        }
        room
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let url = req.url()?;
        match (req.method(), url.path()) {
            (Method::Post, "/publish") => {
                let event: RoomEvent = req.json().await?;
                self.publish(event)?;
                Response::empty().map(|r| r.with_status(204))
            }
            (Method::Get, "/connect") => {
                let after = url
                    .query_pairs()
                    .find(|(k, _)| k == "after")
                    .and_then(|(_, v)| v.parse().ok());
                self.accept_subscriber(after)
            }
            _ => Response::error("unknown room operation", 404),
        }
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> Result<()> {
        let reply = match message {
            WebSocketIncomingMessage::String(text) => {
                match serde_json::from_str::<ClientMessage>(&text) {
                    Ok(ClientMessage::Ping) => ServerMessage::Pong,
                    Err(error) => ServerMessage::Error {
                        code: "bad_message".into(),
                        message: error.to_string(),
                    },
                }
            }
            WebSocketIncomingMessage::Binary(_) => ServerMessage::Error {
                code: "bad_message".into(),
                message: "messages are JSON text frames".into(),
            },
        };
        ws.send(&reply)
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        code: usize,
        reason: String,
        _was_clean: bool,
    ) -> Result<()> {
        // Complete the closing handshake; 1005/1006 are reserved and may not be sent back.
        let code = if code == 1005 || code == 1006 {
            1000
        } else {
            code as u16
        };
        ws.close(Some(code), Some(reason))
    }

    async fn websocket_error(&self, ws: WebSocket, error: worker::Error) -> Result<()> {
        worker::console_warn!("socket error: {error}");
        ws.close(Some(1011), Some("socket error"))
    }
}
