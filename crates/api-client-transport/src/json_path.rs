//! The JSON path of a decode error, found from where serde_json stopped.
//!
//! serde_json reports the line and column at which a document failed to fit
//! its type; this module walks the document's syntax up to that point and
//! names the value found there (`items[2].state`). Doing it here, once and
//! for every type, keeps the error path out of each model's generated
//! deserializer: tracking it while decoding (a wrapping deserializer) compiled
//! every model a second time into every crate that decodes it.

use serde_json::error::Category;

/// One step of a path: a member of an object or an element of an array.
#[derive(Clone)]
enum Step {
    Key(String),
    Index(usize),
    /// A member whose key was never read (the document ended first).
    Unknown,
}

/// An open object or array while walking the document.
struct Open {
    /// The step that leads to this container from its parent (none at the root).
    step: Option<Step>,
    is_object: bool,
    /// The next element's index (arrays) or the key just read (objects).
    next: Option<Step>,
}

/// The path, written as `a.b[2].c` (`.` for the whole document), of the
/// innermost value that holds the byte at `line`/`column` (serde_json's
/// one-based position of an error). A document that breaks off early gives
/// the path reached so far.
pub(crate) fn path_at(body: &[u8], line: usize, column: usize, category: Category) -> String {
    let end = offset_of(body, line, column);
    match category {
        // A value serde_json refused on sight (a map where a string was due,
        // say) is reported at its first byte; other data errors after the
        // last byte read.
        Category::Data => {
            if let Some(steps) = Walker::new(body, usize::MAX, Some(end + 1)).walk() {
                return render(&steps);
            }
        }
        // The document broke off: the path is wherever the walk ends.
        Category::Eof => {
            return render(
                &Walker::new(body, usize::MAX, None)
                    .walk()
                    .unwrap_or_default(),
            )
        }
        Category::Syntax | Category::Io => {}
    }
    render(&Walker::new(body, end, None).walk().unwrap_or_default())
}

/// The byte index of a one-based line and column (the byte the column names,
/// so the last byte of the token serde_json had read when it stopped).
fn offset_of(body: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0;
    let mut lines_left = line.saturating_sub(1);
    while lines_left > 0 {
        match body[start..].iter().position(|&b| b == b'\n') {
            Some(n) => start += n + 1,
            None => break,
        }
        lines_left -= 1;
    }
    (start + column).saturating_sub(1)
}

fn render(steps: &[Step]) -> String {
    if steps.is_empty() {
        return ".".to_string();
    }
    let mut out = String::new();
    for step in steps {
        match step {
            Step::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
            Step::Key(_) | Step::Unknown => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(match step {
                    Step::Key(key) => key,
                    _ => "?",
                });
            }
        }
    }
    out
}

struct Walker<'a> {
    body: &'a [u8],
    at: usize,
    /// The byte whose value is sought.
    target: usize,
    /// Or the index where the sought value starts (`target` is then out of reach).
    start: Option<usize>,
    stack: Vec<Open>,
}

/// Where the walk stopped.
enum Stop {
    /// The target byte lies in the value being read: its path is the stack
    /// plus the step to that value.
    InValue,
    /// The target byte lies in a container but outside its members' values
    /// (a bracket, a comma, a key): the path is the container's.
    InContainer,
    /// The document ended where an object's next key was due.
    AwaitingKey,
    /// No value starts at `start`.
    NotFound,
}

impl<'a> Walker<'a> {
    fn new(body: &'a [u8], target: usize, start: Option<usize>) -> Self {
        Walker {
            body,
            at: 0,
            target,
            start,
            stack: Vec::new(),
        }
    }

    /// Walks until the target byte and returns the path's steps.
    fn walk(mut self) -> Option<Vec<Step>> {
        let stop = self.run();
        if matches!(stop, Stop::NotFound) {
            return None;
        }
        let mut steps: Vec<Step> = Vec::new();
        for open in &self.stack {
            if let Some(step) = &open.step {
                steps.push(step.clone());
            }
        }
        match (stop, self.stack.last()) {
            (Stop::InValue, Some(open)) => {
                if let Some(next) = &open.next {
                    steps.push(next.clone());
                }
            }
            (Stop::AwaitingKey, Some(_)) => steps.push(Step::Unknown),
            _ => {}
        }
        Some(steps)
    }

