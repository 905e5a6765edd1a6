//! What a person last saw, kept in IndexedDB so the app opens instantly and works offline.
//!
//! Two object stores with out-of-line keys: `stock` holds whole pages keyed by the query's
//! [`StockQuery::cache_key`], `vehicles` holds single vehicles keyed by id (filled from both
//! stock pages and detail views, so a vehicle seen in a list opens offline too). Values are JSON
//! text: the domain's serde form is the one format we already trust, and it keeps 64-bit
//! integers exact where a structured clone would turn them into floats.
//!
//! Signed-in data: `work_orders` (detail by id), `lists` (whole lists by `what:user`), and the
//! `outbox` of changes made offline (see [`crate::sync`]), which must survive the tab closing.

use crate::api::workshop::WorkOrder;
use crate::sync::{Mutation, Queued};
use forecourt_domain::{StockPage, StockQuery, Vehicle};
use rexie::{ObjectStore, Rexie, TransactionMode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;
use thiserror::Error;
use wasm_bindgen::JsValue;

pub const DB_NAME: &str = "forecourt";
/// Bump together with a migration in [`Store::open`] whenever the stores change shape.
/// 2: work orders, saved lists and the outbox of changes made offline.
const DB_VERSION: u32 = 2;
const STOCK: &str = "stock";
const VEHICLES: &str = "vehicles";
/// Work orders by id (the detail, with lines and history).
const WORK_ORDERS: &str = "work_orders";
/// Whole lists as last seen, keyed by what and for whom (`work-orders:usr-…`, `leads:usr-…`).
const LISTS: &str = "lists";
/// Changes waiting to be sent, under auto-increment keys: key order is the order they were made.
const OUTBOX: &str = "outbox";

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("IndexedDB: {0}")]
    Db(String),
    #[error("saved data no longer matches this version of the app: {0}")]
    Decode(#[from] serde_json::Error),
}

impl From<rexie::Error> for StoreError {
    fn from(error: rexie::Error) -> Self {
        Self::Db(error.to_string())
    }
}

pub struct Store {
    db: Rexie,
}

impl Store {
    /// Opens (creating or upgrading) the database `name`; the app uses [`DB_NAME`], tests their own.
    pub async fn open(name: &str) -> Result<Self, StoreError> {
        let db = Rexie::builder(name)
            .version(DB_VERSION)
            .add_object_store(ObjectStore::new(STOCK))
            .add_object_store(ObjectStore::new(VEHICLES))
            .add_object_store(ObjectStore::new(WORK_ORDERS))
            .add_object_store(ObjectStore::new(LISTS))
            .add_object_store(ObjectStore::new(OUTBOX).auto_increment(true))
            .build()
            .await?;
        Ok(Self { db })
    }

    /// Saves a page under its query, and each of its vehicles on its own, in one transaction.
    pub async fn save_stock_page(&self, query: &StockQuery, page: &StockPage) -> Result<(), StoreError> {
        let tx = self.db.transaction(&[STOCK, VEHICLES], TransactionMode::ReadWrite)?;
        tx.store(STOCK)?.put(&to_js(page)?, Some(&JsValue::from_str(&query.cache_key()))).await?;
        let vehicles = tx.store(VEHICLES)?;
        for vehicle in &page.items {
            vehicles.put(&to_js(vehicle)?, Some(&JsValue::from_str(&vehicle.id))).await?;
        }
        tx.done().await?;
        Ok(())
    }

    pub async fn stock_page(&self, query: &StockQuery) -> Result<Option<StockPage>, StoreError> {
        self.get(STOCK, &query.cache_key()).await
    }

    pub async fn save_vehicle(&self, vehicle: &Vehicle) -> Result<(), StoreError> {
        let tx = self.db.transaction(&[VEHICLES], TransactionMode::ReadWrite)?;
        tx.store(VEHICLES)?.put(&to_js(vehicle)?, Some(&JsValue::from_str(&vehicle.id))).await?;
        tx.done().await?;
        Ok(())
    }

