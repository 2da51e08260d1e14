//! Sharding a URL list: `--shard I/N` keeps the URLs whose registrable
//! domain (public suffix list, through the `psl` crate) hashes to shard `I`
//! of `N`, so N machines or cron jobs can split one list while each site is
//! visited by one of them only.

use url::Url;

/// One shard of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, from 0.
    pub index: u32,
    /// How many shards.
    pub count: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("shard '{s}' is not I/N"))?;
        let index: u32 = i
            .trim()
            .parse()
            .map_err(|_| format!("shard index '{i}' is not a number"))?;
        let count: u32 = n
            .trim()
            .parse()
            .map_err(|_| format!("shard count '{n}' is not a number"))?;
        if count == 0 || index >= count {
            return Err(format!(
                "shard {index}/{count}: the index must be below the count"
            ));
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// Whether this shard takes `line` (a URL list line, trimmed).
    pub fn owns(&self, line: &str) -> bool {
        partition(line, self.count) == self.index
    }
}

/// Which of `count` parts `line` (a URL list line) falls in: the hash of
/// its registrable domain, so every site lands in one part. `count` 0 is
/// taken for 1.
pub fn partition(line: &str, count: u32) -> u32 {
    (fnv1a(site_key(line).as_bytes()) % u64::from(count.max(1))) as u32
}

/// The registrable domain of a URL ("news.example.co.uk" → "example.co.uk"),
/// the host when it has none (IP addresses, `localhost`), or the line itself
/// when it is no URL, so that every line lands in exactly one shard.
pub fn site_key(line: &str) -> String {
    let Ok(url) = Url::parse(line.trim()) else {
        return line.trim().to_string();
    };
    let host = match url.host() {
        Some(url::Host::Domain(d)) => d.trim_end_matches('.').to_ascii_lowercase(),
        // An address is its own site.
        Some(ip) => return ip.to_string(),
        None => return line.trim().to_string(),
    };
    psl::domain_str(&host).map_or(host.clone(), str::to_string)
}

/// FNV-1a, 64 bit: stable across runs, machines and versions.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_share_a_shard_and_shards_partition() {
        assert_eq!(site_key("https://news.example.co.uk/a"), "example.co.uk");
        assert_eq!(site_key("https://www.example.com/a"), "example.com");
        assert_eq!(site_key("http://127.0.0.1:8080/x"), "127.0.0.1");
        let shards: Vec<Shard> = (0..3).map(|i| format!("{i}/3").parse().unwrap()).collect();
        for line in [
            "https://a.example.com/1",
            "https://b.example.com/2",
            "not a url",
            "http://x.org/",
        ] {
            assert_eq!(shards.iter().filter(|s| s.owns(line)).count(), 1, "{line}");
        }
        let first = shards
            .iter()
            .position(|s| s.owns("https://a.example.com/1"));
        assert_eq!(
            first,
            shards
                .iter()
                .position(|s| s.owns("https://b.example.com/zzz"))
        );
        assert!("3/3".parse::<Shard>().is_err() && "1".parse::<Shard>().is_err());
    }
}
