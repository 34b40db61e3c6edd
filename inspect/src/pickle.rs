//! Python pickles (protocols 0 to 5), joblib dumps and the `data.pkl` of PyTorch
//! archives, read by a symbolic pickle machine that never imports or calls anything.
//!
//! The machine runs every opcode on a stack of inert values: `GLOBAL`/`STACK_GLOBAL`/
//! `INST` give a `(module, name)` value and record the import; `REDUCE`, `NEWOBJ`, `OBJ`
//! and `BUILD` record "this callable applied to these arguments" instead of calling it.
//! That is enough to list what a pickle would import (what loading it would run), to find
//! the tensors of a PyTorch state dict (calls of `torch._utils._rebuild_tensor_v2` on a
//! storage, an offset and a size tuple), and to step over the raw array bytes joblib
//! writes between opcodes (their length follows from the wrapper's shape and dtype).
//!
//! Bounds: strings are cut to [`MAX_TEXT`] (the rest is skipped, not read), bytes are
//! skipped, lines are at most [`MAX_LINE`] bytes, at most [`MAX_VALUES`] containers,
//! strings and calls are kept (later ones become opaque), containers keep at most
//! [`MAX_ITEMS`] items in all, the stack is at most [`MAX_STACK`] deep and at most
//! [`MAX_LISTED`] distinct imports are kept. Time is linear in the file's size.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek};

use shelf_format::inspect::{MAX_LISTED, MAX_TEXT, ModelFileInfo, PickleInfo, TensorInfo};

use super::{Problem, Result, clip, fixed_shape};

/// Longest text line (protocol 0 arguments) read.
pub const MAX_LINE: usize = 1 << 16;
/// Most strings, containers and calls kept; further ones are opaque.
pub const MAX_VALUES: usize = 1_000_000;
/// Most container items kept, over all containers.
pub const MAX_ITEMS: usize = 2_000_000;
/// Deepest stack (values plus marks) a pickle may build: a file of DUP opcodes would
/// otherwise grow the stack by 16 bytes per byte read.
pub const MAX_STACK: usize = 1_000_000;
/// Most bytes read from a compressed stream (after decompression).
pub const MAX_DECOMPRESSED: u64 = 1 << 30;
/// Deepest nesting walked when looking for tensors, and of joblib's nested pickles.
const MAX_DEPTH: usize = 64;

/// The compression around a joblib dump (joblib's `compress=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Zlib,
    Gzip,
    Bz2,
    Xz,
    Lzma,
    Lz4,
    /// joblib before 0.9.3: `ZF`, a length, then zlib data.
    ZFile,
}

impl Compression {
    /// Recognise compressed data by its first bytes (joblib's prefixes).
    pub fn sniff(head: &[u8]) -> Option<Compression> {
        Some(match head {
            [0x78, flg, ..] if (0x7800u16 | u16::from(*flg)) % 31 == 0 => Compression::Zlib,
            [0x1f, 0x8b, ..] => Compression::Gzip,
            [b'B', b'Z', b'h', ..] => Compression::Bz2,
            [0xfd, b'7', b'z', b'X', b'Z', ..] => Compression::Xz,
            [0x5d, 0x00, 0x00, ..] => Compression::Lzma,
            [0x04, 0x22, 0x4d, 0x18, ..] => Compression::Lz4,
            [b'Z', b'F', ..] => Compression::ZFile,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::Zlib | Compression::ZFile => "zlib",
            Compression::Gzip => "gzip",
            Compression::Bz2 => "bz2",
            Compression::Xz => "xz",
            Compression::Lzma => "lzma",
            Compression::Lz4 => "lz4",
        }
    }
}

/// A byte source the machine reads from and skips over.
pub(super) trait Source: BufRead {
    /// Skip `n` bytes.
    fn skip(&mut self, n: u64) -> io::Result<()>;
}

impl<R: Read + Seek> Source for BufReader<R> {
    fn skip(&mut self, n: u64) -> io::Result<()> {
        // Seeking past the end succeeds; the next read then finds the end of the file.
        let step = i64::try_from(n).map_err(|_| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        self.seek_relative(step)
    }
}

/// A source that can only be read forward (a decompressing reader): skipping reads.
/// Stops with an error after `limit` bytes, and says so in `hit_limit`.
pub(super) struct Stream<R> {
    r: BufReader<io::Take<R>>,
    limit: u64,
}

impl<R: Read> Stream<R> {
    pub(super) fn new(r: R, limit: u64) -> Self {
        Stream {
            r: BufReader::new(r.take(limit)),
            limit,
        }
    }
    fn hit_limit(&self) -> bool {
        self.r.get_ref().limit() == 0 && self.limit > 0
    }
}

impl<R: Read> Read for Stream<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.r.read(buf)
    }
}

impl<R: Read> BufRead for Stream<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.r.fill_buf()
    }
    fn consume(&mut self, n: usize) {
        self.r.consume(n)
    }
}

