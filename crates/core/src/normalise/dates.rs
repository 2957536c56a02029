//! [`Dates`]: a column of optional dates (collection, consent, purchase),
//! four bytes a row.
//!
//! In: `Option<NaiveDate>` values as parsed. Out: `get(i) -> Option<NaiveDate>`
//! by row index. Why: `Option<NaiveDate>` takes eight bytes (chrono's date
//! has no spare value for `None`); a list and its client file carry ten
//! date columns, so at 10M + 5M rows the difference is about 0.5 GB.

use std::num::NonZeroI32;

use chrono::{Datelike, NaiveDate};

/// Added to a date's day number so that every date chrono can hold is a
/// positive number (its earliest is about 95.7M days before 1 January 1).
const SHIFT: i32 = 100_000_000;

/// One column of optional dates, by row index. Immutable once built.
#[derive(Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Dates(Vec<Option<NonZeroI32>>);

impl Dates {
    /// Row `i`'s date. Panics past the end, like a slice.
    pub fn get(&self, i: usize) -> Option<NaiveDate> {
        self.0[i].map(|d| {
            NaiveDate::from_num_days_from_ce_opt(d.get() - SHIFT)
                .expect("made from a date by `pack`")
        })
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn with_capacity(rows: usize) -> Dates {
        Dates(Vec::with_capacity(rows))
    }

    /// Moves `other`'s rows to the end of this column.
    pub fn append(&mut self, other: &mut Dates) {
        self.0.append(&mut other.0);
    }
}

fn pack(d: NaiveDate) -> NonZeroI32 {
    NonZeroI32::new(d.num_days_from_ce() + SHIFT).expect("every date is after the shift's start")
}

impl FromIterator<Option<NaiveDate>> for Dates {
    fn from_iter<I: IntoIterator<Item = Option<NaiveDate>>>(iter: I) -> Dates {
        Dates(iter.into_iter().map(|d| d.map(pack)).collect())
    }
}

impl std::fmt::Debug for Dates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries((0..self.len()).map(|i| self.get(i)))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_date_and_gap_reads_back_in_four_bytes() {
        let values = [
            Some(NaiveDate::MIN),
            None,
            NaiveDate::from_ymd_opt(1, 1, 1),
            NaiveDate::from_ymd_opt(2026, 11, 23),
            NaiveDate::from_ymd_opt(-44, 3, 15),
            Some(NaiveDate::MAX),
            None,
        ];
        let dates: Dates = values.iter().copied().collect();
        let back: Vec<Option<NaiveDate>> = (0..dates.len()).map(|i| dates.get(i)).collect();
        assert_eq!(back, values);
        assert_eq!(std::mem::size_of::<Option<NonZeroI32>>(), 4);
    }
}
