//! `certificate.json`, the file a list vendor hands to a buyer, and
//! `qualify verify`, which the buyer runs on it.
//!
//! In (writing): the run's summary value and the SHA-256 of every
//! deterministic output staged in the run folder; optionally an ed25519
//! secret key. Out: the certificate — SHA-256 of every input and output
//! file (by file name, never by path), rule pack and version,
//! decision-relevant config, as-of date, counts per stage, reason and
//! channel, tool version, the statements the run must make (generic
//! partners accepted), and, with a key, an ed25519 signature.
//!
//! In (verifying): a certificate, a folder and optionally the vendor's
//! public key. Out: one line per check and a verdict that names each check
//! that failed.
//!
//! What a signature covers: the **canonical serialisation** of the
//! certificate object without its `signature` member — JSON with the keys
//! of every object sorted by their UTF-8 bytes, no whitespace outside
//! strings, strings escaped as serde_json writes them, numbers as integers
//! (the certificate holds no floats) — see [`canonical`]. The signature is
//! ed25519 (RFC 8032, deterministic: the same key and body always give the
//! same signature, so a signed certificate is still a deterministic output).
//! Unsigned, a certificate only detects accidental changes to the files;
//! signed and checked against the vendor's published public key, it also
//! detects any change to the certificate itself.
//!
//! Key files are two lines of text: a header line, then the standard base64
//! (with padding) of the 32-byte key:
//! ```text
//! qualify ed25519 secret key
//! 9b0c...base64...=
//! ```
//! and `qualify ed25519 public key` for the public half.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::ingest::sha256_file;
use crate::summary::Summary;

/// The `format` member: bumped if the meaning of a field ever changes.
pub const FORMAT: &str = "qualify-certificate/1";
pub const SECRET_HEADER: &str = "qualify ed25519 secret key";
pub const PUBLIC_HEADER: &str = "qualify ed25519 public key";

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// SHA-256 of bytes, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn file_name(path: &str) -> String {
    path.rsplit(['/', '\\']).next().unwrap_or(path).to_owned()
}

/// The certificate body (unsigned) for a run: inputs are read from the
/// summary (which hashed them while reading), `outputs` are the hashes of
/// the deterministic outputs, in the order they were written.
pub fn build(summary: &Summary, outputs: &[(String, String)]) -> Value {
    let mut files = Vec::new();
    let i = &summary.inputs;
    let mut input = |role: &str, path: &str, sha: &str| {
        files.push(json!({
            "role": format!("input/{role}"),
            "name": file_name(path),
            "sha256": sha,
        }));
    };
    input("list", &i.list.path, &i.list.sha256);
    for (role, f) in [("manifest", &i.manifest), ("mapping", &i.mapping)] {
        if let Some(f) = f {
            input(role, &f.path, &f.sha256);
        }
    }
    if let Some(c) = &i.clients {
        input("clients", &c.path, &c.sha256);
    }
    for o in &i.opposition {
        input("opposition", &o.path, &o.sha256);
    }
    if let Some(b) = &i.bloctel {
        input("bloctel", b.path.as_deref().unwrap_or(""), &b.sha256);
    }
    for (role, f) in [("model", &i.model), ("labels", &i.labels)] {
        if let Some(f) = f {
            input(role, &f.path, &f.sha256);
        }
    }
    for (name, sha) in outputs {
        files.push(json!({"role": "output", "name": name, "sha256": sha}));
    }
    // Every file of the folder is named: run.json (times, host, paths)
    // differs between two runs of the same inputs, so it is listed as
    // present but not certified, and `verify` does not flag it.
    files.push(json!({"role": "run-record", "name": "run.json", "sha256": null}));
    let mut statements = Vec::new();
    if summary.config["accept_generic_partners"].as_bool() == Some(true) {
        statements.push(json!(
            "accept_generic_partners = true: consents naming only \"partners\" were accepted (open question before the CJEU, case C-317/25)"
        ));
    }
    if summary.provenance.is_none() {
        statements.push(json!(
            "no manifest: every record was rejected no_provenance"
        ));
    }
    let provenance = match &summary.provenance {
        None => Value::Null,
        Some(p) => json!({
            "vendor": p.vendor,
            "vendor_siren": p.vendor_siren,
            "method": p.method,
            "collected_from": p.collected_from,
            "collected_between": p.collected_between,
            "partners": p.partners,
        }),
    };
    json!({
        "format": FORMAT,
        "tool": summary.tool,
        "version": summary.version,
        "rule_pack": summary.rule_pack,
        "as_of": summary.as_of,
        "config": summary.config,
        "provenance": provenance,
        "counts": summary.counts,
        "audience": summary.audience,
        "reasons": summary.reasons,
        "channels": summary.channels,
        "statements": statements,
        "files": files,
    })
}