impl<R: Read> Source for Stream<R> {
    fn skip(&mut self, n: u64) -> io::Result<()> {
        let copied = io::copy(&mut (&mut self.r).take(n), &mut io::sink())?;
        if copied < n {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }
}

/// The first 40 characters of text from a file, for a message.
fn excerpt(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s.to_string(),
    }
}

/// An inert value on the machine's stack.
#[derive(Debug, Clone, Copy, PartialEq)]
enum V {
    /// Anything not tracked: None, floats, bytes, big integers, values past the caps.
    Opaque,
    Int(i64),
    /// A node in the machine's arena.
    Node(u32),
}

#[derive(Debug)]
enum Node {
    Str(String),
    Tuple(Vec<V>),
    List(Vec<V>),
    Dict(Vec<(V, V)>),
    /// `module.name`, as GLOBAL or STACK_GLOBAL named it.
    Global(String, String),
    /// A callable applied to arguments (REDUCE, NEWOBJ, OBJ, INST), with the items
    /// SETITEMS added (an OrderedDict) and the state BUILD gave it.
    Call {
        func: V,
        args: V,
        items: Vec<(V, V)>,
        state: Option<V>,
    },
    /// A persistent id (BINPERSID): PyTorch's reference to a storage.
    Persistent(V),
}

/// What a scan found.
#[derive(Debug, Default)]
pub(super) struct Scan {
    pub protocol: Option<u8>,
    pub imports: BTreeSet<String>,
    /// The storage keys of PyTorch persistent ids.
    pub storages: HashSet<String>,
    /// joblib arrays stepped over.
    pub arrays: u64,
    /// Tensors found in the pickled value, named by their path.
    pub tensors: Vec<TensorInfo>,
    pub tensor_count: u64,
    pub parameter_count: u64,
    /// True when the value tree went past [`MAX_VALUES`] or [`MAX_ITEMS`] and tensors may
    /// be missing.
    pub lossy: bool,
    /// True when more than [`MAX_LISTED`] distinct imports were found; `imports` holds
    /// the first ones.
    pub imports_truncated: bool,
    /// True when a STACK_GLOBAL's strings were past the caps: an import is unknown.
    pub imports_unresolved: bool,
}

impl Scan {
    /// True when `imports` is every import the pickle makes.
    pub fn imports_complete(&self) -> bool {
        !self.imports_truncated && !self.imports_unresolved
    }
}

struct Machine<'a> {
    src: &'a mut dyn Source,
    pos: u64,
    /// Where the opcode being run starts: errors name it.
    op_at: u64,
    nodes: Vec<Node>,
    items: usize,
    stack: Vec<V>,
    marks: Vec<usize>,
    memo: HashMap<u64, V>,
    scan: Scan,
    depth: usize,
}

const STORAGE_DTYPES: [(&str, &str); 15] = [
    ("FloatStorage", "float32"),
    ("DoubleStorage", "float64"),
    ("HalfStorage", "float16"),
    ("BFloat16Storage", "bfloat16"),
    ("LongStorage", "int64"),
    ("IntStorage", "int32"),
    ("ShortStorage", "int16"),
    ("CharStorage", "int8"),
    ("ByteStorage", "uint8"),
    ("BoolStorage", "bool"),
    ("ComplexFloatStorage", "complex64"),
    ("ComplexDoubleStorage", "complex128"),
    ("QInt8Storage", "qint8"),
    ("QUInt8Storage", "quint8"),
    ("QInt32Storage", "qint32"),
];

impl<'a> Machine<'a> {
    fn new(src: &'a mut dyn Source) -> Self {
        Machine {
            src,
            pos: 0,
            op_at: 0,
            nodes: Vec::new(),
            items: 0,
            stack: Vec::new(),
            marks: Vec::new(),
            memo: HashMap::new(),
            scan: Scan::default(),
            depth: 0,
        }
    }

    /// An error about the opcode being run.
    fn fail<T>(&self, what: impl std::fmt::Display) -> Result<T> {
        Err(Problem(format!("{what} at byte {}", self.op_at)))
    }

