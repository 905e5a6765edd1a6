//! What a person last saw, kept in IndexedDB so the app opens instantly and works offline.
//!
//! Two object stores with out-of-line keys: `stock` holds whole pages keyed by the query's
//! [`StockQuery::cache_key`], `vehicles` holds single vehicles keyed by id (filled from both
//! stock pages and detail views, so a vehicle seen in a list opens offline too). Values are JSON
//! text: the domain's serde form is the one format we already trust, and it keeps 64-bit
//! integers exact where a structured clone would turn them into floats.

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
const DB_VERSION: u32 = 1;
const STOCK: &str = "stock";
const VEHICLES: &str = "vehicles";

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
