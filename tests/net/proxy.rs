//! A workplace's HTTP proxy, as far as relays need one: it takes `CONNECT host:port`,
//! opens that connection, answers `200`, and then carries bytes both ways. Each tunnel it
//! opens is printed (`CONNECT 198.18.0.1:443`), so a scenario can tell from its log that
//! a device went through it. `revans-net proxy ADDRESS` runs it, in a namespace.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{TcpListener, TcpStream};

use anyhow::{Context as _, Result, bail};

/// Serves on `address` until killed.
pub fn serve(address: &str) -> Result<()> {
    let listener =
        TcpListener::bind(address).with_context(|| format!("could not listen on {address}"))?;
    println!("listening on {address}");
    for client in listener.incoming() {
        let Ok(client) = client else { continue };
        std::thread::spawn(move || {
            if let Err(e) = tunnel(client) {
                println!("refused: {e:#}");
            }
        });
    }
    Ok(())
}

/// One client: its request's head, then the tunnel.
fn tunnel(client: TcpStream) -> Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    // The rest of the head (Host, Proxy-Connection…) up to its blank line.
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
    }
    let mut words = request.split_whitespace();
    let (Some("CONNECT"), Some(target)) = (words.next(), words.next()) else {
        let mut client = client;
        client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")?;
        bail!("not a CONNECT: {}", request.trim());
    };
    let server = TcpStream::connect(target).with_context(|| format!("could not reach {target}"))?;
    println!("CONNECT {target}");
    let mut client_out = client.try_clone()?;
    client_out.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
    // What the client sent after its head is already in the reader's buffer: it goes on
    // first, through the reader.
    let mut upstream = server.try_clone()?;
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut reader, &mut upstream);
        let _ = upstream.shutdown(std::net::Shutdown::Write);
    });
    let mut downstream = server;
    let _ = std::io::copy(&mut downstream, &mut client_out);
    let _ = client_out.shutdown(std::net::Shutdown::Write);
    let _ = up.join();
    Ok(())
}
