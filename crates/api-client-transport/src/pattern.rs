//! The ECMA-262 patterns of OpenAPI schemas, matched without a regex crate.
//!
//! OpenAPI patterns use a small part of ECMA-262: literals, classes, groups,
//! alternation, quantifiers and the two anchors. A pattern is parsed into a
//! tree (nesting capped, so parsing recursion is bounded), compiled to a
//! Thompson NFA (capped at [`MAX_STEPS`] instructions, so a counted repetition
//! cannot blow up), and run as a Pike VM: every live NFA state advances one
//! character at a time, so matching takes O(value length x program size) time
//! and O(program size) memory, with no backtracking.
//!
//! The grammar is ECMA-262's without the `u` flag, with Annex B's literal
//! braces (`a{` and `a{,3}` are literals), except where that grammar makes a
//! letter escape silently mean the letter (`\a` would match `a`): such escapes
//! are refused, as the `u` flag refuses them. Values are matched by Unicode
//! scalar values, as with the `u` flag. Not supported (refused with a message
//! naming the construct): backreferences, lookaround, word boundaries, flags,
//! `\c`, `\p{..}`, `\u{..}`, and octal escapes.

use std::fmt;

/// The most NFA instructions one pattern may compile to. The specs' largest
/// (`{44,172}` of a class) takes under 400; a `{n,m}` that would expand past
/// this is refused rather than allowed to eat memory.
pub(crate) const MAX_STEPS: usize = 10_000;

/// How deeply groups may nest; parsing and compiling recurse once per level.
const MAX_DEPTH: usize = 64;

/// The last Unicode scalar value, as the upper bound of class ranges.
const MAX_CHAR: u32 = 0x10_FFFF;

/// `\d`: the ASCII digits.
const DIGIT: &[(u32, u32)] = &[(0x30, 0x39)];

/// `\w`: ASCII letters, digits and `_`.
const WORD: &[(u32, u32)] = &[(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)];

/// `\s`: ECMA-262's white space and line terminators.
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

/// Why a pattern cannot be compiled: what is wrong and at which character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PatternError {
    /// Where the problem was found, counted in characters from 0.
    at: usize,
    /// What the problem is.
    what: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.what, self.at)
    }
}

/// A set of characters, as sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Class(Vec<(u32, u32)>);

impl Class {
    fn of(ranges: &[(u32, u32)]) -> Self {
        let mut class = Class(ranges.to_vec());
        class.normalize();
        class
    }

    fn single(c: char) -> Self {
        Class(vec![(c as u32, c as u32)])
    }

    fn add(&mut self, other: &Class) {
        self.0.extend_from_slice(&other.0);
        self.normalize();
    }

    fn normalize(&mut self) {
        self.0.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(self.0.len());
        for &(lo, hi) in &self.0 {
            match merged.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        self.0 = merged;
    }

    /// Every scalar value not in the class (surrogates never occur in a `str`,
    /// so whether the complement holds them does not matter).
    fn negated(&self) -> Self {
        let mut out = Vec::with_capacity(self.0.len() + 1);
        let mut next = 0u32;
        for &(lo, hi) in &self.0 {
            if lo > next {
                out.push((next, lo - 1));
            }
            next = hi.saturating_add(1);
        }
        if next <= MAX_CHAR {
            out.push((next, MAX_CHAR));
        }
        Class(out)
    }

    fn contains(&self, c: char) -> bool {
        let c = c as u32;
        let i = self.0.partition_point(|&(_, hi)| hi < c);
        self.0.get(i).is_some_and(|&(lo, _)| lo <= c)
    }
}

/// The parsed pattern.
#[derive(Debug)]
enum Node {
    /// Matches the empty string.
    Empty,
    /// One character from the class with this index.
    Class(usize),
    /// `^`: the start of the value.
    Start,
    /// `$`: the end of the value.
    End,
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    /// `min` to `max` (unbounded if `None`) copies of the node.
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
    },
}

/// One instruction of the NFA.
#[derive(Debug, Clone, Copy)]
enum Inst {
    /// Consume one character of the class with this index.
    Class(usize),
    /// Continue at both targets.
    Split(usize, usize),
    Jump(usize),
    /// Continue only at the start of the value.
    Start,
    /// Continue only at the end of the value.
    End,
    Match,
}

