//! A stand-in for an OpenAI-compatible provider, on loopback: a small but
//! real HTTP/1.1 server that answers `POST /v1/chat/completions` the way the
//! protocol does, including its error answers. The test suite and
//! `closer bench` use it; nothing else does.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// What to answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Duration,
    /// Instead of `body`: this many bytes of one endless JSON string, with
    /// no Content-Length (the body ends when the connection closes), for
    /// testing that a client stops reading.
    pub flood: Option<usize>,
}

impl Reply {
    pub fn json(body: Value) -> Self {
        Self { status: 200, headers: vec![], body: body.to_string(), delay: Duration::ZERO, flood: None }
    }
    pub fn status(status: u16, body: &str) -> Self {
        Self { status, headers: vec![], body: body.into(), delay: Duration::ZERO, flood: None }
    }
    /// A redirect to `location` (a full URL).
    pub fn redirect(status: u16, location: &str) -> Self {
        Self::status(status, "").with_header("Location", location)
    }
    /// A 200 whose body is `bytes` long and never finishes being valid JSON.
    pub fn flood(bytes: usize) -> Self {
        Self { flood: Some(bytes), ..Self::status(200, "") }
    }
    pub fn with_header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.into(), v.into()));
        self
    }
    pub fn after(mut self, d: Duration) -> Self {
        self.delay = d;
        self
    }
}

pub type Script = Arc<dyn Fn(&Received, usize) -> Reply + Send + Sync>;

