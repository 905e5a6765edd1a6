// Forecourt service worker loader. `cargo xtask web-pipeline` fills in the placeholders.
// The platform requires listeners to be registered synchronously at the top level; every decision
// is made in Rust (service-worker/), this file only hands events over once the wasm is ready.
"use strict";

const SW_WASM = "__FORECOURT_SW_WASM__";
importScripts("__FORECOURT_SW_JS__");

// Offline restarts of the worker find their wasm in the shell cache (it is precached on install).
const ready = caches
  .match(SW_WASM)
  .then((hit) => wasm_bindgen({ module_or_path: hit || fetch(SW_WASM) }))
  .then(() => wasm_bindgen.configure("__FORECOURT_BUILD_ID__", __FORECOURT_PRECACHE__, SW_WASM));

// Until the wasm is ready every request waits for it; afterwards, requests the Rust side does
// not handle (API calls, other origins) never pass through the worker at all.
let handles = null;
ready.then(() => { handles = wasm_bindgen.handles; });

self.addEventListener("install", (event) => event.waitUntil(ready.then(() => wasm_bindgen.on_install())));
self.addEventListener("activate", (event) => event.waitUntil(ready.then(() => wasm_bindgen.on_activate())));
self.addEventListener("message", (event) => event.waitUntil(ready.then(() => wasm_bindgen.on_message(event.data))));
self.addEventListener("sync", (event) => event.waitUntil(ready.then(() => wasm_bindgen.on_sync(event.tag))));
self.addEventListener("push", (event) =>
  event.waitUntil(ready.then(() => wasm_bindgen.on_push(event.data ? event.data.text() : undefined))));
self.addEventListener("notificationclick", (event) =>
  event.waitUntil(ready.then(() => wasm_bindgen.on_notification_click(event.notification))));
self.addEventListener("fetch", (event) => {
  if (handles && !handles(event.request)) return;
  event.respondWith(ready.then(() => wasm_bindgen.on_fetch(event.request)));
});
