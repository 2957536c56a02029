//! The run folder and how it comes into being. In: the `--out` path, the
//! input paths (which must not live inside it) and a random token from the
//! caller. Out: a private staging folder beside `--out` that the run writes
//! into, and, on [`RunFolder::commit`], that folder swapped in whole.
//!
//! Why a staging folder and not temporary names inside `--out`: a run's
//! files must never mix with another run's. A folder written aside and
//! swapped in one rename cannot hold a stale `qualified.parquet` of an
//! earlier run, a failed run leaves the previous complete run untouched,
//! and a kill at any point leaves either the old folder or the new one.
//! The staging folder is created exclusively (`0700`, unpredictable name)
//! and every file in it with `create_new` (`0600`), so nothing is ever
//! opened through a link someone planted.
//!
//! Two runs into one folder: the first holds an advisory lock on
//! `.NAME.lock` beside the folder for its whole life; the second stops at
//! once with [`Error::Busy`]. The operating system drops the lock when a
//! process dies, so a killed run never blocks the next one, and the next
//! one removes what the killed run left (its staging folder holds
//! personal data).

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The files a run may write; a folder holding anything else is not a run
/// folder and is never replaced (it might be someone's home directory).
pub const KNOWN_FILES: &[&str] = &[
    "qualified.csv",
    "qualified.parquet",
    "rejected.csv",
    "decisions.csv",
    "to_delete.csv",
    "vendor-feedback.csv",
    "people.csv",
    "repermission.csv",
    "changes.csv",
    "matches.csv",
    "model.json",
    "campaign-email.csv",
    "campaign-sms.csv",
    "campaign-phone.csv",
    "campaign-autocall.csv",
    "campaign-fax.csv",
    "campaign-post.csv",
    "report.html",
    "processing-record.md",
    "processing-record.json",
    "notice.txt",
    "run.json",
    "summary.json",
    "certificate.json",
    "certificate.json.minisig",
];

/// A run folder being written: files go to the staging folder until
/// [`RunFolder::commit`]; dropped without a commit, the staging folder and
/// everything in it is removed.
pub struct RunFolder {
    out: PathBuf,
    staging: PathBuf,
    names: Vec<String>,
    /// The SHA-256 of each file finished so far, by name: taken as the
    /// bytes went out, so the certificate never reads the outputs back (a
    /// gigabyte at a million rows). Files are finished from several
    /// threads at once.
    hashes: Mutex<Vec<(String, String)>>,
    /// Scratch files ([`RunFolder::scratch`]), not outputs.
    scratch: Vec<PathBuf>,
    /// `--out` held a previous run, which the commit replaces.
    replaces: bool,
    committed: bool,
    // Held for the life of the run; the OS releases it on exit or kill.
    _lock: File,
}

/// An output being written: buffered, and hashed on its way to the file.
pub type Output = BufWriter<Hashed>;

/// A staging file and the SHA-256 of what has been written into it.
pub struct Hashed {
    file: File,
    hasher: Sha256,
}

impl Write for Hashed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        // Only what reached the file: a short write is retried with the
        // rest, which is hashed then.
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

fn private_dir(path: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        b.mode(0o700);
    }
    b.create(path)
}

/// Opens (creating it, owner only, never through a link) and locks the
/// lock file `path`; held by another process, [`Error::Busy`] with `busy`'s
/// message. The operating system releases it when the file is closed or
/// the process dies.
fn try_lock(path: &Path, busy: impl FnOnce() -> String) -> Result<File> {
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let lock = opts.open(path).map_err(|e| Error::io(path, e))?;
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Busy(busy())),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io(path, e)),
    }
}

/// Opens a new file for writing (and reading back, for a scratch file):
/// never an existing one, never through a link; `private` files are
/// readable by their owner only.
pub fn create_new(path: &Path, private: bool) -> Result<File> {
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create_new(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    opts.open(path).map_err(|e| Error::io(path, e))
}

fn folder_name(out: &Path) -> Result<String> {
    out.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| n != "." && n != "..")
        .ok_or_else(|| {
            Error::Usage(format!(
                "--out {}: name a folder (for example out/ or runs/2026-12-01), not {}",
                out.display(),
                out.display()
            ))
        })
}