/// A compiled pattern. Matching is a search, as JSON Schema specifies: the
/// pattern may match anywhere in the value unless `^`/`$` anchor it.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    insts: Vec<Inst>,
    classes: Vec<Class>,
    /// No match can begin after the first character (the pattern starts with
    /// `^` on every path), so a search may stop once no state is alive.
    anchored: bool,
}

impl Pattern {
    /// Compiles an ECMA-262 pattern, or says what in it is not supported.
    pub(crate) fn new(pattern: &str) -> Result<Self, PatternError> {
        let mut parser = Parser {
            chars: pattern.chars().collect(),
            pos: 0,
            classes: Vec::new(),
        };
        let node = parser.alternation(0)?;
        if parser.pos < parser.chars.len() {
            // Only an unmatched `)` stops the top-level alternation early.
            return Err(parser.error("a `)` without its `(`"));
        }
        let mut compiler = Compiler { insts: Vec::new() };
        compiler
            .emit(&node)
            .and_then(|()| compiler.push(Inst::Match))
            .map_err(|what| PatternError {
                at: 0,
                what: what.to_string(),
            })?;
        let mut pattern = Pattern {
            insts: compiler.insts,
            classes: parser.classes,
            anchored: false,
        };
        pattern.anchored = [false, true].iter().all(|&at_end| {
            let mut threads = Threads::new(pattern.insts.len());
            pattern.add(&mut threads, &mut Vec::new(), 0, false, at_end);
            threads
                .list
                .iter()
                .all(|&pc| !matches!(pattern.insts[pc], Inst::Class(_) | Inst::Match))
        });
        Ok(pattern)
    }

    /// Whether the pattern matches somewhere in `value`.
    pub(crate) fn is_match(&self, value: &str) -> bool {
        let mut current = Threads::new(self.insts.len());
        let mut next = Threads::new(self.insts.len());
        let mut stack = Vec::new();
        let mut chars = value.chars().peekable();
        let mut at_start = true;
        loop {
            let c = chars.next();
            if at_start || !self.anchored {
                self.add(&mut current, &mut stack, 0, at_start, c.is_none());
            }
            let next_is_end = chars.peek().is_none();
            next.clear();
            for &pc in &current.list {
                match self.insts[pc] {
                    Inst::Match => return true,
                    Inst::Class(k) => {
                        if c.is_some_and(|c| self.classes[k].contains(c)) {
                            self.add(&mut next, &mut stack, pc + 1, false, next_is_end);
                        }
                    }
                    Inst::Split(..) | Inst::Jump(_) | Inst::Start | Inst::End => {}
                }
            }
            if c.is_none() || (self.anchored && next.list.is_empty()) {
                return false;
            }
            std::mem::swap(&mut current, &mut next);
            at_start = false;
        }
    }

    /// Adds the state `pc` and every state reachable from it without
    /// consuming a character, at a position with the given anchors.
    fn add(
        &self,
        threads: &mut Threads,
        stack: &mut Vec<usize>,
        pc: usize,
        at_start: bool,
        at_end: bool,
    ) {
        // An explicit stack: each state enters the set once, so the stack
        // stays below twice the program size whatever loops the NFA has.
        stack.push(pc);
        while let Some(pc) = stack.pop() {
            if !threads.insert(pc) {
                continue;
            }
            match self.insts[pc] {
                Inst::Split(a, b) => {
                    stack.push(b);
                    stack.push(a);
                }
                Inst::Jump(a) => stack.push(a),
                Inst::Start if at_start => stack.push(pc + 1),
                Inst::End if at_end => stack.push(pc + 1),
                Inst::Start | Inst::End | Inst::Class(_) | Inst::Match => {}
            }
        }
    }
}

/// A set of NFA states, in insertion order, clearable in O(its size).
struct Threads {
    list: Vec<usize>,
    seen: Vec<bool>,
}

impl Threads {
    fn new(size: usize) -> Self {
        Threads {
            list: Vec::with_capacity(size),
            seen: vec![false; size],
        }
    }

