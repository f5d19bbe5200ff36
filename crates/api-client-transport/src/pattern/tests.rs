//! The matcher against regex-lite as an oracle, on every pattern the
//! workspace uses and on tricky ones, with generated values.

use super::*;

/// ECMA-262's white space and line terminators as the inside of a
/// regex-lite class (regex-lite's `\s` is ASCII only).
const ECMA_SPACE: &str =
    r"\t\n\x0B\x0C\r \xA0\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}";

/// Rewrites an ECMA-262 pattern so regex-lite matches the same strings:
/// `.` stops at all four line terminators (regex-lite's only at `\n`), `\s`
/// and `\S` cover ECMA's Unicode white space, `\0` is NUL (regex-lite reads
/// a backreference), `\b` in a class is a backspace, and `[`, `&`, `~` inside
/// a class are literals (regex-lite reads nested classes and set operations).
fn ecma_to_rust(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut in_class = false;
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('s') if in_class => out.push_str(ECMA_SPACE),
                Some('s') => out.push_str(&format!("[{ECMA_SPACE}]")),
                // regex-lite has no nested classes to say it with.
                Some('S') if in_class => panic!("no oracle for \\S in a class: {pattern}"),
                Some('S') => out.push_str(&format!("[^{ECMA_SPACE}]")),
                Some('0') => out.push_str(r"\x00"),
                Some('b') if in_class => out.push_str(r"\x08"),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
            }
            '[' | '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            '.' if !in_class => out.push_str(r"[^\n\r\x{2028}\x{2029}]"),
            _ => out.push(c),
        }
    }
    out
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// A random scalar value: usually ASCII, sometimes anywhere.
    fn char(&mut self) -> char {
        let max = if self.below(4) == 0 { MAX_CHAR } else { 0x7F };
        loop {
            if let Some(c) = char::from_u32((self.next() % (u64::from(max) + 1)) as u32) {
                return c;
            }
        }
    }
}

/// The patterns of every crate's `openapi.json`, read at test time so a new
/// one is covered without editing this list.
fn spec_patterns() -> Vec<String> {
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    match v {
                        serde_json::Value::String(p) if k == "pattern" => out.push(p.clone()),
                        _ => walk(v, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&crates).expect("the crates directory") {
        let spec = entry
            .expect("a directory entry")
            .path()
            .join("openapi.json");
        if let Ok(text) = std::fs::read_to_string(&spec) {
            let json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
            walk(&json, &mut out);
        }
    }
    out
}

/// Hand-written callers' patterns and xtask's fixtures.
const CODE_PATTERNS: &[&str] = &[
    "^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$",
    "^[a-z][a-z0-9-]{0,61}[a-z0-9]$",
    "^[a-z][a-z0-9-]*$",
    "^a$",
    "^b$",
    "^.*$",
    "^([0-9A-Za-z*/,-]+)([\\t ]+[0-9A-Za-z*/,-]+){4}$",
    "^([a-z][a-z0-9-]{0,61}[a-z0-9]\\.)*[a-z][a-z0-9-]{0,61}[a-z0-9]$",
    "^[ ,-.0-9A-Za-z]+$",
    "^[ -~]{2,63}$",
    "^[+/=0-9A-Za-z]{44,172}$",
    "^sha\\d{1,3}:[a-fA-F0-9]{40,135}$",
];

/// Patterns that exercise what the specs do not yet use.
const TRICKY: &[&str] = &[
    "",
    "abc",
    "a|b|",
    "(a|bc)+d",
    "((a|b)c){2,3}",
    "(?:ab){0,2}c$",
    "^(?:a|ab)(?:c|bcd)$",
    "x*",
    "^$",
    "^a*?b+?c??$",
    "a??b",
    "[^a-c]{2}",
    r"\d+\.\d*",
    r"\w\W\s\S\D",
    r"[\w-]+",
    r"[.\]]",
    r"^\x41\u00e9+$",
    r"[\t\n\r\f\v]",
    r"^\(\)\[\]\{\}\*\+\?\.\\\/\|\^\$$",
    "(a*)*b",
    "(a|a)*b",
    "(^a|b)c",
    "a$|^b",
    ".+",
    r"^[\s\d]{2,}$",
    r"[^\s]+$",
    r"^(a{2,3}|b{0,2}c){1,3}$",
    "(((a)b)c)*",
    r"^[-a]+$",
    r"^[a-]+$",
    r"^[ -\/:-@]+$",
    "a{3}",
    "a{2,}b",
    r"[^\n]+",
    r"\0",
    "[&~[]+",
    "é+.",
    "^\u{2028}?$",
    r"^(?:(?:a|b)|(?:c|(?:d|)))+$",
    r"(a|)(b|){2}c",
    r"[\b]",
    r"^[\D][\W]$",
];

/// The characters worth trying against a pattern: its own, the bounds of its
/// classes and their neighbours, and line terminators and non-ASCII ones.
fn alphabet(pattern: &str, compiled: &Pattern) -> Vec<char> {
    let mut chars: Vec<char> = pattern.chars().collect();
    chars.extend([
        '\n', '\r', '\u{2028}', '\u{2029}', '\u{a0}', 'é', '\t', ' ', 'a', 'Z', '0', '_', '\0',
    ]);
    for class in &compiled.classes {
        for &(lo, hi) in class.0.iter().take(16) {
            for c in [lo.saturating_sub(1), lo, hi, hi.saturating_add(1)] {
                chars.extend(char::from_u32(c));
            }
        }
    }
    chars.sort_unstable();
    chars.dedup();
    chars
}

/// A string from a random walk through the NFA: close to, often in, the
/// language, whatever the pattern's shape.
fn walk(compiled: &Pattern, rng: &mut Rng) -> String {
    let mut out = String::new();
    let mut pc = 0;
    for _ in 0..2_000 {
        match compiled.insts[pc] {
            Inst::Match => break,
            Inst::Class(k) => {
                let ranges = &compiled.classes[k].0;
                if ranges.is_empty() {
                    break;
                }
                let (lo, hi) = rng.pick(ranges);
                // Favour the start of wide ranges, so text stays readable.
                let span = (hi - lo).min(200) as usize + 1;
                out.extend(char::from_u32(lo + rng.below(span) as u32));
                pc += 1;
            }
            Inst::Split(a, b) => pc = if rng.below(2) == 0 { a } else { b },
            Inst::Jump(a) => pc = a,
            Inst::Start | Inst::End => pc += 1,
        }
    }
    out
}

/// `s` with a few random edits drawn from `alphabet`.
fn mutate(s: &str, alphabet: &[char], rng: &mut Rng) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    for _ in 0..=rng.below(3) {
        let at = rng.below(chars.len() + 1);
        let c = if rng.below(5) == 0 {
            rng.char()
        } else {
            rng.pick(alphabet)
        };
        match rng.below(5) {
            0 => chars.insert(at, c),
            1 if at < chars.len() => {
                chars.remove(at);
            }
            2 if at < chars.len() => chars[at] = c,
            3 => {
                let end = (at + rng.below(8)).min(chars.len());
                let copy: Vec<char> = chars[at..end].to_vec();
                chars.splice(at..at, copy);
            }
            _ => chars.push(c),
        }
    }
    chars.into_iter().collect()
}