/// What `--out` is now: absent, an empty folder, a previous run's folder.
fn check_out(out: &Path) -> Result<bool> {
    let meta = match std::fs::symlink_metadata(out) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(Error::io(out, e)),
    };
    if meta.file_type().is_symlink() {
        return Err(Error::Usage(format!(
            "--out {} is a symbolic link: give the folder itself (a run replaces its output folder whole, and never through a link)",
            out.display()
        )));
    }
    if !meta.is_dir() {
        return Err(Error::Usage(format!(
            "--out {} exists and is a file, not a folder: give a new or empty folder, or an earlier run's folder",
            out.display()
        )));
    }
    let mut foreign = Vec::new();
    let mut any = false;
    for entry in std::fs::read_dir(out).map_err(|e| Error::io(out, e))? {
        let entry = entry.map_err(|e| Error::io(out, e))?;
        any = true;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().map(|t| t.is_file()).unwrap_or(false);
        // `.NAME.tmp`: what versions before the staging folder left.
        let known = |n: &str| KNOWN_FILES.contains(&n);
        let legacy_tmp = name
            .strip_prefix('.')
            .and_then(|n| n.strip_suffix(".tmp"))
            .is_some_and(known);
        if !(is_file && (known(&name) || legacy_tmp)) {
            foreign.push(name);
        }
    }
    if !foreign.is_empty() {
        foreign.sort();
        let shown: Vec<&str> = foreign.iter().take(3).map(String::as_str).collect();
        return Err(Error::Usage(format!(
            "--out {} holds {} that qualify did not write ({}{}): a run replaces its output folder whole, so give a new or empty folder, or an earlier run's folder",
            out.display(),
            if foreign.len() == 1 { "a file" } else { "files" },
            shown.join(", "),
            if foreign.len() > 3 { ", ..." } else { "" }
        )));
    }
    Ok(any)
}

/// Refuses an output folder that holds one of the inputs: the run would
/// replace the file it reads.
fn check_inputs(out: &Path, inputs: &[&Path]) -> Result<()> {
    let Ok(out_abs) = std::fs::canonicalize(out) else {
        return Ok(()); // not there yet: holds nothing
    };
    for input in inputs {
        if let Ok(abs) = std::fs::canonicalize(input) {
            if abs.starts_with(&out_abs) {
                return Err(Error::Usage(format!(
                    "--out {} contains the input {}: a run replaces its output folder whole; write to another folder",
                    out.display(),
                    input.display()
                )));
            }
        }
    }
    Ok(())
}

impl RunFolder {
    /// Checks `--out`, takes the lock, clears what a killed run left and
    /// creates the staging folder. Done before any work, so that an
    /// unwritable or busy folder is found at once.
    pub fn open(out: &Path, inputs: &[&Path], token: u64) -> Result<RunFolder> {
        let name = folder_name(out)?;
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        let lock_path = parent.join(format!(".{name}.lock"));
        let lock = try_lock(&lock_path, || {
            format!(
                "another qualify run is writing {} (it holds {}): wait for it to end, or give another --out",
                out.display(),
                lock_path.display()
            )
        })?;
        let replaces = check_out(out)?;
        check_inputs(out, inputs)?;
        // We hold the lock: any staging or retired folder of this name is
        // a dead run's, and holds personal data.
        let stage_prefix = format!(".{name}.staging-");
        let old_prefix = format!(".{name}.old-");
        for entry in std::fs::read_dir(&parent)
            .map_err(|e| Error::io(&parent, e))?
            .flatten()
        {
            let n = entry.file_name().to_string_lossy().into_owned();
            if n.starts_with(&stage_prefix) || n.starts_with(&old_prefix) {
                let p = entry.path();
                std::fs::remove_dir_all(&p).map_err(|e| Error::io(&p, e))?;
            }
        }
        let staging = parent.join(format!("{stage_prefix}{token:016x}"));
        private_dir(&staging).map_err(|e| Error::io(&staging, e))?;
        Ok(RunFolder {
            out: out.to_owned(),
            staging,
            names: Vec::new(),
            hashes: Mutex::new(Vec::new()),
            scratch: Vec::new(),
            replaces,
            committed: false,
            _lock: lock,
        })
    }

    /// `--out` held a previous run, which the commit replaces.
    pub fn replaces(&self) -> bool {
        self.replaces
    }

    /// A new private file in the staging folder, under its final name.
    pub fn create(&mut self, name: &str) -> Result<Output> {
        debug_assert!(KNOWN_FILES.contains(&name), "{name} is not a known output");
        let path = self.staging.join(name);
        let file = create_new(&path, true)?;
        self.names.push(name.to_owned());
        let hashed = Hashed {
            file,
            hasher: Sha256::new(),
        };
        Ok(BufWriter::with_capacity(1 << 20, hashed))
    }

