//! Turning wire names into Rust identifiers.

use std::collections::HashSet;

/// Splits a wire name into words: at separators (anything not alphanumeric), at a
/// lower-or-digit to upper change (`nodeId`), and before the last capital of an acronym
/// run that is followed by lowercase (`CPUShares` -> `CPU`, `Shares`).
pub fn words(s: &str) -> Vec<String> {
    // `IPv4`/`IPv6` would otherwise split as `I`, `Pv4`.
    let s = s
        .replace("IPv4", "Ipv4")
        .replace("IPv6", "Ipv6")
        .replace("IOps", "Iops");
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if c.is_uppercase() && !cur.is_empty() {
            let prev = chars[i - 1];
            // `IPs`, `IDs`: a plural acronym stays one word.
            let plural = chars.get(i + 1) == Some(&'s')
                && !chars.get(i + 2).is_some_and(|n| n.is_lowercase());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase()) && !plural;
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `container-group` / `ContainerGroup` / `IPAM_config` -> `ContainerGroup` / `IpamConfig`.
/// All-capital words are folded (`IPAM` -> `Ipam`) so clippy's `upper_case_acronyms`
/// never fires; a leading digit gets a `V` prefix; an empty result becomes `Empty`.
pub fn pascal(s: &str) -> String {
    let mut out = String::new();
    for w in words(s) {
        let all_upper = w.chars().filter(|c| c.is_alphabetic()).count() > 1
            && !w.chars().any(|c| c.is_lowercase());
        let mut cs = w.chars();
        if let Some(first) = cs.next() {
            out.extend(first.to_uppercase());
            if all_upper {
                out.extend(cs.flat_map(char::to_lowercase));
            } else {
                out.extend(cs);
            }
        }
    }
    if out.is_empty() {
        return "Empty".to_string();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    if out == "Self" {
        out.push_str("Value");
    }
    out
}

/// `HostConfig` / `node-id` / `CPUShares` -> `host_config` / `node_id` / `cpu_shares`.
pub fn snake(s: &str) -> String {
    let mut out = words(s)
        .iter()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    if out.is_empty() {
        out.push_str("field");
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'v');
    }
    out
}

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "else", "enum", "extern", "false", "fn", "for", "if",
    "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static",
    "struct", "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn",
    "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized",
    "virtual", "yield", "try", "gen",
];

/// A field identifier: snake case, keywords as raw identifiers (`r#type`; serde strips the
/// `r#`, so no rename is needed), and the four names that cannot be raw get a `_` suffix.
pub fn field_ident(wire: &str) -> String {
    let s = snake(wire);
    if matches!(s.as_str(), "self" | "super" | "crate" | "Self") {
        format!("{s}_")
    } else if KEYWORDS.contains(&s.as_str()) {
        format!("r#{s}")
    } else {
        s
    }
}

/// The name serde sees for a field identifier.
pub fn serde_name(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
}

/// Hands out unique names: the second `Foo` becomes `Foo2`, and so on.
#[derive(Default)]
pub struct Names {
    used: HashSet<String>,
}

impl Names {
    /// Marks names that must never be handed out (prelude and imported names).
    pub fn reserve(&mut self, names: &[&str]) {
        self.used.extend(names.iter().map(|s| s.to_string()));
    }

    /// Returns `base`, or `base2`, `base3`, ... if taken, and marks it used.
    pub fn fresh(&mut self, base: &str) -> String {
        let mut name = base.to_string();
        let mut n = 2;
        while self.used.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.used.insert(name.clone());
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_case() {
        assert_eq!(pascal("container-group"), "ContainerGroup");
        assert_eq!(pascal("ContainerGroup"), "ContainerGroup");
        assert_eq!(pascal("IPAM"), "Ipam");
        assert_eq!(pascal("IPAMConfig"), "IpamConfig");
        assert_eq!(pascal("dto.Container Resp/x"), "DtoContainerRespX");
        assert_eq!(pascal("3d"), "V3d");
        assert_eq!(pascal("on-failure"), "OnFailure");
        assert_eq!(pascal("NVIDIA_GPU"), "NvidiaGpu");
        assert_eq!(pascal("*"), "Empty");
        assert_eq!(pascal("self"), "SelfValue");
        assert_eq!(pascal("GenericResponse-Foo"), "GenericResponseFoo");
    }

    #[test]
    fn snake_case() {
        assert_eq!(snake("HostConfig"), "host_config");
        assert_eq!(snake("NodeID"), "node_id");
        assert_eq!(snake("CPUShares"), "cpu_shares");
        assert_eq!(snake("IPv4Address"), "ipv4_address");
        assert_eq!(snake("com.example.label"), "com_example_label");
        assert_eq!(snake("display_name"), "display_name");
        assert_eq!(snake("Int64Value"), "int64_value");
        assert_eq!(snake("3d"), "v3d");
        assert_eq!(snake("LinkLocalIPs"), "link_local_ips");
        assert_eq!(snake("IOMaximumIOps"), "io_maximum_iops");
        assert_eq!(snake("ContainerIDs"), "container_ids");
        assert_eq!(snake("IPsec"), "i_psec");
        assert_eq!(field_ident("type"), "r#type");
        assert_eq!(field_ident("self"), "self_");
        assert_eq!(serde_name("r#type"), "type");
    }

    #[test]
    fn fresh_names() {
        let mut n = Names::default();
        n.reserve(&["Option"]);
        assert_eq!(n.fresh("Option"), "Option2");
        assert_eq!(n.fresh("Pet"), "Pet");
        assert_eq!(n.fresh("Pet"), "Pet2");
    }
}