    fn insert(&mut self, pc: usize) -> bool {
        !std::mem::replace(&mut self.seen[pc], true) && {
            self.list.push(pc);
            true
        }
    }

    fn clear(&mut self) {
        for &pc in &self.list {
            self.seen[pc] = false;
        }
        self.list.clear();
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    classes: Vec<Class>,
}

impl Parser {
    fn error(&self, what: impl Into<String>) -> PatternError {
        PatternError {
            at: self.pos,
            what: what.into(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        let found = self.peek() == Some(c);
        if found {
            self.pos += 1;
        }
        found
    }

    fn class(&mut self, class: Class) -> Node {
        self.classes.push(class);
        Node::Class(self.classes.len() - 1)
    }

    /// `a|b|...` up to an unmatched `)` or the end.
    fn alternation(&mut self, depth: usize) -> Result<Node, PatternError> {
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

    fn concatenation(&mut self, depth: usize) -> Result<Node, PatternError> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let (atom, quantifiable) = self.atom(depth)?;
            let item = self.quantified(atom, quantifiable)?;
            items.push(item);
        }
        Ok(match items.len() {
            0 => Node::Empty,
            1 => items.pop().unwrap_or(Node::Empty),
            _ => Node::Concat(items),
        })
    }

    /// One atom and whether a quantifier may follow it.
    fn atom(&mut self, depth: usize) -> Result<(Node, bool), PatternError> {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Err(self.error("an unexpected end"));
        };
        self.pos += 1;
        let node = match c {
            '^' => return Ok((Node::Start, false)),
            '$' => return Ok((Node::End, false)),
            '.' => self.class(Class::of(LINE_TERMINATORS).negated()),
            '(' => self.group(depth)?,
            '[' => {
                let class = self.bracket()?;
                self.class(class)
            }
            '\\' => {
                let class = self.escape(false)?;
                self.class(class)
            }
            '*' | '+' | '?' => {
                self.pos = start;
                return Err(self.error(format!("a `{c}` with nothing to repeat")));
            }
            '{' => {
                self.pos = start;
                if self.braces().is_some() {
                    return Err(self.error("a `{` quantifier with nothing to repeat"));
                }
                // Annex B: a brace that starts no quantifier is a literal.
                self.pos += 1;
                self.class(Class::single(c))
            }
            _ => self.class(Class::single(c)),
        };
        Ok((node, true))
    }

    /// The rest of a group after its `(`.
    fn group(&mut self, depth: usize) -> Result<Node, PatternError> {
        let open = self.pos - 1;
        if depth >= MAX_DEPTH {
            return Err(self.error(format!("groups nested deeper than {MAX_DEPTH}")));
        }
        if self.eat('?') {
            let unsupported = match (self.peek(), self.chars.get(self.pos + 1)) {
                (Some(':'), _) => None,
                (Some('='), _) | (Some('!'), _) => Some("lookahead `(?=`/`(?!` is not supported"),
                (Some('<'), Some('=')) | (Some('<'), Some('!')) => {
                    Some("lookbehind `(?<=`/`(?<!` is not supported")
                }
                (Some('<'), _) => Some("named groups `(?<name>` are not supported"),
                _ => Some("`(?` other than `(?:` (flags, modifiers) is not supported"),
            };
            if let Some(what) = unsupported {
                self.pos = open;
                return Err(self.error(what));
            }
            self.pos += 1;
        }
        let inner = self.alternation(depth + 1)?;
        if !self.eat(')') {
            self.pos = open;
            return Err(self.error("a `(` without its `)`"));
        }
        Ok(inner)
    }

    /// A quantifier after an atom, if there is one.
    fn quantified(&mut self, atom: Node, quantifiable: bool) -> Result<Node, PatternError> {
        let start = self.pos;
        let (min, max) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => match self.braces() {
                Some(bounds) => bounds,
                None => return Ok(atom),
            },
            _ => return Ok(atom),
        };
        if !quantifiable {
            return Err(self.error("a quantifier after an anchor (`^` or `$`)"));
        }
        if self.peek() != Some('{') {
            self.pos += 1;
        } else {
            // `braces` only looked ahead; step over `{n,m}`.
            while self.peek() != Some('}') {
                self.pos += 1;
            }
            self.pos += 1;
        }
        if max.is_some_and(|max| max < min) {
            self.pos = start;
            return Err(self.error("a `{n,m}` quantifier with n greater than m"));
        }
        // A lazy quantifier matches the same values; only the choice differs.
        self.eat('?');
        Ok(Node::Repeat {
            node: Box::new(atom),
            min,
            max,
        })
    }

