//! End-to-end tests: the real `qualify` binary on files in `sample-data/`
//! and `tests/data/`. One test binary (polars links once).

mod e2e;
