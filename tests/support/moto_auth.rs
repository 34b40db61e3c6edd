//! A private S3 server (moto, from scripts/setup.sh's `.tools/venv`) that checks request
//! signatures, as real S3 does: the shared test server accepts any credentials, so a
//! wrong key can only be shown on this one. moto starts checking after
//! `INITIAL_NO_AUTH_ACTION_COUNT` requests; the first four make the bucket and an IAM user
//! allowed `s3:*` with an access key.

use std::io::BufRead as _;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct AuthS3 {
    pub endpoint: String,
    pub bucket: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    child: Child,
}

fn venv() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.tools/venv/bin")
}

impl AuthS3 {
    pub fn start() -> AuthS3 {
        let moto = venv().join("moto_server");
        assert!(
            moto.exists(),
            "{} is missing: run scripts/setup.sh",
            moto.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&moto)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("INITIAL_NO_AUTH_ACTION_COUNT", "4")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn moto_server");
        let endpoint = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "moto_server did not listen on {endpoint} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut server = AuthS3 {
            endpoint,
            bucket: "authed".into(),
            access_key_id: String::new(),
            secret_access_key: String::new(),
            child,
        };
        let setup = Command::new(venv().join("python"))
            .args(["-c", SETUP, &server.endpoint, &server.bucket])
            .stderr(Stdio::inherit())
            .output()
            .expect("run the IAM setup with the venv's boto3");
        assert!(setup.status.success(), "IAM setup failed");
        let line = setup.stdout.lines().next().unwrap().unwrap();
        let (id, secret) = line.split_once(' ').unwrap();
        server.access_key_id = id.to_string();
        server.secret_access_key = secret.to_string();
        server
    }

    /// A command pointed at this server with the given credentials.
    pub fn env(&self, cmd: &mut Command, access_key_id: &str, secret_access_key: &str) {
        super::s3_env(cmd, &self.endpoint);
        cmd.env("AWS_ACCESS_KEY_ID", access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", secret_access_key);
    }
}

impl Drop for AuthS3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The four unauthenticated requests: bucket, user, its policy, its key.
const SETUP: &str = r#"
import json, sys, boto3
endpoint, bucket = sys.argv[1], sys.argv[2]
kw = dict(endpoint_url=endpoint, region_name="us-east-1",
          aws_access_key_id="setup", aws_secret_access_key="setup")
boto3.client("s3", **kw).create_bucket(Bucket=bucket)
iam = boto3.client("iam", **kw)
iam.create_user(UserName="shelf")
iam.put_user_policy(UserName="shelf", PolicyName="all", PolicyDocument=json.dumps(
    {"Version": "2012-10-17",
     "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
key = iam.create_access_key(UserName="shelf")["AccessKey"]
print(key["AccessKeyId"], key["SecretAccessKey"])
"#;