    fn run(&mut self) -> Stop {
        // Each turn reads one value, or one piece of a container's syntax.
        loop {
            self.skip_space();
            let Some(&byte) = self.body.get(self.at) else {
                if self.start.is_some() {
                    return Stop::NotFound;
                }
                return match self.stack.last() {
                    Some(open) if open.is_object && open.next.is_none() => Stop::AwaitingKey,
                    // A member whose value never began; an array's next element
                    // has not begun either, so the array is what broke off.
                    Some(open) if open.is_object => Stop::InValue,
                    _ => Stop::InContainer,
                };
            };
            if self.at > self.target {
                // The target is the space or separator before this byte: if a
                // value starts here, serde_json had peeked at it.
                return match (byte, self.stack.last()) {
                    (b']' | b'}' | b',', _) => Stop::InContainer,
                    (_, Some(open)) if open.next.is_some() => Stop::InValue,
                    (_, Some(_)) => Stop::InContainer,
                    // The whole document.
                    (_, None) => Stop::InContainer,
                };
            }
            match self.stack.last() {
                Some(open) if open.is_object && open.next.is_none() => {
                    // Expecting a key (or the end of the object).
                    match byte {
                        b'}' => {
                            if self.at >= self.target {
                                return Stop::InContainer;
                            }
                            self.close();
                        }
                        b',' => self.at += 1,
                        b'"' => {
                            let Some(key) = self.string() else {
                                return Stop::AwaitingKey;
                            };
                            let top = self.stack.last_mut().expect("an open object");
                            top.next = Some(Step::Key(key));
                            if self.at > self.target {
                                // A key that failed to decode (an enum's variant
                                // name): the object is what did not fit.
                                return Stop::InContainer;
                            }
                            self.skip_space();
                            if self.body.get(self.at) == Some(&b':') {
                                self.at += 1;
                            } else {
                                // The member was never entered: its object broke.
                                return Stop::InContainer;
                            }
                        }
                        _ => return Stop::InContainer,
                    }
                }
                Some(open) if !open.is_object && byte == b']' => {
                    if self.at >= self.target {
                        return Stop::InContainer;
                    }
                    self.close();
                }
                Some(open) if !open.is_object && byte == b',' => self.at += 1,
                _ => {
                    // A value, as an object's member, an array's element or the document.
                    if self.stack.last().is_some_and(|o| !o.is_object) {
                        let top = self.stack.last_mut().expect("an open array");
                        let index = match top.next {
                            Some(Step::Index(i)) => i,
                            _ => 0,
                        };
                        top.next = Some(Step::Index(index));
                    }
                    if let Some(start) = self.start {
                        if self.at == start {
                            return Stop::InValue;
                        }
                        if self.at > start {
                            return Stop::NotFound;
                        }
                    }
                    match byte {
                        b'{' | b'[' => {
                            let step = self.stack.last().and_then(|o| o.next.clone());
                            self.stack.push(Open {
                                step,
                                is_object: byte == b'{',
                                next: None,
                            });
                            if self.at >= self.target && self.at + 1 < self.body.len() {
                                // The bracket itself, where serde_json refused the
                                // container: the value is the container.
                                return Stop::InContainer;
                            }
                            self.at += 1;
                            if byte == b'[' {
                                self.skip_space();
                                // An empty array must not count as having element 0.
                                let empty = self.body.get(self.at) == Some(&b']');
                                let top = self.stack.last_mut().expect("just pushed");
                                top.next = if empty { None } else { Some(Step::Index(0)) };
                                if empty {
                                    if self.at >= self.target {
                                        return Stop::InContainer;
                                    }
                                    self.close();
                                }
                            }
                        }
                        b'"' => {
                            if self.string().is_none() {
                                return Stop::InValue;
                            }
                            if self.at >= self.body.len() && self.start.is_none() {
                                // Whole: what broke off is what was due after it.
                                self.after_value();
                                continue;
                            }
                            if self.at > self.target {
                                return Stop::InValue;
                            }
                            self.after_value();
                        }
                        _ => {
                            let start = self.at;
                            while self.at < self.body.len()
                                && !matches!(
                                    self.body[self.at],
                                    b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r'
                                )
                            {
                                self.at += 1;
                            }
                            if self.at >= self.body.len() && self.start.is_none() {
                                // A number or literal that reaches the end of the
                                // document is whole if it reads as one: what broke
                                // off is what was due after it.
                                let token = &self.body[start..];
                                let whole = matches!(token, b"true" | b"false" | b"null")
                                    || token.last().is_some_and(u8::is_ascii_digit);
                                if !whole {
                                    return Stop::InValue;
                                }
                                self.after_value();
                                continue;
                            }
                            if self.at > self.target {
                                return Stop::InValue;
                            }
                            if self.at == start {
                                // A bracket that closes nothing open: the syntax ends here.
                                return Stop::InContainer;
                            }
                            self.after_value();
                        }
                    }
                }
            }
        }
    }