    fn read<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut b = [0u8; N];
        self.src.read_exact(&mut b)?;
        self.pos += N as u64;
        Ok(b)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.read::<1>()?[0])
    }

    fn u32(&mut self) -> Result<u64> {
        Ok(u32::from_le_bytes(self.read()?).into())
    }

    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.read()?))
    }

    fn skip(&mut self, n: u64) -> Result<()> {
        self.src.skip(n)?;
        self.pos += n;
        Ok(())
    }

    /// A text line without its `\n`.
    fn line(&mut self) -> Result<String> {
        let mut buf = Vec::new();
        (&mut *self.src)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)?;
        self.pos += buf.len() as u64;
        if buf.last() != Some(&b'\n') {
            return if buf.len() > MAX_LINE {
                self.fail("a line longer than 64 KiB")
            } else {
                Err(io::Error::from(io::ErrorKind::UnexpectedEof).into())
            };
        }
        buf.pop();
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }

    /// `n` bytes of text: the first [`MAX_TEXT`] kept, the rest skipped.
    fn text(&mut self, n: u64) -> Result<V> {
        let keep = n.min(MAX_TEXT as u64);
        let mut buf = vec![0u8; keep as usize];
        self.src.read_exact(&mut buf)?;
        self.pos += keep;
        self.skip(n - keep)?;
        Ok(self.node(Node::Str(clip(String::from_utf8_lossy(&buf).into_owned()))))
    }

    fn node(&mut self, node: Node) -> V {
        if self.nodes.len() >= MAX_VALUES {
            self.scan.lossy = true;
            return V::Opaque;
        }
        self.nodes.push(node);
        V::Node(self.nodes.len() as u32 - 1)
    }

    fn get(&self, v: V) -> Option<&Node> {
        match v {
            V::Node(i) => self.nodes.get(i as usize),
            _ => None,
        }
    }

    fn str_of(&self, v: V) -> Option<&str> {
        match self.get(v) {
            Some(Node::Str(s)) => Some(s),
            _ => None,
        }
    }

    fn global_of(&self, v: V) -> Option<(&str, &str)> {
        match self.get(v) {
            Some(Node::Global(m, n)) => Some((m, n)),
            _ => None,
        }
    }

    fn pop(&mut self) -> Result<V> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return self.fail("stack underflow (not a pickle?)");
        }
        Ok(self.stack.pop().unwrap_or(V::Opaque))
    }

    fn top(&mut self) -> Result<&mut V> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return self.fail("stack underflow (not a pickle?)");
        }
        let at = self.op_at;
        self.stack
            .last_mut()
            .ok_or_else(|| Problem(format!("stack underflow at byte {at}")))
    }

    /// The values since the last MARK, which is removed.
    fn pop_mark(&mut self) -> Result<Vec<V>> {
        let Some(mark) = self.marks.pop() else {
            return self.fail("no MARK for an opcode that needs one (not a pickle?)");
        };
        Ok(self.stack.split_off(mark))
    }

    fn import(&mut self, module: String, name: String) -> V {
        self.scan.imports.insert(clip(format!("{module}.{name}")));
        self.node(Node::Global(module, name))
    }

    /// Keep `n` more container items, or say no (and mark the scan lossy).
    fn budget(&mut self, n: usize) -> bool {
        if self.items + n > MAX_ITEMS {
            self.scan.lossy = true;
            return false;
        }
        self.items += n;
        true
    }

    fn append(&mut self, target: V, values: Vec<V>) {
        if !self.budget(values.len()) {
            return;
        }
        if let V::Node(i) = target
            && let Some(Node::List(list)) = self.nodes.get_mut(i as usize)
        {
            list.extend(values);
        }
    }

    fn set_items(&mut self, target: V, values: Vec<V>) -> Result<()> {
        if values.len() % 2 != 0 {
            return self.fail("SETITEMS with an odd number of values");
        }
        if !self.budget(values.len()) {
            return Ok(());
        }
        let pairs = values.chunks(2).map(|p| (p[0], p[1]));
        if let V::Node(i) = target {
            match self.nodes.get_mut(i as usize) {
                Some(Node::Dict(items)) | Some(Node::Call { items, .. }) => items.extend(pairs),
                _ => {}
            }
        }
        Ok(())
    }

    fn tuple(&mut self, values: Vec<V>) -> V {
        if !self.budget(values.len()) {
            return V::Opaque;
        }
        self.node(Node::Tuple(values))
    }

    fn call(&mut self, func: V, args: V) -> V {
        self.node(Node::Call {
            func,
            args,
            items: Vec::new(),
            state: None,
        })
    }

    fn int_line(&mut self, line: &str) -> V {
        let line = line.trim_end_matches('L');
        line.parse().map(V::Int).unwrap_or(V::Opaque)
    }

    /// Run one pickle to its STOP; returns the value it builds.
    fn run(&mut self) -> Result<V> {
        loop {
            if self.stack.len() + self.marks.len() > MAX_STACK {
                return self.fail(format!("a stack deeper than {MAX_STACK} values"));
            }
            self.op_at = self.pos;
            let op = self.u8()?;
            match op {
                b'(' => self.marks.push(self.stack.len()),
                b'.' => {
                    let v = self.pop()?;
                    return Ok(v);
                }
                b'0' => {
                    self.pop()?;
                }
                b'1' => {
                    self.pop_mark()?;
                }
                b'2' => {
                    let v = *self.top()?;
                    self.stack.push(v);
                }
                b'F' => {
                    self.line()?;
                    self.stack.push(V::Opaque);
                }
                b'I' => {
                    let line = self.line()?;
                    let v = match line.as_str() {
                        "00" | "01" => V::Opaque,
                        _ => self.int_line(&line),
                    };
                    self.stack.push(v);
                }
                b'L' => {
                    let line = self.line()?;
                    let v = self.int_line(&line);
                    self.stack.push(v);
                }
                b'J' => {
                    let v = i32::from_le_bytes(self.read()?);
                    self.stack.push(V::Int(v.into()));
                }
                b'K' => {
                    let v = self.u8()?;
                    self.stack.push(V::Int(v.into()));
                }
                b'M' => {
                    let v = u16::from_le_bytes(self.read()?);
                    self.stack.push(V::Int(v.into()));
                }
                0x8a | 0x8b => {
                    let n = if op == 0x8a {
                        self.u8()?.into()
                    } else {
                        self.u32()?
                    };
                    let v = if n <= 8 {
                        let mut b = [0u8; 8];
                        self.src.read_exact(&mut b[..n as usize])?;
                        self.pos += n;
                        if n > 0 && b[n as usize - 1] & 0x80 != 0 {
                            b[n as usize..].fill(0xff);
                        }
                        V::Int(i64::from_le_bytes(b))
                    } else {
                        self.skip(n)?;
                        V::Opaque
                    };
                    self.stack.push(v);
                }
                b'G' => {
                    self.read::<8>()?;
                    self.stack.push(V::Opaque);
                }
                b'N' | 0x88 | 0x89 => self.stack.push(V::Opaque),
                b'S' | b'V' => {
                    let line = self.line()?;
                    let text = if op == b'S' {
                        line.trim_matches(|c| c == '\'' || c == '"').to_string()
                    } else {
                        line
                    };
                    let v = self.node(Node::Str(clip(text)));
                    self.stack.push(v);
                }
                b'T' | b'X' | b'U' | 0x8c | 0x8d => {
                    let n = match op {
                        b'T' | b'X' => self.u32()?,
                        b'U' | 0x8c => self.u8()?.into(),
                        _ => self.u64()?,
                    };
                    let v = self.text(n)?;
                    self.stack.push(v);
                }
                b'B' | b'C' | 0x8e | 0x96 => {
                    let n = match op {
                        b'B' => self.u32()?,
                        b'C' => self.u8()?.into(),
                        _ => self.u64()?,
                    };
                    self.skip(n)?;
                    self.stack.push(V::Opaque);
                }
                0x97 => self.stack.push(V::Opaque),
                0x98 => {
                    self.top()?;
                }
                b'c' | b'i' => {
                    let module = self.line()?;
                    let name = self.line()?;
                    let g = self.import(module, name);
                    if op == b'i' {
                        let args = self.pop_mark()?;
                        let args = self.tuple(args);
                        let v = self.call(g, args);
                        self.stack.push(v);
                    } else {
                        self.stack.push(g);
                    }
                }
                0x93 => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    let g = match (self.str_of(module), self.str_of(name)) {
                        (Some(m), Some(n)) => {
                            let (m, n) = (m.to_string(), n.to_string());
                            self.import(m, n)
                        }
                        // Strings past the caps are opaque: the import is unknown.
                        _ if self.scan.lossy => {
                            self.scan.imports_unresolved = true;
                            V::Opaque
                        }
                        _ => return self.fail("STACK_GLOBAL without two strings"),
                    };
                    self.stack.push(g);
                }
                0x82..=0x84 => {
                    let code = match op {
                        0x82 => self.u8()?.into(),
                        0x83 => u16::from_le_bytes(self.read()?).into(),
                        _ => self.u32()?,
                    };
                    let g = self.import("copyreg.extension".into(), code.to_string());
                    self.stack.push(g);
                }
                b'R' | 0x81 => {
                    let args = self.pop()?;
                    let func = self.pop()?;
                    let v = self.call(func, args);
                    self.stack.push(v);
                }
                0x92 => {
                    let _kwargs = self.pop()?;
                    let args = self.pop()?;
                    let func = self.pop()?;
                    let v = self.call(func, args);
                    self.stack.push(v);
                }
                b'o' => {
                    let mut values = self.pop_mark()?;
                    if values.is_empty() {
                        return self.fail("OBJ without a class");
                    }
                    let func = values.remove(0);
                    let args = self.tuple(values);
                    let v = self.call(func, args);
                    self.stack.push(v);
                }
                b'b' => {
                    let state = self.pop()?;
                    let obj = *self.top()?;
                    if let V::Node(i) = obj
                        && let Some(Node::Call { state: s, .. }) = self.nodes.get_mut(i as usize)
                    {
                        *s = Some(state);
                    }
                    self.after_build(obj)?;
                }
                b'P' => {
                    self.line()?;
                    let v = self.node(Node::Persistent(V::Opaque));
                    self.stack.push(v);
                }
                b'Q' => {
                    let pid = self.pop()?;
                    self.persistent(pid);
                    let v = self.node(Node::Persistent(pid));
                    self.stack.push(v);
                }
                b'a' => {
                    let v = self.pop()?;
                    let list = *self.top()?;
                    self.append(list, vec![v]);
                }
                b'e' | 0x90 => {
                    let values = self.pop_mark()?;
                    let list = *self.top()?;
                    self.append(list, values);
                }
                b's' => {
                    let v = self.pop()?;
                    let k = self.pop()?;
                    let dict = *self.top()?;
                    self.set_items(dict, vec![k, v])?;
                }
                b'u' => {
                    let values = self.pop_mark()?;
                    let dict = *self.top()?;
                    self.set_items(dict, values)?;
                }
                b'd' => {
                    let values = self.pop_mark()?;
                    let dict = self.node(Node::Dict(Vec::new()));
                    self.set_items(dict, values)?;
                    self.stack.push(dict);
                }
                b'}' => {
                    let v = self.node(Node::Dict(Vec::new()));
                    self.stack.push(v);
                }
                b']' | 0x8f => {
                    let v = self.node(Node::List(Vec::new()));
                    self.stack.push(v);
                }
                b'l' | 0x91 => {
                    let values = self.pop_mark()?;
                    let list = self.node(Node::List(Vec::new()));
                    self.append(list, values);
                    self.stack.push(list);
                }
                b't' => {
                    let values = self.pop_mark()?;
                    let v = self.tuple(values);
                    self.stack.push(v);
                }
                b')' => {
                    let v = self.tuple(Vec::new());
                    self.stack.push(v);
                }
                0x85..=0x87 => {
                    let n = usize::from(op - 0x84);
                    let mut values = Vec::with_capacity(n);
                    for _ in 0..n {
                        values.push(self.pop()?);
                    }
                    values.reverse();
                    let v = self.tuple(values);
                    self.stack.push(v);
                }
                b'p' | b'q' | b'r' | 0x94 => {
                    let key = match op {
                        b'p' => {
                            let line = self.line()?;
                            match line.parse() {
                                Ok(k) => k,
                                Err(_) => {
                                    return self.fail(format!("PUT with key {:?}", excerpt(&line)));
                                }
                            }
                        }
                        b'q' => self.u8()?.into(),
                        b'r' => self.u32()?,
                        _ => self.memo.len() as u64,
                    };
                    let v = *self.top()?;
                    if self.memo.len() < MAX_VALUES || self.memo.contains_key(&key) {
                        self.memo.insert(key, v);
                    } else {
                        self.scan.lossy = true;
                    }
                }
                b'g' | b'h' | b'j' => {
                    let key = match op {
                        b'g' => {
                            let line = self.line()?;
                            match line.parse() {
                                Ok(k) => k,
                                Err(_) => {
                                    return self.fail(format!("GET with key {:?}", excerpt(&line)));
                                }
                            }
                        }
                        b'h' => self.u8()?.into(),
                        _ => self.u32()?,
                    };
                    let v = match self.memo.get(&key) {
                        Some(v) => *v,
                        None if self.scan.lossy => V::Opaque,
                        None => return self.fail(format!("GET of memo key {key}, never PUT")),
                    };
                    self.stack.push(v);
                }
                0x80 => {
                    let protocol = self.u8()?;
                    if protocol > 5 {
                        return self.fail(format!("unknown pickle protocol {protocol}"));
                    }
                    self.scan.protocol.get_or_insert(protocol);
                }
                0x95 => {
                    self.u64()?;
                }
                other => {
                    return self.fail(format!(
                        "unknown opcode 0x{other:02x} (not a pickle, or a newer protocol)"
                    ));
                }
            }
        }
    }

    /// A BINPERSID: PyTorch's `('storage', torch.FloatStorage, key, location, numel)`.
    fn persistent(&mut self, pid: V) {
        if let Some(Node::Tuple(t)) = self.get(pid)
            && t.len() >= 3
            && self.str_of(t[0]) == Some("storage")
            && let Some(key) = self.str_of(t[2])
        {
            let key = key.to_string();
            if self.scan.storages.len() < MAX_VALUES {
                self.scan.storages.insert(key);
            }
        }
    }

    /// After BUILD: joblib writes a numpy array's bytes right after its wrapper. Step over
    /// them (or over the nested pickle of an object array).
    fn after_build(&mut self, obj: V) -> Result<()> {
        let Some(Node::Call {
            func,
            state: Some(state),
            ..
        }) = self.get(obj)
        else {
            return Ok(());
        };
        let wrapper = matches!(self.global_of(*func),
            Some((m, "NumpyArrayWrapper")) if m.ends_with("numpy_pickle"));
        if !wrapper {
            return Ok(());
        }
        let Some(Node::Dict(fields)) = self.get(*state) else {
            return self.fail("a joblib array wrapper without its fields");
        };
        let field = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| self.str_of(*k) == Some(name))
                .map(|(_, v)| *v)
        };
        let shape = field("shape").and_then(|s| self.ints(s));
        let dtype = field("dtype").and_then(|d| self.numpy_itemsize(d));
        let aligned = matches!(field("numpy_array_alignment_bytes"), Some(V::Int(_)));
        let (Some(shape), Some((itemsize, objects))) = (shape, dtype) else {
            return self.fail("a joblib array wrapper whose shape or dtype cannot be read");
        };
        self.scan.arrays += 1;
        if objects {
            // An object array: a whole pickle of its own follows.
            if self.depth >= MAX_DEPTH {
                return self.fail("joblib arrays nested too deeply");
            }
            let saved = (
                std::mem::take(&mut self.stack),
                std::mem::take(&mut self.marks),
                std::mem::take(&mut self.memo),
            );
            self.depth += 1;
            self.run()?;
            self.depth -= 1;
            (self.stack, self.marks, self.memo) = saved;
            return Ok(());
        }
        if aligned {
            let padding = self.u8()?;
            self.skip(padding.into())?;
        }
        let bytes = shape
            .iter()
            .try_fold(itemsize, |n, d| n.checked_mul(u64::try_from(*d).ok()?));
        match bytes {
            Some(n) => self.skip(n),
            None => self.fail(format!("a joblib array of shape {shape:?} overflows")),
        }
    }

    /// A tuple of integers.
    fn ints(&self, v: V) -> Option<Vec<i64>> {
        match self.get(v)? {
            Node::Tuple(t) | Node::List(t) => t
                .iter()
                .map(|d| match d {
                    V::Int(i) => Some(*i),
                    _ => None,
                })
                .collect(),
            _ => None,
        }
    }

    /// Bytes per element of a pickled `numpy.dtype(...)`, and whether it holds objects.
    fn numpy_itemsize(&self, v: V) -> Option<(u64, bool)> {
        let Node::Call { args, state, .. } = self.get(v)? else {
            return None;
        };
        let Node::Tuple(args) = self.get(*args)? else {
            return None;
        };
        let code = self.str_of(*args.first()?)?;
        let kind = code.chars().next()?;
        if kind == 'O' {
            return Some((8, true));
        }
        // The state's sixth value is the element size for flexible types (`U5`, `V24`).
        if let Some(Node::Tuple(s)) = state.and_then(|s| self.get(s))
            && let Some(V::Int(size)) = s.get(5)
            && *size > 0
        {
            return Some((*size as u64, false));
        }
        let digits: u64 = code[kind.len_utf8()..].parse().ok()?;
        Some((if kind == 'U' { digits * 4 } else { digits }, false))
    }

    /// If `v` is a tensor (`_rebuild_tensor_v2(storage, offset, size, …)`, possibly inside
    /// `_rebuild_parameter`), its dtype and shape.
    fn tensor(&self, v: V) -> Option<(String, Vec<i64>)> {
        let Node::Call { func, args, .. } = self.get(v)? else {
            return None;
        };
        let (module, name) = self.global_of(*func)?;
        let Node::Tuple(args) = self.get(*args)? else {
            return None;
        };
        if module != "torch._utils" {
            return None;
        }
        match name {
            "_rebuild_parameter" | "_rebuild_parameter_with_state" => self.tensor(*args.first()?),
            "_rebuild_tensor" | "_rebuild_tensor_v2" | "_rebuild_tensor_v3" => {
                let shape = self.ints(*args.get(2)?)?;
                let dtype = self
                    .storage_dtype(*args.first()?)
                    .unwrap_or_else(|| "unknown".into());
                Some((dtype, shape))
            }
            _ => None,
        }
    }

    fn storage_dtype(&self, storage: V) -> Option<String> {
        let Node::Persistent(pid) = self.get(storage)? else {
            return None;
        };
        let Node::Tuple(t) = self.get(*pid)? else {
            return None;
        };
        let (_, class) = self.global_of(*t.get(1)?)?;
        Some(
            STORAGE_DTYPES
                .iter()
                .find(|(c, _)| *c == class)
                .map(|(_, d)| d.to_string())
                .unwrap_or_else(|| class.to_string()),
        )
    }

    /// Walk the value for tensors, naming each by its path of dictionary keys and list
    /// indexes (`encoder.0.weight`).
    fn collect_tensors(&mut self, root: V) {
        let mut seen = HashSet::new();
        let mut found = Vec::new();
        let mut todo = vec![(root, String::new(), 0usize)];
        while let Some((v, path, depth)) = todo.pop() {
            if let Some((dtype, shape)) = self.tensor(v) {
                found.push((path, dtype, shape));
                continue;
            }
            let V::Node(id) = v else { continue };
            if depth >= MAX_DEPTH || !seen.insert(id) {
                continue;
            }
            let join = |key: String| {
                if path.is_empty() {
                    key
                } else {
                    format!("{path}.{key}")
                }
            };
            let mut children = Vec::new();
            match &self.nodes[id as usize] {
                Node::Dict(items) | Node::Call { items, .. } => {
                    for (k, child) in items {
                        let key = match (self.str_of(*k), k) {
                            (Some(s), _) => s.to_string(),
                            (None, V::Int(i)) => i.to_string(),
                            _ => continue,
                        };
                        children.push((*child, join(key)));
                    }
                    if let Node::Call {
                        state: Some(state), ..
                    } = &self.nodes[id as usize]
                    {
                        children.push((*state, path.clone()));
                    }
                }
                Node::List(values) | Node::Tuple(values) => {
                    for (i, child) in values.iter().enumerate() {
                        children.push((*child, join(i.to_string())));
                    }
                }
                _ => {}
            }
            // Depth-first in order: push in reverse.
            for (child, name) in children.into_iter().rev() {
                todo.push((child, name, depth + 1));
            }
        }
        for (name, dtype, shape) in found {
            let elements = shape
                .iter()
                .try_fold(1u64, |n, d| n.checked_mul(u64::try_from(*d).ok()?))
                .unwrap_or(0);
            self.scan.tensor_count += 1;
            self.scan.parameter_count = self.scan.parameter_count.saturating_add(elements);
            if self.scan.tensors.len() < MAX_LISTED {
                let dims: Vec<u64> = shape.iter().map(|d| (*d).max(0) as u64).collect();
                self.scan.tensors.push(TensorInfo {
                    name: clip(name),
                    dtype,
                    shape: fixed_shape(&dims).unwrap_or_default(),
                });
            }
        }
    }
}

