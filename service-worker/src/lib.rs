//! Forecourt's service worker, in Rust.
//!
//! `web/sw.js` is only the loader the platform demands (listeners registered synchronously at the
//! top level); it hands every event to the functions exported here. What each kind of request
//! gets:
//!
//! - navigations: network first with a short timeout, else the precached shell, so the app opens
//!   offline and on a dead-slow connection;
//! - the app's own static files: cache first (their paths carry content hashes, so a cached copy
//!   is never stale);
//! - `/api/` and anything cross-origin or not GET: not touched; the app keeps its own data in
//!   IndexedDB and decides itself what to show offline.

mod routing;

use js_sys::{Array, Promise};
use routing::{classify_with_destination, Route};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{Cache, Request, RequestCache, RequestInit, Response, ResponseInit, ServiceWorkerGlobalScope};

/// Every cache this worker owns starts with this; activation deletes the ones of older builds.
const CACHE_PREFIX: &str = "forecourt-shell-";
/// The page every navigation falls back to (the router inside it takes over from there).
const SHELL: &str = "/index.html";
/// A navigation slower than this is served from the cache: a shell now beats a fresh one later.
const NAVIGATION_TIMEOUT_MS: i32 = 3_000;
const SKIP_WAITING: &str = "skip-waiting";
/// Files in the build that the shell does not need.
const NOT_PRECACHED: &str = "/screenshots/";
/// Photos, kept across builds (activation only drops `CACHE_PREFIX` caches of older builds).
const IMAGE_CACHE: &str = "forecourt-images";

struct Build {
    id: String,
    precache: Vec<String>,
}

thread_local! {
    static BUILD: RefCell<Option<Build>> = const { RefCell::new(None) };
}

/// Called by the loader once per worker start, before any event is handled.
///
/// `own_wasm` is this worker's wasm: the browser keeps `importScripts` files for offline starts,
/// but not the wasm fetched by the glue, so it is precached with the shell.
#[wasm_bindgen]
pub fn configure(build_id: String, precache: Vec<String>, own_wasm: String) {
    let mut precache = precache;
    // Screenshots are for the browser's install dialog: never worth a download on a first visit.
    precache.retain(|url| !url.starts_with(NOT_PRECACHED));
    precache.push(own_wasm);
    BUILD.with(|b| *b.borrow_mut() = Some(Build { id: build_id, precache }));
}

/// `install`: stores the whole shell of this build, or fails so the old worker stays in charge.
#[wasm_bindgen]
pub fn on_install() -> Promise {
    future_to_promise(async move {
        let (cache_name, urls) = BUILD.with(|b| {
            b.borrow().as_ref().map(|build| (cache_name(&build.id), build.precache.clone())).ok_or_else(not_configured)
        })?;
        let cache = open_cache(&cache_name).await?;
        let stored = Array::new();
        for url in urls {
            stored.push(&future_to_promise(store(cache.clone(), url)));
        }
        JsFuture::from(Promise::all(&stored)).await?;
        Ok(JsValue::UNDEFINED)
    })
}

/// `activate`: drops the caches of older builds and takes control of open pages.
#[wasm_bindgen]
pub fn on_activate() -> Promise {
    future_to_promise(async move {
        let current =
            BUILD.with(|b| b.borrow().as_ref().map(|build| cache_name(&build.id))).ok_or_else(not_configured)?;
        let caches = scope().caches()?;
        let names: Array = JsFuture::from(caches.keys()).await?.unchecked_into();
        for name in names.iter().filter_map(|n| n.as_string()) {
            if name.starts_with(CACHE_PREFIX) && name != current {
                JsFuture::from(caches.delete(&name)).await?;
            }
        }
        // Without claiming, the first visit would stay uncontrolled, and not work offline, until a reload.
        JsFuture::from(scope().clients().claim()).await?;
        Ok(JsValue::UNDEFINED)
    })
}

/// Whether [`on_fetch`] wants `request`; the loader leaves every other request to the browser.
#[wasm_bindgen]
pub fn handles(request: &Request) -> bool {
    route_of(request) != Route::Network
}

/// `fetch`: the response for a request [`handles`] accepted (anything else goes to the network).
#[wasm_bindgen]
pub fn on_fetch(request: Request) -> Promise {
    future_to_promise(async move {
        let response = match route_of(&request) {
            Route::Navigation => navigation(&request).await?,
            Route::Asset { runtime_cache } => asset(&request, runtime_cache).await?,
            Route::Image => image(&request).await?,
            Route::Network => fetch(&request).await?,
        };
        Ok(response.into())
    })
}

