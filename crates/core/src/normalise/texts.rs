//! [`Texts`]: a normalised text column (names, postcode, city, ...) held
//! as one Arrow string-view array instead of a `Vec<Option<String>>`.
//!
//! In: optional strings, built in parallel. Out: `get(i) -> Option<&str>`
//! by row index, and the column as a polars [`StringChunked`] for the
//! output frames. Why: a `Vec<Option<String>>` costs 24 bytes per row plus
//! one heap allocation per value (at 1M + 1M rows and nine such columns,
//! about 0.9 GiB); a view array costs 16 bytes per row, with strings of up
//! to 12 bytes (most names, every postcode) stored inside the view, and one
//! shared buffer for the longer ones.

use polars::prelude::*;
use rayon::prelude::*;

/// Polars' array type behind a `String` column (Arrow's Utf8View).
type ViewArray = <StringType as PolarsDataType>::Array;

/// One column of optional texts, by row index. Immutable once built.
#[derive(Clone)]
pub struct Texts {
    /// A single chunk, so that a row is one index into one array.
    array: ViewArray,
}

impl Texts {
    /// The column of a one-chunk-or-more [`StringChunked`].
    pub fn from_chunked(ca: &StringChunked) -> Texts {
        let ca = ca.rechunk();
        let array = ca
            .downcast_iter()
            .next()
            .cloned()
            .unwrap_or_else(|| empty().array);
        Texts { array }
    }

    /// Row `i`'s value; `None` when the row has none. Panics past the end,
    /// like a slice.
    pub fn get(&self, i: usize) -> Option<&str> {
        assert!(i < self.len(), "row {i} of a column of {}", self.len());
        self.array.get(i)
    }

    pub fn is_some(&self, i: usize) -> bool {
        self.get(i).is_some()
    }

    pub fn is_none(&self, i: usize) -> bool {
        self.get(i).is_none()
    }

    pub fn len(&self) -> usize {
        self.array.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = Option<&str>> + '_ {
        (0..self.len()).map(|i| self.array.get(i))
    }

    /// The string column `name` of `df` (no copy of the text), or a column
    /// of `df`'s height with no values when `df` has no such string column.
    pub fn column(df: &DataFrame, name: &str) -> Texts {
        match df.column(name).ok().and_then(|c| c.str().ok()) {
            Some(ca) => Texts::from_chunked(ca),
            None => Texts::nulls(df.height()),
        }
    }

    /// The columns one after the other (a file's batches, in row order).
    pub fn concat(parts: &[&Texts]) -> Texts {
        match parts {
            [] => empty(),
            [one] => (*one).clone(),
            _ => Texts::from_chunked(&StringChunked::from_chunk_iter(
                "".into(),
                parts.iter().map(|t| t.array.clone()),
            )),
        }
    }

    /// `len` rows with no value.
    pub fn nulls(len: usize) -> Texts {
        Texts::from_chunked(&StringChunked::full_null("".into(), len))
    }
}

fn empty() -> Texts {
    let ca: StringChunked = std::iter::empty::<Option<&str>>().collect();
    let array = ca
        .rechunk()
        .downcast_iter()
        .next()
        .cloned()
        .expect("an empty string column has one empty chunk");
    Texts { array }
}

impl Default for Texts {
    fn default() -> Texts {
        empty()
    }
}

impl std::fmt::Debug for Texts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for Texts {
    fn eq(&self, other: &Texts) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

/// As each row's length (`u32::MAX`: no value), then the text in runs of
/// bytes, one run per [`ROWS_PER_RUN`] rows, for the run's scratch copy of
/// the normalised rows ([`super::spill`]): the view array's buffers are an
/// in-memory layout, and one string a row would be one allocation a row to
/// read back. In runs, not in one: a whole column's bytes, copied out to
/// be written, were the peak of a 10M-row run (about 300 MB for the
/// address column, on top of every row).
impl serde::Serialize for Texts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut t = s.serialize_tuple(2)?;
        t.serialize_element(&Lens(self))?;
        t.serialize_element(&Runs(self))?;
        t.end()
    }
}

/// A row with no value, in the lengths of a serialised [`Texts`].
const NO_VALUE: u32 = u32::MAX;

/// Rows whose text makes one run of bytes in a serialised [`Texts`].
const ROWS_PER_RUN: usize = 1 << 16;

/// The runs of a column of `rows` rows.
fn runs_of(rows: usize) -> usize {
    rows.div_ceil(ROWS_PER_RUN)
}

/// Each row's length, as a sequence.
struct Lens<'a>(&'a Texts);

impl serde::Serialize for Lens<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for v in self.0.iter() {
            let len = match v {
                Some(t) => u32::try_from(t.len())
                    .ok()
                    .filter(|&l| l != NO_VALUE)
                    .ok_or_else(|| serde::ser::Error::custom("a text of 4 GiB or more"))?,
                None => NO_VALUE,
            };
            seq.serialize_element(&len)?;
        }
        seq.end()
    }
}

/// The text, as a sequence of runs of bytes, each copied out in turn into
/// one buffer.
struct Runs<'a>(&'a Texts);

impl serde::Serialize for Runs<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let rows = self.0.len();
        let mut seq = s.serialize_seq(Some(runs_of(rows)))?;
        let mut run = Vec::new();
        for start in (0..rows).step_by(ROWS_PER_RUN) {
            run.clear();
            for i in start..(start + ROWS_PER_RUN).min(rows) {
                if let Some(t) = self.0.get(i) {
                    run.extend_from_slice(t.as_bytes());
                }
            }
            seq.serialize_element(&Bytes(&run))?;
        }
        seq.end()
    }
}

/// Bytes as serde's bytes (one copy), not as a sequence of numbers.
struct Bytes<'a>(&'a [u8]);

