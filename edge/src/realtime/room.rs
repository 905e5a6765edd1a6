//! The Durable Object behind each room: sockets through the hibernation API, sequence numbers
//! and a bounded history in the object's SQLite storage, presence, typing, rate limits and, for
//! chat rooms, messages, unread counts and invitations.
//!
//! What a socket is (who, what it may do, its rate window, its presence) lives in the socket's
//! attachment, which survives hibernation; what the room must not forget across a restart lives
//! in SQLite (`store`). Timers are one Durable Object alarm: auth deadlines, typing expiry,
//! dead-connection sweeps and invitation expiry all wake the room through it.

use super::access::{self, now_ms};
use super::headers as internal;
use super::store::Store;
use forecourt_domain::identity::Principal;
use forecourt_domain::realtime::access::{Decision, Grant, Scope};
use forecourt_domain::realtime::chat::{self, Invitation, InvitationAction, InvitationState};
use forecourt_domain::realtime::history::{plan_resume, ResumePlan};
use forecourt_domain::realtime::limits::{
    self, blocked_for_seconds, close, RateVerdict, RateWindow, AUTH_WITHIN_MS, DEAD_AFTER_MS, HEARTBEAT_MS,
    MAX_MESSAGE_BYTES,
};
use forecourt_domain::realtime::presence::{self, PresenceStatus, TypingSignal};
use forecourt_domain::realtime::protocol::{ChatLine, ErrorCode, PING_TEXT, PONG_TEXT, PROTOCOL_VERSION};
use forecourt_domain::realtime::{ClientMessage, RoomEvent, RoomName, ServerMessage};
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use worker::{
    durable_object, DurableObject, Env, Method, Request, Response, Result, State, WebSocket, WebSocketIncomingMessage,
    WebSocketPair,
};

/// Sockets every event goes to without looking at their attachment (the fast path of a
/// 1,000-subscriber broadcast); all others are checked one by one.
const TAG_EVERYTHING: &str = "everything";
const TAG_FILTERED: &str = "filtered";

#[durable_object]
pub struct Room {
    state: State,
    env: Env,
}

/// One socket, kept in its attachment so hibernation does not forget it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Session {
    conn: String,
    /// What a block is recorded under (principal, else address, else this connection).
    key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    principal: Option<Principal>,
    /// `None` until the socket authenticated (or was admitted anonymously to a public room).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    grant: Option<Grant>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    after: Option<u64>,
    auth_deadline_ms: u64,
    window: RateWindow,
    status: PresenceStatus,
    last_seen_ms: u64,
    /// Set when the room closed the socket, so the close handler does not announce it twice.
    #[serde(default)]
    closed: bool,
}

impl Session {
    fn reads(&self) -> bool {
        self.grant.as_ref().is_some_and(|g| g.reads) && !self.closed
    }