/// The canonical serialisation a signature covers, and the bytes of
/// `certificate.json`: RFC 8785 (JSON Canonicalization Scheme), so that
/// any JCS implementation reproduces them. Object members sorted by the
/// UTF-16 code units of their names, no whitespace, strings escaped as
/// ECMAScript's `JSON.stringify` does (which is serde_json's escaping),
/// numbers in ECMAScript's shortest form.
pub fn canonical(v: &Value) -> Vec<u8> {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out.into_bytes()
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (k, key) in keys.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(key).expect("strings serialise"));
                out.push(':');
                write_canonical(&map[key.as_str()], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (k, item) in items.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Number(n) => out.push_str(&jcs_number(n)),
        other => out.push_str(&serde_json::to_string(other).expect("scalars serialise")),
    }
}

/// A number as ECMAScript writes it (RFC 8785 section 3.2.2.3): integers
/// as integers, `1.0` as `1`, shortest round-trip digits, exponents from
/// 1e21 up and below 1e-6, with an explicit `+`.
fn jcs_number(n: &serde_json::Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    if f == 0.0 {
        return "0".into();
    }
    let a = f.abs();
    if (1e-6..1e21).contains(&a) {
        if f.fract() == 0.0 {
            return format!("{}", f as i128);
        }
        return format!("{f}");
    }
    let e = format!("{f:e}");
    match e.split_once('e') {
        Some((m, x)) if !x.starts_with('-') => format!("{m}e+{x}"),
        _ => e,
    }
}

// --- minisign --------------------------------------------------------------

/// minisign's key id for a qualify key: the first 8 bytes of the public
/// key's SHA-256 (minisign draws them at random; any 8 bytes will do as
/// long as the signature and the public key file carry the same).
fn minisign_key_id(key: &VerifyingKey) -> [u8; 8] {
    let h = Sha256::digest(key.as_bytes());
    h[..8].try_into().expect("8 bytes")
}

/// The public key in minisign's format, for `minisign -V -p FILE`.
pub fn minisign_public_key(key: &VerifyingKey) -> String {
    let id = minisign_key_id(key);
    let mut bytes = b"Ed".to_vec();
    bytes.extend(id);
    bytes.extend(key.as_bytes());
    format!(
        "untrusted comment: minisign public key {:016X}\n{}\n",
        u64::from_le_bytes(id),
        B64.encode(bytes)
    )
}

/// A detached signature of `message` in minisign's format (prehashed
/// `ED`: ed25519 over BLAKE2b-512 of the file; the trusted comment signed
/// with the signature), so that a buyer checks certificate.json with
/// `minisign -V` and no qualify. Deterministic, like ed25519 itself.
pub fn minisign_signature(key: &SigningKey, message: &[u8], trusted_comment: &str) -> String {
    use blake2::Digest as _;
    let id = minisign_key_id(&key.verifying_key());
    let hash = blake2::Blake2b512::digest(message);
    let sig = key.sign(&hash).to_bytes();
    let mut sig_struct = b"ED".to_vec();
    sig_struct.extend(id);
    sig_struct.extend(sig);
    let mut global = sig.to_vec();
    global.extend(trusted_comment.as_bytes());
    let global = key.sign(&global).to_bytes();
    format!(
        "untrusted comment: signature of certificate.json by qualify, key {:016X}\n{}\ntrusted comment: {trusted_comment}\n{}\n",
        u64::from_le_bytes(id),
        B64.encode(sig_struct),
        B64.encode(global)
    )
}