    /// Moves past a finished member or element.
    fn after_value(&mut self) {
        if let Some(top) = self.stack.last_mut() {
            top.next = match top.next {
                Some(Step::Index(i)) => Some(Step::Index(i + 1)),
                _ => None,
            };
        }
    }

    /// Leaves the innermost container (at its closing bracket).
    fn close(&mut self) {
        self.at += 1;
        self.stack.pop();
        if let Some(top) = self.stack.last_mut() {
            // The closed container was this one's member or element.
            top.next = match top.next {
                Some(Step::Index(i)) => Some(Step::Index(i + 1)),
                _ => None,
            };
        }
    }

    fn skip_space(&mut self) {
        while self.at < self.body.len()
            && matches!(self.body[self.at], b' ' | b'\t' | b'\n' | b'\r')
        {
            self.at += 1;
        }
    }

    /// Reads a string starting at its opening quote; `None` if it never ends.
    fn string(&mut self) -> Option<String> {
        let start = self.at + 1;
        let mut i = start;
        while i < self.body.len() {
            match self.body[i] {
                b'\\' => i += 2,
                b'"' => {
                    self.at = i + 1;
                    let raw = &self.body[start..i];
                    // Keys are shown as written; an escaped key is decoded when it can be.
                    let text = if raw.contains(&b'\\') {
                        let quoted = &self.body[start - 1..=i];
                        serde_json::from_slice::<String>(quoted)
                            .unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned())
                    } else {
                        String::from_utf8_lossy(raw).into_owned()
                    };
                    return Some(text);
                }
                _ => i += 1,
            }
        }
        self.at = self.body.len();
        None
    }
}

#[cfg(test)]
mod tests {
    use super::path_at;
    use serde::Deserialize;
    use serde_json::error::Category;
    use serde_json::{json, Value};
    use std::collections::BTreeMap;

