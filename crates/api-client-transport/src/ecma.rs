//! ECMA-262 patterns of OpenAPI schemas, translated once into regex-lite's
//! syntax and matched by regex-lite (linear in the value, with a size limit).
//!
//! A pattern is read as ECMA-262 reads it with the `u` flag, the reading
//! JSON Schema advises and validators such as ajv use by default: values are
//! sequences of Unicode code points (a `str`'s chars), `\u{...}` is allowed,
//! and an escape that means nothing (`\e`, a lone `{`) is an error rather
//! than a literal. Where ECMA-262 and regex-lite give the same syntax different
//! meanings, the translation spells ECMA's out as explicit character sets:
//!
//! - `.` excludes the four line terminators (`\n`, `\r`, U+2028, U+2029),
//!   not only `\n`;
//! - `\s`/`\S` are ECMA's white space (with U+00A0, U+FEFF and the `Zs`
//!   spaces) and line terminators; `\d`/`\w` are ASCII (as regex-lite's are,
//!   written out anyway); `\b`/`\B` are ASCII word boundaries (regex-lite's);
//! - `[^]` is any character and `[]` none; `\cX`, `\0`, `\xHH`, `\uHHHH`
//!   (surrogate pairs joined), `\u{...}` and the identity escapes (`\/`,
//!   `\.`...) become the characters they name; every class is written as a
//!   sorted list of ranges, so `[\S\d]` needs no nested class;
//! - `^`/`$` stay as they are (without the `m` flag both engines anchor at
//!   the ends of the whole value); `(?<name>...)` becomes `(?:...)`.
//!
//! What regex-lite cannot do is refused with the construct named and its
//! position: backreferences (`\1`, `\k<n>`), lookahead and lookbehind,
//! Unicode property escapes (`\p{..}`), modifiers (`(?i:`), and patterns
//! whose compiled form passes regex-lite's size limit. `cargo xtask codegen`
//! runs the same translation over every spec pattern and fails on these,
//! naming the schema and field.

use std::fmt;

/// How deeply groups may nest; parsing recurses once per level.
const MAX_DEPTH: usize = 64;

/// The last Unicode scalar value, as the upper bound of sets.
const MAX_CHAR: u32 = 0x10_FFFF;

/// `\d`: the ASCII digits.
const DIGIT: &[(u32, u32)] = &[(0x30, 0x39)];

/// `\w`: ASCII letters, digits and `_`.
const WORD: &[(u32, u32)] = &[(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)];

/// `\s`: ECMA-262's WhiteSpace (with the `Zs` category) and LineTerminator.
const SPACE: &[(u32, u32)] = &[
    (0x09, 0x0D),
    (0x20, 0x20),
    (0xA0, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200A),
    (0x2028, 0x2029),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
    (0xFEFF, 0xFEFF),
];

/// What `.` refuses: ECMA-262's line terminators.
const LINE_TERMINATORS: &[(u32, u32)] = &[(0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029)];

/// Why a pattern cannot be translated: what is wrong and at which character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Untranslatable {
    /// Where the problem was found, counted in characters from 0.
    at: usize,
    /// What the problem is.
    what: String,
}

impl fmt::Display for Untranslatable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.what, self.at)
    }
}

/// Translates an ECMA-262 pattern (with the `u` flag) into a regex-lite
/// pattern that matches the same strings, or says what stands in the way.
pub(crate) fn translate(pattern: &str) -> Result<String, Untranslatable> {
    let node = parse(pattern)?;
    let mut out = String::with_capacity(pattern.len() + 16);
    emit(&node, &mut out);
    Ok(out)
}

/// Translates and compiles `pattern`; the error says why either step failed.
pub(crate) fn compile(pattern: &str) -> Result<regex_lite::Regex, String> {
    let translated = translate(pattern).map_err(|e| e.to_string())?;
    regex_lite::Regex::new(&translated)
        .map_err(|e| format!("regex-lite refuses its translation `{translated}`: {e}"))
}

/// A parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    /// Matches the empty string.
    Empty,
    /// One character from the set: sorted, disjoint, non-adjacent ranges.
    Set(Vec<(u32, u32)>),
    /// A zero-width assertion, in regex-lite's spelling (`^`, `$`, `\b`, `\B`).
    Assert(&'static str),
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    /// `min` to `max` (unbounded if `None`) copies of the node.
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
    },
}

