//! The dealer's data, exported: which tables and columns leave the system, and CSV encoding.

use serde_json::Value;

/// Tables that are machinery or secrets, not the dealer's records: never exported.
const NOT_EXPORTED: &[&str] = &["refresh_tokens", "idempotency_keys", "login_throttle", "d1_migrations", "_cf_KV"];

/// Whether a table may be exported (a real table, not SQLite's, not a search index, not machinery).
pub fn is_exportable_table(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with("sqlite_")
        && !name.starts_with("_cf")
        && !name.contains("_fts")
        && !NOT_EXPORTED.contains(&name)
}

/// Whether a column holds a credential (password hashes, webhook secrets, token digests), which an
/// export must not carry even to an admin.
pub fn is_secret_column(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["password", "secret", "token_hash", "salt"].iter().any(|word| name.contains(word))
}

/// One CSV record (RFC 4180): fields quoted when they contain a comma, quote or line break;
/// JSON nulls are empty, other non-strings their JSON text. Cells that a spreadsheet would run as
/// a formula (`=`, `+`, `-`, `@` first) get a leading `'`, so an export never executes anything.
pub fn csv_record(values: &[Value]) -> String {
    let mut record = values.iter().map(csv_field).collect::<Vec<_>>().join(",");
    record.push_str("\r\n");
    record
}

fn csv_field(value: &Value) -> String {
    let text = match value {
        Value::Null => String::new(),
        Value::String(text) => {
            if text.starts_with(['=', '+', '-', '@', '\t', '\r']) && text.parse::<f64>().is_err() {
                format!("'{text}")
            } else {
                text.clone()
            }
        }
        other => other.to_string(),
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn records_quote_what_needs_quoting_and_nothing_else() {
        let record = csv_record(&[json!("plain"), json!("a,b"), json!("say \"hi\""), json!("two\nlines")]);
        assert_eq!(record, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n");
    }

    #[test]
    fn nulls_are_empty_and_numbers_their_json_text() {
        assert_eq!(csv_record(&[Value::Null, json!(1999900), json!(2.5), json!(true)]), ",1999900,2.5,true\r\n");
    }

    #[test]
    fn formula_like_cells_are_defused_but_negative_numbers_are_not() {
        assert_eq!(
            csv_record(&[json!("=HYPERLINK(\"x\")"), json!("@SUM(A1)"), json!("-12.5")]),
            "\"'=HYPERLINK(\"\"x\"\")\",'@SUM(A1),-12.5\r\n"
        );
    }

    #[test]
    fn machinery_search_indexes_and_odd_names_are_not_exportable() {
        for table in
            ["refresh_tokens", "idempotency_keys", "sqlite_sequence", "vehicles_fts", "vehicles_fts_data", "x;drop", ""]
        {
            assert!(!is_exportable_table(table), "{table}");
        }
        for table in ["vehicles", "work_orders", "audit_log", "webhook_deliveries"] {
            assert!(is_exportable_table(table), "{table}");
        }
    }

    #[test]
    fn credentials_never_leave_in_an_export() {
        for column in ["password_hash", "password_salt", "secret", "token_hash"] {
            assert!(is_secret_column(column), "{column}");
        }
        assert!(!is_secret_column("email"));
    }
}
