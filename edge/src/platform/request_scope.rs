//! What the envelope knows about the request being served, readable from anywhere below it
//! (the audit log's request id, the log line's coalescing count) without threading it through
//! every handler's signature.
//!
//! Like a task-local: [`Scoped`] installs its request's context for the duration of each poll of
//! the handler's future and restores the previous one after. A Worker isolate runs one thread
//! and interleaves requests only between polls, so code running inside a poll always sees the
//! context of the request it works for.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

#[derive(Debug, Default)]
pub struct RequestContext {
    pub request_id: String,
    /// Reads that joined an identical read already in flight instead of running their own.
    pub coalesced: RefCell<u32>,
    /// Reads that went to the origin (D1) because neither the cache nor a shared read answered.
    pub origin_reads: RefCell<u32>,
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<RequestContext>>> = const { RefCell::new(None) };
}

/// A future that runs with `context` installed.
pub struct Scoped<F> {
    context: Rc<RequestContext>,
    inner: Pin<Box<F>>,
}

pub fn scoped<F: Future>(context: Rc<RequestContext>, inner: F) -> Scoped<F> {
    Scoped { context, inner: Box::pin(inner) }
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let previous = CURRENT.with(|current| current.replace(Some(Rc::clone(&this.context))));
        let outcome = this.inner.as_mut().poll(cx);
        CURRENT.with(|current| *current.borrow_mut() = previous);
        outcome
    }
}

/// The context of the request being served, if any (none in Durable Object code, say).
pub fn current() -> Option<Rc<RequestContext>> {
    CURRENT.with(|current| current.borrow().clone())
}

/// The current request's id, for audit rows and outgoing webhooks.
pub fn request_id() -> Option<String> {
    current().map(|context| context.request_id.clone())
}