    /// Flushes and syncs a file made by [`RunFolder::create`], and keeps
    /// its hash.
    pub fn finish(&self, name: &str, w: Output) -> Result<()> {
        let path = self.staging.join(name);
        let Hashed { file, hasher } = w
            .into_inner()
            .map_err(|e| Error::io(&path, e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(&path, e))?;
        self.hashes
            .lock()
            .expect("no thread panics holding the hashes")
            .push((name.to_owned(), hex::encode(hasher.finalize())));
        Ok(())
    }

    pub fn bytes(&mut self, name: &str, data: &[u8]) -> Result<()> {
        let w = self.create(name)?;
        self.finish_with(name, w, data)
    }

    /// Writes `data` into a file made by [`RunFolder::create`], then
    /// flushes and syncs it.
    pub fn finish_with(&self, name: &str, mut w: Output, data: &[u8]) -> Result<()> {
        w.write_all(data)
            .map_err(|e| Error::io(self.staging.join(name), e))?;
        self.finish(name, w)
    }

    /// A new private scratch file in the staging folder, for data a run
    /// holds on disk rather than in memory (the list's cells while it
    /// links). Not an output: removed by [`RunFolder::remove_scratch`] or
    /// with the staging folder, never committed, never certified.
    pub fn scratch(&mut self, name: &str) -> Result<(PathBuf, File)> {
        let path = self.staging.join(format!(".scratch-{name}"));
        let file = create_new(&path, true)?;
        self.scratch.push(path.clone());
        Ok((path, file))
    }

    /// Removes the scratch files (before the commit, which checks that the
    /// folder holds only outputs).
    pub fn remove_scratch(&mut self) -> Result<()> {
        for path in self.scratch.drain(..) {
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
        Ok(())
    }

    /// The SHA-256 of every file written so far but `except`, in the order
    /// they were made: (final name, lowercase hex).
    pub fn hashes(&self, except: &str) -> Result<Vec<(String, String)>> {
        let done = self
            .hashes
            .lock()
            .expect("no thread panics holding the hashes");
        self.names
            .iter()
            .filter(|n| n.as_str() != except)
            .map(|n| match done.iter().find(|(d, _)| d == n) {
                Some(d) => Ok(d.clone()),
                // A file opened and never finished may be cut short: it is
                // not certified.
                None => Err(Error::input(
                    self.staging.join(n),
                    "the file was opened but never finished; its hash cannot be certified",
                )),
            })
            .collect()
    }

    /// Swaps the staging folder in for `--out`, whole: the previous run's
    /// folder (if any) is removed after the swap.
    pub fn commit(mut self) -> Result<PathBuf> {
        self.remove_scratch()?;
        File::open(&self.staging)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io(&self.staging, e))?;
        // Checked again under the lock: the folder may have changed while
        // the run computed. An existing folder (empty or a run's) is
        // exchanged, an absent one renamed into place.
        check_out(&self.out)?;
        if self.out.is_dir() {
            exchange(&self.staging, &self.out)?;
            // The staging path now holds the previous folder.
        } else {
            std::fs::rename(&self.staging, &self.out).map_err(|e| Error::io(&self.out, e))?;
        }
        self.committed = true;
        if self.staging.exists() {
            std::fs::remove_dir_all(&self.staging).map_err(|e| Error::io(&self.staging, e))?;
        }
        if let Some(parent) = self.out.parent().filter(|p| !p.as_os_str().is_empty()) {
            // The rename is durable once the parent folder is.
            let _ = File::open(parent).and_then(|d| d.sync_all());
        }
        Ok(self.out.clone())
    }
}

impl Drop for RunFolder {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

/// Exchanges two folders in one step where the system can (Linux
/// `renameat2(RENAME_EXCHANGE)`): there is no moment without `--out`.
/// Elsewhere, two renames; a kill between them leaves the previous run
/// under the `.NAME.old-` name, which the next run removes.
fn exchange(staging: &Path, out: &Path) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt as _;
        let a = CString::new(staging.as_os_str().as_bytes())
            .map_err(|_| Error::Usage(format!("{}: a NUL in the path", staging.display())))?;
        let b = CString::new(out.as_os_str().as_bytes())
            .map_err(|_| Error::Usage(format!("{}: a NUL in the path", out.display())))?;
        // SAFETY: both pointers are valid NUL-terminated strings for the
        // duration of the call; AT_FDCWD resolves them like rename(2).
        let rc = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                a.as_ptr(),
                libc::AT_FDCWD,
                b.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if rc == 0 {
            return Ok(());
        }
        let err = std::io::Error::last_os_error();
        // Filesystems without RENAME_EXCHANGE fall back to two renames.
        if !matches!(err.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS)) {
            return Err(Error::io(out, err));
        }
    }
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let staging_name = staging
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let token = staging_name.rsplit('-').next().unwrap_or("0");
    let old = staging.with_file_name(format!(".{name}.old-{token}"));
    std::fs::rename(out, &old).map_err(|e| Error::io(out, e))?;
    std::fs::rename(staging, out).map_err(|e| Error::io(out, e))?;
    // The caller removes `staging`; the retired folder is ours to remove.
    std::fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))
}

