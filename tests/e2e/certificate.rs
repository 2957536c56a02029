//! certificate.json and `qualify verify`, as a vendor and a buyer use them:
//! keygen, run with --sign-key, hand over the folder, verify.

use std::path::{Path, PathBuf};
use std::process::Output;

use super::util::*;

fn sample_run(out: &Path, extra: &[&str]) {
    run_config("sample-data/qualify.toml", out, extra);
}

fn verify(cert: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["verify", "--certificate", cert.to_str().unwrap()];
    args.extend_from_slice(extra);
    run(&args)
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn keygen(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let (s, p) = (
        dir.join(format!("{name}.key")),
        dir.join(format!("{name}.pub")),
    );
    let o = run(&[
        "keygen",
        "--secret-key",
        s.to_str().unwrap(),
        "--public-key",
        p.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    (s, p)
}

/// Changes one byte of `path` (keeping it the same length), runs `check`,
/// then restores the file.
fn with_one_byte_changed(path: &Path, at: usize, check: impl FnOnce()) {
    let original = std::fs::read(path).unwrap();
    let mut changed = original.clone();
    let i = at.min(changed.len() - 1);
    // Keep the byte printable and different: digits and letters stay
    // digits and letters, so the file still parses as what it is.
    changed[i] = match changed[i] {
        b'0'..=b'8' | b'a'..=b'y' | b'A'..=b'Y' => changed[i] + 1,
        b'9' => b'0',
        b'z' => b'a',
        b'Z' => b'A',
        _ => b'x',
    };
    std::fs::write(path, &changed).unwrap();
    check();
    std::fs::write(path, &original).unwrap();
}

fn certified_files(cert: &Path) -> Vec<(String, String)> {
    let c: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cert).unwrap()).unwrap();
    c["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["role"].as_str().unwrap().to_owned(),
                f["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn verify_passes_untouched_and_names_any_file_with_one_byte_changed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    sample_run(&out, &[]);
    let cert = out.join("certificate.json");

    let files = certified_files(&cert);
    let outputs: Vec<&str> = files
        .iter()
        .filter(|(r, _)| r == "output")
        .map(|(_, n)| n.as_str())
        .collect();
    for expected in [
        "qualified.csv",
        "rejected.csv",
        "decisions.csv",
        "to_delete.csv",
        "vendor-feedback.csv",
        "report.html",
        "processing-record.md",
        "processing-record.json",
        "notice.txt",
        "summary.json",
    ] {
        assert!(outputs.contains(&expected), "{expected} is certified");
    }
    assert!(
        !outputs.contains(&"run.json"),
        "run.json varies: not certified"
    );
    for input in [
        "input/list",
        "input/manifest",
        "input/clients",
        "input/opposition",
    ] {
        assert!(files.iter().any(|(r, _)| r == input), "{input} certified");
    }

    // The buyer's folder: the outputs plus the list itself.
    std::fs::copy(repo("sample-data/prospects.csv"), out.join("prospects.csv")).unwrap();
    let o = verify(&cert, &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("prospects.csv (input/list): SHA-256 matches"));
    assert!(
        text(&o).contains("clients.csv (input/clients): not in"),
        "absent inputs are listed, not failed: {}",
        text(&o)
    );

    for name in outputs.iter().copied().chain(["prospects.csv"]) {
        let path = out.join(name);
        let middle = std::fs::metadata(&path).unwrap().len() as usize / 2;
        with_one_byte_changed(&path, middle, || {
            let o = verify(&cert, &[]);
            assert_eq!(o.status.code(), Some(4), "{name}: {}", text(&o));
            let t = text(&o);
            assert!(
                t.lines()
                    .any(|l| l.starts_with("FAILED") && l.contains(&format!("{name} ("))),
                "{name} must be named as failed:\n{t}"
            );
            assert_eq!(
                t.lines().filter(|l| l.starts_with("FAILED")).count(),
                1,
                "only {name} failed:\n{t}"
            );
        });
    }
    // Restored: passes again.
    assert!(verify(&cert, &[]).status.success());
}

#[test]
fn a_signed_certificate_detects_edits_and_other_keys() {
    let dir = tempfile::tempdir().unwrap();
    let (secret, public) = keygen(dir.path(), "vendor");
    let head = std::fs::read_to_string(&secret).unwrap();
    assert!(head.starts_with("qualify ed25519 secret key\n"), "{head}");

    // keygen never overwrites a key.
    let o = run(&[
        "keygen",
        "--secret-key",
        secret.to_str().unwrap(),
        "--public-key",
        dir.path().join("x.pub").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&secret).unwrap(), head);

    let out = dir.path().join("out");
    sample_run(&out, &["--sign-key", secret.to_str().unwrap()]);
    let cert = out.join("certificate.json");
    let pubarg = public.to_str().unwrap();

    let o = verify(&cert, &["--public-key", pubarg]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("valid ed25519 signature"));
    assert!(
        text(&o).contains("valid minisign signature"),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("signed by the key in"), "{}", text(&o));

    // The certificate is its own RFC 8785 form, and a buyer without
    // qualify checks it with minisign (Debian's package; CI requires it).
    let body = std::fs::read(&cert).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(qualify::output::certificate::canonical(&value), body);
    let minipub = qualify::output::certificate::minisign_public_path(&public);
    match which("minisign") {
        Some(minisign) => {
            let minisign_v = || {
                std::process::Command::new(&minisign)
                    .args(["-V", "-p"])
                    .arg(&minipub)
                    .arg("-m")
                    .arg(&cert)
                    .output()
                    .unwrap()
            };
            let o = minisign_v();
            assert!(o.status.success(), "minisign -V: {}", text(&o));
            assert!(
                text(&o).contains("Trusted comment: qualify certificate.json"),
                "{}",
                text(&o)
            );
            // One byte changed: minisign refuses it too.
            with_one_byte_changed(&cert, body.len() / 2, || {
                let o = minisign_v();
                assert!(!o.status.success(), "{}", text(&o));
            });
        }
        None if std::env::var_os("QUALIFY_REQUIRE_MINISIGN").is_some() => {
            panic!("minisign is required (QUALIFY_REQUIRE_MINISIGN) but not on PATH")
        }
        None => eprintln!("\n*** SKIPPED: minisign -V check (minisign not installed) ***\n"),
    }

    // Another vendor's key: fails, and says so.
    let (_, other) = keygen(dir.path(), "other");
    let o = verify(&cert, &["--public-key", other.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(text(&o).contains("signed with another key"), "{}", text(&o));

    // One byte of the certificate changed, inside a certified hash: the
    // JSON still parses, the signature no longer matches.
    let body = std::fs::read_to_string(&cert).unwrap();
    let at = body.find("\"sha256\":\"").unwrap() + 19;
    with_one_byte_changed(&cert, at, || {
        let o = verify(&cert, &["--public-key", pubarg]);
        assert_eq!(o.status.code(), Some(4), "{}", text(&o));
        assert!(
            text(&o).contains("changed after it was signed"),
            "{}",
            text(&o)
        );
    });
    // One byte changed in a count.
    let at = body.find("\"qualified\":").unwrap() + 12;
    with_one_byte_changed(&cert, at, || {
        let o = verify(&cert, &["--public-key", pubarg]);
        assert_eq!(o.status.code(), Some(4), "{}", text(&o));
        assert!(text(&o).contains("changed after it was signed"));
    });
    // A byte that breaks the JSON: still a named failure, not a crash.
    with_one_byte_changed(&cert, 0, || {
        let o = verify(&cert, &["--public-key", pubarg]);
        assert_eq!(o.status.code(), Some(4), "{}", text(&o));
        assert!(text(&o).contains("not valid JSON"), "{}", text(&o));
    });

    // An unsigned certificate where a signature is expected.
    let plain = dir.path().join("plain");
    sample_run(&plain, &[]);
    let o = verify(&plain.join("certificate.json"), &["--public-key", pubarg]);
    assert_eq!(o.status.code(), Some(4));
    assert!(text(&o).contains("not signed"), "{}", text(&o));

    // Signing is deterministic: a second signed run, same bytes.
    // (Not quiet: a signed run says that it signed, and with which key;
    // and a secret key others can read gets a warning.)
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let again = dir.path().join("again");
    let o = qualify_run(
        "sample-data/qualify.toml",
        &again,
        &["--sign-key", secret.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("signed with {}", secret.display())),
        "{}",
        stderr(&o)
    );
    #[cfg(unix)]
    assert!(
        stderr(&o).contains("can be read by others (mode 644)"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read(&cert).unwrap(),
        std::fs::read(again.join("certificate.json")).unwrap()
    );
    // And the secret key appears in no output.
    let secret_b64 = head.lines().nth(1).unwrap();
    for e in std::fs::read_dir(&out).unwrap() {
        let t = std::fs::read(e.unwrap().path()).unwrap();
        assert!(!String::from_utf8_lossy(&t).contains(secret_b64));
    }
}

#[test]
fn a_bad_key_file_fails_before_the_run_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = keygen(dir.path(), "v");
    let out = dir.path().join("out");
    let config = repo("sample-data/qualify.toml");
    let o = run(&[
        "run",
        "--config",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--sign-key",
        public.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("v.pub") && stderr(&o).contains("public key"),
        "{}",
        stderr(&o)
    );
    assert!(!out.join("summary.json").exists());
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(program))
            .find(|p| p.is_file())
    })
}