/// Parses an ECMA-262 pattern (with the `u` flag).
pub(crate) fn parse(pattern: &str) -> Result<Node, Untranslatable> {
    let mut parser = Parser {
        chars: pattern.chars().collect(),
        pos: 0,
    };
    let node = parser.alternation(0)?;
    if parser.pos < parser.chars.len() {
        // Only an unmatched `)` stops the top-level alternation early.
        return Err(parser.error("a `)` without its `(`"));
    }
    Ok(node)
}

/// Sorts and merges ranges.
fn normalize(mut ranges: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    ranges.sort_unstable();
    let mut merged: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
    for (lo, hi) in ranges {
        match merged.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => merged.push((lo, hi)),
        }
    }
    merged
}

/// Every code point not in the normalized `ranges`.
fn complement(ranges: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut out = Vec::with_capacity(ranges.len() + 1);
    let mut next = 0u32;
    for &(lo, hi) in ranges {
        if lo > next {
            out.push((next, lo - 1));
        }
        next = hi.saturating_add(1);
    }
    if next <= MAX_CHAR {
        out.push((next, MAX_CHAR));
    }
    out
}

/// What one escape or class atom stands for.
enum Atom {
    Char(u32),
    Set(Vec<(u32, u32)>),
    Assert(&'static str),
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn error(&self, what: impl Into<String>) -> Untranslatable {
        Untranslatable {
            at: self.pos,
            what: what.into(),
        }
    }

    fn error_at(&mut self, at: usize, what: impl Into<String>) -> Untranslatable {
        self.pos = at;
        self.error(what)
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        let found = self.peek() == Some(c);
        if found {
            self.pos += 1;
        }
        found
    }

    /// `a|b|...` up to an unmatched `)` or the end.
    fn alternation(&mut self, depth: usize) -> Result<Node, Untranslatable> {
        let mut branches = vec![self.concatenation(depth)?];
        while self.eat('|') {
            branches.push(self.concatenation(depth)?);
        }
        Ok(if branches.len() == 1 {
            branches.pop().unwrap_or(Node::Empty)
        } else {
            Node::Alt(branches)
        })
    }

    fn concatenation(&mut self, depth: usize) -> Result<Node, Untranslatable> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom(depth)?;
            items.push(self.quantified(atom)?);
        }
        Ok(match items.len() {
            0 => Node::Empty,
            1 => items.pop().unwrap_or(Node::Empty),
            _ => Node::Concat(items),
        })
    }

    fn atom(&mut self, depth: usize) -> Result<Node, Untranslatable> {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Err(self.error("an unexpected end"));
        };
        self.pos += 1;
        Ok(match c {
            '^' => Node::Assert("^"),
            '$' => Node::Assert("$"),
            '.' => Node::Set(complement(LINE_TERMINATORS)),
            '(' => self.group(depth)?,
            '[' => Node::Set(self.bracket()?),
            '\\' => match self.escape(false)? {
                Atom::Char(c) => Node::Set(vec![(c, c)]),
                Atom::Set(set) => Node::Set(set),
                Atom::Assert(a) => Node::Assert(a),
            },
            '*' | '+' | '?' => {
                return Err(self.error_at(start, format!("a `{c}` with nothing to repeat")))
            }
            '{' => {
                let what = if self.braces(start).is_some() {
                    "a `{n,m}` quantifier with nothing to repeat"
                } else {
                    "a lone `{` (write `\\{` for the character)"
                };
                return Err(self.error_at(start, what));
            }
            '}' | ']' => {
                return Err(self.error_at(
                    start,
                    format!("a lone `{c}` (write `\\{c}` for the character)"),
                ))
            }
            c => Node::Set(vec![(c as u32, c as u32)]),
        })
    }

    /// The rest of a group after its `(`.
    fn group(&mut self, depth: usize) -> Result<Node, Untranslatable> {
        let open = self.pos - 1;
        if depth >= MAX_DEPTH {
            return Err(self.error_at(open, format!("groups nested deeper than {MAX_DEPTH}")));
        }
        if self.eat('?') {
            match (self.peek(), self.peek_at(1)) {
                (Some(':'), _) => self.pos += 1,
                (Some('='), _) | (Some('!'), _) => {
                    return Err(self.error_at(open, "lookahead `(?=`/`(?!` is not supported"))
                }
                (Some('<'), Some('=')) | (Some('<'), Some('!')) => {
                    return Err(self.error_at(open, "lookbehind `(?<=`/`(?<!` is not supported"))
                }
                (Some('<'), _) => {
                    // A named group matches what a plain group does; only
                    // backreferences (refused) could use the name.
                    self.pos += 1;
                    let name_start = self.pos;
                    while self
                        .peek()
                        .is_some_and(|c| c == '_' || c == '$' || c.is_alphanumeric())
                    {
                        self.pos += 1;
                    }
                    let starts_well = self
                        .chars
                        .get(name_start)
                        .is_some_and(|c| !c.is_ascii_digit());
                    if self.pos == name_start || !starts_well || !self.eat('>') {
                        return Err(self.error_at(open, "a group name that is not an identifier"));
                    }
                }
                _ => {
                    return Err(self.error_at(
                        open,
                        "`(?` other than `(?:` or `(?<name>` (modifiers) is not supported",
                    ))
                }
            }
        }
        let inner = self.alternation(depth + 1)?;
        if !self.eat(')') {
            return Err(self.error_at(open, "a `(` without its `)`"));
        }
        Ok(inner)
    }

    /// A quantifier after an atom, if there is one.
    fn quantified(&mut self, atom: Node) -> Result<Node, Untranslatable> {
        let start = self.pos;
        let (min, max) = match self.peek() {
            Some('*') => {
                self.pos += 1;
                (0, None)
            }
            Some('+') => {
                self.pos += 1;
                (1, None)
            }
            Some('?') => {
                self.pos += 1;
                (0, Some(1))
            }
            Some('{') => match self.braces(start) {
                Some((min, max, end)) => {
                    self.pos = end;
                    (min, max)
                }
                None => {
                    return Err(self.error("a lone `{` (write `\\{` for the character)"));
                }
            },
            _ => return Ok(atom),
        };
        if matches!(atom, Node::Assert(_)) {
            return Err(self.error_at(start, "a quantifier after an assertion (`^`, `$`, `\\b`)"));
        }
        if max.is_some_and(|max| max < min) {
            return Err(self.error_at(start, "a `{n,m}` quantifier with n greater than m"));
        }
        // A lazy quantifier matches the same values; only the choice differs.
        self.eat('?');
        Ok(Node::Repeat {
            node: Box::new(atom),
            min,
            max,
        })
    }

    /// Reads `{n}`, `{n,}` or `{n,m}` starting at `at`: the bounds and the
    /// index after the `}`, or `None` if no quantifier starts there. Counts
    /// beyond `u32` saturate (regex-lite's size limit refuses them anyway).
    fn braces(&self, at: usize) -> Option<(u32, Option<u32>, usize)> {
        let mut i = at;
        if self.chars.get(i) != Some(&'{') {
            return None;
        }
        i += 1;
        let number = |i: &mut usize| -> Option<u32> {
            let start = *i;
            let mut n = 0u32;
            while let Some(d) = self.chars.get(*i).and_then(|c| c.to_digit(10)) {
                n = n.saturating_mul(10).saturating_add(d);
                *i += 1;
            }
            (*i > start).then_some(n)
        };
        let min = number(&mut i)?;
        let max = if self.chars.get(i) == Some(&',') {
            i += 1;
            number(&mut i)
        } else {
            Some(min)
        };
        (self.chars.get(i) == Some(&'}')).then_some((min, max, i + 1))
    }

    /// The rest of a `[...]` class after its `[`.
    fn bracket(&mut self) -> Result<Vec<(u32, u32)>, Untranslatable> {
        let open = self.pos - 1;
        let negate = self.eat('^');
        let mut ranges = Vec::new();
        loop {
            match self.peek() {
                None => return Err(self.error_at(open, "a `[` without its `]`")),
                Some(']') => {
                    self.pos += 1;
                    break;
                }
                Some(_) => {}
            }
            let lo_at = self.pos;
            let lo = self.class_atom()?;
            let is_range = self.peek() == Some('-') && self.peek_at(1).is_some_and(|c| c != ']');
            if !is_range {
                match lo {
                    Atom::Char(c) => ranges.push((c, c)),
                    Atom::Set(set) => ranges.extend(set),
                    // `escape(true)` gives no assertion: `\b` is a backspace there.
                    Atom::Assert(_) => {}
                }
                continue;
            }
            let dash = self.pos;
            self.pos += 1;
            let hi = self.class_atom()?;
            match (lo, hi) {
                (Atom::Char(a), Atom::Char(b)) if a > b => {
                    return Err(self.error_at(dash, "a class range out of order"))
                }
                (Atom::Char(a), Atom::Char(b)) => ranges.push((a, b)),
                _ => {
                    return Err(self.error_at(
                        lo_at,
                        "a class range with a class escape at one end (`[\\d-z]`)",
                    ))
                }
            }
        }
        let set = normalize(ranges);
        Ok(if negate { complement(&set) } else { set })
    }

    fn class_atom(&mut self) -> Result<Atom, Untranslatable> {
        match self.peek() {
            Some('\\') => {
                self.pos += 1;
                self.escape(true)
            }
            Some(c) => {
                self.pos += 1;
                Ok(Atom::Char(c as u32))
            }
            None => Err(self.error("a `[` without its `]`")),
        }
    }

    /// The rest of an escape after its `\`, inside a class or not.
    fn escape(&mut self, in_class: bool) -> Result<Atom, Untranslatable> {
        let at = self.pos - 1;
        let Some(c) = self.peek() else {
            return Err(self.error_at(at, "a pattern ending in a lone `\\`"));
        };
        self.pos += 1;
        let set = |ranges: &[(u32, u32)], negate: bool| {
            let set = normalize(ranges.to_vec());
            Ok(Atom::Set(if negate { complement(&set) } else { set }))
        };
        let char = match c {
            'd' | 'D' => return set(DIGIT, c == 'D'),
            'w' | 'W' => return set(WORD, c == 'W'),
            's' | 'S' => return set(SPACE, c == 'S'),
            'b' if in_class => 0x08,
            'b' => return Ok(Atom::Assert(r"\b")),
            'B' if !in_class => return Ok(Atom::Assert(r"\B")),
            '-' if in_class => '-' as u32,
            't' => 0x09,
            'n' => 0x0A,
            'v' => 0x0B,
            'f' => 0x0C,
            'r' => 0x0D,
            'c' => match self.peek() {
                Some(l) if l.is_ascii_alphabetic() => {
                    self.pos += 1;
                    l as u32 % 32
                }
                _ => return Err(self.error_at(at, "`\\c` must be followed by a letter")),
            },
            '0' if !self.peek().is_some_and(|c| c.is_ascii_digit()) => 0,
            'x' => match self.hex(2) {
                Some(v) => v,
                None => return Err(self.error_at(at, "`\\x` must be followed by two hex digits")),
            },
            'u' => self.unicode_escape(at)?,
            '1'..='9' if !in_class => {
                return Err(self.error_at(at, "backreferences `\\1`... are not supported"))
            }
            'k' if !in_class => {
                return Err(self.error_at(at, "named backreferences `\\k<..>` are not supported"))
            }
            'p' | 'P' => {
                return Err(self.error_at(
                    at,
                    "Unicode property escapes `\\p{..}`/`\\P{..}` are not supported",
                ))
            }
            '^' | '$' | '\\' | '.' | '*' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '|'
            | '/' => c as u32,
            c => {
                return Err(self.error_at(
                    at,
                    format!("the escape `\\{c}` (ECMA-262 with the `u` flag refuses it)"),
                ))
            }
        };
        Ok(Atom::Char(char))
    }

    /// The rest of `\u` (after the `u`): `{hex}`, or four hex digits joined
    /// with a following `\uXXXX` into one code point when they form a
    /// surrogate pair. A lone surrogate stays itself: no `str` holds one, so
    /// it matches nothing.
    fn unicode_escape(&mut self, at: usize) -> Result<u32, Untranslatable> {
        if self.eat('{') {
            let start = self.pos;
            let mut value = 0u32;
            while let Some(d) = self.peek().and_then(|c| c.to_digit(16)) {
                value = value.saturating_mul(16).saturating_add(d);
                self.pos += 1;
            }
            if self.pos == start || !self.eat('}') || value > MAX_CHAR {
                return Err(self.error_at(at, "`\\u{..}` must hold a code point in hex"));
            }
            return Ok(value);
        }
        let Some(first) = self.hex(4) else {
            return Err(self.error_at(at, "`\\u` must be followed by four hex digits or `{..}`"));
        };
        if (0xD800..0xDC00).contains(&first)
            && self.peek() == Some('\\')
            && self.peek_at(1) == Some('u')
        {
            let back = self.pos;
            self.pos += 2;
            match self.hex(4) {
                Some(low) if (0xDC00..0xE000).contains(&low) => {
                    return Ok(0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00));
                }
                _ => self.pos = back,
            }
        }
        Ok(first)
    }

    /// `n` hex digits, consumed only if all are there.
    fn hex(&mut self, n: usize) -> Option<u32> {
        let digits = self.chars.get(self.pos..self.pos + n)?;
        let mut value = 0u32;
        for d in digits {
            value = value * 16 + d.to_digit(16)?;
        }
        self.pos += n;
        Some(value)
    }
}