/// The files of a run that the next run compares with (`--previous`).
pub const STATE_FILES: &[&str] = &["summary.json", "people.csv", "decisions.csv"];

/// A state folder (`state_dir`), locked for the whole run: `last/` holds
/// the [`STATE_FILES`] of the last run that kept its state there.
pub struct StateDir {
    dir: PathBuf,
    _lock: File,
}

impl StateDir {
    /// Creates the folder if needed (owner only) and locks it: a second run
    /// keeping its state in the same folder stops at once (exit 5).
    pub fn open(dir: &Path) -> Result<StateDir> {
        if std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(Error::Usage(format!(
                "state_dir {} is a symbolic link: give the folder itself",
                dir.display()
            )));
        }
        if !dir.exists() {
            std::fs::create_dir_all(dir.parent().unwrap_or(Path::new(".")))
                .map_err(|e| Error::io(dir, e))?;
            private_dir(dir).map_err(|e| Error::io(dir, e))?;
        }
        let lock_path = dir.join(".lock");
        let lock = try_lock(&lock_path, || {
            format!(
                "another qualify run keeps its state in {} (it holds {}): wait for it to end",
                dir.display(),
                lock_path.display()
            )
        })?;
        Ok(StateDir {
            dir: dir.to_owned(),
            _lock: lock,
        })
    }

    /// The last run's state, to compare with.
    pub fn last(&self) -> PathBuf {
        self.dir.join("last")
    }

    /// Keeps the committed run folder `out`'s state as `last/`: its files
    /// linked (copied across file systems) into a new folder, swapped in
    /// for the old one whole, so that `last/` is always one run's.
    pub fn keep(&self, out: &Path, token: u64) -> Result<()> {
        let new = self.dir.join(format!(".last.new-{token:016x}"));
        for entry in std::fs::read_dir(&self.dir)
            .map_err(|e| Error::io(&self.dir, e))?
            .flatten()
        {
            // What a killed run left.
            if entry.file_name().to_string_lossy().starts_with(".last.") {
                let p = entry.path();
                std::fs::remove_dir_all(&p).map_err(|e| Error::io(&p, e))?;
            }
        }
        private_dir(&new).map_err(|e| Error::io(&new, e))?;
        for name in STATE_FILES {
            let (from, to) = (out.join(name), new.join(name));
            if std::fs::hard_link(&from, &to).is_err() {
                std::fs::copy(&from, &to).map_err(|e| Error::io(&to, e))?;
            }
        }
        let last = self.last();
        if last.is_dir() {
            exchange(&new, &last)?;
            // After an exchange `new` holds the old state; after the
            // two-rename fallback it is gone already.
            if new.exists() {
                std::fs::remove_dir_all(&new).map_err(|e| Error::io(&new, e))?;
            }
        } else {
            std::fs::rename(&new, &last).map_err(|e| Error::io(&last, e))?;
        }
        let _ = File::open(&self.dir).and_then(|d| d.sync_all());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(f: &mut RunFolder, name: &str, text: &str) {
        f.bytes(name, text.as_bytes()).unwrap();
    }

    #[test]
    fn hashes_are_those_of_the_bytes_on_disk_in_the_order_files_were_made() {
        let tmp = tempfile::tempdir().unwrap();
        let mut f = RunFolder::open(&tmp.path().join("out"), &[], 1).unwrap();
        let mut big = f.create("decisions.csv").unwrap();
        let mut small = f.create("people.csv").unwrap();
        // More than the buffer, in uneven pieces, so the hash spans
        // several writes to the file.
        let piece: Vec<u8> = (0..=255u8).cycle().take(300_001).collect();
        for _ in 0..5 {
            big.write_all(&piece).unwrap();
        }
        small.write_all(b"x\n").unwrap();
        // Finished in the other order, as parallel writers may.
        f.finish("people.csv", small).unwrap();
        f.finish("decisions.csv", big).unwrap();
        write(&mut f, "run.json", "{}");
        let hashes = f.hashes("run.json").unwrap();
        let names: Vec<&str> = hashes.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["decisions.csv", "people.csv"]);
        for (name, hash) in &hashes {
            let bytes = std::fs::read(f.staging.join(name)).unwrap();
            assert_eq!(hash, &hex::encode(Sha256::digest(&bytes)), "{name}");
        }
    }

    #[test]
    fn a_file_never_finished_is_not_certified() {
        let tmp = tempfile::tempdir().unwrap();
        let mut f = RunFolder::open(&tmp.path().join("out"), &[], 1).unwrap();
        write(&mut f, "qualified.csv", "a\n");
        let _open = f.create("rejected.csv").unwrap();
        let e = f.hashes("run.json").unwrap_err().to_string();
        assert!(
            e.contains("rejected.csv") && e.contains("never finished"),
            "{e}"
        );
    }

    #[test]
    fn a_commit_replaces_the_folder_whole_and_a_drop_leaves_it_untouched() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let mut f = RunFolder::open(&out, &[], 1).unwrap();
        assert!(!f.replaces());
        write(&mut f, "qualified.csv", "a\n");
        write(&mut f, "qualified.parquet", "p");
        f.commit().unwrap();
        assert_eq!(std::fs::read(out.join("qualified.parquet")).unwrap(), b"p");

        // A failed run: nothing changes.
        let mut f = RunFolder::open(&out, &[], 2).unwrap();
        assert!(f.replaces());
        write(&mut f, "qualified.csv", "b\n");
        drop(f);
        assert_eq!(std::fs::read(out.join("qualified.csv")).unwrap(), b"a\n");

        // A run without Parquet: the old Parquet file does not survive.
        let mut f = RunFolder::open(&out, &[], 3).unwrap();
        write(&mut f, "qualified.csv", "c\n");
        f.commit().unwrap();
        assert_eq!(std::fs::read(out.join("qualified.csv")).unwrap(), b"c\n");
        assert!(!out.join("qualified.parquet").exists());
        let left: Vec<String> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            left.iter().all(|n| n == "out" || n == ".out.lock"),
            "{left:?}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn files_and_folder_are_private_whatever_the_umask() {
        use std::os::unix::fs::PermissionsExt as _;
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let mut f = RunFolder::open(&out, &[], 7).unwrap();
        write(&mut f, "summary.json", "{}\n");
        f.commit().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&out), 0o700);
        assert_eq!(mode(&out.join("summary.json")), 0o600);
    }

    #[test]
    fn a_second_run_into_the_same_folder_is_refused_at_once() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let _first = RunFolder::open(&out, &[], 1).unwrap();
        // A second open file description: flock locks conflict across them.
        let err = RunFolder::open(&out, &[], 2).err().unwrap();
        assert!(matches!(err, Error::Busy(_)), "{err}");
        assert_eq!(err.exit_code(), 5);
    }

    #[test]
    fn a_foreign_folder_a_file_a_link_and_an_input_inside_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        std::fs::create_dir(&home).unwrap();
        std::fs::write(home.join("notes.txt"), "mine").unwrap();
        let err = RunFolder::open(&home, &[], 1).err().unwrap().to_string();
        assert!(
            err.contains("notes.txt") && err.contains("did not write"),
            "{err}"
        );
        assert_eq!(std::fs::read(home.join("notes.txt")).unwrap(), b"mine");

        let file = tmp.path().join("file");
        std::fs::write(&file, "x").unwrap();
        let err = RunFolder::open(&file, &[], 1).err().unwrap().to_string();
        assert!(err.contains("is a file, not a folder"), "{err}");

        #[cfg(unix)]
        {
            let link = tmp.path().join("link");
            std::os::unix::fs::symlink(tmp.path().join("nowhere"), &link).unwrap();
            let err = RunFolder::open(&link, &[], 1).err().unwrap().to_string();
            assert!(err.contains("symbolic link"), "{err}");
        }

        let out = tmp.path().join("out");
        let mut f = RunFolder::open(&out, &[], 1).unwrap();
        write(&mut f, "qualified.csv", "a\n");
        f.commit().unwrap();
        let input = out.join("qualified.csv");
        let err = RunFolder::open(&out, &[input.as_path()], 2)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("contains the input"), "{err}");
    }

    #[test]
    fn a_killed_runs_staging_folder_is_removed_by_the_next_run() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let dead = tmp.path().join(".out.staging-00000000000000aa");
        std::fs::create_dir(&dead).unwrap();
        std::fs::write(dead.join("qualified.csv"), "personal data").unwrap();
        let f = RunFolder::open(&out, &[], 0xbb).unwrap();
        assert!(!dead.exists());
        drop(f);
    }
}
