//! JSON-RPC framing over stdio (`Content-Length` headers). lsp-server's own
//! stdio transport ends the connection on the first malformed message; this
//! one answers it as JSON-RPC says (a parse error with a null id, or an
//! invalid request) and reads on.

use std::io::{BufRead, Write};

use lsp_server::{ErrorCode, Message};
use serde_json::{json, Value};
use std::sync::mpsc::{Receiver, Sender};

/// What the writer thread sends: a message, or a raw JSON-RPC object (an
/// error response whose id is null, which lsp-server's types cannot hold).
pub enum Outgoing {
    Message(Message),
    Raw(Value),
    /// Everything before it is written: say so on the channel.
    Flushed(Sender<()>),
}

/// One frame read: a message, or what to answer for a malformed one.
enum Frame {
    Message(Message),
    Malformed(Option<Value>),
    End,
}

/// The largest message body read; a larger one is skipped.
const MAX_BODY: usize = 256 << 20;

/// Starts the reader (stdin) and writer (stdout) threads. Neither is
/// joined: the reader may be blocked on stdin when the server exits;
/// [`Outgoing::Flushed`] tells when the writer is done.
pub fn stdio() -> (Receiver<Message>, Sender<Outgoing>) {
    let (out_tx, out_rx) = std::sync::mpsc::channel::<Outgoing>();
    let (in_tx, in_rx) = std::sync::mpsc::channel::<Message>();
    std::thread::spawn(move || {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        for item in out_rx {
            let written = match item {
                Outgoing::Message(m) => m.write(&mut out),
                Outgoing::Raw(v) => write_raw(&mut out, &v),
                Outgoing::Flushed(done) => {
                    let _ = done.send(());
                    Ok(())
                }
            };
            if written.is_err() {
                break;
            }
        }
    });
    let answer = out_tx.clone();
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        loop {
            match read_frame(&mut input) {
                Frame::Message(m) => {
                    if in_tx.send(m).is_err() {
                        break;
                    }
                }
                Frame::Malformed(reply) => {
                    if let Some(reply) = reply {
                        let _ = answer.send(Outgoing::Raw(reply));
                    }
                }
                Frame::End => break,
            }
        }
    });
    (in_rx, out_tx)
}

fn write_raw(out: &mut impl Write, value: &Value) -> std::io::Result<()> {
    let body = value.to_string();
    write!(out, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    out.flush()
}

/// Reads one frame: headers up to an empty line, then `Content-Length`
/// bytes. A header block without a usable length is skipped.
fn read_frame(input: &mut impl BufRead) -> Frame {
    let mut length: Option<usize> = None;
    let mut line = String::new();
    loop {
        line.clear();
        match input.read_line(&mut line) {
            Ok(0) | Err(_) => return Frame::End,
            Ok(_) => {}
        }
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            if length.is_some() {
                break;
            }
            continue;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok();
            }
        }
    }
    let Some(length) = length.filter(|n| *n <= MAX_BODY) else {
        return Frame::Malformed(None);
    };
    let mut body = vec![0u8; length];
    if input.read_exact(&mut body).is_err() {
        return Frame::End;
    }
    parse_body(&body)
}

fn parse_body(body: &[u8]) -> Frame {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Frame::Malformed(Some(error_reply(
                Value::Null,
                ErrorCode::ParseError,
                &format!("not JSON: {e}"),
            )))
        }
    };
    let id = value.get("id").cloned();
    // lsp-server reads anything with an id as a response: a request whose
    // method is not a string, or a body that is not an object, is refused
    // here.
    let shaped = value
        .as_object()
        .is_some_and(|o| o.get("method").is_none_or(Value::is_string));
    let message = if shaped {
        serde_json::from_value::<Message>(value).map_err(|e| e.to_string())
    } else {
        Err("expected an object with a string `method`".to_string())
    };
    match message {
        Ok(m) => Frame::Message(m),
        // Not a message: answered with its id when it has a usable one.
        Err(e) => {
            let id = id
                .filter(|id| id.is_number() || id.is_string())
                .unwrap_or(Value::Null);
            Frame::Malformed(Some(error_reply(
                id,
                ErrorCode::InvalidRequest,
                &format!("not a JSON-RPC message: {e}"),
            )))
        }
    }
}

fn error_reply(id: Value, code: ErrorCode, message: &str) -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": code as i32, "message": message },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &str) -> Vec<String> {
        let mut reader = std::io::Cursor::new(input.as_bytes().to_vec());
        let mut out = Vec::new();
        loop {
            match read_frame(&mut reader) {
                Frame::Message(Message::Request(r)) => out.push(format!("request {}", r.method)),
                Frame::Message(Message::Notification(n)) => {
                    out.push(format!("notify {}", n.method))
                }
                Frame::Message(Message::Response(_)) => out.push("response".to_string()),
                Frame::Malformed(Some(v)) => out.push(format!("error {}", v["error"]["code"])),
                Frame::Malformed(None) => out.push("skipped".to_string()),
                Frame::End => return out,
            }
        }
    }

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn malformed_bodies_are_answered_and_reading_goes_on() {
        let input = [
            frame("{not json"),
            frame(r#"{"jsonrpc":"2.0","id":7,"method":5}"#),
            frame("[1, 2]"),
            "X-Nothing: 1\r\n\r\n".to_string(),
            frame(r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#),
            frame(r#"{"jsonrpc":"2.0","method":"exit"}"#),
        ]
        .concat();
        assert_eq!(
            frames(&input),
            [
                "error -32700",
                "error -32600",
                "error -32600",
                "request shutdown",
                "notify exit"
            ]
        );
    }
}
