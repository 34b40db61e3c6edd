//! Model-file introspection: what a file's own headers say, read without executing
//! anything and without reading tensor data. `shelf push` records it as each artifact's
//! `info` (the types of [`shelf_format::inspect`], docs/format.md §5.5.1).
//!
//! Std-only parsing of local files: no registry, no I/O beyond reading the file, so the
//! parsers can be tested, fuzzed and benchmarked (`scripts/bench-inspect.sh`, the
//! `inspect` example) on their own.
//!
//! [`inspect_file`] recognises a file by its magic bytes first and its extension second,
//! then hands it to one parser per format. Every parser reads headers only and seeks over
//! data, caps what it reads ([`safetensors::MAX_HEADER`], [`archive::MAX_ENTRY`], string
//! and list caps of [`shelf_format::inspect`]), and turns any problem into a warning:
//! hostile or truncated input never panics and never stops a push.

pub mod archive;
mod gguf;
mod onnx;
pub mod pickle;
pub mod safetensors;

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use shelf_format::inspect::{Dim, MAX_TEXT, ModelFileInfo};

/// What introspection made of one file.
// One value per file, moved once: boxing the info would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Inspection {
    /// Not a model file Shelf recognises (a CSV, a README, a plain zip…).
    NotAModel,
    /// A model file, and what its headers say.
    Info(ModelFileInfo),
    /// Recognised as `format` (its magic bytes or its extension say so) but not readable
    /// as such. `warning` names the file and what is wrong, e.g.
    /// `model.safetensors: header length 9999999 exceeds the file size 120`.
    Malformed {
        format: &'static str,
        warning: String,
    },
}

impl Inspection {
    /// What was found, if anything.
    pub fn info(&self) -> Option<&ModelFileInfo> {
        match self {
            Inspection::Info(info) => Some(info),
            _ => None,
        }
    }

    /// What was found, if anything, by value.
    pub fn into_info(self) -> Option<ModelFileInfo> {
        match self {
            Inspection::Info(info) => Some(info),
            _ => None,
        }
    }

    /// The warning to show for a malformed file.
    pub fn warning(&self) -> Option<&str> {
        match self {
            Inspection::Malformed { warning, .. } => Some(warning),
            _ => None,
        }
    }
}

/// What is wrong with a file, without its name (added by [`inspect_file`]).
#[derive(Debug, Clone, PartialEq)]
struct Problem(String);

impl From<io::Error> for Problem {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            Problem("the file ends early (truncated?)".into())
        } else {
            Problem(format!("read error: {e}"))
        }
    }
}

type Result<T> = std::result::Result<T, Problem>;

/// The kinds of file [`sniff`] tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Safetensors,
    Onnx,
    Gguf,
    /// A zip archive; `expect` is the format its extension promises, if any.
    Zip {
        expect: Option<&'static str>,
    },
    /// A pickle, possibly inside a compressed stream.
    Pickle {
        compression: Option<pickle::Compression>,
    },
}

impl Kind {
    fn format(self) -> &'static str {
        match self {
            Kind::Safetensors => "safetensors",
            Kind::Onnx => "onnx",
            Kind::Gguf => "gguf",
            Kind::Zip { expect } => expect.unwrap_or("zip"),
            Kind::Pickle { .. } => "pickle",
        }
    }
}

/// Extensions of pickle files (joblib names its dumps `.joblib`, `.pkl`…).
const PICKLE_EXTENSIONS: [&str; 5] = ["pkl", "pickle", "joblib", "jbl", "sav"];

/// The file's extensions, lower-cased: `model.joblib.gz` gives `("gz", Some("joblib"))`.
fn extensions(path: &Path) -> (String, Option<String>) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let mut parts = name.rsplit('.');
    let last = parts.next().unwrap_or_default();
    if !name.contains('.') {
        return (String::new(), None);
    }
    let before = parts.next().filter(|_| name.matches('.').count() >= 2);
    (last.to_string(), before.map(str::to_string))
}

