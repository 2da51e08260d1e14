//! Settings, as read from `config.toml` text (the binary reads the file and
//! merges command-line flags on top; the library only parses).
//!
//! Every key has a default in a `Default` impl; unknown keys are errors that
//! name the key.

use crate::output::Format;
use serde::Deserialize;

/// All settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `[extract]`: how pages become articles.
    pub extract: ExtractConfig,
    /// `[output]`: where and how records are written.
    pub output: OutputConfig,
}

/// `[extract]` settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExtractConfig {
    /// Keep figure captions in the text.
    pub include_captions: bool,
    /// Inputs larger than this are refused with `too_large`.
    pub max_bytes: u64,
    /// Worker threads; 0 means one per core.
    pub jobs: usize,
}

impl Default for ExtractConfig {
    fn default() -> Self {
        ExtractConfig {
            include_captions: false,
            max_bytes: 20 * 1024 * 1024,
            jobs: 0,
        }
    }
}

/// `[output]` settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutputConfig {
    /// A file to append to, or a directory for one file per article; empty for stdout.
    pub path: String,
    /// `jsonl`, `text` or `markdown`.
    pub format: Format,
}

impl Config {
    /// Parse `config.toml` text.
    pub fn parse(text: &str) -> Result<Config, toml::de::Error> {
        toml::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_config_equals_defaults() {
        let shipped = include_str!("../config.toml");
        assert_eq!(Config::parse(shipped).unwrap(), Config::default());
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = Config::parse("[extract]\njobz = 3\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("jobz"), "{e}");
    }
}