    // A small model with every shape the generated ones have: nested
    // structs, arrays of structs, arrays of arrays, maps, options, enums.
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Doc {
        items: Vec<Item>,
        name: String,
        labels: BTreeMap<String, u32>,
        nested: Option<Inner>,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Item {
        id: u64,
        state: State,
        tags: Vec<String>,
    }

    #[derive(Deserialize)]
    enum State {
        #[serde(rename = "running")]
        Running,
        #[serde(rename = "exited")]
        Exited,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        grid: Vec<Vec<i32>>,
        flag: bool,
        empty: Vec<u8>,
    }

    fn valid() -> Value {
        json!({
            "items": [
                {"id": 1, "state": "running", "tags": ["a", "b\"q"]},
                {"id": 2, "state": "exited", "tags": []}
            ],
            "name": "x",
            "labels": {"k": 1, "w\\u0041y": 2},
            "nested": {"grid": [[1, 2], [], [3]], "flag": true, "empty": []}
        })
    }

    /// Every way to spoil one value: each leaf and container replaced by
    /// each wrong kind, each member removed.
    fn spoiled(value: &Value, out: &mut Vec<Value>, rebuild: &dyn Fn(Value) -> Value) {
        for wrong in [
            json!("s"),
            json!(-7),
            json!(null),
            json!({"z": 1}),
            json!([1]),
            json!(1.5),
        ] {
            out.push(rebuild(wrong));
        }
        match value {
            Value::Object(map) => {
                for key in map.keys() {
                    let mut without = map.clone();
                    without.remove(key);
                    out.push(rebuild(Value::Object(without)));
                    let (whole, name) = (map.clone(), key.clone());
                    let inner = move |v: Value| {
                        let mut m = whole.clone();
                        m.insert(name.clone(), v);
                        Value::Object(m)
                    };
                    spoiled(&value[key.as_str()], out, &|v| rebuild(inner(v)));
                }
            }
            Value::Array(items) => {
                for i in 0..items.len() {
                    let items = items.clone();
                    let inner = move |v: Value| {
                        let mut a = items.clone();
                        a[i] = v;
                        Value::Array(a)
                    };
                    spoiled(&value[i], out, &|v| rebuild(inner(v)));
                }
            }
            _ => {}
        }
    }

    /// What serde_path_to_error (which tracks the path while decoding) says.
    fn oracle(text: &[u8]) -> Option<(String, serde_json::Error)> {
        let mut de = serde_json::Deserializer::from_slice(text);
        match serde_path_to_error::deserialize::<_, Doc>(&mut de) {
            Ok(_) => de.end().err().map(|e| (".".to_string(), e)),
            Err(e) => Some((e.path().to_string(), e.into_inner())),
        }
    }

    fn check(text: &[u8], compared: &mut usize) {
        let Some((expected, error)) = oracle(text) else {
            return;
        };
        let plain = serde_json::from_slice::<Doc>(text)
            .err()
            .expect("fails too");
        assert_eq!(
            (plain.line(), plain.column()),
            (error.line(), error.column())
        );
        let found = path_at(text, plain.line(), plain.column(), plain.classify());
        assert_eq!(
            found,
            expected,
            "{plain} in {}",
            String::from_utf8_lossy(text)
        );
        *compared += 1;
    }

    #[test]
    fn every_spoiled_value_is_named_as_a_path_tracking_decoder_names_it() {
        let mut docs = Vec::new();
        spoiled(&valid(), &mut docs, &|v| v);
        let mut compared = 0;
        for doc in &docs {
            check(&serde_json::to_vec(doc).expect("json"), &mut compared);
            check(
                &serde_json::to_vec_pretty(doc).expect("json"),
                &mut compared,
            );
        }
        // The walk must have met every kind of failure, not a few.
        assert!(compared > 200, "only {compared} documents failed");
    }

    #[test]
    fn unknown_enum_values_and_trailing_bytes_are_named() {
        let mut compared = 0;
        let text = serde_json::to_string(&valid()).expect("json");
        check(text.replace("exited", "paused").as_bytes(), &mut compared);
        check(format!("{text} x").as_bytes(), &mut compared);
        check(format!("{text}\n{{}}").as_bytes(), &mut compared);
        assert_eq!(compared, 3);
        assert_eq!(
            path_at(br#"{"a": [1, "x"]}"#, 1, 13, Category::Data),
            "a[1]"
        );
    }

    #[test]
    fn a_document_cut_anywhere_names_where_it_broke_off() {
        for text in [
            serde_json::to_vec(&valid()).expect("json"),
            serde_json::to_vec_pretty(&valid()).expect("json"),
        ] {
            let mut compared = 0;
            for end in 0..text.len() {
                check(&text[..end], &mut compared);
            }
            assert_eq!(compared, text.len());
        }
    }

    #[test]
    fn garbage_never_panics_and_gives_a_path() {
        for text in [
            &b""[..],
            b"]",
            b"}}}",
            b"[[[[",
            b"{\"a\":}",
            b"{\"a\" 1}",
            b"[1,,]",
            b"\"unterminated",
            b"{\"k\\",
            b"<html><title>502</title></html>",
        ] {
            walk_everywhere(text);
        }
        // And documents made of JSON's own bytes in random order.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..3000 {
            let mut text = Vec::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            for i in 0..(seed % 24) {
                let alphabet = b"{}[]\",:1a \\\n";
                text.push(alphabet[((seed >> (i % 50)) as usize + i as usize) % alphabet.len()]);
            }
            walk_everywhere(&text);
        }
    }

    fn walk_everywhere(text: &[u8]) {
        for column in 0..text.len() + 2 {
            for line in 0..3 {
                for category in [Category::Data, Category::Eof, Category::Syntax] {
                    assert!(!path_at(text, line, column, category).is_empty());
                }
            }
        }
    }
}