/// Checks a minisign signature of `message` against `key`: the file
/// signature and the trusted comment's. `Err` says what does not match.
pub fn minisign_verify(key: &VerifyingKey, message: &[u8], minisig: &str) -> Result<(), String> {
    use blake2::Digest as _;
    let lines: Vec<&str> = minisig.lines().collect();
    let [_, sig_line, comment_line, global_line, ..] = lines.as_slice() else {
        return Err("not a minisign signature (four lines expected)".into());
    };
    let raw = B64
        .decode(sig_line.trim())
        .map_err(|_| "the signature line is not base64".to_owned())?;
    if raw.len() != 74 {
        return Err("the signature line is not 74 bytes".into());
    }
    if raw[2..10] != minisign_key_id(key) {
        return Err("signed with another key (key id differs)".into());
    }
    let sig = Signature::from_bytes(raw[10..74].try_into().expect("64 bytes"));
    let signed: Vec<u8> = match &raw[..2] {
        b"ED" => blake2::Blake2b512::digest(message).to_vec(),
        b"Ed" => message.to_vec(),
        _ => return Err("unknown minisign algorithm".into()),
    };
    key.verify(&signed, &sig).map_err(|_| {
        "does not match certificate.json: the file was changed after it was signed".to_owned()
    })?;
    let comment = comment_line
        .strip_prefix("trusted comment: ")
        .ok_or_else(|| "no trusted comment line".to_owned())?;
    let global = B64
        .decode(global_line.trim())
        .ok()
        .and_then(|g| <[u8; 64]>::try_from(g).ok())
        .ok_or_else(|| "the trusted comment's signature is not 64 bytes of base64".to_owned())?;
    let mut body = raw[10..74].to_vec();
    body.extend(comment.as_bytes());
    key.verify(&body, &Signature::from_bytes(&global))
        .map_err(|_| "the trusted comment was changed after signing".to_owned())
}

/// Adds the `signature` member: ed25519 over [`canonical`] of the body.
pub fn sign(body: &mut Value, key: &SigningKey) {
    if let Value::Object(map) = body {
        map.remove("signature");
    }
    let sig = key.sign(&canonical(body));
    body["signature"] = json!({
        "algorithm": "ed25519",
        "public_key": B64.encode(key.verifying_key().as_bytes()),
        "value": B64.encode(sig.to_bytes()),
    });
}

// --- Keys ------------------------------------------------------------------

fn read_key_file(path: &Path, header: &str) -> Result<[u8; 32]> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("");
    if first != header {
        let hint = match first {
            SECRET_HEADER => {
                ": this is a secret key file; give the public one (and keep this one private)"
            }
            PUBLIC_HEADER => ": this is a public key file; signing needs the secret one",
            _ => "",
        };
        return Err(Error::input(
            path,
            format!("row 1: expected the header line {header:?}, found {first:?}{hint}"),
        ));
    }
    let b64 = lines
        .next()
        .ok_or_else(|| Error::input(path, "row 2: the base64 key is missing"))?;
    let bytes = B64
        .decode(b64)
        .map_err(|e| Error::input(path, format!("row 2: not base64: {e}")))?;
    bytes.try_into().map_err(|b: Vec<u8>| {
        Error::input(
            path,
            format!("row 2: an ed25519 key has 32 bytes, this one {}", b.len()),
        )
    })
}

pub fn load_signing_key(path: &Path) -> Result<SigningKey> {
    Ok(SigningKey::from_bytes(&read_key_file(path, SECRET_HEADER)?))
}

pub fn load_verifying_key(path: &Path) -> Result<VerifyingKey> {
    let bytes = read_key_file(path, PUBLIC_HEADER)?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|e| Error::input(path, format!("row 2: not an ed25519 public key: {e}")))
}

/// The two key files' text for a key.
pub fn key_files_text(key: &SigningKey) -> (String, String) {
    (
        format!("{SECRET_HEADER}\n{}\n", B64.encode(key.to_bytes())),
        format!(
            "{PUBLIC_HEADER}\n{}\n",
            B64.encode(key.verifying_key().as_bytes())
        ),
    )
}

/// `qualify keygen`: makes the key pair of a 32-byte secret `seed` (the
/// binary draws it from the operating system's generator; the library
/// never asks for randomness itself) and writes both files, refusing to
/// overwrite either. The secret file is readable by its owner only.
/// Where `keygen` writes the minisign form of a public key:
/// `vendor.pub` -> `vendor.minisign.pub`.
pub fn minisign_public_path(public: &Path) -> PathBuf {
    public.with_extension("minisign.pub")
}