    /// Whose presence this socket counts towards: signed-in people, never devices or anonymous
    /// readers of public rooms (a thousand stock browsers are not "online in the room").
    fn person(&self) -> Option<&str> {
        let principal = self.principal.as_ref()?;
        (!principal.role.is_device() && self.reads()).then_some(principal.subject.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
enum Refusal {
    #[error("{1}")]
    Client(ErrorCode, String),
}

fn refuse(code: ErrorCode, message: impl Into<String>) -> Refusal {
    Refusal::Client(code, message.into())
}

fn random_id() -> String {
    let high = (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
    let low = (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
    format!("{high:08x}{low:08x}")
}

fn session_of(ws: &WebSocket) -> Option<Session> {
    ws.deserialize_attachment::<Session>().ok().flatten()
}

fn send(ws: &WebSocket, message: &ServerMessage) {
    // A socket that is closing can fail to send; that must not fail the room's work.
    if let Err(error) = ws.send(message) {
        worker::console_warn!("dropping a message to a closing socket: {error}");
    }
}

fn close_with(ws: &WebSocket, code: u16, reason: &str) {
    // Close reasons are limited to 123 bytes by the protocol.
    let reason: String = reason.chars().take(120).collect();
    if let Err(error) = ws.close(Some(code), Some(reason)) {
        worker::console_warn!("closing a socket failed: {error}");
    }
}

impl Room {
    fn store(&self) -> Result<Store> {
        Store::open(self.state.storage().sql())
    }

    fn name(&self, store: &Store) -> String {
        store.name().ok().flatten().or_else(|| self.state.id().name()).unwrap_or_else(|| self.state.id().to_string())
    }

    fn room(&self, store: &Store) -> Option<RoomName> {
        RoomName::parse(&self.name(store)).ok()
    }

    fn live_sessions(&self) -> Vec<(WebSocket, Session)> {
        self.state
            .get_websockets()
            .into_iter()
            .filter_map(|ws| session_of(&ws).map(|s| (ws, s)))
            .filter(|(_, s)| !s.closed)
            .collect()
    }

    /// Sends to every socket that reads this room (and, for scoped rooms, this location).
    fn broadcast(&self, message: &ServerMessage, location: Option<&str>) -> Result<()> {
        let text = serde_json::to_string(message)?;
        for ws in self.state.get_websockets_with_tag(TAG_EVERYTHING) {
            if let Err(error) = ws.send_with_str(&text) {
                worker::console_warn!("dropping a message to a closing socket: {error}");
            }
        }
        for ws in self.state.get_websockets_with_tag(TAG_FILTERED) {
            let Some(session) = session_of(&ws) else {
                continue;
            };
            let admitted = session.reads() && session.grant.as_ref().is_some_and(|g| g.scope.admits(location));
            if admitted {
                if let Err(error) = ws.send_with_str(&text) {
                    worker::console_warn!("dropping a message to a closing socket: {error}");
                }
            }
        }
        Ok(())
    }

    fn publish(&self, store: &Store, event: RoomEvent) -> Result<u64> {
        let seq = store.append(&event, now_ms())?;
        let location = event.location_id().map(str::to_owned);
        let message = ServerMessage::Event { room: self.name(store), seq, event };
        self.broadcast(&message, location.as_deref())?;
        Ok(seq)
    }

    /// Wakes the room at `at` unless it is already due to wake earlier.
    async fn wake_at(&self, at: u64) -> Result<()> {
        let storage = self.state.storage();
        let current = storage.get_alarm().await?;
        if current.is_none_or(|current| current > at as i64) {
            storage.set_alarm(worker::ScheduledTime::new(js_sys::Date::new(&JsValue::from_f64(at as f64)))).await?;
        }
        Ok(())
    }

    // ---- joining ----

    async fn accept(&self, req: &Request) -> Result<Response> {
        let store = self.store()?;
        let headers = req.headers();
        if let Some(name) = headers.get(internal::ROOM)? {
            store.remember_name(&name)?;
        }
        let principal: Option<Principal> =
            headers.get(internal::PRINCIPAL)?.and_then(|raw| serde_json::from_str(&raw).ok());
        let grant: Option<Grant> = headers.get(internal::GRANT)?.and_then(|raw| serde_json::from_str(&raw).ok());
        let address = headers.get(internal::ADDRESS)?;
        let after = req.url()?.query_pairs().find(|(k, _)| k == "after").and_then(|(_, v)| v.parse().ok());
        let now = now_ms();
        let conn = random_id();
        let session = Session {
            key: limits::block_key(principal.as_ref().map(|p| p.subject.as_str()), address.as_deref(), &conn),
            conn,
            address,
            principal,
            grant,
            after,
            auth_deadline_ms: now + AUTH_WITHIN_MS,
            window: RateWindow::default(),
            status: PresenceStatus::Online,
            last_seen_ms: now,
            closed: false,
        };
        let fast = session.grant.as_ref().is_some_and(|g| g.reads && g.scope == Scope::Everything);
        let pair = WebSocketPair::new()?;
        let ws = pair.server;
        self.state.accept_websocket_with_tags(&ws, &[if fast { TAG_EVERYTHING } else { TAG_FILTERED }]);

        if let Some(until) = store.blocked_until(&session.key, now)? {
            self.refuse_blocked(&ws, session, until, now)?;
            return Response::from_websocket(pair.client);
        }
        if session.grant.is_some() {
            self.admit(&store, &ws, session)?;
        } else {
            send(&ws, &ServerMessage::AuthRequired { within_ms: AUTH_WITHIN_MS });
            ws.serialize_attachment(&session)?;
        }
        // The sweep checks auth deadlines and heartbeats; it runs while anyone is connected.
        self.wake_at(now + AUTH_WITHIN_MS.min(HEARTBEAT_MS)).await?;
        Response::from_websocket(pair.client)
    }

    fn refuse_blocked(&self, ws: &WebSocket, mut session: Session, until: u64, now: u64) -> Result<()> {
        let seconds = blocked_for_seconds(until, now).unwrap_or(1);
        send(
            ws,
            &ServerMessage::Error {
                code: ErrorCode::Blocked,
                message: format!("blocked for {seconds} s after exceeding the message rate"),
                id: None,
            },
        );
        session.closed = true;
        ws.serialize_attachment(&session)?;
        close_with(ws, close::POLICY, &format!("blocked for {seconds} s: over 100 messages in 60 s"));
        Ok(())
    }

    /// Lets an authorised socket in: welcome, what it missed, who is here, its unread count.
    /// Runs without an await, so no event can slip between the replay and the live stream.
    fn admit(&self, store: &Store, ws: &WebSocket, session: Session) -> Result<()> {
        let Some(grant) = session.grant.clone() else {
            return Ok(());
        };
        let room = self.name(store);
        let newest_ever = store.newest_ever()?;
        ws.serialize_attachment(&session)?;
        send(
            ws,
            &ServerMessage::Welcome {
                protocol: PROTOCOL_VERSION,
                room: room.clone(),
                last_seq: newest_ever,
                can_post: grant.can_post,
                user: session.principal.as_ref().map(|p| p.subject.clone()),
            },
        );
        if !grant.reads {
            // An invitee sees nothing until they accept.
            return Ok(());
        }
        let oldest = store.oldest_kept()?;
        match plan_resume(session.after, oldest, newest_ever) {
            ResumePlan::UpToDate => {}
            ResumePlan::Resync => send(
                ws,
                &ServerMessage::ResyncRequired { room: room.clone(), oldest_seq: oldest.unwrap_or(newest_ever + 1) },
            ),
            ResumePlan::ReplayAfter(after) => {
                for (seq, event) in store.events_after(after)? {
                    if grant.scope.admits(event.location_id()) {
                        send(ws, &ServerMessage::Event { room: room.clone(), seq, event });
                    }
                }
            }
        }
        if let Some(person) = session.person() {
            // Everyone present, then tell the others about this person if that changed anything.
            let others: Vec<(WebSocket, Session)> =
                self.live_sessions().into_iter().filter(|(_, s)| s.conn != session.conn).collect();
            let before = presence::by_person(others.iter().filter_map(|(_, s)| s.person().map(|p| (p, s.status))));
            for (user, status) in &before {
                send(ws, &ServerMessage::Presence { room: room.clone(), user: (*user).to_owned(), status: *status });
            }
            let was = before.get(person).copied().unwrap_or(PresenceStatus::Offline);
            let now = presence::aggregate([was, session.status]);
            if presence::change(was, now).is_some() {
                self.broadcast(
                    &ServerMessage::Presence { room: room.clone(), user: person.to_owned(), status: now },
                    None,
                )?;
            } else {
                send(ws, &ServerMessage::Presence { room: room.clone(), user: person.to_owned(), status: now });
            }
            if grant.chat_role.is_some() || grant.can_post {
                send(ws, &ServerMessage::Unread { room, count: store.unread(person)? });
            }
        }
        Ok(())
    }

    /// Announces a person's presence after `leaving` went away or changed, if it changed.
    fn presence_changed(&self, store: &Store, changed: &Session, was: PresenceStatus) -> Result<()> {
        let Some(person) = changed.person() else {
            return Ok(());
        };
        let now = presence::aggregate(
            self.live_sessions().iter().filter(|(_, s)| s.person() == Some(person)).map(|(_, s)| s.status),
        );
        if let Some(status) = presence::change(was, now) {
            self.broadcast(&ServerMessage::Presence { room: self.name(store), user: person.to_owned(), status }, None)?;
        }
        Ok(())
    }

    fn presence_of(&self, person: &str) -> PresenceStatus {
        presence::aggregate(
            self.live_sessions().iter().filter(|(_, s)| s.person() == Some(person)).map(|(_, s)| s.status),
        )
    }

    /// Closes `ws` from the room's side and settles what its going changes.
    fn end(&self, store: &Store, ws: &WebSocket, mut session: Session, code: u16, reason: &str) -> Result<()> {
        let was = session.person().map(|p| self.presence_of(p));
        let person = session.person().map(str::to_owned);
        session.closed = true;
        ws.serialize_attachment(&session)?;
        close_with(ws, code, reason);
        if let (Some(was), Some(person)) = (was, person) {
            let mut leaving = session.clone();
            leaving.closed = false;
            self.presence_changed(store, &leaving, was)?;
            self.stop_typing(store, &person)?;
        }
        Ok(())
    }

    fn stop_typing(&self, store: &Store, person: &str) -> Result<()> {
        let mut typing = store.typing()?;
        if typing.stop(person, now_ms()) {
            store.save_typing(&typing)?;
            self.broadcast(
                &ServerMessage::Typing { room: self.name(store), user: person.to_owned(), typing: false },
                None,
            )?;
        }
        Ok(())
    }

    // ---- messages ----

    async fn on_text(&self, ws: &WebSocket, mut session: Session, text: &str) -> Result<()> {
        let store = self.store()?;
        let now = now_ms();
        if text.len() > MAX_MESSAGE_BYTES {
            return self.end(&store, ws, session, close::TOO_BIG, "message larger than 1 MiB");
        }
        if let RateVerdict::Exceeded { until_ms } = session.window.hit(now) {
            store.block(&session.key, until_ms)?;
            send(
                ws,
                &ServerMessage::Error {
                    code: ErrorCode::RateLimited,
                    message: "more than 100 messages in 60 s; blocked for 300 s".into(),
                    id: None,
                },
            );
            return self.end(
                &store,
                ws,
                session,
                close::POLICY,
                "rate limit: over 100 messages in 60 s, blocked for 300 s",
            );
        }
        session.last_seen_ms = now;
        let message = match serde_json::from_str::<ClientMessage>(text) {
            Ok(message) => message,
            Err(error) => {
                ws.serialize_attachment(&session)?;
                send(ws, &ServerMessage::Error { code: ErrorCode::BadMessage, message: error.to_string(), id: None });
                return Ok(());
            }
        };
        let id = message.id().map(str::to_owned);
        if session.grant.is_none() {
            return match message {
                ClientMessage::Auth { token } => self.authenticate(&store, ws, session, &token).await,
                ClientMessage::Ping => {
                    ws.serialize_attachment(&session)?;
                    send(ws, &ServerMessage::Pong);
                    Ok(())
                }
                _ => {
                    send(
                        ws,
                        &ServerMessage::Error {
                            code: ErrorCode::Unauthenticated,
                            message: "authenticate first: {\"type\":\"auth\",\"token\":…}".into(),
                            id,
                        },
                    );
                    self.end(&store, ws, session, close::POLICY, "authenticate before anything else")
                }
            };
        }
        match self.handle(&store, ws, &mut session, message, now).await {
            Ok(Some(reply)) => {
                ws.serialize_attachment(&session)?;
                send(ws, &reply);
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(Refusal::Client(code, message)) => {
                ws.serialize_attachment(&session)?;
                send(ws, &ServerMessage::Error { code, message, id });
                Ok(())
            }
        }
    }

    async fn authenticate(&self, store: &Store, ws: &WebSocket, mut session: Session, token: &str) -> Result<()> {
        let principal = match access::verify(&self.env, token) {
            Ok(principal) => principal,
            Err(error) => {
                send(
                    ws,
                    &ServerMessage::Error { code: ErrorCode::Unauthenticated, message: error.to_string(), id: None },
                );
                return self.end(store, ws, session, close::POLICY, "authentication failed: invalid or expired token");
            }
        };
        let Some(room) = self.room(store) else {
            return self.end(store, ws, session, close::POLICY, "unknown room");
        };
        let decision = access::check(&self.env, &room, Some(&principal)).await;
        let Decision::Allow(grant) = decision else {
            send(
                ws,
                &ServerMessage::Error {
                    code: ErrorCode::Forbidden,
                    message: format!("you may not join {room}"),
                    id: None,
                },
            );
            return self.end(store, ws, session, close::POLICY, "forbidden: you may not join this room");
        };
        let now = now_ms();
        session.key = limits::block_key(Some(&principal.subject), session.address.as_deref(), &session.conn);
        session.principal = Some(principal);
        session.grant = Some(grant);
        if let Some(until) = store.blocked_until(&session.key, now)? {
            return self.refuse_blocked(ws, session, until, now);
        }
        self.admit(store, ws, session)
    }

    /// One message from an authenticated socket; `Ok(Some(_))` is the reply to it.
    async fn handle(
        &self,
        store: &Store,
        ws: &WebSocket,
        session: &mut Session,
        message: ClientMessage,
        now: u64,
    ) -> std::result::Result<Option<ServerMessage>, Refusal> {
        let grant = session.grant.clone().ok_or_else(|| refuse(ErrorCode::Unauthenticated, "authenticate first"))?;
        let internal = |e: worker::Error| refuse(ErrorCode::Unavailable, format!("room storage failed: {e}"));
        let room_name = self.name(store);
        match message {
            ClientMessage::Ping => Ok(Some(ServerMessage::Pong)),
            ClientMessage::Auth { .. } => Err(refuse(ErrorCode::BadMessage, "already authenticated")),
            ClientMessage::Leave => {
                self.end(store, ws, session.clone(), close::NORMAL, "left the room").map_err(internal)?;
                Ok(None)
            }
            ClientMessage::Presence { status } => {
                if status == PresenceStatus::Offline {
                    return Err(refuse(ErrorCode::Invalid, "to go offline, leave the room"));
                }
                let Some(person) = session.person().map(str::to_owned) else {
                    return Err(refuse(ErrorCode::NotAllowed, "presence is for signed-in people in private rooms"));
                };
                let was = self.presence_of(&person);
                session.status = status;
                ws.serialize_attachment(&*session).map_err(internal)?;
                self.presence_changed(store, session, was).map_err(internal)?;
                Ok(None)
            }
            ClientMessage::Typing => {
                let person = self.poster(session, &grant)?;
                let mut typing = store.typing().map_err(internal)?;
                let signal = typing.signal(&person, now);
                store.save_typing(&typing).map_err(internal)?;
                ws.serialize_attachment(&*session).map_err(internal)?;
                if signal == TypingSignal::Started {
                    self.broadcast(&ServerMessage::Typing { room: room_name, user: person, typing: true }, None)
                        .map_err(internal)?;
                }
                if let Some(at) = typing.next_expiry() {
                    self.wake_at(at).await.map_err(internal)?;
                }
                Ok(None)
            }
            ClientMessage::Send { id, body } => {
                let person = self.poster(session, &grant)?;
                if id.is_empty() || id.len() > 64 {
                    return Err(refuse(ErrorCode::Invalid, "a message id is 1 to 64 characters"));
                }
                if let Some(seq) = store.chat_message_seq(&person, &id).map_err(internal)? {
                    // Sent before (an offline queue resending after a reconnect): once only.
                    return Ok(Some(ServerMessage::Ack { id, seq: Some(seq) }));
                }
                let body = chat::check_body(&body).map_err(|e| refuse(ErrorCode::Invalid, e.to_string()))?.to_owned();
                let event = RoomEvent::ChatMessage {
                    message_id: id.clone(),
                    author_id: person.clone(),
                    body: body.clone(),
                    at_ms: now,
                };
                let seq = self.publish(store, event).map_err(internal)?;
                store
                    .keep_chat_message(&ChatLine {
                        seq,
                        message_id: id.clone(),
                        author_id: person.clone(),
                        body,
                        at_ms: now,
                    })
                    .map_err(internal)?;
                store.set_last_read(&person, seq).map_err(internal)?;
                self.stop_typing(store, &person).map_err(internal)?;
                self.send_unread_counts(store, Some(&person)).map_err(internal)?;
                Ok(Some(ServerMessage::Ack { id, seq: Some(seq) }))
            }
            ClientMessage::Read { seq } => {
                let person = self.poster(session, &grant)?;
                let current = store.last_read(&person).map_err(internal)?;
                let newest = store.newest_ever().map_err(internal)?;
                store.set_last_read(&person, chat::advance_read(current, seq, newest)).map_err(internal)?;
                self.send_unread_to(store, &person).map_err(internal)?;
                Ok(None)
            }
            ClientMessage::History { before, limit } => {
                if !grant.reads || !grant.can_post {
                    return Err(refuse(ErrorCode::NotAChat, "history is for chat and department rooms"));
                }
                let messages = store.chat_history(before, limit.unwrap_or(50).clamp(1, 100)).map_err(internal)?;
                Ok(Some(ServerMessage::History { room: room_name, messages }))
            }
            ClientMessage::Invite { id, user_id, role } => {
                let inviter = session.principal.as_ref().map(|p| p.subject.clone()).unwrap_or_default();
                let Some(my_role) = grant.chat_role.filter(|_| grant.reads) else {
                    return Err(refuse(ErrorCode::NotAChat, "invitations are for members of chat rooms"));
                };
                if !my_role.may_invite(role) {
                    return Err(refuse(
                        ErrorCode::NotAllowed,
                        format!("a {} cannot invite a {}", my_role.as_str(), role.as_str()),
                    ));
                }
                let invitation = match store.invitation(&user_id).map_err(internal)? {
                    Some(existing) => existing
                        .transition(InvitationAction::Reinvite, now)
                        .map(|renewed| Invitation { role, ..renewed })
                        .map_err(|e| refuse(ErrorCode::Invalid, e.to_string()))?,
                    None => Invitation::new(role, now),
                };
                self.record_membership(store, &user_id, &invitation, &inviter).await?;
                self.publish(store, RoomEvent::ChatMember { user_id, role, state: invitation.state, by: inviter })
                    .map_err(internal)?;
                self.wake_at(invitation.expires_ms).await.map_err(internal)?;
                Ok(Some(ServerMessage::Ack { id, seq: None }))
            }
            ClientMessage::Respond { id, accept } => {
                let me = session.principal.as_ref().map(|p| p.subject.clone()).unwrap_or_default();
                let Some(role) = grant.chat_role.filter(|_| !grant.reads) else {
                    return Err(refuse(ErrorCode::Invalid, "you hold no open invitation to this chat"));
                };
                // An invitation made over HTTP is only in D1; the room adopts it on first answer.
                let held = store.invitation(&me).map_err(internal)?.unwrap_or_else(|| Invitation::new(role, now));
                let action = if accept { InvitationAction::Accept } else { InvitationAction::Reject };
                let answered = held.transition(action, now).map_err(|e| refuse(ErrorCode::Invalid, e.to_string()))?;
                self.record_membership(store, &me, &answered, &me).await?;
                let seq = self
                    .publish(
                        store,
                        RoomEvent::ChatMember {
                            user_id: me.clone(),
                            role: answered.role,
                            state: answered.state,
                            by: me,
                        },
                    )
                    .map_err(internal)?;
                send(ws, &ServerMessage::Ack { id, seq: Some(seq) });
                if answered.state == InvitationState::Accepted {
                    session.grant = Some(Grant {
                        reads: true,
                        can_post: true,
                        scope: Scope::Everything,
                        chat_role: Some(answered.role),
                    });
                    // From here on the socket is a member: welcome it as one.
                    session.after = Some(seq.saturating_sub(1));
                    self.admit(store, ws, session.clone()).map_err(internal)?;
                } else {
                    self.end(store, ws, session.clone(), close::NORMAL, "invitation rejected").map_err(internal)?;
                }
                Ok(None)
            }
        }
    }

    fn poster(&self, session: &Session, grant: &Grant) -> std::result::Result<String, Refusal> {
        match (&session.principal, grant.can_post) {
            (Some(principal), true) => Ok(principal.subject.clone()),
            _ => Err(refuse(ErrorCode::ReadOnly, "this room is read-only for you")),
        }
    }

    /// The membership directory is D1 (`chat_members`), which the connect check reads; the
    /// room keeps its own copy for expiry. Both are written, D1 first, so a failure changes nothing.
    async fn record_membership(
        &self,
        store: &Store,
        user: &str,
        invitation: &Invitation,
        by: &str,
    ) -> std::result::Result<(), Refusal> {
        let unavailable =
            |e: worker::Error| refuse(ErrorCode::Unavailable, format!("the chat directory is unavailable: {e}"));
        let Some(RoomName::Chat(room_id)) = self.room(store) else {
            return Err(refuse(ErrorCode::NotAChat, "not a chat room"));
        };
        let db = crate::platform::bindings::database(&self.env).map_err(unavailable)?;
        let at = js_sys::Date::new(&JsValue::from_f64(now_ms() as f64)).to_iso_string().as_string().unwrap_or_default();
        let responded = (invitation.state != InvitationState::Pending).then(|| at.clone());
        db.prepare(
            "INSERT INTO chat_members (room_id, user_id, role, state, invited_by, invited_at, responded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(room_id, user_id) DO UPDATE SET role = excluded.role, state = excluded.state,
               invited_by = CASE WHEN excluded.state = 'pending' THEN excluded.invited_by ELSE chat_members.invited_by END,
               invited_at = CASE WHEN excluded.state = 'pending' THEN excluded.invited_at ELSE chat_members.invited_at END,
               responded_at = excluded.responded_at",
        )
        .bind(&[
            room_id.as_str().into(),
            user.into(),
            invitation.role.as_str().into(),
            invitation.state.as_str().into(),
            by.into(),
            at.as_str().into(),
            responded.map_or(JsValue::NULL, |r| JsValue::from_str(&r)),
        ])
        .map_err(unavailable)?
        .run()
        .await
        .map_err(unavailable)?;
        store.save_invitation(user, invitation, by).map_err(unavailable)?;
        Ok(())
    }

    fn send_unread_to(&self, store: &Store, person: &str) -> Result<()> {
        let count = store.unread(person)?;
        let message = ServerMessage::Unread { room: self.name(store), count };
        for (ws, session) in self.live_sessions() {
            if session.person() == Some(person) {
                send(&ws, &message);
            }
        }
        Ok(())
    }

    /// After a new message: every connected reader except `except` learns their new count.
    fn send_unread_counts(&self, store: &Store, except: Option<&str>) -> Result<()> {
        let mut people: Vec<String> = self
            .live_sessions()
            .iter()
            .filter(|(_, s)| s.grant.as_ref().is_some_and(|g| g.can_post))
            .filter_map(|(_, s)| s.person().map(str::to_owned))
            .filter(|p| Some(p.as_str()) != except)
            .collect();
        people.sort();
        people.dedup();
        for person in people {
            self.send_unread_to(store, &person)?;
        }
        Ok(())
    }

    /// The auto-response timestamp: when the runtime last answered this socket's ping for us.
    fn last_auto_pong(&self, ws: &WebSocket) -> Option<u64> {
        let state: &JsValue = self.state.as_raw().as_ref();
        let function = js_sys::Reflect::get(state, &"getWebSocketAutoResponseTimestamp".into()).ok()?;
        let function: &js_sys::Function = function.dyn_ref()?;
        let socket: &web_sys::WebSocket = ws.as_ref();
        let stamp = function.call1(state, socket).ok()?;
        let date: &js_sys::Date = stamp.dyn_ref()?;
        Some(date.get_time() as u64)
    }

    /// The sweep: auth deadlines, dead connections, typing and invitation expiry; then the next wake-up.
    async fn sweep(&self) -> Result<()> {
        let store = self.store()?;
        let now = now_ms();
        let mut next: Option<u64> = None;
        let mut soonest = |at: u64| next = Some(next.map_or(at, |n: u64| n.min(at)));
        for (ws, session) in self.live_sessions() {
            if session.grant.is_none() {
                if now >= session.auth_deadline_ms {
                    send(
                        &ws,
                        &ServerMessage::Error {
                            code: ErrorCode::Unauthenticated,
                            message: "no auth message within 5 s".into(),
                            id: None,
                        },
                    );
                    self.end(
                        &store,
                        &ws,
                        session,
                        close::POLICY,
                        "authentication timeout: send {\"type\":\"auth\",\"token\":…} within 5 s",
                    )?;
                } else {
                    soonest(session.auth_deadline_ms);
                }
                continue;
            }
            let heard = session.last_seen_ms.max(self.last_auto_pong(&ws).unwrap_or(0));
            if now.saturating_sub(heard) >= DEAD_AFTER_MS {
                self.end(&store, &ws, session, close::GOING_AWAY, "no heartbeat for 75 s")?;
            } else {
                soonest(now + HEARTBEAT_MS);
            }
        }
        let mut typing = store.typing()?;
        let expired = typing.expire(now);
        if !expired.is_empty() {
            store.save_typing(&typing)?;
            for user in expired {
                self.broadcast(&ServerMessage::Typing { room: self.name(&store), user, typing: false }, None)?;
            }
        }
        if let Some(at) = typing.next_expiry() {
            soonest(at);
        }
        for (user, invitation) in store.lapsed_invitations(now)? {
            if let Ok(expired) = invitation.transition(InvitationAction::Expire, now) {
                if let Err(Refusal::Client(_, error)) = self.record_membership(&store, &user, &expired, "system").await
                {
                    worker::console_warn!("expiring an invitation in D1 failed: {error}");
                    store.save_invitation(&user, &expired, "system")?;
                }
                self.publish(
                    &store,
                    RoomEvent::ChatMember {
                        user_id: user,
                        role: expired.role,
                        state: expired.state,
                        by: "system".into(),
                    },
                )?;
            }
        }
        if let Some(at) = store.next_invitation_expiry()? {
            soonest(at);
        }
        if let Some(at) = next {
            self.state
                .storage()
                .set_alarm(worker::ScheduledTime::new(js_sys::Date::new(&JsValue::from_f64(at.max(now + 100) as f64))))
                .await?;
        }
        Ok(())
    }
}

impl DurableObject for Room {
    fn new(state: State, env: Env) -> Self {
        // Heartbeats are answered by the runtime without waking the room: a hibernated room
        // with a thousand idle sockets costs nothing.
        match worker::worker_sys::WebSocketRequestResponsePair::new(PING_TEXT, PONG_TEXT) {
            Ok(pair) => state.set_websocket_auto_response(&pair),
            Err(error) => worker::console_error!("no ping auto-response: {error:?}"),
        }
        Self { state, env }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let url = req.url()?;
        match (req.method(), url.path()) {
            (Method::Post, "/publish") => {
                let store = self.store()?;
                if let Some(name) = req.headers().get(internal::ROOM)? {
                    store.remember_name(&name)?;
                }
                let event: RoomEvent = req.json().await?;
                self.publish(&store, event)?;
                Response::empty().map(|r| r.with_status(204))
            }
            (Method::Get, "/connect") => self.accept(&req).await,
            _ => Response::error("unknown room operation", 404),
        }
    }

    async fn websocket_message(&self, ws: WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        let Some(session) = session_of(&ws) else {
            close_with(&ws, 1011, "this connection lost its state; reconnect");
            return Ok(());
        };
        if session.closed {
            return Ok(());
        }
        match message {
            WebSocketIncomingMessage::String(text) => self.on_text(&ws, session, &text).await,
            WebSocketIncomingMessage::Binary(bytes) => {
                if bytes.len() > MAX_MESSAGE_BYTES {
                    let store = self.store()?;
                    return self.end(&store, &ws, session, close::TOO_BIG, "message larger than 1 MiB");
                }
                send(
                    &ws,
                    &ServerMessage::Error {
                        code: ErrorCode::BadMessage,
                        message: "messages are JSON text frames".into(),
                        id: None,
                    },
                );
                Ok(())
            }
        }
    }

    async fn websocket_close(&self, ws: WebSocket, code: usize, reason: String, _was_clean: bool) -> Result<()> {
        if let Some(session) = session_of(&ws).filter(|s| !s.closed) {
            let store = self.store()?;
            // Reply to the client's close with its own code; 1005/1006 are reserved and may not be sent.
            let code = if code == 1005 || code == 1006 { close::NORMAL } else { code as u16 };
            return self.end(&store, &ws, session, code, &reason);
        }
        Ok(())
    }

    async fn websocket_error(&self, ws: WebSocket, error: worker::Error) -> Result<()> {
        worker::console_warn!("socket error: {error}");
        if let Some(session) = session_of(&ws).filter(|s| !s.closed) {
            let store = self.store()?;
            return self.end(&store, &ws, session, 1011, "socket error");
        }
        Ok(())
    }

    async fn alarm(&self) -> Result<Response> {
        self.sweep().await?;
        Response::ok("swept")
    }
}