/// Recognise a file of `size` bytes by its first bytes, then by its extension.
fn sniff(head: &[u8], size: u64, path: &Path) -> Option<Kind> {
    let (ext, inner) = extensions(path);
    let ext = ext.as_str();
    if head.starts_with(b"GGUF") {
        return Some(Kind::Gguf);
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        let expect = match ext {
            "keras" => Some("keras"),
            "pt" | "pth" => Some("pytorch"),
            _ => None,
        };
        return Some(Kind::Zip { expect });
    }
    if head.len() >= 2 && head[0] == 0x80 && (2..=5).contains(&head[1]) {
        return Some(Kind::Pickle { compression: None });
    }
    // safetensors: a plausible header length, then `{`. (`{"data":{` would pass the
    // second test, but not the first: ASCII as a length is over 2^61.)
    if head.len() >= 9 && head[8] == b'{' && ext != "onnx" {
        let len = u64::from_le_bytes(head[..8].try_into().unwrap_or_default());
        if len <= safetensors::MAX_HEADER && len <= size.saturating_sub(8) {
            return Some(Kind::Safetensors);
        }
    }
    // A compressed pickle (joblib's `compress=`): compression magic and a pickle name,
    // `model.joblib` or `model.joblib.gz`.
    let pickle_name = PICKLE_EXTENSIONS.contains(&ext)
        || inner
            .as_deref()
            .is_some_and(|i| PICKLE_EXTENSIONS.contains(&i));
    if pickle_name && let Some(c) = pickle::Compression::sniff(head) {
        return Some(Kind::Pickle {
            compression: Some(c),
        });
    }
    match ext {
        "safetensors" => Some(Kind::Safetensors),
        "onnx" => Some(Kind::Onnx),
        "gguf" => Some(Kind::Gguf),
        "keras" => Some(Kind::Zip {
            expect: Some("keras"),
        }),
        "pt" | "pth" => Some(Kind::Zip {
            expect: Some("pytorch"),
        }),
        _ if pickle_name => Some(Kind::Pickle { compression: None }),
        _ => None,
    }
}

/// Read what a model file's headers say. Never reads tensor data, never executes
/// anything, never panics: a file that looks like a model file but is not readable as one
/// gives [`Inspection::Malformed`] with a warning naming the file.
pub fn inspect_file(path: &Path) -> Inspection {
    let shown = path.display().to_string();
    let opened = File::open(path).and_then(|mut f| {
        let size = f.metadata()?.len();
        let mut head = Vec::with_capacity(16);
        (&mut f).take(16).read_to_end(&mut head)?;
        Ok((f, size, head))
    });
    let (mut file, size, head) = match opened {
        Ok(opened) => opened,
        Err(e) => {
            return match sniff(&[], 0, path) {
                Some(kind) => Inspection::Malformed {
                    format: kind.format(),
                    warning: format!("{shown}: cannot read: {e}"),
                },
                None => Inspection::NotAModel,
            };
        }
    };
    let Some(kind) = sniff(&head, size, path) else {
        return Inspection::NotAModel;
    };
    let rewound = io::Seek::rewind(&mut file).map_err(Problem::from);
    let result = rewound.and_then(|()| match kind {
        Kind::Safetensors => safetensors::inspect(&mut file, size).map(Some),
        Kind::Onnx => onnx::inspect(file, size).map(Some),
        Kind::Gguf => gguf::inspect(file, size).map(Some),
        Kind::Zip { expect } => archive::inspect(file, expect),
        Kind::Pickle { compression } => {
            pickle::inspect(file, size, compression, extensions(path)).map(Some)
        }
    });
    match result {
        Ok(Some(info)) => Inspection::Info(info),
        Ok(None) => Inspection::NotAModel,
        Err(Problem(what)) => Inspection::Malformed {
            format: kind.format(),
            warning: format!("{shown}: {}: {what}", kind.format()),
        },
    }
}

