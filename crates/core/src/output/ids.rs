//! Record ids (`<first 8 hex digits of the list's SHA-256>-<source row>`,
//! docs/outputs.md), made as they are printed rather than held: one
//! `String` a row was about 56 bytes a row for the whole write stage (half
//! a gigabyte at 10M rows). In: the list's SHA-256 and its row count. Out:
//! each row's id, on the stack, and id columns for the output frames.

use polars::prelude::*;

use super::neutralise;

/// Every record id of a run.
#[derive(Debug, Clone)]
pub struct RecordIds {
    prefix: String,
    rows: usize,
}

/// One record id, on the stack: `prefix-row` is at most 29 bytes (8 hex
/// digits, a dash, a row of up to 20 digits).
pub type RecordId = arrayvec::ArrayString<32>;

impl RecordIds {
    /// The ids of a list of `rows` rows whose file hashes to `sha256` (hex).
    pub fn new(sha256: &str, rows: usize) -> RecordIds {
        let prefix: String = sha256.chars().take(8).collect();
        RecordIds { prefix, rows }
    }

    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Row `i`'s id (0-based: source row `i + 1`). Panics past the end,
    /// like a slice.
    pub fn get(&self, i: usize) -> RecordId {
        assert!(i < self.rows, "row {i} of {}", self.rows);
        let mut id = RecordId::new();
        id.push_str(&self.prefix);
        id.push('-');
        id.push_str(itoa::Buffer::new().format(i + 1));
        id
    }

    /// The row (0-based) whose id `id` is, if it is one of these: the
    /// inverse of [`RecordIds::get`] (a person's labels name records by
    /// id), with no table of the ids.
    pub fn row_of(&self, id: &str) -> Option<usize> {
        let digits = id.strip_prefix(self.prefix.as_str())?.strip_prefix('-')?;
        // Exactly as `get` writes a row: digits, no sign, no leading zero.
        if digits.is_empty()
            || digits.starts_with('0')
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let row: usize = digits.parse().ok()?;
        (row <= self.rows).then(|| row - 1)
    }

    /// A column of the ids of `rows`, as [`super::string_column`] prints
    /// text (an id never needs neutralising; it goes through the same
    /// check all the same).
    pub fn column(&self, name: &str, rows: impl Iterator<Item = usize>) -> Column {
        self.column_opt(name, rows.map(Some))
    }

    /// A column of the ids of `rows`, empty where a row is `None`.
    pub fn column_opt(&self, name: &str, rows: impl Iterator<Item = Option<usize>>) -> Column {
        let mut b = StringChunkedBuilder::new(name.into(), rows.size_hint().0);
        for r in rows {
            match r {
                Some(i) => b.append_value(&*neutralise(&self.get(i))),
                None => b.append_null(),
            }
        }
        b.finish().into_column()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_the_prefix_and_the_source_row() {
        let ids = RecordIds::new("0123abcdef99", 1_000_001);
        assert_eq!(ids.get(0).as_str(), "0123abcd-1");
        assert_eq!(ids.get(9).as_str(), "0123abcd-10");
        assert_eq!(&*ids.get(1_000_000), "0123abcd-1000001");
        let wide = RecordIds::new(&"f".repeat(64), usize::MAX);
        assert_eq!(
            wide.get(usize::MAX - 1).to_string(),
            format!("ffffffff-{}", usize::MAX)
        );
        for i in [0, 9, 1_000_000] {
            assert_eq!(ids.row_of(&ids.get(i)), Some(i));
        }
        for other in [
            "0123abcd-0",
            "0123abcd-01",
            "0123abcd-+1",
            "0123abcd-1000002",
            "0123abcd-",
            "0123abcd1",
            "ffffffff-1",
            "0123abcd-1 ",
            "0123abcd-99999999999999999999999",
        ] {
            assert_eq!(ids.row_of(other), None, "{other}");
        }
        let c = ids.column_opt("record_id", [Some(1), None].into_iter());
        let c = c.str().unwrap();
        assert_eq!(c.get(0), Some("0123abcd-2"));
        assert_eq!(c.get(1), None);
    }

    #[test]
    #[should_panic(expected = "row 3 of 3")]
    fn past_the_end_panics_like_a_slice() {
        RecordIds::new("abc", 3).get(3);
    }
}