/// Run the pickles in `src` one after another (the legacy PyTorch format writes several
/// in a row, then raw storage bytes) while the data that follows looks like a pickle. The
/// first must be whole; a later one that does not parse is taken for trailing data and
/// adds nothing. With `tensors`, walk the last value for tensors.
pub(super) fn scan(src: &mut dyn Source, tensors: bool) -> Result<Scan> {
    let mut machine = Machine::new(src);
    let mut last = machine.run()?;
    loop {
        let next = machine.src.fill_buf()?;
        if !(next.len() >= 2 && next[0] == 0x80 && next[1] <= 5) {
            break;
        }
        machine.stack.clear();
        machine.marks.clear();
        let before = (machine.scan.imports.clone(), machine.scan.storages.clone());
        match machine.run() {
            Ok(v) => last = v,
            Err(_) => {
                (machine.scan.imports, machine.scan.storages) = before;
                break;
            }
        }
    }
    if tensors {
        machine.collect_tensors(last);
    }
    Ok(machine.scan)
}

pub(super) fn inspect(
    file: File,
    size: u64,
    compression: Option<Compression>,
    (ext, inner): (String, Option<String>),
) -> Result<ModelFileInfo> {
    let mut info = PickleInfo {
        joblib: ext == "joblib" || inner.as_deref() == Some("joblib"),
        compression: compression.map(|c| c.name().to_string()),
        ..PickleInfo::default()
    };
    let found = match compression {
        None => {
            if size == 0 {
                return Err(Problem("the file is empty".into()));
            }
            Some(scan(&mut BufReader::with_capacity(1 << 16, file), false)?)
        }
        Some(Compression::Zlib) => {
            let mut src = Stream::new(flate2::read::ZlibDecoder::new(file), MAX_DECOMPRESSED);
            scan_compressed(&mut src, &mut info)?
        }
        Some(Compression::Gzip) => {
            let mut src = Stream::new(flate2::read::MultiGzDecoder::new(file), MAX_DECOMPRESSED);
            scan_compressed(&mut src, &mut info)?
        }
        // Not decompressed here: the file is flagged, its imports unknown.
        Some(_) => None,
    };
    match found {
        Some(found) => {
            info.protocol = found.protocol;
            info.joblib |= found.imports.iter().any(|i| i.starts_with("joblib."));
            info.imports_complete = found.imports_complete();
            info.imports = found.imports.into_iter().collect();
            info.arrays = found.arrays;
        }
        None => info.imports_complete = false,
    }
    Ok(ModelFileInfo::Pickle(info))
}