impl serde::Serialize for Bytes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

struct ByteBuf(Vec<u8>);

impl<'de> serde::Deserialize<'de> for ByteBuf {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<ByteBuf, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ByteBuf;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> std::result::Result<ByteBuf, E> {
                Ok(ByteBuf(v.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(
                self,
                v: Vec<u8>,
            ) -> std::result::Result<ByteBuf, E> {
                Ok(ByteBuf(v))
            }
        }
        d.deserialize_byte_buf(V)
    }
}

impl<'de> serde::Deserialize<'de> for Texts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Texts, D::Error> {
        use serde::de::Error;
        let (lens, runs) = <(Vec<u32>, Vec<ByteBuf>)>::deserialize(d)?;
        if runs.len() != runs_of(lens.len()) {
            return Err(D::Error::custom("a column's runs do not match its rows"));
        }
        // Straight into one view array: no column of `String`s in between.
        let mut b = StringChunkedBuilder::new("".into(), lens.len());
        for (run, ByteBuf(bytes)) in lens.chunks(ROWS_PER_RUN).zip(runs) {
            let text = std::str::from_utf8(&bytes).map_err(D::Error::custom)?;
            let mut at = 0usize;
            for &len in run {
                if len == NO_VALUE {
                    b.append_null();
                    continue;
                }
                let end = at + len as usize;
                let v = text
                    .get(at..end)
                    .ok_or_else(|| D::Error::custom("a text past the end of its run"))?;
                b.append_value(v);
                at = end;
            }
            if at != text.len() {
                return Err(D::Error::custom("a run longer than its texts"));
            }
        }
        Ok(Texts::from_chunked(&b.finish()))
    }
}

impl<S: AsRef<str> + Send + Sync> FromParallelIterator<Option<S>> for Texts {
    fn from_par_iter<I: IntoParallelIterator<Item = Option<S>>>(iter: I) -> Texts {
        // Each thread pushes its values into its own view array (a value is
        // dropped as soon as it is copied in), then the chunks are joined.
        let ca: StringChunked = iter.into_par_iter().collect();
        Texts::from_chunked(&ca)
    }
}

impl<S: AsRef<str>> FromIterator<Option<S>> for Texts {
    fn from_iter<I: IntoIterator<Item = Option<S>>>(iter: I) -> Texts {
        let ca: StringChunked = iter.into_iter().collect();
        Texts::from_chunked(&ca)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_every_value_and_every_gap_in_row_order() {
        let values: Vec<Option<String>> = (0..10_000)
            .map(|i| match i % 4 {
                0 => None,
                1 => Some(format!("{i}")),
                2 => Some(format!("une valeur plus longue que douze octets {i}")),
                _ => Some(String::new()),
            })
            .collect();
        let texts: Texts = values.par_iter().map(|v| v.as_deref()).collect();
        assert_eq!(texts.len(), values.len());
        for (i, v) in values.iter().enumerate() {
            assert_eq!(texts.get(i), v.as_deref(), "row {i}");
        }
        let sequential: Texts = values.iter().map(|v| v.as_deref()).collect();
        assert_eq!(texts, sequential);
        let df = DataFrame::new(
            values.len(),
            vec![texts_column(&values).with_name("c".into()).into_column()],
        )
        .unwrap();
        assert_eq!(Texts::column(&df, "c"), texts);
        let absent = Texts::column(&df, "d");
        assert_eq!(absent.len(), values.len());
        assert!((0..values.len()).all(|i| absent.is_none(i)));
    }

    fn texts_column(values: &[Option<String>]) -> StringChunked {
        values.iter().map(|v| v.as_deref()).collect()
    }

    #[test]
    fn empty_column_and_unicode() {
        let t = Texts::default();
        assert!(t.is_empty());
        let t: Texts = [Some("Élodie"), None, Some("Saint-Étienne-du-Rouvray ✓")]
            .into_iter()
            .collect();
        assert_eq!(t.get(0), Some("Élodie"));
        assert!(t.is_none(1));
        assert_eq!(t.get(2), Some("Saint-Étienne-du-Rouvray ✓"));
    }

    /// Through bincode as the scratch file has it: across several runs of
    /// bytes, a run ending on a gap, every gap and empty text kept.
    #[test]
    fn serialised_columns_come_back_over_several_runs() {
        let config = bincode::config::standard();
        for rows in [0, 1, ROWS_PER_RUN, 2 * ROWS_PER_RUN + 17] {
            let t: Texts = (0..rows)
                .map(|i| match i % 5 {
                    0 => None,
                    1 => Some(String::new()),
                    2 => Some(format!("é{i}")),
                    _ => Some(format!("une adresse plus longue que douze octets {i}")),
                })
                .collect();
            let bytes = bincode::serde::encode_to_vec(&t, config).unwrap();
            let (back, read): (Texts, usize) =
                bincode::serde::decode_from_slice(&bytes, config).unwrap();
            assert_eq!(read, bytes.len());
            assert_eq!(back, t, "{rows} rows");
        }
    }

    #[test]
    fn a_run_that_does_not_fit_its_lengths_is_refused() {
        let config = bincode::config::standard();
        let lens: Vec<u32> = vec![3, NO_VALUE, 2];
        for run in [&b"abcd"[..], b"abcdef"] {
            let bytes = bincode::serde::encode_to_vec((&lens, [Bytes(run)]), config).unwrap();
            let back: Result<(Texts, usize), _> = bincode::serde::decode_from_slice(&bytes, config);
            assert!(back.is_err(), "{run:?}");
        }
    }

    #[test]
    #[should_panic(expected = "row 3 of a column of 3")]
    fn past_the_end_panics_like_a_slice() {
        let t: Texts = [Some("a"), None, Some("b")].into_iter().collect();
        t.get(3);
    }
}