/// `message`: the app's update prompt asks a waiting worker to take over.
#[wasm_bindgen]
pub fn on_message(data: JsValue) -> Promise {
    if data.as_string().as_deref() == Some(SKIP_WAITING) {
        return scope().skip_waiting().unwrap_or_else(|error| Promise::reject(&error));
    }
    Promise::resolve(&JsValue::UNDEFINED)
}

/// The message that asks open pages to send their outbox (see app/src/sync/).
const SYNC_OUTBOX: &str = "sync-outbox";
/// The Background Sync tag the app registers when it queues a change.
const OUTBOX_TAG: &str = "outbox";

/// `sync` (Background Sync, where the browser has it): the browser says the network is back.
/// The outbox and the session live in the page (IndexedDB, and the access token in memory), so
/// the worker wakes every open page to send it; browsers without Background Sync rely on the
/// page's own `online` listener.
#[wasm_bindgen]
pub fn on_sync(tag: String) -> Promise {
    if tag != OUTBOX_TAG {
        return Promise::resolve(&JsValue::UNDEFINED);
    }
    future_to_promise(async move {
        let clients: Array = JsFuture::from(scope().clients().match_all()).await?.unchecked_into();
        for client in clients.iter() {
            let client: web_sys::Client = client.unchecked_into();
            client.post_message(&JsValue::from_str(SYNC_OUTBOX))?;
        }
        Ok(JsValue::UNDEFINED)
    })
}

/// `push`: shows the notification the edge sent (`{"title","body","url"}`), or a generic one.
#[wasm_bindgen]
pub fn on_push(text: Option<String>) -> Promise {
    let payload: Notice = text.as_deref().and_then(parse_notice).unwrap_or_default();
    let options = web_sys::NotificationOptions::new();
    options.set_body(&payload.body);
    options.set_icon("/icons/icon-192.png");
    options.set_data(&JsValue::from_str(&payload.url));
    scope()
        .registration()
        .show_notification_with_options(&payload.title, &options)
        .unwrap_or_else(|error| Promise::reject(&error))
}

/// `notificationclick`: focuses a page of the app already open on that address, else opens one.
#[wasm_bindgen]
pub fn on_notification_click(notification: web_sys::Notification) -> Promise {
    notification.close();
    let url = notification.data().as_string().filter(|u| u.starts_with('/')).unwrap_or_else(|| "/".to_owned());
    future_to_promise(async move {
        let clients: Array = JsFuture::from(scope().clients().match_all()).await?.unchecked_into();
        let origin = scope().location().origin();
        for client in clients.iter() {
            let client: web_sys::WindowClient = client.unchecked_into();
            if client.url() == format!("{origin}{url}") {
                return JsFuture::from(client.focus()?).await;
            }
        }
        JsFuture::from(scope().clients().open_window(&url)).await
    })
}

/// What a notification says and where a click on it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Notice {
    title: String,
    body: String,
    url: String,
}

impl Default for Notice {
    fn default() -> Self {
        Self { title: "Forecourt".into(), body: "Something changed.".into(), url: "/".into() }
    }
}

/// A push payload as JSON; a click only ever opens a page of this app (a path, never a host).
fn parse_notice(text: &str) -> Option<Notice> {
    let value: js_sys::Object = js_sys::JSON::parse(text).ok()?.dyn_into().ok()?;
    let field = |name: &str| js_sys::Reflect::get(&value, &JsValue::from_str(name)).ok().and_then(|v| v.as_string());
    let fallback = Notice::default();
    Some(Notice {
        title: field("title").unwrap_or(fallback.title),
        body: field("body").unwrap_or(fallback.body),
        url: field("url").filter(|u| u.starts_with('/') && !u.starts_with("//")).unwrap_or(fallback.url),
    })
}

fn route_of(request: &Request) -> Route {
    let origin = scope().location().origin();
    let destination = js_sys::Reflect::get(request, &JsValue::from_str("destination"))
        .ok()
        .and_then(|d| d.as_string())
        .unwrap_or_default();
    classify_with_destination(
        &request.method(),
        &request.url(),
        &origin,
        request.mode() == web_sys::RequestMode::Navigate,
        &destination,
    )
}

