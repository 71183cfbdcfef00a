//! A real SMTP server on loopback for the tests: it speaks the protocol
//! (greeting, EHLO, MAIL, RCPT, DATA, QUIT) over TCP to whatever client
//! connects (Accord's lettre transport) and keeps each message received.

use base64::Engine;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// One message as received: envelope and raw data.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

impl Received {
    /// The text body, decoded from its transfer encoding.
    pub fn body(&self) -> String {
        let (head, body) = self.data.split_once("\r\n\r\n").unwrap_or(("", &self.data));
        let head = head.to_ascii_lowercase();
        if head.contains("content-transfer-encoding: base64") {
            let joined: String = body.split_whitespace().collect();
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(joined)
                    .unwrap(),
            )
            .unwrap()
        } else if head.contains("content-transfer-encoding: quoted-printable") {
            let soft = body.replace("=\r\n", "");
            let mut bytes = Vec::new();
            let mut rest = soft.as_bytes();
            while let Some((&b, tail)) = rest.split_first() {
                if b == b'=' && tail.len() >= 2 {
                    let hex = std::str::from_utf8(&tail[..2]).unwrap();
                    bytes.push(u8::from_str_radix(hex, 16).unwrap());
                    rest = &tail[2..];
                } else {
                    bytes.push(b);
                    rest = tail;
                }
            }
            String::from_utf8(bytes).unwrap()
        } else {
            body.to_string()
        }
    }

    /// The subject header.
    pub fn subject(&self) -> String {
        self.data
            .lines()
            .find_map(|l| l.strip_prefix("Subject: "))
            .unwrap_or_default()
            .to_string()
    }

    /// The first link in the body that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> Option<String> {
        let body = self.body();
        let start = body.find(prefix)?;
        Some(body[start..].split_whitespace().next()?.to_string())
    }
}

pub struct SmtpServer {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    arrived: Arc<Notify>,
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let arrived = Arc::new(Notify::new());
        let (store, notify) = (received.clone(), arrived.clone());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (store, notify) = (store.clone(), notify.clone());
                tokio::spawn(async move {
                    let (read, mut write) = socket.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 localhost test SMTP\r\n").await;
                    let (mut from, mut to) = (String::new(), Vec::new());
                    while let Ok(Some(line)) = lines.next_line().await {
                        let upper = line.to_ascii_uppercase();
                        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO")
                        {
                            b"250-localhost\r\n250 8BITMIME\r\n"
                        } else if upper.starts_with("MAIL FROM:") {
                            from = line[10..].trim().to_string();
                            b"250 OK\r\n"
                        } else if upper.starts_with("RCPT TO:") {
                            to.push(line[8..].trim().to_string());
                            b"250 OK\r\n"
                        } else if upper == "DATA" {
                            let _ = write
                                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                                .await;
                            let mut data = String::new();
                            while let Ok(Some(line)) = lines.next_line().await {
                                if line == "." {
                                    break;
                                }
                                let line = line
                                    .strip_prefix('.')
                                    .filter(|_| line.starts_with(".."))
                                    .unwrap_or(&line);
                                data.push_str(line);
                                data.push_str("\r\n");
                            }
                            store.lock().unwrap().push(Received {
                                from: from.clone(),
                                to: std::mem::take(&mut to),
                                data,
                            });
                            notify.notify_waiters();
                            b"250 OK: queued\r\n"
                        } else if upper == "QUIT" {
                            let _ = write.write_all(b"221 Bye\r\n").await;
                            break;
                        } else {
                            b"250 OK\r\n"
                        };
                        if write.write_all(reply).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        SmtpServer {
            port,
            received,
            arrived,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Waits (at most 10 s) until `count` messages were received.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let notified = self.arrived.notified();
            {
                let received = self.received.lock().unwrap();
                if received.len() >= count {
                    return received.clone();
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "expected {count} messages, received {}",
                    self.received.lock().unwrap().len()
                );
            }
        }
    }
}