    pub async fn vehicle(&self, id: &str) -> Result<Option<Vehicle>, StoreError> {
        self.get(VEHICLES, id).await
    }

    pub async fn save_work_order(&self, order: &WorkOrder) -> Result<(), StoreError> {
        self.put(WORK_ORDERS, &order.summary.id, order).await
    }

    pub async fn work_order(&self, id: &str) -> Result<Option<WorkOrder>, StoreError> {
        self.get(WORK_ORDERS, id).await
    }

    /// Saves a whole list (work orders, leads) under `key`.
    pub async fn save_list<T: Serialize>(&self, key: &str, list: &T) -> Result<(), StoreError> {
        self.put(LISTS, key, list).await
    }

    pub async fn list<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        self.get(LISTS, key).await
    }

    /// Appends a change to the outbox; it survives the tab closing. Returns its place in line.
    pub async fn enqueue(&self, mutation: &Mutation) -> Result<u64, StoreError> {
        let tx = self.db.transaction(&[OUTBOX], TransactionMode::ReadWrite)?;
        let key = tx.store(OUTBOX)?.add(&to_js(mutation)?, None).await?;
        tx.done().await?;
        key.as_f64().map(|k| k as u64).ok_or_else(|| StoreError::Db("outbox key is not a number".into()))
    }

    /// Everything in the outbox, oldest first.
    pub async fn queued(&self) -> Result<Vec<Queued>, StoreError> {
        let tx = self.db.transaction(&[OUTBOX], TransactionMode::ReadOnly)?;
        let rows = tx.store(OUTBOX)?.scan(None, None, None, None).await?;
        tx.done().await?;
        let mut queued = Vec::with_capacity(rows.len());
        for (key, value) in rows {
            let (Some(key), Some(json)) = (key.as_f64(), value.as_string()) else {
                return Err(StoreError::Db("unreadable outbox entry".into()));
            };
            queued.push(Queued { key: key as u64, mutation: serde_json::from_str(&json)? });
        }
        Ok(queued)
    }

    /// Replaces the entry at `key` (its state changed: a conflict, a refusal, a resolution).
    pub async fn update_queued(&self, key: u64, mutation: &Mutation) -> Result<(), StoreError> {
        let tx = self.db.transaction(&[OUTBOX], TransactionMode::ReadWrite)?;
        tx.store(OUTBOX)?.put(&to_js(mutation)?, Some(&JsValue::from_f64(key as f64))).await?;
        tx.done().await?;
        Ok(())
    }

    /// Removes a sent (or abandoned) change; when `applied` is the edge's answer, saves it in the
    /// same transaction so the screen never shows neither the queued change nor its result.
    pub async fn settle(&self, key: u64, applied: Option<&WorkOrder>) -> Result<(), StoreError> {
        let tx = self.db.transaction(&[OUTBOX, WORK_ORDERS], TransactionMode::ReadWrite)?;
        tx.store(OUTBOX)?.delete(JsValue::from_f64(key as f64)).await?;
        if let Some(order) = applied {
            tx.store(WORK_ORDERS)?.put(&to_js(order)?, Some(&JsValue::from_str(&order.summary.id))).await?;
        }
        tx.done().await?;
        Ok(())
    }

    /// Forgets what a signed-in person saw (sign-out); public stock and the outbox stay.
    pub async fn forget_personal(&self) -> Result<(), StoreError> {
        let tx = self.db.transaction(&[WORK_ORDERS, LISTS], TransactionMode::ReadWrite)?;
        tx.store(WORK_ORDERS)?.clear().await?;
        tx.store(LISTS)?.clear().await?;
        tx.done().await?;
        Ok(())
    }

    async fn put<T: Serialize>(&self, store: &str, key: &str, value: &T) -> Result<(), StoreError> {
        let tx = self.db.transaction(&[store], TransactionMode::ReadWrite)?;
        tx.store(store)?.put(&to_js(value)?, Some(&JsValue::from_str(key))).await?;
        tx.done().await?;
        Ok(())
    }

    async fn get<T: DeserializeOwned>(&self, store: &str, key: &str) -> Result<Option<T>, StoreError> {
        let tx = self.db.transaction(&[store], TransactionMode::ReadOnly)?;
        let value = tx.store(store)?.get(JsValue::from_str(key)).await?;
        tx.done().await?;
        match value.and_then(|v| v.as_string()) {
            Some(json) => Ok(Some(serde_json::from_str(&json)?)),
            None => Ok(None),
        }
    }

    /// Closes the connection so the database can be deleted or upgraded (tests, sign-out).
    pub fn close(self) {
        self.db.close();
    }
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, StoreError> {
    Ok(JsValue::from_str(&serde_json::to_string(value)?))
}

