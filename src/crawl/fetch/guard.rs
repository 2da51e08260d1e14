//! Address guard: which IP addresses pith may connect to.
//!
//! By default only public unicast addresses are allowed: loopback, private,
//! link-local, unique-local, carrier-grade NAT, multicast, broadcast,
//! documentation and unspecified addresses are refused, for IPv4 and IPv6,
//! including IPv4-mapped and IPv4-compatible IPv6 forms. The check runs on
//! the addresses the resolver returns, which are the only ones the client
//! may connect to, and on IP-literal hosts before any request, at every
//! redirect hop and for robots.txt alike.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// Whether `ip` is a public address that pith may reach by default.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let seg = v6.segments();
            // IPv4-compatible (::a.b.c.d), deprecated but still routable in stacks.
            if seg[..6].iter().all(|&s| s == 0) {
                return false;
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (seg[0] & 0xffc0) == 0xfe80 // link local fe80::/10
                || (seg[0] & 0xffc0) == 0xfec0 // site local (deprecated)
                || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation
                || (seg[0] == 0x64 && seg[1] == 0xff9b) // NAT64 (embeds IPv4)
                || seg[0] == 0x2002) // 6to4 (embeds IPv4)
        }
    }
}

/// Whether an IPv4 address is public (see the module doc for what is not).
fn is_public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_unspecified()
        || ip.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // carrier-grade NAT 100.64/10
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking 198.18/15
        || o[0] >= 240) // reserved
}

/// The words that mark the resolver's refusal in an error message.
pub const BLOCKED_MESSAGE: &str = "resolves only to non-public addresses";

/// The resolver error that says every address of a name was refused.
#[derive(Debug, thiserror::Error)]
#[error("{host} resolves only to non-public addresses ({addrs})")]
pub struct BlockedAddress {
    /// The host name.
    pub host: String,
    /// The refused addresses.
    pub addrs: String,
}

/// A DNS resolver that drops refused addresses.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    /// Allow every address (`allow_private_networks = true`).
    pub allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow_private;
        let host = name.as_str().to_string();
        Box::pin(async move {
            // RFC 6761: names under .invalid never resolve; no query is sent.
            if host.trim_end_matches('.').ends_with(".invalid") || host == "invalid" {
                let e = std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("failed to lookup address information: {host} is under .invalid"),
                );
                return Err(Box::new(e) as Box<dyn std::error::Error + Send + Sync>);
            }
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| allow || is_public(a.ip()))
                .collect();
            if allowed.is_empty() && !found.is_empty() {
                let addrs = found
                    .iter()
                    .map(|a| a.ip().to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(Box::new(BlockedAddress { host, addrs })
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_refused() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.1.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "100.64.0.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "2001:db8::1",
        ] {
            assert!(!is_public(a.parse().unwrap()), "{a} must be refused");
        }
        for a in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(a.parse().unwrap()), "{a} must be allowed");
        }
    }
}
