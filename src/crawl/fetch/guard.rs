//! Address guard: which IP addresses pith may connect to.
//!
//! By default only public unicast addresses are allowed: loopback, private,
//! link-local, unique-local, carrier-grade NAT, multicast, broadcast,
//! documentation and unspecified addresses are refused, for IPv4 and IPv6,
//! including IPv4-mapped (`::ffff:a.b.c.d`), IPv4-translated
//! (`::ffff:0:a.b.c.d`) and IPv4-compatible (`::a.b.c.d`) forms, which are
//! judged by the IPv4 address they embed, and NAT64 (`64:ff9b::/96`,
//! `64:ff9b:1::/48`), 6to4 (`2002::/16`) and Teredo (`2001::/32`)
//! addresses, which are refused whole. The check runs on
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
            // IPv4-translated (::ffff:0:a.b.c.d, RFC 2765): the embedded
            // address decides, like an IPv4-mapped one.
            if seg[..4].iter().all(|&s| s == 0) && seg[4] == 0xffff && seg[5] == 0 {
                let [a, b] = seg[6].to_be_bytes();
                let [c, d] = seg[7].to_be_bytes();
                return is_public_v4(Ipv4Addr::new(a, b, c, d));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (seg[0] & 0xffc0) == 0xfe80 // link local fe80::/10
                || (seg[0] & 0xffc0) == 0xfec0 // site local (deprecated)
                || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation
                || (seg[0] == 0x64 && seg[1] == 0xff9b) // NAT64 64:ff9b::/96 and 64:ff9b:1::/48 (embed IPv4)
                || (seg[0] == 0x2001 && seg[1] == 0) // Teredo 2001::/32 (embeds IPv4)
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

/// A host name that does not resolve (the resolver's own error, typed).
#[derive(Debug, thiserror::Error)]
#[error("failed to look up {host}: {source}")]
pub struct DnsFailure {
    /// The host name.
    pub host: String,
    /// What the system resolver said.
    pub source: std::io::Error,
}

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
                let source = std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "names under .invalid never resolve",
                );
                return Err(Box::new(DnsFailure { host, source })
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            let looked_up = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map(|found| found.collect::<Vec<SocketAddr>>());
            let found = match looked_up {
                Ok(found) => found,
                Err(source) => {
                    return Err(Box::new(DnsFailure { host, source })
                        as Box<dyn std::error::Error + Send + Sync>);
                }
            };
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
            "::ffff:0:127.0.0.1",
            "::ffff:0:10.0.0.1",
            "64:ff9b::127.0.0.1",
            "64:ff9b::8.8.8.8",
            "64:ff9b:1::a00:1",
            "2002:7f00:1::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
        ] {
            assert!(!is_public(a.parse().unwrap()), "{a} must be refused");
        }
        for a in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "::ffff:0:8.8.8.8",
        ] {
            assert!(is_public(a.parse().unwrap()), "{a} must be allowed");
        }
    }
}
