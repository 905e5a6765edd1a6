//! Writing demo rows as compact SQL: multi-row `INSERT OR IGNORE` in batches, so thousands of
//! rows load in seconds and re-seeding keeps what a developer changed.

use std::fmt::Write;

pub enum Value {
    Text(String),
    Int(i64),
    Real(f64),
    Null,
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Self::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Self::Text(v.clone())
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}
impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Self::Int(i64::from(v))
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Self::Real(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map(Into::into).unwrap_or(Value::Null)
    }
}

fn literal(value: &Value) -> String {
    match value {
        Value::Text(text) => format!("'{}'", text.replace('\'', "''")),
        Value::Int(n) => n.to_string(),
        Value::Real(x) => format!("{x:.4}"),
        Value::Null => "NULL".into(),
    }
}

/// D1 caps a statement at 100 KB; batches stay well below it.
const ROWS_PER_STATEMENT: usize = 100;

pub struct Insert {
    table: &'static str,
    columns: &'static [&'static str],
    rows: Vec<String>,
}

impl Insert {
    pub fn into(table: &'static str, columns: &'static [&'static str]) -> Self {
        Self { table, columns, rows: Vec::new() }
    }

    pub fn row(&mut self, values: Vec<Value>) {
        debug_assert_eq!(values.len(), self.columns.len(), "row width of {}", self.table);
        let literals: Vec<String> = values.iter().map(literal).collect();
        self.rows.push(format!("({})", literals.join(", ")));
    }

    pub fn write_to(&self, out: &mut String) {
        for chunk in self.rows.chunks(ROWS_PER_STATEMENT) {
            let _ = writeln!(
                out,
                "INSERT OR IGNORE INTO {} ({}) VALUES\n{};",
                self.table,
                self.columns.join(", "),
                chunk.join(",\n")
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_text_and_batches_rows() {
        let mut insert = Insert::into("t", &["a", "b"]);
        for i in 0..(ROWS_PER_STATEMENT + 1) {
            insert.row(vec!["it's".into(), Value::from(i as i64)]);
        }
        let mut sql = String::new();
        insert.write_to(&mut sql);
        assert_eq!(sql.matches("INSERT OR IGNORE INTO t (a, b) VALUES").count(), 2);
        assert!(sql.contains("('it''s', 0)"));
    }
}
