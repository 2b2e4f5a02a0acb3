//! Names of routing tables, protocols, scopes, DS fields, realms and
//! interface groups, looked up in this host's iproute2 files, as keepalived
//! and `ip` look them up when they start.
//!
//! The names every iproute2 installs are already numbers in the model
//! (kconf-parser resolves them); only the others come here. It does not
//! cache: the files are read once per name at start.

use std::path::Path;

use kconf_parser::model::ipaddr::RtId;

/// An iproute2 name file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameFile {
    /// `rt_tables`.
    Tables,
    /// `rt_protos`.
    Protocols,
    /// `rt_scopes`.
    Scopes,
    /// `rt_dsfield`.
    DsField,
    /// `rt_realms`.
    Realms,
    /// `group`.
    Groups,
}

impl NameFile {
    fn file(self) -> &'static str {
        match self {
            NameFile::Tables => "rt_tables",
            NameFile::Protocols => "rt_protos",
            NameFile::Scopes => "rt_scopes",
            NameFile::DsField => "rt_dsfield",
            NameFile::Realms => "rt_realms",
            NameFile::Groups => "group",
        }
    }

    fn what(self) -> &'static str {
        match self {
            NameFile::Tables => "routing table",
            NameFile::Protocols => "route protocol",
            NameFile::Scopes => "scope",
            NameFile::DsField => "DS field",
            NameFile::Realms => "realm",
            NameFile::Groups => "interface group",
        }
    }
}

/// The directories iproute2 reads its files from, most specific first.
const DIRECTORIES: [&str; 3] = ["/etc/iproute2", "/usr/share/iproute2", "/usr/lib/iproute2"];

/// The number of `id`: itself, or its name looked up in the host's files.
pub(crate) fn resolve<T>(id: &RtId<T>, file: NameFile) -> Result<T, String>
where
    T: Copy + TryFrom<u64>,
{
    match id {
        RtId::Number(number) => Ok(*number),
        RtId::Name(name) => {
            let number = DIRECTORIES
                .iter()
                .find_map(|dir| lookup_dir(Path::new(dir), file.file(), name))
                .ok_or_else(|| {
                    format!(
                        "{} '{name}' is not named in {}/{}",
                        file.what(),
                        DIRECTORIES[0],
                        file.file()
                    )
                })?;
            T::try_from(number)
                .map_err(|_| format!("{} '{name}' is {number}, out of range", file.what()))
        }
    }
}

/// Looks `name` up in `dir/file` and then in `dir/file.d/*.conf`.
fn lookup_dir(dir: &Path, file: &str, name: &str) -> Option<u64> {
    if let Ok(text) = std::fs::read_to_string(dir.join(file)) {
        if let Some(number) = lookup(&text, name) {
            return Some(number);
        }
    }
    let mut extra: Vec<_> = std::fs::read_dir(dir.join(format!("{file}.d")))
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "conf"))
        .collect();
    extra.sort();
    extra
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .find_map(|text| lookup(&text, name))
}

/// Finds `name` in the text of an iproute2 file: lines of `NUMBER NAME`,
/// `#` comments, numbers in decimal or `0x` hexadecimal.
pub(crate) fn lookup(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let number = words.next()?;
            let found = words.next()?;
            (found == name).then_some(number)
        })
        .find_map(|number| match number.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16).ok(),
            None => number.parse().ok(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iproute2_files_are_read_like_ip_reads_them() {
        let text = "#\n# reserved values\n255\tlocal\n254 main # the main one\n0x10 hex\n100  vip\n  # 7 commented\n";
        assert_eq!(lookup(text, "main"), Some(254));
        assert_eq!(lookup(text, "vip"), Some(100));
        assert_eq!(lookup(text, "hex"), Some(16));
        assert_eq!(lookup(text, "commented"), None);
        assert_eq!(lookup(text, "absent"), None);
        assert_eq!(lookup("bogus name\n", "name"), None);
    }

    #[test]
    fn numbers_pass_and_unknown_names_are_errors() {
        assert_eq!(resolve(&RtId::Number(7u8), NameFile::Protocols), Ok(7));
        let err = resolve(
            &RtId::<u32>::Name("no-such-table-anywhere".into()),
            NameFile::Tables,
        )
        .unwrap_err();
        assert!(
            err.contains("routing table 'no-such-table-anywhere'"),
            "{err}"
        );
    }
}
