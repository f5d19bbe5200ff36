//! The translation against JavaScript's own `RegExp` (node) as the ECMA-262
//! oracle, on every pattern of the four crates' specs, the hand-written
//! callers' patterns and tricky ones, with generated values.

use super::*;

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
    let mut specs = 0;
    for entry in std::fs::read_dir(&crates).expect("the crates directory") {
        let spec = entry
            .expect("a directory entry")
            .path()
            .join("openapi.json");
        if let Ok(text) = std::fs::read_to_string(&spec) {
            let json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
            walk(&json, &mut out);
            specs += 1;
        }
    }
    assert_eq!(
        specs, 4,
        "the four crates' openapi.json files were not all read"
    );
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
    "^.{3}$",
    r"^[\s\d]{2,}$",
    r"[^\s]+$",
    r"^\S+$",
    r"^[\S\d]+$",
    r"^[^\S\n]+$",
    r"\s",
    r"^(a{2,3}|b{0,2}c){1,3}$",
    "(((a)b)c)*",
    r"^[-a]+$",
    r"^[a-]+$",
    r"^[ -\/:-@]+$",
    "a{3}",
    "a{2,}b",
    "^a{0}b$",
    r"[^\n]+",
    r"\0",
    "[&~[]+",
    r"^[~&#]+$",
    r"^#[^#]+#$",
    "é+.",
    "^\u{2028}?$",
    r"^[\u2028\u2029]$",
    r"^(?:(?:a|b)|(?:c|(?:d|)))+$",
    r"(a|)(b|){2}c",
    r"[\b]",
    r"^[\D][\W]$",
    "[^]",
    "^[^]*$",
    "[]",
    "^a[]?b$",
    r"\bfoo\b",
    r"\Bo\B",
    r"^\w+\b",
    r"^\cJ\cj?$",
    r"^\u{1F600}+$",
    r"^\uD83D\uDE00$",
    r"^\uD800?a$",
    r"^[\uD800a]$",
    r"(?<year>\d{4})-(?<m>\d\d)",
    r"^\/api\/v[0-9]+$",
    r"^[\u{e9}-\u{10FFFF}]$",
    r"^[^\u{0}-\u{7f}]+$",
    "()*a",
    "^(?:){3}b$",
    "^(|a)+$",
    "^((a|b)|c|(d))?$",
    r"^[\x00-\x1F\x7F]+$",
    r"^\t\v\f\r\n\0$",
];

/// Characters worth trying in any pattern: line terminators, non-ASCII
/// digits and letters, Unicode spaces and characters that look like spaces
/// but are not ECMA white space, controls, and an astral character.
const PROBE_CHARS: &[char] = &[
    '\n',
    '\r',
    '\u{2028}',
    '\u{2029}',
    '\u{85}', // line terminators and NEL (not one)
    '\u{663}',
    '\u{FF19}',
    '\u{1D7D8}', // Arabic-Indic 3, fullwidth 9, math double-struck 0
    'é',
    'Ж',
    'ß',
    'K',
    'ſ',
    '\u{212A}', // letters, incl. the Kelvin sign
    '\u{A0}',
    '\u{1680}',
    '\u{2000}',
    '\u{2007}',
    '\u{200A}',
    '\u{202F}',
    '\u{205F}',
    '\u{3000}',
    '\u{FEFF}', // ECMA white space
    '\u{180E}',
    '\u{200B}',
    '\u{1C}', // not white space in ECMA
    '\t',
    '\u{B}',
    '\u{C}',
    ' ',
    '\0',
    '\u{8}',
    '\u{1B}',
    '\u{7F}', // controls
    'a',
    'Z',
    '0',
    '9',
    '_',
    '-',
    '.',
    '/',
    '😀',
];