/// Writes `node` in regex-lite's syntax.
fn emit(node: &Node, out: &mut String) {
    match node {
        Node::Empty => {}
        Node::Set(ranges) => emit_set(ranges, out),
        Node::Assert(a) => out.push_str(a),
        Node::Concat(items) => {
            for item in items {
                if matches!(item, Node::Alt(_)) {
                    group(item, out);
                } else {
                    emit(item, out);
                }
            }
        }
        Node::Alt(branches) => {
            for (i, branch) in branches.iter().enumerate() {
                if i > 0 {
                    out.push('|');
                }
                emit(branch, out);
            }
        }
        Node::Repeat { node, min, max } => {
            match **node {
                Node::Set(_) => emit(node, out),
                _ => group(node, out),
            }
            match (min, max) {
                (0, None) => out.push('*'),
                (1, None) => out.push('+'),
                (0, Some(1)) => out.push('?'),
                (n, None) => out.push_str(&format!("{{{n},}}")),
                (n, Some(m)) if n == m => out.push_str(&format!("{{{n}}}")),
                (n, Some(m)) => out.push_str(&format!("{{{n},{m}}}")),
            }
        }
    }
}

fn group(node: &Node, out: &mut String) {
    out.push_str("(?:");
    emit(node, out);
    out.push(')');
}