pub struct StandIn {
    pub base_url: String,
    pub received: Arc<Mutex<Vec<Received>>>,
    /// The most requests that were in progress at once.
    pub max_in_flight: Arc<AtomicUsize>,
    /// Body bytes the client accepted (written to the socket without error).
    pub body_bytes_sent: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl StandIn {
    /// Starts a server whose answers `script` decides (given the request and
    /// its 0-based number).
    pub async fn start(script: Script) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        let addr = listener.local_addr().expect("addr");
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let in_flight = Arc::new(AtomicUsize::new(0));
        let max_in_flight = Arc::new(AtomicUsize::new(0));
        let count = Arc::new(AtomicUsize::new(0));
        let body_bytes_sent = Arc::new(AtomicUsize::new(0));
        let (r2, f2, m2, b2) = (received.clone(), in_flight.clone(), max_in_flight.clone(), body_bytes_sent.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else { break };
                let (script, received, in_flight, max_in_flight, count, sent) =
                    (script.clone(), r2.clone(), f2.clone(), m2.clone(), count.clone(), b2.clone());
                tokio::spawn(async move {
                    let Some(req) = read_request(&mut sock).await else { return };
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    max_in_flight.fetch_max(now, Ordering::SeqCst);
                    let n = count.fetch_add(1, Ordering::SeqCst);
                    received.lock().unwrap().push(req.clone());
                    let reply = script(&req, n);
                    if !reply.delay.is_zero() {
                        tokio::time::sleep(reply.delay).await;
                    }
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    let length = match reply.flood {
                        Some(_) => String::new(),
                        None => format!("Content-Length: {}\r\n", reply.body.len()),
                    };
                    let mut head = format!(
                        "HTTP/1.1 {} X\r\nContent-Type: application/json\r\n{length}Connection: close\r\n",
                        reply.status
                    );
                    for (k, v) in &reply.headers {
                        head.push_str(&format!("{k}: {v}\r\n"));
                    }
                    head.push_str("\r\n");
                    let _ = sock.write_all(head.as_bytes()).await;
                    match reply.flood {
                        Some(total) => {
                            let chunk = vec![b'a'; 64 << 10];
                            let mut left = total;
                            if sock.write_all(b"{\"id\":\"").await.is_ok() {
                                while left > 0 {
                                    let n = left.min(chunk.len());
                                    if sock.write_all(&chunk[..n]).await.is_err() {
                                        break;
                                    }
                                    sent.fetch_add(n, Ordering::SeqCst);
                                    left -= n;
                                }
                            }
                        }
                        None => {
                            if sock.write_all(reply.body.as_bytes()).await.is_ok() {
                                sent.fetch_add(reply.body.len(), Ordering::SeqCst);
                            }
                        }
                    }
                    let _ = sock.shutdown().await;
                });
            }
        });
        Self { base_url: format!("http://{addr}/v1"), received, max_in_flight, body_bytes_sent, task }
    }

    /// A provider that answers every research and draft request correctly
    /// and at once, recommending the first solution of the prompt's catalog.
    pub async fn instant() -> Self {
        Self::start(Arc::new(|req, _| Reply::json(good_answer(req)))).await
    }

    pub fn requests(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

/// A well-formed completion for a research or draft request.
pub fn good_answer(req: &Received) -> Value {
    completion(&answer_content(req), Some((900, 150, 0)))
}

/// The JSON content a correct model would give for this request.
pub fn answer_content(req: &Received) -> String {
    let user = req.body["messages"].as_array().and_then(|m| m.last()).and_then(|m| m["content"].as_str()).unwrap_or("");
    if let Some(id) = scoring_prospect(req) {
        return score_content(standin_score(id), "Targeted industry with recent interest in the featured solutions.");
    }
    if let Some(catalog) = between(user, "<catalog>", "</catalog>") {
        let items: Value = serde_json::from_str(catalog.trim()).unwrap_or(json!([]));
        let first = &items[0];
        json!({
            "research_summary": "A growing company modernising its data platform; cost and security drive decisions.",
            "key_insights": ["Budget approval at quarter end", "Security review required early"],
            "recommended_solutions": [{"solution_id": first["id"], "name": first["name"], "reason": "Fits their migration plans"}],
            "confidence_score": 0.8
        })
        .to_string()
    } else {
        json!({"subject": "Cutting your data platform costs", "body": "Hi {first_name},\n\nTeams like {company} cut infrastructure spend by a third with a managed platform. Worth 20 minutes next week?\n\nBest,\nSam"}).to_string()
    }
}

/// The prospect id of an event-matching scoring request (its prompt has
/// `<event_data>` and the prospect's JSON in `<prospect_data>`), if it is one.
pub fn scoring_prospect(req: &Received) -> Option<i64> {
    let user = req.body["messages"].as_array()?.last()?["content"].as_str()?;
    between(user, "<event_data>", "</event_data>")?;
    let data: Value = serde_json::from_str(between(user, "<prospect_data>", "</prospect_data>")?.trim()).ok()?;
    data["prospect_id"].as_i64()
}

/// The stand-in's score for a prospect: spread over 0-100, fixed per id.
pub fn standin_score(prospect_id: i64) -> i64 {
    (prospect_id * 37 + 11).rem_euclid(101)
}

/// A scoring answer's JSON content.
pub fn score_content(score: i64, reason: &str) -> String {
    json!({"score": score, "reason": reason}).to_string()
}

/// A chat-completions body. `usage` is (prompt, completion, cached), or none.
pub fn completion(content: &str, usage: Option<(i64, i64, i64)>) -> Value {
    let mut v = json!({
        "id": "chatcmpl-standin",
        "object": "chat.completion",
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}]
    });
    if let Some((p, c, cached)) = usage {
        v["usage"] = json!({"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c,
                            "prompt_tokens_details": {"cached_tokens": cached}});
    }
    v
}

fn between<'a>(s: &'a str, a: &str, b: &str) -> Option<&'a str> {
    let start = s.find(a)? + a.len();
    let end = s[start..].find(b)? + start;
    Some(&s[start..end])
}

async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<Received> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 1 << 20 {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
    let mut lines = head.split("\r\n");
    let path = lines.next()?.split_whitespace().nth(1)?.to_string();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))).collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < header_end + len {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = serde_json::from_slice(&buf[header_end..(header_end + len).min(buf.len())]).unwrap_or(Value::Null);
    Some(Received { path, headers, body })
}