async fn navigation(request: &Request) -> Result<Response, JsValue> {
    let network = scope().fetch_with_request(request);
    let timeout = Promise::new(&mut |resolve, _reject| {
        let _ = scope().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, NAVIGATION_TIMEOUT_MS);
    });
    // Resolves with the response, resolves with `undefined` on timeout, rejects when offline.
    if let Ok(winner) = JsFuture::from(Promise::race(&Array::of2(&network, &timeout))).await {
        if let Ok(response) = winner.dyn_into::<Response>() {
            // A server error page is worse than the app shell, which can show saved data.
            if response.status() < 500 {
                return Ok(response);
            }
        }
    }
    if let Some(shell) = cached(SHELL).await? {
        return Ok(shell);
    }
    // No shell cached (first visit not finished installing): the network is all there is.
    Ok(JsFuture::from(network).await?.unchecked_into())
}

async fn asset(request: &Request, runtime_cache: bool) -> Result<Response, JsValue> {
    let hit = JsFuture::from(scope().caches()?.match_with_request(request)).await?;
    if let Ok(response) = hit.dyn_into::<Response>() {
        return Ok(response);
    }
    let response = fetch(request).await?;
    if runtime_cache && response.ok() {
        // Content-hashed files added after install (e.g. lazily loaded chunks) are kept too.
        if let Some(name) = BUILD.with(|b| b.borrow().as_ref().map(|build| cache_name(&build.id))) {
            let cache = open_cache(&name).await?;
            JsFuture::from(cache.put_with_request(request, &response.clone()?)).await?;
        }
    }
    Ok(response)
}

/// Pictures: the cached copy at once (refreshed in the background), else the network's, kept.
/// Their cache is not tied to a build, so photos survive app updates.
async fn image(request: &Request) -> Result<Response, JsValue> {
    let cache = open_cache(IMAGE_CACHE).await?;
    let hit = JsFuture::from(cache.match_with_request(request)).await?;
    let refresh = {
        let cache = cache.clone();
        let request = request.clone()?;
        async move {
            let response: Response = JsFuture::from(scope().fetch_with_request(&request)).await?.dyn_into()?;
            // Opaque (cross-origin, no-cors) answers have status 0: keep them too, they display.
            if response.ok() || response.type_() == web_sys::ResponseType::Opaque {
                JsFuture::from(cache.put_with_request(&request, &response.clone()?)).await?;
            }
            Ok::<Response, JsValue>(response)
        }
    };
    match hit.dyn_into::<Response>() {
        Ok(cached) => {
            // Revalidate without making the page wait.
            let _ = future_to_promise(async move { refresh.await.map(JsValue::from) });
            Ok(cached)
        }
        Err(_) => refresh.await,
    }
}

/// Fetches `url` past the HTTP cache and stores it under its own URL.
async fn store(cache: Cache, url: String) -> Result<JsValue, JsValue> {
    let init = RequestInit::new();
    init.set_cache(RequestCache::Reload);
    let request = Request::new_with_str_and_init(&url, &init)?;
    let response = fetch(&request).await?;
    if !response.ok() {
        return Err(JsValue::from_str(&format!("precaching {url}: HTTP {}", response.status())));
    }
    // The edge may redirect `/index.html` to `/`; browsers refuse to answer a navigation with a
    // redirected response, so a clean copy is stored instead.
    let response = if response.redirected() { unredirected(&response).await? } else { response };
    JsFuture::from(cache.put_with_str(&url, &response)).await?;
    Ok(JsValue::UNDEFINED)
}

async fn unredirected(response: &Response) -> Result<Response, JsValue> {
    let body = JsFuture::from(response.blob()?).await?;
    let init = ResponseInit::new();
    init.set_status(response.status());
    init.set_status_text(&response.status_text());
    init.set_headers(&response.headers());
    Response::new_with_opt_blob_and_init(Some(body.unchecked_ref()), &init)
}

async fn cached(url: &str) -> Result<Option<Response>, JsValue> {
    let hit = JsFuture::from(scope().caches()?.match_with_str(url)).await?;
    Ok(hit.dyn_into::<Response>().ok())
}

async fn fetch(request: &Request) -> Result<Response, JsValue> {
    Ok(JsFuture::from(scope().fetch_with_request(request)).await?.unchecked_into())
}

async fn open_cache(name: &str) -> Result<Cache, JsValue> {
    Ok(JsFuture::from(scope().caches()?.open(name)).await?.unchecked_into())
}

fn cache_name(build_id: &str) -> String {
    format!("{CACHE_PREFIX}{build_id}")
}

fn scope() -> ServiceWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn not_configured() -> JsValue {
    JsValue::from_str("the loader must call configure() before handing over events")
}
