//! Criterion benchmarks of the normalisers: the per-row work that runs on
//! every cell of a list (phones, emails, names, company ids, dates).
//! `cargo bench --bench normalise`.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use qualify::normalise::{
    fold_key, normalise_email, normalise_phone, normalise_siret, parse_date, parse_yes_no,
};

const PHONES: &[&str] = &[
    "06 12 34 56 78",
    "+33 6 12 34 56 78",
    "01.42.00.00.01",
    "0033142000001",
    "0899 12 34 56",
    "0690 12 34 56",
    "12345",
    "09 70 00 00 00",
];
const EMAILS: &[&str] = &[
    "jean.dupont@gmail.com",
    "Contact@Menuiserie-Dupont.FR",
    "x@yopmail.com",
    "not-an-email@",
    "élodie@exemple.fr",
    "m.martin@orange.fr",
];
const NAMES: &[&str] = &[
    "Élodie D'Hôtel-Martin",
    "  JEAN   dupont ",
    "Œuvre Ærøskøbing",
    "Lefèvre",
];

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("normalise");
    g.throughput(Throughput::Elements(PHONES.len() as u64));
    g.bench_function("phone", |b| {
        b.iter(|| {
            for p in PHONES {
                black_box(normalise_phone(black_box(p), "FR"));
            }
        })
    });
    g.throughput(Throughput::Elements(EMAILS.len() as u64));
    g.bench_function("email", |b| {
        b.iter(|| {
            for e in EMAILS {
                black_box(normalise_email(black_box(e)));
            }
        })
    });
    g.throughput(Throughput::Elements(NAMES.len() as u64));
    g.bench_function("fold_key", |b| {
        b.iter(|| {
            for n in NAMES {
                black_box(fold_key(black_box(n)));
            }
        })
    });
    g.throughput(Throughput::Elements(3));
    g.bench_function("siret_date_yesno", |b| {
        b.iter(|| {
            black_box(normalise_siret(black_box("732 829 320 00074")));
            black_box(parse_date(black_box("01/03/2026")));
            black_box(parse_yes_no(black_box("Oui")));
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
