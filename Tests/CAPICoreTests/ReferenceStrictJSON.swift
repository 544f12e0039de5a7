import Foundation

/// A deliberately plain statement of the JSON capi accepts, for the
/// differential and fuzz tests only: I-JSON (RFC 7493) — RFC 8259 over
/// well-formed UTF-8 with no byte-order mark, finite numbers, no member
/// name twice in an object — nested at most `maxNesting` containers deep.
/// Recursive descent over Unicode scalars; slow, and written apart from
/// `JSONReader` so that the two can disagree.
struct ReferenceStrictJSON {
    static let maxNesting = 64

    private let scalars: [Unicode.Scalar]
    private var i = 0

    struct Invalid: Error {}

    typealias Value = ReferenceLogEvent.Value

    /// True when `bytes` is exactly one such JSON value.
    static func isValid(_ bytes: [UInt8]) -> Bool { parse(bytes) != nil }

    /// The one such JSON value that `bytes` is, or nil.
    static func parse(_ bytes: [UInt8]) -> Value? {
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        var parser = ReferenceStrictJSON(scalars: Array(text.unicodeScalars))
        do {
            parser.blanks()
            let value = try parser.value(depth: 0)
            parser.blanks()
            return parser.i == parser.scalars.count ? value : nil
        } catch {
            return nil
        }
    }

    /// True when `bytes` is NDJSON of such values: each alone on its line.
    static func isValidNDJSON(_ bytes: [UInt8]) -> Bool {
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        return lines.allSatisfy { line in
            line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D } || isValid(Array(line))
        }
    }

    private init(scalars: [Unicode.Scalar]) { self.scalars = scalars }

    private var next: Unicode.Scalar? { i < scalars.count ? scalars[i] : nil }

    private mutating func blanks() {
        while let c = next, c == " " || c == "\t" || c == "\n" || c == "\r" { i += 1 }
    }

    private mutating func take(_ c: Unicode.Scalar) throws {
        guard next == c else { throw Invalid() }
        i += 1
    }

    private mutating func value(depth: Int) throws -> Value {
        switch next {
        case "{"?:
            guard depth < Self.maxNesting else { throw Invalid() }
            i += 1
            blanks()
            var members = ReferenceLogEvent.Members()
            if next == "}" { i += 1; return .object(members) }
            var names = Set<[Unicode.Scalar]>()
            while true {
                blanks()
                let name = try string()
                guard names.insert(name).inserted else { throw Invalid() }
                blanks()
                try take(":")
                blanks()
                members[Self.text(name)] = try value(depth: depth + 1)
                blanks()
                if next == "," { i += 1; continue }
                try take("}")
                return .object(members)
            }
        case "["?:
            guard depth < Self.maxNesting else { throw Invalid() }
            i += 1
            blanks()
            var items: [Value] = []
            if next == "]" { i += 1; return .array(items) }
            while true {
                blanks()
                items.append(try value(depth: depth + 1))
                blanks()
                if next == "," { i += 1; continue }
                try take("]")
                return .array(items)
            }
        case "\""?:
            return .string(Self.text(try string()))
        case "t"?: try literal("true"); return .bool(true)
        case "f"?: try literal("false"); return .bool(false)
        case "n"?: try literal("null"); return .null
        default: return .number(try number())
        }
    }

    private static func text(_ scalars: [Unicode.Scalar]) -> String {
        var s = ""
        s.unicodeScalars.append(contentsOf: scalars)
        return s
    }

    private mutating func literal(_ word: String) throws {
        for c in word.unicodeScalars { try take(c) }
    }

    /// A string's scalars, escapes undone.
    private mutating func string() throws -> [Unicode.Scalar] {
        try take("\"")
        var out: [Unicode.Scalar] = []
        while true {
            guard let c = next else { throw Invalid() }
            i += 1
            switch c {
            case "\"": return out
            case "\\":
                guard let e = next else { throw Invalid() }
                i += 1
                switch e {
                case "\"", "\\", "/": out.append(e)
                case "b": out.append("\u{08}")
                case "f": out.append("\u{0C}")
                case "n": out.append("\n")
                case "r": out.append("\r")
                case "t": out.append("\t")
                case "u":
                    let high = try hex4()
                    if (0xD800...0xDBFF).contains(high) {
                        try take("\\")
                        try take("u")
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low), let s = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) else {
                            throw Invalid()
                        }
                        out.append(s)
                    } else {
                        guard let s = Unicode.Scalar(high) else { throw Invalid() }
                        out.append(s)
                    }
                default: throw Invalid()
                }
            default:
                guard c.value >= 0x20 else { throw Invalid() }
                out.append(c)
            }
        }
    }

    private mutating func hex4() throws -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let c = next, let d = UInt32(String(c), radix: 16) else { throw Invalid() }
            i += 1
            v = v * 16 + d
        }
        return v
    }

    private mutating func number() throws -> Double {
        let start = i
        func digits() -> Int {
            let from = i
            while let c = next, ("0"..."9").contains(c) { i += 1 }
            return i - from
        }
        if next == "-" { i += 1 }
        let intStart = i
        guard digits() > 0 else { throw Invalid() }
        if i - intStart > 1, scalars[intStart] == "0" { throw Invalid() }
        if next == "." {
            i += 1
            guard digits() > 0 else { throw Invalid() }
        }
        if next == "e" || next == "E" {
            i += 1
            if next == "+" || next == "-" { i += 1 }
            guard digits() > 0 else { throw Invalid() }
        }
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars[start..<i])
        // Out of range either way: too large, or a non-zero number that would read as 0.
        guard let v = Double(text), v.isFinite else { throw Invalid() }
        let mantissa = text.prefix { $0 != "e" && $0 != "E" }
        if v == 0, mantissa.contains(where: { ("1"..."9").contains($0) }) { throw Invalid() }
        return v
    }
}
