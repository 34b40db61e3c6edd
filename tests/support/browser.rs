//! Headless Chromium over WebDriver, for the web app's end-to-end tests (tests/browser/).
//!
//! chromedriver is started by `scripts/test.sh` (`scripts/lib/browser.sh`), which exports
//! `SHELF_TEST_WEBDRIVER`, `SHELF_TEST_CHROMIUM` and `SHELF_TEST_CHROMIUM_ARGS`. Like the S3
//! tests, browser tests are never silently skipped: without chromedriver they fail and say
//! how to run them.
//!
//! The app renders asynchronously (it fetches documents, then draws), so every check waits
//! explicitly for what it asserts: [`Browser::wait_for`] for an element, and
//! [`Browser::eventually`] for a value read from the page.

use std::fmt::Debug;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use futures::FutureExt as _;
use serde_json::{Value, json};

/// How long any wait lasts before the test fails.
pub const TIMEOUT: Duration = Duration::from_secs(15);
/// How often a waited-for condition is checked again.
const POLL: Duration = Duration::from_millis(50);

/// The WebDriver endpoint. Panics with instructions when chromedriver is not running.
pub fn webdriver() -> String {
    std::env::var("SHELF_TEST_WEBDRIVER").unwrap_or_else(|_| {
        panic!(
            "SHELF_TEST_WEBDRIVER is not set: run the browser tests with scripts/test.sh, or \
             start chromedriver first: `source scripts/lib/browser.sh; browser_start` \
             (Chromium and chromedriver come from `scripts/setup.sh chromium`)"
        )
    })
}

/// Panics unless this build of `shelf` embeds the web app.
pub fn require_app() {
    if shelf::site::files().is_empty() {
        panic!(
            "this shelf was built without the web app, so there is no page to test: run \
             `bash scripts/build-app.sh`, then rebuild shelf (`cargo build -p shelf`)"
        );
    }
}

/// Fail early, with instructions, when the browser tests can't run: call before building
/// a test's registry.
pub fn preflight() {
    webdriver();
    require_app();
}

/// The default Chromium flags, as in scripts/lib/browser.sh.
const DEFAULT_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--window-size=1280,800",
];

/// Capabilities for one new session: headless Chromium with its own profile folder.
fn capabilities(profile: &Path) -> serde_json::Map<String, Value> {
    let binary =
        std::env::var("SHELF_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let mut args: Vec<String> = match std::env::var("SHELF_TEST_CHROMIUM_ARGS") {
        Ok(args) if !args.trim().is_empty() => {
            args.split_whitespace().map(str::to_string).collect()
        }
        _ => DEFAULT_ARGS.iter().map(|a| a.to_string()).collect(),
    };
    args.push(format!("--user-data-dir={}", profile.display()));
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": binary, "args": args },
    });
    match caps {
        Value::Object(map) => map,
        _ => unreachable!(),
    }
}

/// Where screenshots go: `target/screenshots/<test>-<page>.png` in the workspace.
pub fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("target/screenshots")
}

/// At most this many browsers at once (`SHELF_TEST_BROWSERS`, default 3): a handful of
/// Chromiums on a small machine make every wait slow.
fn limit() -> usize {
    std::env::var("SHELF_TEST_BROWSERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(3)
}

static RUNNING: Mutex<usize> = Mutex::new(0);
static FREED: Condvar = Condvar::new();

/// A slot among the browsers allowed to run at once, released on drop.
struct Slot;

impl Slot {
    fn take() -> Slot {
        let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
        while *running >= limit() {
            running = FREED.wait(running).unwrap_or_else(|e| e.into_inner());
        }
        *running += 1;
        Slot
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        *RUNNING.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
        FREED.notify_one();
    }
}

/// Run `body` with a fresh browser session. The session is closed afterwards, also when
/// the body panics; then a screenshot `<test>-failure.png` is saved first.
pub fn with_browser<F, Fut>(test: &'static str, body: F)
where
    F: FnOnce(Browser) -> Fut,
    Fut: Future<Output = ()>,
{
    let webdriver = webdriver();
    require_app();
    let _slot = Slot::take();
    super::block_on(async move {
        let profile = tempfile::tempdir().unwrap();
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities(profile.path()))
            .connect(&webdriver)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "could not start a browser session at {webdriver}: {e}; see \
                     target/chromedriver.log"
                )
            });
        let browser = Browser {
            client: client.clone(),
            test,
        };
        let outcome = AssertUnwindSafe(body(browser.clone())).catch_unwind().await;
        if outcome.is_err() {
            if let Ok(url) = client.current_url().await {
                eprintln!("{test}: failed; the browser was on {url}");
            }
            browser.screenshot("failure").await;
        }
        let _ = client.close().await;
        drop(profile);
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    });
}

/// One browser session and the test it belongs to (for screenshot names).
#[derive(Clone)]
pub struct Browser {
    pub client: Client,
    test: &'static str,
}