    /// Reads `{n}`, `{n,}` or `{n,m}` at the current position without
    /// consuming it; `None` if the brace does not start one (then it is a
    /// literal, as Annex B says). Counts beyond `u32` saturate: the
    /// instruction cap refuses them anyway.
    fn braces(&self) -> Option<(u32, Option<u32>)> {
        let mut i = self.pos;
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
        (self.chars.get(i) == Some(&'}')).then_some((min, max))
    }

    /// The rest of a `[...]` class after its `[`.
    fn bracket(&mut self) -> Result<Class, PatternError> {
        let open = self.pos - 1;
        let negate = self.eat('^');
        let mut class = Class::default();
        loop {
            let Some(c) = self.peek() else {
                self.pos = open;
                return Err(self.error("a `[` without its `]`"));
            };
            if c == ']' {
                self.pos += 1;
                break;
            }
            let lo = self.class_atom()?;
            let is_range =
                self.peek() == Some('-') && self.chars.get(self.pos + 1).is_some_and(|&c| c != ']');
            if !is_range {
                class.add(&lo);
                continue;
            }
            let dash = self.pos;
            self.pos += 1;
            let hi = self.class_atom()?;
            match (single(&lo), single(&hi)) {
                (Some(a), Some(b)) if a > b => {
                    self.pos = dash;
                    return Err(self.error("a class range out of order"));
                }
                (Some(a), Some(b)) => class.add(&Class(vec![(a, b)])),
                // Annex B: a range with a class escape (`[\d-z]`) is the
                // union of both sides and a literal `-`.
                _ => {
                    class.add(&lo);
                    class.add(&hi);
                    class.add(&Class::single('-'));
                }
            }
        }
        Ok(if negate { class.negated() } else { class })
    }

    fn class_atom(&mut self) -> Result<Class, PatternError> {
        match self.peek() {
            Some('\\') => {
                self.pos += 1;
                self.escape(true)
            }
            Some(c) => {
                self.pos += 1;
                Ok(Class::single(c))
            }
            None => Err(self.error("a `[` without its `]`")),
        }
    }

    /// The rest of an escape after its `\`, inside a class or not.
    fn escape(&mut self, in_class: bool) -> Result<Class, PatternError> {
        let at = self.pos - 1;
        let Some(c) = self.peek() else {
            self.pos = at;
            return Err(self.error("a pattern ending in a lone `\\`"));
        };
        self.pos += 1;
        let unsupported = |parser: &mut Parser, what: &str| {
            parser.pos = at;
            Err(parser.error(what.to_string()))
        };
        let char = match c {
            'd' => return Ok(Class::of(DIGIT)),
            'D' => return Ok(Class::of(DIGIT).negated()),
            'w' => return Ok(Class::of(WORD)),
            'W' => return Ok(Class::of(WORD).negated()),
            's' => return Ok(Class::of(SPACE)),
            'S' => return Ok(Class::of(SPACE).negated()),
            't' => '\t',
            'n' => '\n',
            'r' => '\r',
            'f' => '\u{0C}',
            'v' => '\u{0B}',
            'b' if in_class => '\u{08}',
            '0' if !self.peek().is_some_and(|c| c.is_ascii_digit()) => '\0',
            'x' => match self.hex(2) {
                Some(c) => c,
                None => return unsupported(self, "`\\x` must be followed by two hex digits"),
            },
            'u' if self.peek() == Some('{') => {
                return unsupported(self, "`\\u{...}` escapes are not supported")
            }
            'u' => match self.hex(4) {
                Some(c) => c,
                None => {
                    return unsupported(
                        self,
                        "`\\u` must be followed by four hex digits of a non-surrogate",
                    )
                }
            },
            '0'..='9' => {
                return unsupported(self, "backreferences and octal escapes are not supported")
            }
            'b' | 'B' => return unsupported(self, "word boundaries `\\b`/`\\B` are not supported"),
            'k' => return unsupported(self, "named backreferences `\\k` are not supported"),
            'c' => return unsupported(self, "control escapes `\\c` are not supported"),
            'p' | 'P' => {
                return unsupported(
                    self,
                    "Unicode property escapes `\\p`/`\\P` are not supported",
                )
            }
            c if c.is_ascii_alphanumeric() => {
                return unsupported(self, &format!("the escape `\\{c}` is not supported"))
            }
            // `\.`, `\-`, `\/`...: the character itself.
            c => c,
        };
        Ok(Class::single(char))
    }