/// `s`, cut to at most [`MAX_TEXT`] bytes at a character boundary (ending with `…`).
fn clip(mut s: String) -> String {
    if s.len() > MAX_TEXT {
        let mut end = MAX_TEXT - '…'.len_utf8();
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
    s
}

/// Text from a file's bytes: invalid UTF-8 replaced, cut with [`clip`].
fn text(bytes: &[u8]) -> String {
    clip(String::from_utf8_lossy(bytes).into_owned())
}

/// A shape of unsigned dimensions as [`Dim`]s.
fn fixed_shape(dims: &[u64]) -> Result<Vec<Dim>> {
    dims.iter()
        .map(|d| {
            i64::try_from(*d)
                .map(Dim::Fixed)
                .map_err(|_| Problem(format!("dimension {d} is too large")))
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use std::path::PathBuf;

    use super::*;

    /// A temp dir holding `name` with `bytes`.
    pub(crate) fn file_with(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        (dir, path)
    }

    /// The warning [`inspect_file`] gives for `bytes` named `name`; panics when the file
    /// is not reported malformed.
    pub(crate) fn problem_of(name: &str, bytes: &[u8]) -> String {
        let (_dir, path) = file_with(name, bytes);
        match inspect_file(&path) {
            Inspection::Malformed { warning, .. } => {
                assert!(
                    warning.starts_with(&path.display().to_string()),
                    "{warning}"
                );
                warning.replace(&path.display().to_string(), name)
            }
            other => panic!("{name}: expected a warning, got {other:?}"),
        }
    }

    #[test]
    fn recognises_by_magic_then_extension() {
        let p = Path::new;
        assert_eq!(sniff(b"GGUF\x03\0\0\0", 100, p("x.bin")), Some(Kind::Gguf));
        assert_eq!(
            sniff(b"PK\x03\x04", 100, p("m.keras")),
            Some(Kind::Zip {
                expect: Some("keras")
            })
        );
        assert_eq!(
            sniff(b"PK\x03\x04", 100, p("pytorch_model.bin")),
            Some(Kind::Zip { expect: None })
        );
        assert_eq!(
            sniff(b"\x80\x04\x95", 100, p("model")),
            Some(Kind::Pickle { compression: None })
        );
        assert_eq!(
            sniff(b"\x10\0\0\0\0\0\0\0{\"a", 100, p("weights")),
            Some(Kind::Safetensors)
        );
        assert_eq!(
            sniff(b"\x1f\x8b\x08", 100, p("model.joblib.gz")),
            Some(Kind::Pickle {
                compression: Some(pickle::Compression::Gzip)
            })
        );
        assert_eq!(
            sniff(b"\x78\x9c", 100, p("model.pkl")),
            Some(Kind::Pickle {
                compression: Some(pickle::Compression::Zlib)
            })
        );
        assert_eq!(sniff(b"\x1f\x8b\x08", 100, p("data.csv.gz")), None);
        assert_eq!(
            sniff(b"\x08\x07\x12", 100, p("model.onnx")),
            Some(Kind::Onnx)
        );
        assert_eq!(
            sniff(b"hello", 100, p("model.SAFETENSORS")),
            Some(Kind::Safetensors)
        );
        assert_eq!(
            sniff(b"(lp0", 100, p("old.pkl")),
            Some(Kind::Pickle { compression: None })
        );
        assert_eq!(sniff(b"a,b\n1,2", 100, p("data.csv")), None);
        // JSON whose ninth byte is `{` is not safetensors.
        assert_eq!(sniff(b"{\"abcd\":{\"x\"", 100, p("config.json")), None);
        assert_eq!(sniff(b"", 100, p("README")), None);
    }

    #[test]
    fn other_files_are_not_model_files() {
        for (name, bytes) in [
            ("data.csv", &b"a,b\n1,2\n"[..]),
            ("empty", b""),
            ("README.md", b"# Model\n"),
            ("config.json", b"{\"abcd\":{\"x\": 1}}"),
        ] {
            let (_dir, path) = file_with(name, bytes);
            assert_eq!(inspect_file(&path), Inspection::NotAModel, "{name}");
        }
        assert_eq!(
            inspect_file(Path::new("/nonexistent/notes.txt")),
            Inspection::NotAModel
        );
        let missing = inspect_file(Path::new("/nonexistent/model.onnx"));
        assert!(
            missing
                .warning()
                .unwrap()
                .starts_with("/nonexistent/model.onnx: cannot read:"),
            "{missing:?}"
        );
    }

    #[test]
    fn empty_and_garbage_files_with_model_extensions_give_warnings() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut garbage = vec![0u8; 4096];
        for b in &mut garbage {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            *b = seed as u8;
        }
        for name in [
            "m.safetensors",
            "m.onnx",
            "m.gguf",
            "m.keras",
            "m.pt",
            "m.pkl",
            "m.joblib",
        ] {
            for bytes in [&b""[..], &garbage[..]] {
                let warning = problem_of(name, bytes);
                assert!(warning.starts_with(&format!("{name}: ")), "{warning}");
            }
        }
    }

    #[test]
    fn clip_cuts_at_a_character_boundary() {
        assert_eq!(clip("abc".into()), "abc");
        let long = "é".repeat(MAX_TEXT);
        let cut = clip(long);
        assert!(cut.len() <= MAX_TEXT && cut.ends_with('…'), "{}", cut.len());
    }
}
