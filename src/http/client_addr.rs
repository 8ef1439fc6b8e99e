//! The client's address: the peer's, unless the peer is a configured trusted proxy
//! (`--trusted-proxies`), in which case `Forwarded` (RFC 7239) or, without it,
//! `X-Forwarded-For` is read from the right: the first address not itself a trusted proxy is
//! the client. Headers from any other peer are ignored (a client could write anything there).
//!
//! A middleware puts the result in place of the peer address (`ConnectInfo`) for everything
//! downstream, so rate limits key by the real client behind a reverse proxy.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use anyhow::Context;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

/// The proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses addresses (`10.0.0.1`, `::1`) and CIDR blocks (`10.0.0.0/8`).
    pub fn parse(list: &[String]) -> anyhow::Result<Self> {
        let nets = list
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .with_context(|| format!("--trusted-proxies: {s:?} is not an address or a CIDR block"))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Self(nets))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer`, given the request's headers.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let chain = forwarded_for(headers);
        let mut current = peer;
        for hop in chain.iter().rev() {
            if !self.trusts(current) {
                break;
            }
            match hop {
                Some(ip) => current = *ip,
                // An unknown or obfuscated hop: the last address we can vouch for is the client.
                None => break,
            }
        }
        current
    }
}

/// The forwarding chain, oldest first: `Forwarded: for=…` when present, else `X-Forwarded-For`.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name: &str| headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).map(str::trim);
    let forwarded: Vec<Option<IpAddr>> = values("forwarded")
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (k, v) = pair.split_once('=')?;
                k.trim().eq_ignore_ascii_case("for").then(|| parse_node(v.trim().trim_matches('"')))
            })
        })
        .collect();
    if !forwarded.is_empty() {
        return forwarded;
    }
    values("x-forwarded-for").filter(|s| !s.is_empty()).map(parse_node).collect()
}

/// `1.2.3.4`, `1.2.3.4:80`, `[::1]`, `[::1]:80` or `::1`; `None` for `unknown` and `_hidden`.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Ok(ip) = node.parse() {
        return Some(ip);
    }
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    node.parse::<SocketAddr>().ok().map(|s| s.ip())
}

/// Replaces the peer address with the client's for the handlers downstream.
pub async fn resolve(State(proxies): State<Arc<TrustedProxies>>, mut req: Request, next: Next) -> Response {
    if !proxies.0.is_empty()
        && let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied()
    {
        let client = proxies.client(peer.ip(), req.headers());
        req.extensions_mut().insert(ConnectInfo(SocketAddr::new(client, peer.port())));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn headers_count_only_from_trusted_proxies() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8".into(), "::1".into()]).unwrap();
        let xff = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.7")]);
        // From an untrusted peer, the header is ignored.
        assert_eq!(proxies.client("198.51.100.1".parse().unwrap(), &xff), "198.51.100.1".parse::<IpAddr>().unwrap());
        // From a trusted proxy, the rightmost untrusted hop is the client (the left one is forgeable).
        assert_eq!(proxies.client("10.1.2.3".parse().unwrap(), &xff), "203.0.113.7".parse::<IpAddr>().unwrap());
        let chained = headers(&[("x-forwarded-for", "203.0.113.7, 10.9.9.9")]);
        assert_eq!(proxies.client("::1".parse().unwrap(), &chained), "203.0.113.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn forwarded_wins_over_x_forwarded_for_and_parses_ports_and_brackets() {
        let proxies = TrustedProxies::parse(&["127.0.0.1".into()]).unwrap();
        let h = headers(&[("forwarded", r#"for=192.0.2.60;proto=http, For="[2001:db8::1]:4711""#), ("x-forwarded-for", "9.9.9.9")]);
        assert_eq!(proxies.client("127.0.0.1".parse().unwrap(), &h), "2001:db8::1".parse::<IpAddr>().unwrap());
        let unknown = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(proxies.client("127.0.0.1".parse().unwrap(), &unknown), "127.0.0.1".parse::<IpAddr>().unwrap());
        assert!(TrustedProxies::parse(&["not-an-ip".into()]).is_err());
    }
}