pub fn keygen(secret: &Path, public: &Path, seed: [u8; 32]) -> Result<VerifyingKey> {
    for p in [secret, public] {
        if p.exists() {
            return Err(Error::input(p, "already exists: not overwritten"));
        }
    }
    let key = SigningKey::from_bytes(&seed);
    let (s, p) = key_files_text(&key);
    let mini = minisign_public_path(public);
    if mini.exists() {
        return Err(Error::input(&mini, "already exists: not overwritten"));
    }
    super::write_new(secret, s.as_bytes(), true)?;
    super::write_new(public, p.as_bytes(), false)?;
    super::write_new(
        &mini,
        minisign_public_key(&key.verifying_key()).as_bytes(),
        false,
    )?;
    Ok(key.verifying_key())
}

// --- Verification ----------------------------------------------------------

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Ok,
    Failed,
    /// Not checked (a file absent from the folder), not a failure.
    Skipped,
    /// Passed, with a caveat the reader must know.
    Note,
}

#[derive(Debug, Clone)]
pub struct Check {
    pub status: Status,
    pub what: String,
    pub detail: String,
}

/// Everything `qualify verify` found.
#[derive(Debug, Clone, Default)]
pub struct Verification {
    pub checks: Vec<Check>,
    /// The public key file a valid signature was checked against; `None`
    /// when nobody checked who signed.
    pub signer: Option<PathBuf>,
}

impl Verification {
    pub fn failures(&self) -> Vec<&Check> {
        self.checks
            .iter()
            .filter(|c| c.status == Status::Failed)
            .collect()
    }
    fn push(&mut self, status: Status, what: impl Into<String>, detail: impl Into<String>) {
        self.checks.push(Check {
            status,
            what: what.into(),
            detail: detail.into(),
        });
    }
    /// The error the binary exits with when a check failed.
    pub fn into_result(self) -> Result<Verification> {
        let failed = self.failures();
        if failed.is_empty() {
            return Ok(self);
        }
        let list: Vec<String> = failed
            .iter()
            .map(|c| format!("{}: {}", c.what, c.detail))
            .collect();
        Err(Error::Verification(format!(
            "{} check(s) failed: {}",
            failed.len(),
            list.join("; ")
        )))
    }
}

impl fmt::Display for Verification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.checks {
            let tag = match c.status {
                Status::Ok => "ok     ",
                Status::Failed => "FAILED ",
                Status::Skipped => "absent ",
                Status::Note => "note   ",
            };
            writeln!(f, "{tag} {}: {}", c.what, c.detail)?;
        }
        Ok(())
    }
}

