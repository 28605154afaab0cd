//! A TCP proxy in front of the test database that a test can cut and restore, to play
//! a database outage without touching the database server itself.
//!
//! Cut, it closes every connection it carries and every new one at once (what a client
//! sees when the server goes away or a network path drops); restored, it forwards again.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub struct TcpProxy {
    address: SocketAddr,
    cut: Arc<AtomicBool>,
    /// Bumped on every cut: the connections it carries watch it and close.
    cuts: watch::Sender<u64>,
    accepter: tokio::task::JoinHandle<()>,
}

impl TcpProxy {
    /// Starts forwarding a free loopback port to `target`.
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let address = listener.local_addr().expect("the proxy's address");
        let cut = Arc::new(AtomicBool::new(false));
        let (cuts, _) = watch::channel(0u64);
        let accepter = tokio::spawn(accept_forever(listener, target, cut.clone(), cuts.clone()));
        Self {
            address,
            cut,
            cuts,
            accepter,
        }
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Drops every connection and refuses new ones until [`TcpProxy::restore`].
    pub fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    pub fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.accepter.abort();
        self.cut();
    }
}

async fn accept_forever(
    listener: TcpListener,
    target: SocketAddr,
    cut: Arc<AtomicBool>,
    cuts: watch::Sender<u64>,
) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        if cut.load(Ordering::SeqCst) {
            drop(client);
            continue;
        }
        let mut cut_signal = cuts.subscribe();
        tokio::spawn(async move {
            let Ok(mut server) = TcpStream::connect(target).await else {
                return;
            };
            let mut client = client;
            tokio::select! {
                _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                _ = cut_signal.changed() => {}
            }
        });
    }
}

/// The host and port of a `postgres://user@host:port/db?...` URL, and the rest.
fn split_address(url: &str) -> (String, String, String) {
    let (scheme, rest) = url.split_once("://").expect("a URL with a scheme");
    let (user, rest) = match rest.split_once('@') {
        Some((user, rest)) => (format!("{user}@"), rest),
        None => (String::new(), rest),
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (host_port, tail) = rest.split_at(end);
    let host_port = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    };
    (format!("{scheme}://{user}"), host_port, tail.to_owned())
}

/// The address of the server a PostgreSQL URL names.
pub async fn target_of(url: &str) -> SocketAddr {
    let (_, host_port, _) = split_address(url);
    tokio::net::lookup_host(&host_port)
        .await
        .expect("resolve the database host")
        .next()
        .expect("the database host has an address")
}

/// `url` with its host and port replaced by `address`.
pub fn routed_to(url: &str, address: SocketAddr) -> String {
    let (prefix, _, tail) = split_address(url);
    format!("{prefix}{address}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_routed_to_another_address_keeping_user_database_and_options() {
        let to: SocketAddr = "127.0.0.1:6000".parse().unwrap();
        assert_eq!(
            routed_to(
                "postgres://postgres@db.internal:5433/cdmx_t?sslmode=disable",
                to
            ),
            "postgres://postgres@127.0.0.1:6000/cdmx_t?sslmode=disable"
        );
        assert_eq!(
            routed_to("postgres://localhost/x", to),
            "postgres://127.0.0.1:6000/x"
        );
    }
}