/// Scan a decompressing stream; a stream longer than [`MAX_DECOMPRESSED`] gives what was
/// found up to there.
fn scan_compressed<R: Read>(src: &mut Stream<R>, info: &mut PickleInfo) -> Result<Option<Scan>> {
    let head = src.fill_buf().map_err(|e| {
        Problem(format!(
            "the {} stream cannot be decompressed: {e}",
            info.compression.as_deref().unwrap_or("compressed")
        ))
    })?;
    if head.first() != Some(&0x80) {
        return Err(Problem(format!(
            "the {} stream does not hold a pickle",
            info.compression.as_deref().unwrap_or("compressed")
        )));
    }
    match scan(src, false) {
        Ok(found) => Ok(Some(found)),
        Err(_) if src.hit_limit() => {
            info.imports_complete = false;
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::super::tests::problem_of;
    use super::*;

    fn scan_bytes(bytes: &[u8], tensors: bool) -> Result<Scan> {
        scan(&mut BufReader::new(Cursor::new(bytes.to_vec())), tensors)
    }

    #[test]
    fn lists_imports_without_running_anything() {
        // Protocol 0: `os.system('echo pwned')`, the classic.
        let p0 = b"cos\nsystem\n(S'echo pwned'\ntR.";
        let found = scan_bytes(p0, false).unwrap();
        assert_eq!(found.imports.into_iter().collect::<Vec<_>>(), ["os.system"]);
        // Protocol 4: STACK_GLOBAL with the module string memoised and fetched again.
        let p4 = b"\x80\x04\x95\x30\0\0\0\0\0\0\0\x8c\x08builtins\x94\x8c\x04eval\x94\x93\x94h\0\x8c\x04exec\x94\x93\x94\x86\x94.";
        let found = scan_bytes(p4, false).unwrap();
        assert_eq!(found.protocol, Some(4));
        assert_eq!(
            found.imports.into_iter().collect::<Vec<_>>(),
            ["builtins.eval", "builtins.exec"]
        );
    }

    #[test]
    fn hostile_and_truncated_pickles_are_errors_not_panics() {
        let cases: Vec<(&[u8], &str)> = vec![
            (b"", "ends early"),
            (b"\x80\x04", "ends early"),
            (b"\x80\x09.", "unknown pickle protocol 9"),
            (b"\x80\x02R.", "stack underflow"),
            (b"\x80\x02e.", "no MARK"),
            (b"\x80\x02h\x05.", "memo key 5"),
            (b"\x80\x02\x93.", "stack underflow"),
            (
                b"\x80\x02K\x01K\x02\x93.",
                "STACK_GLOBAL without two strings",
            ),
            (b"\x80\x02X\xff\xff\xff\x7fabc", "ends early"),
            (b"\x80\x02\xfe.", "unknown opcode 0xfe"),
            (b"\x80\x02(K\x01K\x02K\x03d.", "odd number"),
            (b"cos\nsys", "ends early"),
            (
                b"\x80\x02Npxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n.",
                "PUT with key \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…\" at byte 3",
            ),
        ];
        for (bytes, expected) in cases {
            let err = scan_bytes(bytes, true).unwrap_err();
            assert!(
                err.0.contains(expected),
                "{bytes:?}: {:?} lacks {expected:?}",
                err.0
            );
        }
        // A long line.
        let mut long = b"c".to_vec();
        long.extend(std::iter::repeat_n(b'a', MAX_LINE + 10));
        assert!(
            scan_bytes(&long, false)
                .unwrap_err()
                .0
                .contains("longer than 64 KiB")
        );
        // Every truncation of a real-shaped pickle.
        let p4 = b"\x80\x04\x95\x30\0\0\0\0\0\0\0\x8c\x08builtins\x94\x8c\x04eval\x94\x93\x94h\0\x8c\x04exec\x94\x93\x94\x86\x94.";
        for cut in 0..p4.len() {
            assert!(scan_bytes(&p4[..cut], true).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn pickles_in_a_row_then_raw_bytes_as_legacy_torch_writes() {
        // Two pickles, then storage bytes that happen to start like a pickle.
        let mut bytes = b"\x80\x02K\x01.\x80\x02ccollections\nOrderedDict\n)R.".to_vec();
        bytes.extend(b"\x80\x02cfake\nimport\n\xff\xff\xff");
        let found = scan_bytes(&bytes, false).unwrap();
        assert_eq!(
            found.imports.into_iter().collect::<Vec<_>>(),
            ["collections.OrderedDict"]
        );
    }

    #[test]
    fn a_stack_bomb_is_refused() {
        let mut bytes = b"\x80\x02N".to_vec();
        bytes.extend(std::iter::repeat_n(b'2', MAX_STACK + 10));
        let err = scan_bytes(&bytes, false).unwrap_err();
        assert!(err.0.contains("stack deeper than"), "{}", err.0);
    }

    #[test]
    fn past_the_value_cap_an_import_is_unresolved_not_an_error() {
        let mut bytes = b"\x80\x04".to_vec();
        for _ in 0..MAX_VALUES {
            bytes.extend(b"]0");
        }
        bytes.extend(b"\x8c\x02os\x8c\x06system\x93.");
        let found = scan_bytes(&bytes, true).unwrap();
        assert!(found.lossy);
        assert!(found.imports_unresolved);
        assert!(!found.imports_complete());
        assert!(found.imports.is_empty());
    }

    #[test]
    fn a_self_referencing_list_does_not_loop() {
        // l = []; l.append(l)
        let p = b"\x80\x02]q\x00h\x00a.";
        let found = scan_bytes(p, true).unwrap();
        assert_eq!(found.tensor_count, 0);
    }

    #[test]
    fn malformed_pickle_files_give_a_warning() {
        let warning = problem_of("model.pkl", b"\x80\x04\x95\x10\0\0\0\0\0\0\0\x8c\x02os");
        assert!(warning.starts_with("model.pkl: pickle: "), "{warning}");
        let warning = problem_of("model.joblib", b"\x78\x9cgarbage");
        assert!(warning.contains("cannot be decompressed"), "{warning}");
    }
}