impl Browser {
    /// Load `url`. To reload the same document with another hash, go through
    /// [`Browser::open_fresh`].
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("opening {url}: {e}"));
    }

    /// Load `url` as a new document, even when only its hash differs from the current one.
    pub async fn open_fresh(&self, url: &str) {
        self.goto("about:blank").await;
        self.goto(url).await;
    }

    /// The page's URL.
    pub async fn url(&self) -> String {
        self.client.current_url().await.unwrap().to_string()
    }

    /// The page's hash, with its `#`, as the address bar shows it.
    pub async fn hash(&self) -> String {
        self.eval("return window.location.hash")
            .await
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The first element matching `css`, once there is one.
    #[track_caller]
    pub fn wait_for(&self, css: &str) -> impl Future<Output = Element> + '_ {
        let caller = std::panic::Location::caller();
        let css = css.to_string();
        async move {
            match self
                .client
                .wait()
                .at_most(TIMEOUT)
                .every(POLL)
                .for_element(Locator::Css(&css))
                .await
            {
                Ok(element) => element,
                Err(e) => panic!(
                    "{caller}: waited {TIMEOUT:?} for `{css}` on {}: {e}\npage text:\n{}",
                    self.url().await,
                    self.body_text().await
                ),
            }
        }
    }

    /// Click the first element matching `css`, once there is one.
    pub async fn click(&self, css: &str) {
        let element = self.wait_for(css).await;
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking `{css}`: {e}"));
    }

    /// Run a script (a function body; `arguments` holds `args`) and return its value.
    pub async fn eval_with(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    pub async fn eval(&self, script: &str) -> Value {
        self.eval_with(script, Vec::new()).await
    }

    /// The rendered text (`innerText`, trimmed) of every element matching `css`, read in
    /// one go so that a re-render in between can't mix two states.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        strings(
            self.eval_with(
                "return Array.from(document.querySelectorAll(arguments[0]), e => e.innerText.trim())",
                vec![json!(css)],
            )
            .await,
        )
    }

    /// The attribute `attr` of every element matching `css` (empty when absent).
    pub async fn attrs(&self, css: &str, attr: &str) -> Vec<String> {
        strings(
            self.eval_with(
                "return Array.from(document.querySelectorAll(arguments[0]), e => e.getAttribute(arguments[1]) || '')",
                vec![json!(css), json!(attr)],
            )
            .await,
        )
    }

    /// How many elements match `css` right now.
    pub async fn count(&self, css: &str) -> usize {
        self.eval_with(
            "return document.querySelectorAll(arguments[0]).length",
            vec![json!(css)],
        )
        .await
        .as_u64()
        .unwrap() as usize
    }

    /// The page's visible text, for failure messages.
    pub async fn body_text(&self) -> String {
        match self
            .client
            .execute(
                "return document.body ? document.body.innerText : ''",
                vec![],
            )
            .await
        {
            Ok(Value::String(s)) => s,
            other => format!("({other:?})"),
        }
    }

    /// Wait until `read` returns `expected`; on timeout, fail showing the last value read.
    #[track_caller]
    pub fn eventually<'a, T, F>(
        &'a self,
        what: &'a str,
        expected: T,
        mut read: F,
    ) -> impl Future<Output = ()> + 'a
    where
        T: PartialEq + Debug + 'a,
        F: AsyncFnMut() -> T + 'a,
    {
        let caller = std::panic::Location::caller();
        async move {
            let start = Instant::now();
            loop {
                let value = read().await;
                if value == expected {
                    return;
                }
                if start.elapsed() > TIMEOUT {
                    panic!(
                        "{caller}: {what}: after {TIMEOUT:?}\n  expected {expected:?}\n  last saw {value:?}\non {}\npage text:\n{}",
                        self.url().await,
                        self.body_text().await
                    );
                }
                tokio::time::sleep(POLL).await;
            }
        }
    }

    /// Wait until the texts of the elements matching `css` are `expected`.
    #[track_caller]
    pub fn eventually_texts<'a>(
        &'a self,
        css: &'a str,
        expected: &'a [&'a str],
    ) -> impl Future<Output = ()> + 'a {
        let expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        self.eventually(css, expected, async || self.texts(css).await)
    }

    /// Wait until the attribute `attr` of the elements matching `css` is `expected`.
    #[track_caller]
    pub fn eventually_attrs<'a>(
        &'a self,
        css: &'a str,
        attr: &'a str,
        expected: &'a [&'a str],
    ) -> impl Future<Output = ()> + 'a {
        let expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        self.eventually(css, expected, async || self.attrs(css, attr).await)
    }

    /// Save a screenshot of the window as `target/screenshots/<test>-<page>.png`.
    pub async fn screenshot(&self, page: &str) {
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        match self.client.screenshot().await {
            Ok(png) => std::fs::write(dir.join(format!("{}-{page}.png", self.test)), png).unwrap(),
            Err(e) => eprintln!("{}: no screenshot of {page}: {e}", self.test),
        }
    }
}

/// Let anyone read the objects under `prefix` of a bucket on the S3 test server, and
/// nothing else (no listing): the bucket policy the README asks for to host the app.
/// moto, like S3, answers anonymous GETs with 403 without it.
pub fn allow_anonymous_get(bucket: &str, prefix: &str) {
    use std::io::{Read as _, Write as _};
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "ReadTheRegistry",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": format!("arn:aws:s3:::{bucket}/{prefix}/*"),
        }],
    })
    .to_string();
    let endpoint = super::s3_endpoint();
    let addr = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(addr).expect("connect to the S3 test server");
    write!(
        stream,
        "PUT /{bucket}?policy HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{policy}",
        policy.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(
        response.starts_with("HTTP/1.1 20") || response.starts_with("HTTP/1.0 20"),
        "setting the policy of bucket {bucket}: {response}"
    );
}

fn strings(value: Value) -> Vec<String> {
    match value {
        Value::Array(items) => items
            .into_iter()
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .collect(),
        other => panic!("expected a list of strings, got {other:?}"),
    }
}
