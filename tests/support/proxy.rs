//! A fault-injecting HTTP proxy in front of the S3 test server: the ways a network and a
//! store misbehave between Shelf and its bucket, over real TCP, so that object_store's
//! HTTP client, its retries and Shelf's own recovery are all exercised.
//!
//! Every request gets its own upstream connection (`Connection: close` both ways), so a
//! fault hits exactly one request. A [`Rule`] matches requests by method and by a part
//! of the request target (path and query), and applies its [`Fault`] to the first `times`
//! of them; the others pass untouched. What the proxy saw is in [`Proxy::seen`].

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What happens to a matched request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// The request reaches the server; the client gets the answer's head and the first
    /// `n` bytes of its body, then a TCP reset.
    ResetAfter(usize),
    /// The request reaches the server and is applied; the answer is lost: the client gets
    /// a 503 instead (as from a load balancer that timed out waiting).
    AnswerLost,
    /// The request never reaches the server: the client gets a 503.
    Unavailable,
    /// The answer is sent in chunks of `bytes` every `every`: a slow link that keeps
    /// flowing.
    Throttle { bytes: usize, every: Duration },
    /// The head and the first `after` bytes of the body are sent, then nothing for
    /// `pause`, then the rest: a stall.
    Stall { after: usize, pause: Duration },
}

/// Which requests a fault applies to.
#[derive(Debug, Clone)]
pub struct Rule {
    /// `GET`, `PUT`, `POST`… (`*` for any).
    pub method: &'static str,
    /// A part of the request target (path and query), e.g. `/blobs/` or `uploads`.
    pub target: String,
    /// How many matching requests get the fault.
    pub times: usize,
    pub fault: Fault,
}

impl Rule {
    pub fn new(method: &'static str, target: &str, times: usize, fault: Fault) -> Rule {
        Rule {
            method,
            target: target.into(),
            times,
            fault,
        }
    }
}

/// One request as the proxy saw it, with the fault it got (if any).
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub target: String,
    /// The `Range` header, if any (`bytes=100-`).
    pub range: Option<String>,
    pub fault: Option<Fault>,
}

pub struct Proxy {
    /// `http://127.0.0.1:PORT`, to use as the S3 endpoint.
    pub endpoint: String,
    rules: Arc<Mutex<Vec<Rule>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Proxy {
    /// A proxy in front of `upstream` (`http://host:port`).
    pub fn start(upstream: &str) -> Proxy {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let rules = Arc::new(Mutex::new(Vec::<Rule>::new()));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (r, s) = (rules.clone(), seen.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let (upstream, rules, seen) = (upstream.clone(), r.clone(), s.clone());
                std::thread::spawn(move || {
                    let _ = serve(client, &upstream, &rules, &seen);
                });
            }
        });
        Proxy {
            endpoint,
            rules,
            seen,
        }
    }

    /// Add a rule (rules are tried in the order added).
    pub fn inject(&self, rule: Rule) {
        self.rules.lock().unwrap().push(rule);
    }

    /// Remove every rule.
    pub fn clear(&self) {
        self.rules.lock().unwrap().clear();
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The requests that got a fault.
    pub fn faulted(&self) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| s.fault.is_some())
            .collect()
    }
}

/// Read up to and including the blank line that ends an HTTP head.
fn read_head(stream: &mut TcpStream) -> std::io::Result<Option<Vec<u8>>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte)? == 0 {
            return Ok(None);
        }
        head.push(byte[0]);
    }
    Ok(Some(head))
}

/// The head with `Connection: close` in place of any connection header.
fn closing(head: &[u8]) -> (Vec<u8>, Option<usize>, bool) {
    let text = String::from_utf8_lossy(head);
    let mut lines: Vec<&str> = text.trim_end_matches("\r\n").split("\r\n").collect();
    let mut length = None;
    let mut chunked = false;
    lines.retain(|line| {
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().ok();
        }
        if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        }
        !lower.starts_with("connection:") && !lower.starts_with("keep-alive:")
    });
    let mut out = lines.join("\r\n");
    out.push_str("\r\nConnection: close\r\n\r\n");
    (out.into_bytes(), length, chunked)
}

/// Copy a chunked body through unchanged (up to and including its last chunk).
fn relay_chunked(from: &mut TcpStream, to: &mut Vec<u8>) -> std::io::Result<()> {
    loop {
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        while !line.ends_with(b"\r\n") {
            from.read_exact(&mut byte)?;
            line.push(byte[0]);
        }
        to.extend_from_slice(&line);
        let size_text = String::from_utf8_lossy(&line);
        let size = usize::from_str_radix(size_text.trim().split(';').next().unwrap_or("0"), 16)
            .unwrap_or(0);
        let mut chunk = vec![0u8; size + 2];
        from.read_exact(&mut chunk)?;
        to.extend_from_slice(&chunk);
        if size == 0 {
            return Ok(());
        }
    }
}

fn serve(
    mut client: TcpStream,
    upstream: &str,
    rules: &Mutex<Vec<Rule>>,
    seen: &Mutex<Vec<Seen>>,
) -> std::io::Result<()> {
    let Some(head) = read_head(&mut client)? else {
        return Ok(());
    };
    let (head, length, chunked) = closing(&head);
    let request_line = String::from_utf8_lossy(&head)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let range = String::from_utf8_lossy(&head).lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("range")
            .then(|| value.trim().to_string())
    });
    let mut request = head;
    if chunked {
        relay_chunked(&mut client, &mut request)?;
    } else if let Some(length) = length {
        let start = request.len();
        request.resize(start + length, 0);
        client.read_exact(&mut request[start..])?;
    }

    let fault = {
        let mut rules = rules.lock().unwrap();
        let hit = rules.iter_mut().find(|r| {
            r.times > 0 && (r.method == "*" || r.method == method) && target.contains(&r.target)
        });
        hit.map(|r| {
            r.times -= 1;
            r.fault.clone()
        })
    };
    seen.lock().unwrap().push(Seen {
        method,
        target,
        range,
        fault: fault.clone(),
    });

    const UNAVAILABLE: &[u8] =
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    if let Some(Fault::Unavailable) = fault {
        client.write_all(UNAVAILABLE)?;
        return client.shutdown(Shutdown::Both);
    }
    let mut server = TcpStream::connect(upstream)?;
    server.write_all(&request)?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer)?;

    // Where the answer's body starts.
    let body = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(answer.len(), |p| p + 4);
    match fault {
        None | Some(Fault::Unavailable) => client.write_all(&answer)?,
        Some(Fault::AnswerLost) => client.write_all(UNAVAILABLE)?,
        Some(Fault::ResetAfter(n)) => {
            client.write_all(&answer[..(body + n).min(answer.len())])?;
            client.flush()?;
            // Linger 0: close sends a reset instead of an orderly end.
            socket2::SockRef::from(&client).set_linger(Some(Duration::ZERO))?;
            return Ok(());
        }
        Some(Fault::Throttle { bytes, every }) => {
            for chunk in answer.chunks(bytes.max(1)) {
                client.write_all(chunk)?;
                client.flush()?;
                std::thread::sleep(every);
            }
        }
        Some(Fault::Stall { after, pause }) => {
            let after = (body + after).min(answer.len());
            client.write_all(&answer[..after])?;
            client.flush()?;
            std::thread::sleep(pause);
            client.write_all(&answer[after..])?;
        }
    }
    client.flush()?;
    client.shutdown(Shutdown::Both)
}
