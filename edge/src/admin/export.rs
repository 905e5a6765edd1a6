//! `GET /api/admin/export/{entity}?format=csv|json`: one table of the dealer's data, streamed in
//! keyset-paginated chunks (never the whole table in memory), admins only.

use crate::platform::auth::require_role;
use crate::platform::bindings;
use crate::platform::problem::{respond, ApiError, ApiResult};
use forecourt_domain::export::{csv_record, is_exportable_table, is_secret_column};
use forecourt_domain::identity::Role;
use futures_util::stream;
use serde::Deserialize;
use serde_json::Value;
use wasm_bindgen::JsValue;
use worker::{Env, Request, Response, Result, RouteContext};

/// Rows per D1 read.
const CHUNK: usize = 500;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Json,
}

#[derive(Deserialize)]
struct Name {
    name: String,
}

#[utoipa::path(get, path = "/api/admin/export/{entity}", tag = "admin", security(("bearer" = [])),
    params(("entity" = String, Path, description = "A table, e.g. `vehicles`, `work_orders`, `audit_log`"),
        ("format" = Option<String>, Query, description = "`json` (default: one array) or `csv` (header row first)")),
    responses((status = 200, description = "The table, streamed; credentials (password hashes, secrets) are left out",
        content_type = "text/csv")))]
pub async fn export(req: Request, ctx: RouteContext<()>) -> Result<Response> {
    respond(export_entity(req, ctx).await)
}

async fn export_entity(req: Request, ctx: RouteContext<()>) -> ApiResult<Response> {
    require_role(&req, &ctx.env, &[Role::Admin]).await?;
    let entity = ctx.param("entity").cloned().unwrap_or_default();
    let url = req.url()?;
    let format = match url.query_pairs().find(|(key, _)| key == "format").map(|(_, value)| value.into_owned()) {
        None => Format::Json,
        Some(value) if value == "json" => Format::Json,
        Some(value) if value == "csv" => Format::Csv,
        Some(value) => {
            return Err(ApiError::InvalidInput {
                field: "format".into(),
                detail: format!("'{value}' is not csv or json"),
            })
        }
    };
    let db = bindings::database(&ctx.env)?;
    let tables: Vec<Name> =
        db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().await?.results()?;
    if !is_exportable_table(&entity) || !tables.iter().any(|table| table.name == entity) {
        return Err(ApiError::NotFound { what: "exportable entity", id: entity });
    }
    // `entity` is now a known table name of plain characters, safe to quote into SQL.
    let columns: Vec<String> = db
        .prepare(format!("PRAGMA table_info(\"{entity}\")"))
        .all()
        .await?
        .results::<Name>()?
        .into_iter()
        .map(|column| column.name)
        .filter(|column| !is_secret_column(column))
        .collect();
    let select = columns.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT rowid AS \"__rowid\", {select} FROM \"{entity}\" WHERE rowid > ?1 ORDER BY rowid LIMIT {CHUNK}"
    );

    let reader =
        Reader { env: ctx.env.clone(), sql, columns, format, after: -9_007_199_254_740_991.0, step: Step::Start };
    let body = stream::unfold(reader, |mut reader| async move {
        match reader.next_chunk().await {
            Ok(Some(bytes)) => Some((Ok::<Vec<u8>, worker::Error>(bytes), reader)),
            Ok(None) => None,
            Err(error) => {
                // The status line has gone out; all we can do is end the body early and say why.
                worker::console_error!("export failed mid-stream: {error}");
                reader.step = Step::Done;
                Some((Err(error), reader))
            }
        }
    });
    let mut response = Response::from_stream(body)?;
    let (content_type, extension) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        Format::Json => ("application/json", "json"),
    };
    response.headers_mut().set("content-type", content_type)?;
    response.headers_mut().set("content-disposition", &format!("attachment; filename=\"{entity}.{extension}\""))?;
    response.headers_mut().set("cache-control", "no-store")?;
    Ok(response)
}

enum Step {
    Start,
    Rows { first: bool },
    Finish,
    Done,
}

struct Reader {
    env: Env,
    sql: String,
    columns: Vec<String>,
    format: Format,
    /// The last rowid sent (keyset pagination: stable while rows are added).
    after: f64,
    step: Step,
}

impl Reader {
    async fn next_chunk(&mut self) -> std::result::Result<Option<Vec<u8>>, worker::Error> {
        match self.step {
            Step::Start => {
                self.step = Step::Rows { first: true };
                Ok(Some(match self.format {
                    Format::Csv => {
                        let header: Vec<Value> = self.columns.iter().map(|c| Value::String(c.clone())).collect();
                        csv_record(&header).into_bytes()
                    }
                    Format::Json => b"[".to_vec(),
                }))
            }
            Step::Rows { first } => {
                let db = bindings::database(&self.env)?;
                let rows: Vec<serde_json::Map<String, Value>> =
                    db.prepare(&self.sql).bind(&[JsValue::from_f64(self.after)])?.all().await?.results()?;
                if let Some(last) = rows.last().and_then(|row| row.get("__rowid")).and_then(Value::as_f64) {
                    self.after = last;
                }
                self.step = if rows.len() < CHUNK { Step::Finish } else { Step::Rows { first: false } };
                let mut out = String::new();
                for (i, row) in rows.iter().enumerate() {
                    let values: Vec<Value> =
                        self.columns.iter().map(|c| row.get(c).cloned().unwrap_or(Value::Null)).collect();
                    match self.format {
                        Format::Csv => out.push_str(&csv_record(&values)),
                        Format::Json => {
                            if !(first && i == 0) {
                                out.push(',');
                            }
                            let object: serde_json::Map<String, Value> =
                                self.columns.iter().cloned().zip(values).collect();
                            out.push_str(&Value::Object(object).to_string());
                        }
                    }
                }
                Ok(Some(out.into_bytes()))
            }
            Step::Finish => {
                self.step = Step::Done;
                Ok(Some(if self.format == Format::Json { b"]".to_vec() } else { Vec::new() }))
            }
            Step::Done => Ok(None),
        }
    }
}