    /// `n` hex digits as a character, consumed only if all are there and
    /// they name a Unicode scalar value.
    fn hex(&mut self, n: usize) -> Option<char> {
        let digits = self.chars.get(self.pos..self.pos + n)?;
        let mut value = 0u32;
        for d in digits {
            value = value * 16 + d.to_digit(16)?;
        }
        let c = char::from_u32(value)?;
        self.pos += n;
        Some(c)
    }
}

/// The one character a class holds, if it holds exactly one.
fn single(class: &Class) -> Option<u32> {
    match class.0.as_slice() {
        [(lo, hi)] if lo == hi => Some(*lo),
        _ => None,
    }
}

struct Compiler {
    insts: Vec<Inst>,
}

/// Why compiling stopped.
const TOO_BIG: &str = "the pattern expands to more NFA steps than the limit of 10000 \
                       (a `{n,m}` with large counts)";

impl Compiler {
    fn push(&mut self, inst: Inst) -> Result<usize, &'static str> {
        if self.insts.len() >= MAX_STEPS {
            return Err(TOO_BIG);
        }
        self.insts.push(inst);
        Ok(self.insts.len() - 1)
    }

    fn emit(&mut self, node: &Node) -> Result<(), &'static str> {
        match node {
            Node::Empty => {}
            Node::Class(k) => {
                self.push(Inst::Class(*k))?;
            }
            Node::Start => {
                self.push(Inst::Start)?;
            }
            Node::End => {
                self.push(Inst::End)?;
            }
            Node::Concat(items) => {
                for item in items {
                    self.emit(item)?;
                }
            }
            Node::Alt(branches) => {
                let mut jumps = Vec::with_capacity(branches.len());
                let last = branches.len().saturating_sub(1);
                for (i, branch) in branches.iter().enumerate() {
                    if i == last {
                        self.emit(branch)?;
                        break;
                    }
                    let split = self.push(Inst::Split(0, 0))?;
                    self.emit(branch)?;
                    jumps.push(self.push(Inst::Jump(0))?);
                    self.insts[split] = Inst::Split(split + 1, self.insts.len());
                }
                let end = self.insts.len();
                for jump in jumps {
                    self.insts[jump] = Inst::Jump(end);
                }
            }
            Node::Repeat { node, min, max } => self.repeat(node, *min, *max)?,
        }
        Ok(())
    }

    fn repeat(&mut self, node: &Node, min: u32, max: Option<u32>) -> Result<(), &'static str> {
        for _ in 0..min {
            let before = self.insts.len();
            self.emit(node)?;
            if self.insts.len() == before {
                // Repeating what matches only the empty string changes nothing;
                // stopping here keeps `(){4000000000}` from looping.
                return Ok(());
            }
        }
        match max {
            None => {
                let split = self.push(Inst::Split(0, 0))?;
                self.emit(node)?;
                self.push(Inst::Jump(split))?;
                self.insts[split] = Inst::Split(split + 1, self.insts.len());
            }
            Some(max) => {
                // `x{0,3}` as `(x(x(x)?)?)?`: each optional copy skips to the end.
                let mut splits = Vec::new();
                for _ in min..max {
                    splits.push(self.push(Inst::Split(0, 0))?);
                    let before = self.insts.len();
                    self.emit(node)?;
                    if self.insts.len() == before {
                        break;
                    }
                }
                let end = self.insts.len();
                for split in splits {
                    self.insts[split] = Inst::Split(split + 1, end);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
