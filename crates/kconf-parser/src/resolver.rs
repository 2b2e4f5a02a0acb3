//! Where configuration files come from: the file system, or memory in tests
//! and tools.

use std::collections::BTreeMap;
use std::io::{self, BufRead};
use std::path::{Path, PathBuf};

/// Reads configuration files and expands include patterns. The parser asks
/// it for everything it reads, so a test or a tool can serve files from
/// memory.
pub trait Resolver {
    /// The file at `path`, opened for reading line by line.
    fn open(&self, path: &Path) -> io::Result<Box<dyn BufRead + '_>>;

    /// The files matching a wildcard pattern (`*`, `?`, `[...]`; braces have
    /// already been expanded), sorted. An empty list means no match.
    fn glob(&self, pattern: &Path) -> io::Result<Vec<PathBuf>>;

    /// A name that is the same for every path to one file, to detect include
    /// loops. The default returns the path as given.
    fn identity(&self, path: &Path) -> PathBuf {
        path.to_path_buf()
    }
}

/// The real file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct FsResolver;

impl Resolver for FsResolver {
    fn open(&self, path: &Path) -> io::Result<Box<dyn BufRead + '_>> {
        let file = std::fs::File::open(path)?;
        if file.metadata()?.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "is a directory",
            ));
        }
        Ok(Box::new(io::BufReader::with_capacity(64 * 1024, file)))
    }

    fn glob(&self, pattern: &Path) -> io::Result<Vec<PathBuf>> {
        let text = pattern.to_string_lossy();
        if !text.contains(['*', '?', '[']) {
            return Ok(if pattern.exists() {
                vec![pattern.to_path_buf()]
            } else {
                Vec::new()
            });
        }
        let paths =
            glob::glob(&text).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let mut matched: Vec<PathBuf> = paths
            .filter_map(Result::ok)
            .filter(|p| p.is_file())
            .collect();
        matched.sort();
        Ok(matched)
    }

    fn identity(&self, path: &Path) -> PathBuf {
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
    }
}

/// Files held in memory, keyed by path; for tests and for tools that build a
/// configuration without touching the disk.
#[derive(Debug, Clone, Default)]
pub struct MemoryResolver {
    files: BTreeMap<PathBuf, Vec<u8>>,
}

impl MemoryResolver {
    /// An empty set of files.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a file.
    pub fn with_file(mut self, path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) -> Self {
        self.files.insert(path.into(), contents.into());
        self
    }
}

impl Resolver for MemoryResolver {
    fn open(&self, path: &Path) -> io::Result<Box<dyn BufRead + '_>> {
        let bytes = self
            .files
            .get(&normalize(path))
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))?;
        Ok(Box::new(bytes.as_slice()))
    }

    fn glob(&self, pattern: &Path) -> io::Result<Vec<PathBuf>> {
        let text = normalize(pattern).to_string_lossy().into_owned();
        let matcher = glob::Pattern::new(&text)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let options = glob::MatchOptions {
            require_literal_separator: true,
            ..Default::default()
        };
        Ok(self
            .files
            .keys()
            .filter(|p| matcher.matches_path_with(p, options))
            .cloned()
            .collect())
    }
}

/// Removes `.` and resolves `..` components lexically (memory files have no
/// symbolic links to make that wrong).
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Expands csh-style braces: `a{b,c{d,e}}f` gives `abf`, `acdf`, `acef`.
/// Unbalanced braces are kept as literal text. At most `limit` results.
pub(crate) fn expand_braces(pattern: &str, limit: usize) -> Vec<String> {
    let mut results = Vec::new();
    expand_into(pattern, limit, &mut results);
    results
}

fn expand_into(pattern: &str, limit: usize, out: &mut Vec<String>) {
    if out.len() >= limit {
        return;
    }
    let Some((open, close)) = first_brace_group(pattern) else {
        out.push(pattern.to_owned());
        return;
    };
    let (head, body, tail) = (
        &pattern[..open],
        &pattern[open + 1..close],
        &pattern[close + 1..],
    );
    for alternative in split_top_level(body) {
        expand_into(&format!("{head}{alternative}{tail}"), limit, out);
    }
}

/// The byte positions of the first balanced `{...}` group that contains a
/// top-level comma.
fn first_brace_group(pattern: &str) -> Option<(usize, usize)> {
    let bytes = pattern.as_bytes();
    let mut start = 0;
    while let Some(offset) = pattern.get(start..)?.find('{') {
        let open = start + offset;
        let mut depth = 0usize;
        let mut comma = false;
        for (i, &b) in bytes.iter().enumerate().skip(open) {
            match b {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        if comma {
                            return Some((open, i));
                        }
                        break;
                    }
                }
                b',' if depth == 1 => comma = true,
                _ => {}
            }
        }
        start = open + 1;
    }
    None
}

fn split_top_level(body: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, b) in body.bytes().enumerate() {
        match b {
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                parts.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&body[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brace_expansion_like_csh() {
        assert_eq!(expand_braces("a{b,c}d", 100), ["abd", "acd"]);
        assert_eq!(
            expand_braces("{foo/{,cat,dog},bar}", 100),
            ["foo/", "foo/cat", "foo/dog", "bar"]
        );
        assert_eq!(expand_braces("plain/*.conf", 100), ["plain/*.conf"]);
        assert_eq!(expand_braces("no{comma}", 100), ["no{comma}"]);
        assert_eq!(expand_braces("open{a,b", 100), ["open{a,b"]);
        assert_eq!(expand_braces("{a,b}{c,d}{e,f}", 3).len(), 3);
    }

    #[test]
    fn memory_resolver_globs() {
        let files = MemoryResolver::new()
            .with_file("/etc/k/conf.d/a.conf", "x")
            .with_file("/etc/k/conf.d/b.conf", "y")
            .with_file("/etc/k/conf.d/sub/c.conf", "z");
        let matched = files.glob(Path::new("/etc/k/conf.d/*.conf")).unwrap();
        assert_eq!(
            matched,
            [
                PathBuf::from("/etc/k/conf.d/a.conf"),
                PathBuf::from("/etc/k/conf.d/b.conf")
            ]
        );
        let mut text = String::new();
        files
            .open(Path::new("/etc/k/conf.d/a.conf"))
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "x");
        assert!(files.open(Path::new("/nope")).is_err());
    }
}