/// `qualify verify`: checks the signature (when the certificate is signed,
/// or when a public key is given) and that every covered file present in
/// `dir` still has its certified SHA-256.
pub fn verify(cert_path: &Path, public_key: Option<&Path>, dir: &Path) -> Result<Verification> {
    let text = std::fs::read_to_string(cert_path).map_err(|e| Error::io(cert_path, e))?;
    let mut v = Verification::default();
    let mut cert: Value = match serde_json::from_str(&text) {
        Ok(c) => c,
        Err(e) => {
            v.push(
                Status::Failed,
                "certificate",
                format!(
                    "{} is not valid JSON (line {}, column {}): it was damaged or edited",
                    cert_path.display(),
                    e.line(),
                    e.column()
                ),
            );
            return Ok(v);
        }
    };
    if cert["format"] != FORMAT {
        v.push(
            Status::Failed,
            "certificate",
            format!(
                "format is {}, expected {FORMAT:?}: not a qualify certificate, or an unsupported version",
                cert["format"]
            ),
        );
        return Ok(v);
    }
    let signature = cert
        .as_object_mut()
        .and_then(|m| m.remove("signature"))
        .filter(|s| !s.is_null());
    check_signature(&mut v, &cert, signature.as_ref(), public_key);
    check_minisig(&mut v, cert_path, &text, signature.as_ref(), public_key);

    let files = cert["files"].as_array().cloned().unwrap_or_default();
    // The certificate's own folder is checked as a whole: a certified
    // output that is missing, or a file the run did not write, fails.
    let whole = same_folder(cert_path, dir);
    let mut checked = 0;
    let mut named = std::collections::BTreeSet::new();
    for f in &files {
        let name = f["name"].as_str().unwrap_or("");
        let role = f["role"].as_str().unwrap_or("");
        let expected = f["sha256"].as_str().unwrap_or("");
        let what = format!("{name} ({role})");
        if name.is_empty() || name.contains(['/', '\\']) || name == ".." {
            v.push(
                Status::Failed,
                what,
                "the certificate names no plain file name here",
            );
            continue;
        }
        named.insert(name.to_owned());
        let path = dir.join(name);
        if role == "run-record" {
            v.push(
                Status::Note,
                what,
                "times and host of the run: present by design, not certified",
            );
            continue;
        }
        if !path.is_file() {
            if whole && role == "output" {
                v.push(
                    Status::Failed,
                    what,
                    format!(
                        "missing from {}: the run wrote it and the certificate covers it",
                        dir.display()
                    ),
                );
            } else {
                v.push(
                    Status::Skipped,
                    what,
                    format!("not in {}: not checked", dir.display()),
                );
            }
            continue;
        }
        checked += 1;
        let actual = sha256_file(&path)?;
        if actual == expected {
            v.push(Status::Ok, what, "SHA-256 matches");
        } else {
            v.push(
                Status::Failed,
                what,
                format!(
                    "{} changed: SHA-256 is {actual}, the certificate says {expected}",
                    path.display()
                ),
            );
        }
    }
    if checked == 0 {
        v.push(
            Status::Failed,
            "files",
            format!(
                "none of the {} certified files is in {}: nothing was checked",
                files.len(),
                dir.display()
            ),
        );
    }
    if whole {
        let cert_name = cert_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut extra: Vec<String> = std::fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| {
                !named.contains(n) && *n != cert_name && *n != format!("{cert_name}.minisig")
            })
            .collect();
        extra.sort();
        for name in extra {
            v.push(
                Status::Failed,
                format!("{name} (not certified)"),
                format!(
                    "in {} but not in the certificate: the run did not write it, or it was added later",
                    dir.display()
                ),
            );
        }
    }
    Ok(v)
}

/// `certificate.json.minisig`, when present beside the certificate: the
/// same check `minisign -V` makes, against the given public key, else the
/// key the certificate names (which only shows the two agree).
fn check_minisig(
    v: &mut Verification,
    cert_path: &Path,
    text: &str,
    signature: Option<&Value>,
    public_key: Option<&Path>,
) {
    let path = PathBuf::from(format!("{}.minisig", cert_path.display()));
    let Ok(minisig) = std::fs::read_to_string(&path) else {
        return;
    };
    let key = match public_key.map(load_verifying_key) {
        Some(Ok(k)) => Some(k),
        Some(Err(_)) => return, // already reported by check_signature
        None => signature
            .and_then(|s| s["public_key"].as_str())
            .and_then(|s| B64.decode(s).ok())
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .and_then(|b| VerifyingKey::from_bytes(&b).ok()),
    };
    let what = "certificate.json.minisig (minisign)";
    match key {
        None => v.push(
            Status::Failed,
            what,
            "present, but the certificate names no key to check it with: give --public-key",
        ),
        Some(k) => match minisign_verify(&k, text.as_bytes(), &minisig) {
            Ok(()) => v.push(
                Status::Ok,
                what,
                "valid minisign signature of certificate.json",
            ),
            Err(e) => v.push(Status::Failed, what, e),
        },
    }
}