/// Every character a node of the pattern names, and the neighbours of its
/// sets' bounds.
fn node_chars(node: &Node, out: &mut Vec<char>) {
    match node {
        Node::Set(ranges) => {
            for &(lo, hi) in ranges.iter().take(16) {
                for c in [lo.saturating_sub(1), lo, hi, hi.saturating_add(1)] {
                    out.extend(char::from_u32(c));
                }
            }
        }
        Node::Concat(items) | Node::Alt(items) => items.iter().for_each(|n| node_chars(n, out)),
        Node::Repeat { node, .. } => node_chars(node, out),
        Node::Empty | Node::Assert(_) => {}
    }
}

/// A string from a random walk through the parsed pattern: close to, often
/// in, the language, whatever the pattern's shape.
fn walk(node: &Node, rng: &mut Rng, out: &mut String) {
    if out.len() > 4_000 {
        return;
    }
    match node {
        Node::Empty | Node::Assert(_) => {}
        Node::Set(ranges) => {
            for _ in 0..8 {
                if ranges.is_empty() {
                    return;
                }
                let (lo, hi) = rng.pick(ranges);
                // Favour the start of wide ranges, so text stays readable.
                let span = (hi - lo).min(200) as usize + 1;
                if let Some(c) = char::from_u32(lo + rng.below(span) as u32) {
                    out.push(c);
                    return;
                }
            }
        }
        Node::Concat(items) => items.iter().for_each(|n| walk(n, rng, out)),
        Node::Alt(branches) => walk(&branches[rng.below(branches.len())], rng, out),
        Node::Repeat { node, min, max } => {
            let extra = max.map_or(3, |max| (max - min).min(200)) as usize;
            let count = *min as usize + rng.below(extra + 1);
            for _ in 0..count.min(300) {
                walk(node, rng, out);
            }
        }
    }
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

/// The values tried against one pattern: the empty string, every probe
/// character alone and inside a value of the pattern, walks, their
/// mutations and random strings.
fn probes(node: &Node, pattern: &str, rounds: usize, rng: &mut Rng) -> Vec<String> {
    let mut alphabet: Vec<char> = pattern.chars().chain(PROBE_CHARS.iter().copied()).collect();
    node_chars(node, &mut alphabet);
    alphabet.sort_unstable();
    alphabet.dedup();
    let mut out = vec![String::new()];
    for &c in PROBE_CHARS {
        out.push(c.to_string());
        let mut w = String::new();
        walk(node, rng, &mut w);
        let mut chars: Vec<char> = w.chars().collect();
        let at = rng.below(chars.len() + 1);
        chars.insert(at, c);
        out.push(chars.into_iter().collect());
    }
    for round in 0..rounds {
        let mut w = String::new();
        walk(node, rng, &mut w);
        out.push(match round % 3 {
            0 => w,
            1 => mutate(&w, &alphabet, rng),
            _ => {
                let cap = if rng.below(4) == 0 { 200 } else { 12 };
                let len = rng.below(cap);
                (0..len).map(|_| rng.pick(&alphabet)).collect()
            }
        });
    }
    out
}

/// What JavaScript's `RegExp` with the `u` flag answers for each probe of
/// each pattern (`test`, a search, as JSON Schema's `pattern` is).
fn node_answers(cases: &[(&str, Vec<String>)]) -> Vec<Vec<bool>> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    const SCRIPT: &str = r#"
        let input = '';
        process.stdin.setEncoding('utf8');
        process.stdin.on('data', (d) => { input += d; });
        process.stdin.on('end', () => {
            const cases = JSON.parse(input);
            const out = cases.map(([p, probes]) => {
                const re = new RegExp(p, 'u');
                return probes.map((s) => re.test(s));
            });
            process.stdout.write(JSON.stringify(out));
        });
    "#;
    let child = Command::new("node")
        .args(["-e", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => panic!(
            "this test needs `node` (Node.js) on PATH: JavaScript's own RegExp is the ECMA-262 \
             oracle the pattern translation is held to ({e}). Install Node.js (Debian: \
             `apt-get install nodejs`) and run the test again."
        ),
    };
    let input = serde_json::to_vec(cases).expect("JSON");
    let mut stdin = child.stdin.take().expect("stdin");
    // Written from a thread: node's answer may fill its pipe before it has
    // read all of ours.
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("node ran");
    writer.join().expect("writer").expect("written to node");
    assert!(
        output.status.success(),
        "node failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("node's JSON answer")
}

#[test]
fn every_spec_pattern_matches_as_javascript_regexp_says() {
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
    let cases: Vec<(&str, Vec<String>)> = patterns
        .iter()
        .map(|&p| {
            let node = parse(p).unwrap_or_else(|e| panic!("{p:?}: {e}"));
            let rounds = if specs.iter().any(|s| s == p) {
                1_500
            } else {
                400
            };
            (p, probes(&node, p, rounds, &mut rng))
        })
        .collect();
    let answers = node_answers(&cases);
    assert_eq!(answers.len(), cases.len());
    let mut compared = 0;
    for ((pattern, probes), expected) in cases.iter().zip(&answers) {
        let ours = compile(pattern).unwrap_or_else(|e| panic!("{pattern:?}: {e}"));
        let translated = translate(pattern).unwrap();
        for (value, &want) in probes.iter().zip(expected) {
            assert_eq!(
                ours.is_match(value),
                want,
                "pattern {pattern:?} (translated {translated:?}) on {value:?}"
            );
            compared += 1;
        }
        // For the spec's patterns both answers must occur, or the
        // comparison proves little.
        if specs.iter().any(|s| s == pattern) {
            assert!(expected.iter().any(|&m| m), "{pattern:?}: nothing matched");
            assert!(
                expected.iter().any(|&m| !m),
                "{pattern:?}: everything matched"
            );
        }
    }
    eprintln!(
        "{compared} comparisons with node over {} patterns",
        cases.len()
    );
    assert!(compared >= 30_000, "{compared}");
}

#[test]
fn translations_spell_out_ecma_meanings() {
    let t = |p: &str| translate(p).unwrap();
    // The spec patterns stay readable.
    assert_eq!(
        t("^[a-z][a-z0-9-]{0,61}[a-z0-9]$"),
        r"^[a-z][\-0-9a-z]{0,61}[0-9a-z]$"
    );
    assert_eq!(
        t(r"^sha\d{1,3}:[a-fA-F0-9]{40,135}$"),
        r"^sha[0-9]{1,3}:[0-9A-Fa-f]{40,135}$"
    );
    assert_eq!(
        t("^.*$"),
        r"^[\x{0}-\x{9}\x{B}\x{C}\x{E}-\x{2027}\x{202A}-\x{10FFFF}]*$"
    );
    assert_eq!(t(r"\/(?<n>a|b)"), "/(?:a|b)");
    assert_eq!(t("[]"), r"[^\x{0}-\x{10FFFF}]");
    assert_eq!(t("[^]"), r"[\x{0}-\x{10FFFF}]");
    assert_eq!(t(r"\uD83D\uDE00\u{e9}\cJ"), r"\x{1F600}é\x{A}");
    let yes = |p: &str, v: &str| compile(p).unwrap().is_match(v);
    // `.` stops at every ECMA line terminator; `\s` has ECMA's spaces.
    for v in ["a\rb", "a\nb", "a\u{2028}b", "a\u{2029}b"] {
        assert!(!yes("^.*$", v), "{v:?}");
    }
    assert!(yes("^.*$", "a\u{85}b\u{1F600}"));
    assert!(yes(r"^\s+$", "\u{a0}\u{feff}\u{3000}"));
    assert!(!yes(r"^\s$", "\u{200b}"));
    assert!(!yes(r"^\d$", "\u{663}"));
    assert!(!yes(r"^\w$", "é"));
    assert!(yes(r"^[\S\d]+$", "a\u{e9}1"));
    assert!(!yes(r"^[\S\d]+$", "a\u{a0}"));
    // `\b` is an ASCII word boundary: `é` is no word character.
    assert!(yes(r"a\bé", "aé"));
    assert!(!yes(r"a\Bé", "aé"));
}

#[test]
fn untranslatable_constructs_are_named() {
    let deepest = "(".repeat(65);
    let cases: &[(&str, &str)] = &[
        ("(?=x)", "lookahead"),
        ("(?!x)", "lookahead"),
        ("(?<=x)", "lookbehind"),
        ("(?<!x)", "lookbehind"),
        ("(?i)x", "modifiers"),
        ("(?i:x)", "modifiers"),
        ("(?<1>x)", "group name"),
        (r"(a)\1", "backreferences"),
        (r"(?<n>a)\k<n>", "named backreferences"),
        (r"\p{L}", "property"),
        (r"\P{L}", "property"),
        (r"\cA\c1", "followed by a letter"),
        (r"\x4", "two hex digits"),
        (r"\u12", "four hex digits"),
        (r"\u{110000}", "code point"),
        (r"\e", "escape `\\e`"),
        (r"\-", "escape `\\-`"),
        (r"[\B]", "escape `\\B`"),
        (r"\01", "escape `\\0`"),
        ("a\\", "lone `\\`"),
        ("(a", "without its `)`"),
        ("a)", "without its `(`"),
        ("[a", "without its `]`"),
        ("[z-a]", "out of order"),
        (r"[\d-z]", "class escape"),
        ("*a", "nothing to repeat"),
        ("a**", "nothing to repeat"),
        ("{2}", "nothing to repeat"),
        ("a{,3}", "lone `{`"),
        ("a{", "lone `{`"),
        ("x}", "lone `}`"),
        ("x]", "lone `]`"),
        ("^*", "after an assertion"),
        (r"\b+", "after an assertion"),
        ("a{3,2}", "greater than m"),
        (&deepest, "nested deeper"),
    ];
    for &(pattern, want) in cases {
        match translate(pattern) {
            Err(e) => assert!(e.to_string().contains(want), "{pattern:?}: {e}"),
            Ok(t) => panic!("{pattern:?} translated to {t:?}"),
        }
    }
    // Sizes regex-lite refuses are refused by `compile`, with its reason.
    for pattern in ["a{100000000}", "(a{1000}){1000}", "a{4294967295,}"] {
        let e = compile(pattern)
            .err()
            .unwrap_or_else(|| panic!("{pattern}"));
        assert!(e.contains("regex-lite refuses"), "{pattern}: {e}");
    }
    // At the nesting cap's edge, and a pattern that does compile in size.
    let deep = format!("{}a{}", "(".repeat(64), ")".repeat(64));
    assert!(compile(&deep).unwrap().is_match("a"));
    assert!(compile("^a{9997}$").is_ok());
}

#[test]
fn no_blow_up_on_huge_values_or_pathological_patterns() {
    // 1 MB of DNS labels against the longest pattern of the specs.
    let longest = "^([a-z][a-z0-9-]{0,61}[a-z0-9]\\.)*[a-z][a-z0-9-]{0,61}[a-z0-9]$";
    let p = compile(longest).unwrap();
    let mut value = "ab-1.".repeat(200_000);
    value.push_str("end");
    assert!(p.is_match(&value));
    value.push('-');
    assert!(!p.is_match(&value));
    assert!(compile("^.*$").unwrap().is_match(&"x".repeat(1 << 20)));
    // Catastrophic for a backtracker: linear here.
    let aaa = format!("{}c", "a".repeat(100_000));
    for pattern in ["(a*)*b", "(a|a)*b", "^(a+)+$", "(a|aa)*b", "(.*a){20}b"] {
        assert!(!compile(pattern).unwrap().is_match(&aaa), "{pattern}");
    }
}