thread_local! {
    static SHARED: RefCell<Option<Rc<Store>>> = const { RefCell::new(None) };
}

/// The app's one connection, opened on first use: opening IndexedDB costs a round trip, and
/// every page needs it.
pub async fn shared() -> Result<Rc<Store>, StoreError> {
    if let Some(store) = SHARED.with(|s| s.borrow().clone()) {
        return Ok(store);
    }
    let store = Rc::new(Store::open(DB_NAME).await?);
    // Two callers may race to open; either connection works, keep the first stored.
    Ok(SHARED.with(|s| s.borrow_mut().get_or_insert(store).clone()))
}

/// Saving is best effort: a full disk or private mode must never break what is on screen.
pub async fn remember_stock_page(query: &StockQuery, page: &StockPage) {
    let result = match shared().await {
        Ok(store) => store.save_stock_page(query, page).await,
        Err(error) => Err(error),
    };
    warn_on_error("saving stock", result);
}

pub async fn remember_vehicle(vehicle: &Vehicle) {
    let result = match shared().await {
        Ok(store) => store.save_vehicle(vehicle).await,
        Err(error) => Err(error),
    };
    warn_on_error("saving a vehicle", result);
}

pub async fn saved_stock_page(query: &StockQuery) -> Option<StockPage> {
    let result = match shared().await {
        Ok(store) => store.stock_page(query).await,
        Err(error) => Err(error),
    };
    warn_on_error("reading saved stock", result).flatten()
}

pub async fn saved_vehicle(id: &str) -> Option<Vehicle> {
    let result = match shared().await {
        Ok(store) => store.vehicle(id).await,
        Err(error) => Err(error),
    };
    warn_on_error("reading a saved vehicle", result).flatten()
}

fn warn_on_error<T>(what: &str, result: Result<T, StoreError>) -> Option<T> {
    result.map_err(|error| leptos::logging::warn!("{what}: {error}")).ok()
}

pub async fn remember_work_order(order: &WorkOrder) {
    let result = match shared().await {
        Ok(store) => store.save_work_order(order).await,
        Err(error) => Err(error),
    };
    warn_on_error("saving a work order", result);
}

pub async fn saved_work_order(id: &str) -> Option<WorkOrder> {
    let result = match shared().await {
        Ok(store) => store.work_order(id).await,
        Err(error) => Err(error),
    };
    warn_on_error("reading a saved work order", result).flatten()
}

pub async fn remember_list<T: Serialize>(key: &str, list: &T) {
    let result = match shared().await {
        Ok(store) => store.save_list(key, list).await,
        Err(error) => Err(error),
    };
    warn_on_error("saving a list", result);
}

pub async fn saved_list<T: DeserializeOwned>(key: &str) -> Option<T> {
    let result = match shared().await {
        Ok(store) => store.list(key).await,
        Err(error) => Err(error),
    };
    warn_on_error("reading a saved list", result).flatten()
}

pub async fn forget_personal_data() {
    let result = match shared().await {
        Ok(store) => store.forget_personal().await,
        Err(error) => Err(error),
    };
    warn_on_error("forgetting personal data", result);
}