/// A set as one character or a bracketed class. Surrogates, which no `str`
/// holds, are dropped from the ends of ranges (regex-lite's ranges are of
/// `char`s); a set left empty is written as a class that matches nothing.
fn emit_set(ranges: &[(u32, u32)], out: &mut String) {
    let chars: Vec<(char, char)> = ranges
        .iter()
        .filter_map(|&(lo, hi)| {
            let lo = if (0xD800..0xE000).contains(&lo) {
                0xE000
            } else {
                lo
            };
            let hi = if (0xD800..0xE000).contains(&hi) {
                0xD7FF
            } else {
                hi
            };
            Some((char::from_u32(lo)?, char::from_u32(hi)?)).filter(|(lo, hi)| lo <= hi)
        })
        .collect();
    match chars.as_slice() {
        [] => out.push_str(r"[^\x{0}-\x{10FFFF}]"),
        [(lo, hi)] if lo == hi => push_char(*lo, out),
        _ => {
            out.push('[');
            for &(lo, hi) in &chars {
                push_char(lo, out);
                if hi > lo {
                    if u32::from(hi) > u32::from(lo) + 1 {
                        out.push('-');
                    }
                    push_char(hi, out);
                }
            }
            out.push(']');
        }
    }
}

/// One character as regex-lite reads it literally, in a class or not:
/// letters, digits and other printable characters as they are, regex-lite's
/// meta characters escaped, control and space characters in hex.
fn push_char(c: char, out: &mut String) {
    match c {
        '\\' | '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$'
        | '#' | '&' | '-' | '~' => {
            out.push('\\');
            out.push(c);
        }
        ' ' => out.push(' '),
        c if c.is_ascii_graphic() || (!c.is_ascii() && c.is_alphanumeric()) => out.push(c),
        c => out.push_str(&format!("\\x{{{:X}}}", u32::from(c))),
    }
}

#[cfg(test)]
mod tests;
