//! JSON (an array of objects) and NDJSON (one object per line). Columns are
//! the union of keys in first-seen order. Scalars become text; a nested
//! object or array, or an element that is not an object, is a malformed row.

use std::path::Path;

use serde_json::{Map, Value};

use super::{cell_problem, ColumnsBuilder, Format, Malformed, RawTable, SourceInfo};
use crate::error::{Error, Result};

pub(super) fn read(path: &Path, bytes: &[u8], format: Format) -> Result<RawTable> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|e| Error::input(path, format!("undecodable: JSON must be UTF-8 ({e})")))?;
    if text.trim().is_empty() {
        return Err(Error::input(path, "empty file: no records and no header"));
    }
    // One object as the whole file (`{"records": [...]}` or a pretty-printed
    // record) would otherwise be read line by line as NDJSON: one malformed
    // row per line, or a record the vendor did not mean.
    let json_ext = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let format = match (format, whole_object(text, json_ext)) {
        (_, Some(Value::Object(obj))) => {
            let arrays: Vec<&String> = obj
                .iter()
                .filter(|(_, v)| v.is_array())
                .map(|(k, _)| k)
                .collect();
            let detail = match arrays.as_slice() {
                [key] => format!(
                    " (the records seem to be under {key:?}: export that array alone, or one object per line)"
                ),
                _ => String::new(),
            };
            return Err(Error::input(
                path,
                format!(
                    "the file is one JSON object, not records: expected an array of objects or one object per line{detail}"
                ),
            ));
        }
        (f, _) => f,
    };
    // Each element: Ok(object) or Err(message) for a malformed row.
    let items: Vec<std::result::Result<Map<String, Value>, String>> = match format {
        Format::Json => {
            let v: Value = serde_json::from_str(text).map_err(|e| {
                Error::input(
                    path,
                    format!(
                        "invalid JSON at line {}, column {}: {e}",
                        e.line(),
                        e.column()
                    ),
                )
            })?;
            let Value::Array(arr) = v else {
                return Err(Error::input(path, "expected a JSON array of objects"));
            };
            arr.into_iter()
                .map(|v| match v {
                    Value::Object(m) => Ok(m),
                    other => Err(format!("element is {}, not an object", kind(&other))),
                })
                .collect()
        }
        _ => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| match serde_json::from_str::<Value>(l) {
                Ok(Value::Object(m)) => Ok(m),
                Ok(other) => Err(format!("line is {}, not an object", kind(&other))),
                Err(e) => Err(format!("invalid JSON: {e}")),
            })
            .collect(),
    };

    let mut headers: Vec<String> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for m in items.iter().flatten() {
        for k in m.keys() {
            if !index.contains_key(k) {
                index.insert(k.clone(), headers.len());
                headers.push(k.clone());
            }
        }
    }

    let mut cols = ColumnsBuilder::new(headers.len(), items.len());
    let mut malformed = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let source_row = i + 1;
        let m = match item {
            Ok(m) => m,
            Err(message) => {
                malformed.push(Malformed {
                    source_row,
                    message: message.clone(),
                });
                cols.push_nulls();
                continue;
            }
        };
        let mut cells: Vec<Option<String>> = vec![None; headers.len()];
        let mut problem = None;
        for (k, v) in m {
            let text = match v {
                Value::Null => None,
                Value::String(s) => Some(s.clone()),
                Value::Bool(b) => Some(b.to_string()),
                // `612345678.0` is the phone 612345678 (see `float_text`).
                Value::Number(n) if n.is_f64() => n.as_f64().map(super::float_text),
                Value::Number(n) => Some(n.to_string()),
                Value::Array(_) | Value::Object(_) => {
                    problem = Some(format!("column {k:?}: nested {} cannot be a cell", kind(v)));
                    None
                }
            };
            cells[index[k]] = text;
        }
        let problem = problem
            .or_else(|| cell_problem(&headers, cells.iter().map(|c| c.as_deref().unwrap_or(""))));
        match problem {
            Some(message) => {
                malformed.push(Malformed {
                    source_row,
                    message,
                });
                cols.push_nulls();
            }
            None => cols.push(cells.iter().map(|c| c.as_deref())),
        }
    }
    Ok(RawTable {
        info: SourceInfo {
            format,
            encoding: Some("UTF-8".into()),
            delimiter: None,
            sheet: None,
        },
        headers,
        frame: cols.finish(),
        malformed,
    })
}

/// The file parsed as one JSON object, when it is one and spans several
/// lines, wraps an array, or is named `.json` (a `.json` file holds an
/// array; only an `.ndjson`/`.jsonl` file may be a single record line).
fn whole_object(text: &str, json_ext: bool) -> Option<Value> {
    let t = text.trim();
    if !t.starts_with('{') {
        return None;
    }
    let v: Value = serde_json::from_str(t).ok()?;
    let Value::Object(obj) = &v else {
        return None;
    };
    let several_lines = t.lines().filter(|l| !l.trim().is_empty()).count() > 1;
    (json_ext || several_lines || obj.values().any(Value::is_array)).then_some(v)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str, format: Format) -> String {
        read(Path::new("w.json"), text.as_bytes(), format)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn one_object_as_the_whole_file_is_an_error() {
        let wrapped = "{\n  \"records\": [\n    {\"email\": \"a@x.fr\"},\n    {\"email\": \"b@x.fr\"}\n  ]\n}\n";
        let e = err(wrapped, Format::Ndjson);
        assert!(
            e.contains("w.json") && e.contains("array of objects") && e.contains("\"records\""),
            "{e}"
        );
        let e = err(
            "{\n \"email\": \"a@x.fr\",\n \"last_name\": \"X\"\n}",
            Format::Ndjson,
        );
        assert!(e.contains("one object per line"), "{e}");
        assert!(
            err("{\"records\": [{\"email\": \"a@x.fr\"}]}", Format::Ndjson).contains("records")
        );
    }

    #[test]
    fn ndjson_and_one_line_records_still_read() {
        let raw = read(
            Path::new("a.ndjson"),
            b"{\"email\":\"a@x.fr\"}\n{\"email\":\"b@x.fr\"}\n",
            Format::Ndjson,
        )
        .unwrap();
        assert_eq!(raw.frame.height(), 2);
        let raw = read(
            Path::new("a.jsonl"),
            b"{\"email\":\"a@x.fr\",\"last_name\":\"X\"}",
            Format::Ndjson,
        )
        .unwrap();
        assert_eq!(raw.frame.height(), 1);
        assert!(raw.malformed.is_empty());
        // The same single object named .json is not an array of records.
        let e = err("{\"email\":\"a@x.fr\",\"last_name\":\"X\"}", Format::Ndjson);
        assert!(e.contains("array of objects"), "{e}");
    }
}