/// The folder being checked is the one that holds the certificate.
fn same_folder(cert_path: &Path, dir: &Path) -> bool {
    let parent = cert_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match (std::fs::canonicalize(parent), std::fs::canonicalize(dir)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn check_signature(
    v: &mut Verification,
    body: &Value,
    signature: Option<&Value>,
    public_key: Option<&Path>,
) {
    let given = match public_key.map(|p| (p, load_verifying_key(p))) {
        Some((_, Err(e))) => {
            v.push(Status::Failed, "public key", format!("{e}"));
            return;
        }
        Some((p, Ok(k))) => Some((p, k)),
        None => None,
    };
    let Some(sig) = signature else {
        match given {
            Some((p, _)) => v.push(
                Status::Failed,
                "signature",
                format!(
                    "the certificate is not signed, but a public key was given ({}): it may have been replaced by an unsigned one",
                    p.display()
                ),
            ),
            None => v.push(
                Status::Note,
                "signature",
                "the certificate is not signed: the checks below detect accidental changes only",
            ),
        }
        return;
    };
    if sig["algorithm"] != "ed25519" {
        v.push(
            Status::Failed,
            "signature",
            format!("unsupported algorithm {}", sig["algorithm"]),
        );
        return;
    }
    let embedded = sig["public_key"]
        .as_str()
        .and_then(|s| B64.decode(s).ok())
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .and_then(|b| VerifyingKey::from_bytes(&b).ok());
    let value = sig["value"]
        .as_str()
        .and_then(|s| B64.decode(s).ok())
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .map(|b| Signature::from_bytes(&b));
    let Some(value) = value else {
        v.push(
            Status::Failed,
            "signature",
            "signature.value is not a base64 ed25519 signature (64 bytes)",
        );
        return;
    };
    let key = match (&given, embedded) {
        (Some((p, k)), Some(e)) if *k != e => {
            v.push(
                Status::Failed,
                "signature",
                format!(
                    "signed with another key than {} (the certificate names key {})",
                    p.display(),
                    B64.encode(e.as_bytes())
                ),
            );
            return;
        }
        (Some((_, k)), _) => *k,
        (None, Some(e)) => e,
        (None, None) => {
            v.push(
                Status::Failed,
                "signature",
                "signature.public_key is not a base64 ed25519 public key; give --public-key",
            );
            return;
        }
    };
    if key.verify(&canonical(body), &value).is_err() {
        v.push(
            Status::Failed,
            "signature",
            "does not match the certificate's content: certificate.json was changed after it was signed",
        );
        return;
    }
    match given {
        Some((p, _)) => {
            v.signer = Some(p.to_owned());
            v.push(
                Status::Ok,
                "signature",
                format!("valid ed25519 signature by the key in {}", p.display()),
            )
        }
        None => v.push(
            Status::Note,
            "signature",
            format!(
                "valid for the key inside the certificate ({}); give --public-key with the vendor's published key to check who signed",
                B64.encode(key.as_bytes())
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn streamed_file_hash_is_the_hash_of_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.csv");
        // Longer than io::copy's buffer, so the hash spans several writes.
        let bytes: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(sha256_file(&path).unwrap(), sha256_hex(&bytes));
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn canonical_sorts_keys_at_every_level_and_drops_whitespace() {
        let v = json!({"b": 1, "a": {"z": [true, null, "é\""], "y": "x"}});
        assert_eq!(
            String::from_utf8(canonical(&v)).unwrap(),
            r#"{"a":{"y":"x","z":[true,null,"é\""]},"b":1}"#
        );
        // Member order in the file does not change what is signed.
        let w: Value =
            serde_json::from_str(r#"{"a":{"z":[true,null,"é\""],"y":"x"},"b":1}"#).unwrap();
        assert_eq!(canonical(&v), canonical(&w));
    }

    #[test]
    fn canonical_is_rfc_8785() {
        // Names sorted by UTF-16 code units: U+1F600 (a surrogate pair,
        // 0xD83D...) sorts before U+FB01, unlike in UTF-8 byte order.
        let v = json!({"\u{fb01}": 1, "\u{1f600}": 2, "a": [1.0, 0.5, 1e21, 1e-7, -0.0, "\u{7f}\n\u{1f}"]});
        assert_eq!(
            String::from_utf8(canonical(&v)).unwrap(),
            "{\"a\":[1,0.5,1e+21,1e-7,0,\"\u{7f}\\n\\u001f\"],\"\u{1f600}\":2,\"\u{fb01}\":1}"
        );
    }

    #[test]
    fn minisign_signatures_round_trip_and_catch_a_changed_byte_or_comment() {
        let k = key(4);
        let msg = b"{\"format\":\"qualify-certificate/1\"}";
        let sig = minisign_signature(&k, msg, "as of 2026-11-23");
        assert_eq!(sig, minisign_signature(&k, msg, "as of 2026-11-23"));
        assert!(sig.lines().nth(2).unwrap() == "trusted comment: as of 2026-11-23");
        minisign_verify(&k.verifying_key(), msg, &sig).unwrap();
        let e = minisign_verify(&k.verifying_key(), b"{}", &sig).unwrap_err();
        assert!(e.contains("changed after it was signed"), "{e}");
        let forged = sig.replace("as of 2026-11-23", "as of 2030-01-01");
        assert!(minisign_verify(&k.verifying_key(), msg, &forged).is_err());
        let e = minisign_verify(&key(5).verifying_key(), msg, &sig).unwrap_err();
        assert!(e.contains("another key"), "{e}");
        // The public key file: "Ed", the same key id, the key.
        let public = minisign_public_key(&k.verifying_key());
        let raw = B64.decode(public.lines().nth(1).unwrap()).unwrap();
        assert_eq!(&raw[..2], b"Ed");
        assert_eq!(
            raw[2..10],
            B64.decode(sig.lines().nth(1).unwrap()).unwrap()[2..10]
        );
    }

    #[test]
    fn signing_is_deterministic_and_covers_the_body() {
        let k = key(1);
        let mut a = json!({"format": FORMAT, "counts": {"qualified": 3}});
        let mut b = a.clone();
        sign(&mut a, &k);
        sign(&mut b, &k);
        assert_eq!(a, b);
        let sig = a["signature"]["value"].as_str().unwrap();
        let sig = Signature::from_bytes(&B64.decode(sig).unwrap().try_into().unwrap());
        let mut body = a.clone();
        body.as_object_mut().unwrap().remove("signature");
        assert!(k.verifying_key().verify(&canonical(&body), &sig).is_ok());
        body["counts"]["qualified"] = json!(4);
        assert!(k.verifying_key().verify(&canonical(&body), &sig).is_err());
    }

    #[test]
    fn key_files_round_trip_and_name_the_wrong_kind() {
        let dir = tempfile::tempdir().unwrap();
        let (s, p) = (dir.path().join("k.key"), dir.path().join("k.pub"));
        let public = keygen(&s, &p, [7; 32]).unwrap();
        assert_eq!(load_verifying_key(&p).unwrap(), public);
        assert_eq!(load_signing_key(&s).unwrap().verifying_key(), public);
        let e = load_verifying_key(&s).unwrap_err().to_string();
        assert!(e.contains("k.key") && e.contains("secret key file"), "{e}");
        let e = keygen(&s, &p, [8; 32]).unwrap_err();
        assert!(e.to_string().contains("already exists"), "{e}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&s).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "secret key readable by others: {mode:o}");
        }
    }

    fn run_folder(sign_with: Option<&SigningKey>) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("qualified.csv"), "a,b\n1,2\n").unwrap();
        std::fs::write(dir.path().join("list.csv"), "x\n").unwrap();
        let summary = json!({
            "tool": "qualify", "version": "0.1.0", "as_of": "2026-01-01",
            "rule_pack": {"name": "fr", "version": "1"},
            "inputs": {"list": {"path": "/abs/list.csv", "sha256": sha256_hex(b"x\n")}, "opposition": []},
            "config": {}, "provenance": null, "counts": {}, "reasons": {}, "channels": {}
        });
        let summary: Summary = serde_json::from_value(summary).unwrap();
        let mut cert = build(
            &summary,
            &[("qualified.csv".into(), sha256_hex(b"a,b\n1,2\n"))],
        );
        if let Some(k) = sign_with {
            sign(&mut cert, k);
        }
        let path = dir.path().join("certificate.json");
        std::fs::write(&path, serde_json::to_string_pretty(&cert).unwrap()).unwrap();
        (dir, path)
    }

    #[test]
    fn verify_names_the_changed_file() {
        let (dir, cert) = run_folder(None);
        let ok = verify(&cert, None, dir.path()).unwrap();
        assert!(ok.failures().is_empty(), "{ok}");
        assert!(ok
            .to_string()
            .contains("list.csv (input/list): SHA-256 matches"));
        std::fs::write(dir.path().join("qualified.csv"), "a,b\n1,3\n").unwrap();
        let bad = verify(&cert, None, dir.path()).unwrap();
        let f = bad.failures();
        assert_eq!(f.len(), 1, "{bad}");
        assert!(f[0].what.starts_with("qualified.csv"), "{bad}");
    }

    #[test]
    fn verify_of_a_whole_folder_flags_a_missing_output_and_an_uncertified_file() {
        let (dir, cert) = run_folder(None);
        std::fs::write(dir.path().join("run.json"), "{}").unwrap();
        let ok = verify(&cert, None, dir.path()).unwrap();
        assert!(ok.failures().is_empty(), "{ok}");
        assert!(ok.signer.is_none());

        std::fs::write(dir.path().join("qualified.parquet"), "stale").unwrap();
        let bad = verify(&cert, None, dir.path()).unwrap();
        let f = bad.failures();
        assert_eq!(f.len(), 1, "{bad}");
        assert!(
            f[0].what.starts_with("qualified.parquet (not certified)"),
            "{bad}"
        );
        std::fs::remove_file(dir.path().join("qualified.parquet")).unwrap();

        std::fs::remove_file(dir.path().join("qualified.csv")).unwrap();
        std::fs::write(dir.path().join("other.csv"), "a\n").unwrap();
        let bad = verify(&cert, None, dir.path()).unwrap();
        assert!(
            bad.to_string().contains("qualified.csv (output): missing"),
            "{bad}"
        );
        // Checked from another folder (a buyer given some files only), an
        // absent file is not a failure.
        let elsewhere = tempfile::tempdir().unwrap();
        std::fs::write(elsewhere.path().join("list.csv"), "x\n").unwrap();
        let part = verify(&cert, None, elsewhere.path()).unwrap();
        assert!(part.failures().is_empty(), "{part}");
    }

    #[test]
    fn verify_detects_an_edited_certificate_and_another_key() {
        let k = key(2);
        let (dir, cert) = run_folder(Some(&k));
        // Keys live outside the run folder (a file in it is checked too).
        let keys = tempfile::tempdir().unwrap();
        let pubfile = keys.path().join("v.pub");
        std::fs::write(&pubfile, key_files_text(&k).1).unwrap();
        let ok = verify(&cert, Some(&pubfile), dir.path()).unwrap();
        assert!(ok.failures().is_empty(), "{ok}");
        assert_eq!(ok.signer.as_deref(), Some(pubfile.as_path()));

        let other = keys.path().join("other.pub");
        std::fs::write(&other, key_files_text(&key(3)).1).unwrap();
        let bad = verify(&cert, Some(&other), dir.path()).unwrap();
        assert!(bad.to_string().contains("signed with another key"), "{bad}");

        let text = std::fs::read_to_string(&cert).unwrap();
        std::fs::write(&cert, text.replace("2026-01-01", "2026-01-02")).unwrap();
        let bad = verify(&cert, Some(&pubfile), dir.path()).unwrap();
        assert!(
            bad.to_string().contains("changed after it was signed"),
            "{bad}"
        );
        // Without the public key the edit is still caught (the embedded key
        // no longer matches the content).
        let bad = verify(&cert, None, dir.path()).unwrap();
        assert_eq!(bad.failures().len(), 1, "{bad}");
    }

    #[test]
    fn generic_partner_consent_is_stated_and_paths_become_names() {
        let summary = json!({
            "inputs": {"list": {"path": "/srv/drop/list.csv", "sha256": "ab"},
                "opposition": [{"path": "C:\\lists\\optout.csv", "sha256": "cd"}]},
            "config": {"accept_generic_partners": true},
            "provenance": {"vendor": "V"},
        });
        let summary: Summary = serde_json::from_value(summary).unwrap();
        let c = build(&summary, &[]);
        assert!(c["statements"][0].as_str().unwrap().contains("C-317/25"));
        assert_eq!(c["files"][0]["name"], "list.csv");
        assert_eq!(c["files"][1]["name"], "optout.csv");
        assert_eq!(c["files"][1]["role"], "input/opposition");
        assert!(!c.to_string().contains("/srv"));
    }

    #[test]
    fn an_unsigned_certificate_fails_when_a_key_is_expected() {
        let (dir, cert) = run_folder(None);
        let pubfile = dir.path().join("v.pub");
        std::fs::write(&pubfile, key_files_text(&key(4)).1).unwrap();
        let bad = verify(&cert, Some(&pubfile), dir.path()).unwrap();
        assert!(bad.to_string().contains("not signed"), "{bad}");
        assert!(bad.into_result().is_err());
    }
}