/// A random string over `alphabet`, 0 to about 300 characters.
fn random(alphabet: &[char], rng: &mut Rng) -> String {
    let len = match rng.below(4) {
        0 => rng.below(300),
        _ => rng.below(20),
    };
    (0..len)
        .map(|_| {
            if rng.below(10) == 0 {
                rng.char()
            } else {
                rng.pick(alphabet)
            }
        })
        .collect()
}

/// Compares the matcher with regex-lite on `rounds` values for `pattern`;
/// returns how many comparisons it made and how many values matched.
fn compare(pattern: &str, rounds: usize, rng: &mut Rng) -> (usize, usize) {
    let ours = Pattern::new(pattern).unwrap_or_else(|e| panic!("{pattern:?}: {e}"));
    let oracle = regex_lite::Regex::new(&ecma_to_rust(pattern))
        .unwrap_or_else(|e| panic!("oracle on {pattern:?}: {e}"));
    let alphabet = alphabet(pattern, &ours);
    let mut known: Vec<String> = Vec::new();
    let (mut compared, mut matched) = (0, 0);
    for round in 0..rounds {
        let value = match round % 4 {
            0 => walk(&ours, rng),
            1 if !known.is_empty() => {
                let base = known[rng.below(known.len())].clone();
                mutate(&base, &alphabet, rng)
            }
            2 => {
                let w = walk(&ours, rng);
                mutate(&w, &alphabet, rng)
            }
            _ => random(&alphabet, rng),
        };
        let expected = oracle.is_match(&value);
        assert_eq!(
            ours.is_match(&value),
            expected,
            "pattern {pattern:?} on {value:?}"
        );
        compared += 1;
        if expected {
            matched += 1;
            if known.len() < 64 {
                known.push(value);
            }
        }
    }
    (compared, matched)
}

#[test]
fn agrees_with_regex_lite_on_generated_values() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let specs = spec_patterns();
    assert!(
        specs
            .iter()
            .any(|p| p == "^sha\\d{1,3}:[a-fA-F0-9]{40,135}$"),
        "the specs were not read: {specs:?}"
    );
    let mut patterns: Vec<&str> = specs.iter().map(String::as_str).collect();
    patterns.extend(CODE_PATTERNS);
    patterns.extend(TRICKY);
    patterns.sort_unstable();
    patterns.dedup();
    let mut total = 0;
    for pattern in &patterns {
        let (compared, matched) = compare(pattern, 1_500, &mut rng);
        // Both answers must occur, or the comparison proves little (an
        // unanchored pattern that matches the empty string matches anything).
        let always = Pattern::new(pattern).unwrap().is_match("") && !pattern.contains(['^', '$']);
        assert!(matched > 0, "{pattern:?}: no generated value matched");
        assert!(
            always || matched < compared,
            "{pattern:?}: every generated value matched"
        );
        total += compared;
    }
    eprintln!(
        "{total} oracle comparisons over {} patterns",
        patterns.len()
    );
    assert!(total >= 60_000, "{total}");
}

#[test]
fn ecma_meanings_without_the_oracle() {
    let yes = |p: &str, v: &str| Pattern::new(p).unwrap().is_match(v);
    // Empty classes: `[]` matches nothing, `[^]` any character.
    assert!(!yes("[]", "abc"));
    assert!(yes("^a[^]b$", "a\nb"));
    // Annex B: braces that are no quantifier are literals.
    assert!(yes("^a{,3}$", "a{,3}"));
    assert!(!yes("^a{,3}$", "aaa"));
    assert!(yes("^a{$", "a{"));
    assert!(yes("^x}]$", "x}]"));
    // A range with a class escape is a union with `-`.
    assert!(yes(r"^[\d-z]+$", "1-z"));
    assert!(!yes(r"^[\d-z]+$", "y"));
    // `\b` in a class is a backspace; `\,` is a comma.
    assert!(yes(r"^[\b]$", "\u{8}"));
    assert!(yes(r"^\,$", ","));
    // `\S` in a class (which the oracle cannot say).
    assert!(yes(r"^[\Sa]+$", "a\u{e9}b"));
    assert!(!yes(r"^[\Sa]+$", "a\u{a0}"));
    // Values are matched by scalar values, as with the `u` flag.
    assert!(yes("^.$", "\u{1F600}"));
    // Lazy forms answer like greedy ones.
    assert!(yes("^a{2,3}?$", "aaa"));
    assert!(!yes("^a{2}?$", "aaa"));
    // `^` and `$` work inside groups and alternations.
    assert!(yes("(^|,)x($|,)", "a,x"));
    assert!(!yes("(^|,)x($|,)", "ax"));
}

#[test]
fn unsupported_constructs_are_named() {
    let deepest = "(".repeat(65);
    let cases: [(&str, &str); 31] = [
        ("(?=x)", "lookahead"),
        ("(?!x)", "lookahead"),
        ("(?<=x)", "lookbehind"),
        ("(?<!x)", "lookbehind"),
        ("(?<n>x)", "named groups"),
        ("(?i)x", "flags"),
        (r"(a)\1", "backreferences"),
        (r"\01", "octal"),
        (r"a\b", "word boundaries"),
        (r"\B", "word boundaries"),
        (r"\k<n>", "named backreferences"),
        (r"\cA", "control"),
        (r"\p{L}", "property"),
        (r"\u{41}", "\\u{...}"),
        (r"\x4", "two hex digits"),
        (r"\uD800", "four hex digits"),
        (r"\e", "escape `\\e`"),
        ("a\\", "lone `\\`"),
        ("(a", "without its `)`"),
        ("a)", "without its `(`"),
        ("[a", "without its `]`"),
        ("[z-a]", "out of order"),
        ("*a", "nothing to repeat"),
        ("a**", "nothing to repeat"),
        ("{2}", "nothing to repeat"),
        ("^*", "after an anchor"),
        ("a{3,2}", "greater than m"),
        ("a{100000}", "limit of 10000"),
        ("(a{100}){101}", "limit of 10000"),
        ("a{4294967295,}", "limit of 10000"),
        (&deepest, "nested deeper"),
    ];
    for (pattern, want) in cases {
        match Pattern::new(pattern) {
            Err(e) => assert!(e.to_string().contains(want), "{pattern:?}: {e}"),
            Ok(_) => panic!("{pattern:?} compiled"),
        }
    }
    // At the caps' edges: 64 nested groups, and 10,000 steps (`^`, 9,997
    // characters, `$`, the final match) are fine; one more step is not.
    let deep = format!("{}a{}", "(".repeat(64), ")".repeat(64));
    assert!(Pattern::new(&deep).unwrap().is_match("a"));
    assert!(Pattern::new("^a{9997}$").is_ok());
    assert!(Pattern::new("^a{9998}$").is_err());
    // Repeating the empty string stops at once instead of counting to 4e9.
    assert!(Pattern::new("^(){4294967295}(?:){4294967295,}$")
        .unwrap()
        .is_match(""));
}

#[test]
fn no_blow_up_on_huge_values_or_pathological_patterns() {
    // 1 MB of DNS labels against the longest pattern of the specs.
    let longest = "^([a-z][a-z0-9-]{0,61}[a-z0-9]\\.)*[a-z][a-z0-9-]{0,61}[a-z0-9]$";
    let p = Pattern::new(longest).unwrap();
    let mut value = "ab-1.".repeat(200_000);
    value.push_str("end");
    assert_eq!(value.len(), 1_000_003);
    assert!(p.is_match(&value));
    value.push('-');
    assert!(!p.is_match(&value));
    let any = Pattern::new("^.*$").unwrap();
    assert!(any.is_match(&"x".repeat(1 << 20)));
    // Catastrophic for a backtracker: linear here.
    let aaa = format!("{}c", "a".repeat(100_000));
    for pattern in ["(a*)*b", "(a|a)*b", "^(a+)+$", "(a|aa)*b", "(.*a){20}b"] {
        assert!(!Pattern::new(pattern).unwrap().is_match(&aaa), "{pattern}");
    }
}
