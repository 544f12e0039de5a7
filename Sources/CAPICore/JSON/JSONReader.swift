import Foundation

/// A pull parser over UTF-8 JSON bytes.
///
/// It decodes exactly what a caller asks for and skips the rest, so the
/// log_event path reads a 10,000-event batch in one pass without building
/// dictionaries. Offsets let callers keep the raw bytes of any value.
///
/// Everything it reads or skips is held to one grammar, I-JSON (RFC 7493):
/// RFC 8259 JSON in well-formed UTF-8, no byte-order mark, no trailing
/// commas, no NaN or infinities, numbers that fit a Double, and no object
/// with the same member name twice (a second `hashed_email` could carry
/// what the first one's check let through). At most `maxNesting` levels.
public struct JSONReader: ~Copyable {
    public let bytes: UnsafeBufferPointer<UInt8>
    public internal(set) var offset: Int = 0
    /// Containers open around the reader, counted from the document's root.
    var depth: Int

    public init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        self.depth = 0
    }

    /// A reader positioned at `offset`, e.g. at one element found by an
    /// earlier pass, so offsets stay relative to the whole buffer; `depth`
    /// is how many containers enclose that position.
    public init(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int, depth: Int = 0) {
        self.bytes = bytes
        self.offset = offset
        self.depth = depth
    }

    /// Checks that `bytes` is exactly one JSON value (I-JSON), and nothing else.
    public static func validate(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) {
        var reader = JSONReader(bytes)
        try reader.skipValue()
        try reader.expectEnd()
    }

    /// `validate` over an array's bytes.
    public static func validate(_ bytes: [UInt8]) throws(JSONSyntaxError) {
        let result: Result<Void, JSONSyntaxError> = bytes.withUnsafeBufferPointer { buffer in
            do throws(JSONSyntaxError) { try validate(buffer); return .success(()) } catch { return .failure(error) }
        }
        try result.get()
    }

    /// The kind of the next value, after skipping white space.
    public enum Kind: Equatable, Sendable {
        case object, array, string, number, bool, null
    }

    public mutating func peekKind() throws(JSONSyntaxError) -> Kind {
        skipWhitespace()
        guard offset < bytes.count else { throw error("unexpected end of input") }
        switch bytes[offset] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw error("unexpected character")
        }
    }

    /// Position of the next value's first byte (after white space).
    public mutating func valueStart() -> Int {
        skipWhitespace()
        return offset
    }

    // MARK: Containers

    /// Iterates the members of an object. `body` must consume the value.
    public mutating func readObject(
        _ body: (inout JSONReader, _ key: String) throws(JSONSyntaxError) -> Void
    ) throws(JSONSyntaxError) {
        try readMembers { (r, key) throws(JSONSyntaxError) in try body(&r, key.string) }
    }

    /// Iterates the members of an object without making a String of each
    /// key: the hot path compares key bytes in place. `body` must consume the value.
    public mutating func readMembers(
        _ body: (inout JSONReader, _ key: JSONKey) throws(JSONSyntaxError) -> Void
    ) throws(JSONSyntaxError) {
        try expect(UInt8(ascii: "{"))
        try enter()
        skipWhitespace()
        if peekByte() == UInt8(ascii: "}") { offset += 1; leave(); return }
        var names = MemberNames()
        while true {
            skipWhitespace()
            let key = try readKey()
            guard names.insert(key, in: bytes) else { throw duplicate(key) }
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            try body(&self, key)
            skipWhitespace()
            guard offset < bytes.count else { throw error("unterminated object") }
            let c = bytes[offset]
            offset += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "}") { leave(); return }
            offset -= 1
            throw error("expected ',' or '}'")
        }
    }

    private mutating func readKey() throws(JSONSyntaxError) -> JSONKey {
        guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else { throw error("expected '\"'") }
        let start = offset + 1
        let i = plainRun(from: start)
        if i < bytes.count, bytes[i] == UInt8(ascii: "\"") {
            offset = i + 1
            return JSONKey(raw: UnsafeBufferPointer(rebasing: bytes[start..<i]), escaped: false)
        }
        // Escapes (or an error to report): the full string reader checks them.
        _ = try readString()
        return JSONKey(raw: UnsafeBufferPointer(rebasing: bytes[start..<(offset - 1)]), escaped: true)
    }

    /// Iterates the elements of an array. `body` must consume the element.
    public mutating func readArray(
        _ body: (inout JSONReader, _ index: Int) throws(JSONSyntaxError) -> Void
    ) throws(JSONSyntaxError) {
        try expect(UInt8(ascii: "["))
        try enter()
        skipWhitespace()
        if peekByte() == UInt8(ascii: "]") { offset += 1; leave(); return }
        var index = 0
        while true {
            try body(&self, index)
            index += 1
            skipWhitespace()
            guard offset < bytes.count else { throw error("unterminated array") }
            let c = bytes[offset]
            offset += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "]") { leave(); return }
            offset -= 1
            throw error("expected ',' or ']'")
        }
    }

    // MARK: Scalars

    public mutating func readString() throws(JSONSyntaxError) -> String {
        skipWhitespace()
        try expect(UInt8(ascii: "\""))
        let start = offset
        // Fast path: no escapes.
        offset = plainRun(from: offset)
        guard offset < bytes.count else { throw error("unterminated string") }
        if bytes[offset] == UInt8(ascii: "\"") {
            let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
            offset += 1
            return s
        }
        if bytes[offset] != UInt8(ascii: "\\") { throw stringFault() }
        var scalars = [UInt8](UnsafeBufferPointer(rebasing: bytes[start..<offset]))
        while true {
            guard offset < bytes.count else { throw error("unterminated string") }
            let c = bytes[offset]
            if c == UInt8(ascii: "\"") {
                offset += 1
                return String(decoding: scalars, as: UTF8.self)
            }
            guard c == UInt8(ascii: "\\") else { throw stringFault() }
            offset += 1
            guard offset < bytes.count else { throw error("unterminated escape") }
            let e = bytes[offset]
            offset += 1
            switch e {
            case UInt8(ascii: "\""): scalars.append(0x22)
            case UInt8(ascii: "\\"): scalars.append(0x5C)
            case UInt8(ascii: "/"): scalars.append(0x2F)
            case UInt8(ascii: "b"): scalars.append(0x08)
            case UInt8(ascii: "f"): scalars.append(0x0C)
            case UInt8(ascii: "n"): scalars.append(0x0A)
            case UInt8(ascii: "r"): scalars.append(0x0D)
            case UInt8(ascii: "t"): scalars.append(0x09)
            case UInt8(ascii: "u"):
                var code = try readHex4()
                if (0xD800...0xDBFF).contains(code) {
                    guard offset + 1 < bytes.count, bytes[offset] == UInt8(ascii: "\\"),
                          bytes[offset + 1] == UInt8(ascii: "u") else {
                        throw error("unpaired surrogate")
                    }
                    offset += 2
                    let low = try readHex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid surrogate pair") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(code) {
                    throw error("unpaired surrogate")
                }
                guard let scalar = Unicode.Scalar(code) else { throw error("invalid unicode escape") }
                if let encoded = UTF8.encode(scalar) { scalars.append(contentsOf: encoded) }
            default:
                offset -= 1
                throw error("invalid escape")
            }
            // The plain run up to the next escape, quote or fault.
            let end = plainRun(from: offset)
            scalars.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[offset..<end]))
            offset = end
        }
    }

    /// Why a string stopped at `offset` on a byte that is neither a quote
    /// nor a backslash.
    func stringFault() -> JSONSyntaxError {
        offset < bytes.count && bytes[offset] >= 0x80 ? error("invalid UTF-8 in string") : error("control character in string")
    }

    /// Hands `body` a string value's bytes: in place when it has no escapes
    /// (nearly always), so a value that is only checked never becomes a String.
    public mutating func readStringBytes<T>(_ body: (UnsafeBufferPointer<UInt8>) -> T) throws(JSONSyntaxError) -> T {
        switch try readStringValue() {
        case .plain(let range): return body(UnsafeBufferPointer(rebasing: bytes[range]))
        case .decoded(var decoded): return decoded.withUTF8(body)
        }
    }

    /// A string value: where its bytes sit when it has no escapes (nearly
    /// always), so the caller can keep them in place; otherwise decoded.
    public mutating func readStringValue() throws(JSONSyntaxError) -> JSONStringValue {
        skipWhitespace()
        try expect(UInt8(ascii: "\""))
        let start = offset
        let end = plainRun(from: start)
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            offset = end + 1
            return .plain(start..<end)
        }
        offset = start - 1
        return .decoded(try readString())
    }

    /// Reads a number token and converts it to Double.
    public mutating func readNumber() throws(JSONSyntaxError) -> Double {
        let token = try scanNumber()
        guard let v = token.exactValue else { return try convert(token) }
        return bytes[token.start] == UInt8(ascii: "-") ? -v : v
    }

    /// A number through the C library; one too large for a Double, or so
    /// small that a non-zero number would read as 0, is out of range.
    private func convert(_ token: NumberToken) throws(JSONSyntaxError) -> Double {
        let digits = UnsafeBufferPointer(rebasing: bytes[token.start..<offset])
        let text = String(decoding: digits, as: UTF8.self)
        guard let v = Double(text), v.isFinite else { throw error("number out of range") }
        if v == 0, digits.prefix(while: { $0 | 0x20 != UInt8(ascii: "e") }).contains(where: { $0 >= 0x31 && $0 <= 0x39 }) {
            throw error("number out of range")
        }
        return v
    }

    /// Moves past a number, converting it only when it could be out of range,
    /// so skipping costs no conversion for ordinary decimals.
    private mutating func skipNumber() throws(JSONSyntaxError) {
        let token = try scanNumber()
        if token.mayOverflow { _ = try convert(token) }
    }

    private struct NumberToken {
        var start: Int
        /// The digits without the point, when there are at most 19 of them.
        var mantissa: UInt64
        var digits: Int
        var fractionDigits: Int
        var exponent: Bool

        /// An exponent, or so many digits that Double could overflow or underflow.
        var mayOverflow: Bool { exponent || digits - fractionDigits > 300 || fractionDigits > 300 }

        /// The magnitude, when one IEEE operation on exact operands gives it
        /// correctly rounded (Clinger's fast path): an integer of at most 18
        /// digits, or at most 15 digits in all over a power of ten up to 10²².
        /// Otherwise nil, and the text goes through the C library.
        var exactValue: Double? {
            guard !exponent else { return nil }
            if fractionDigits == 0 { return digits <= 18 ? Double(mantissa) : nil }
            guard digits <= 15 else { return nil }
            return Double(mantissa) / NumberToken.powersOfTen[fractionDigits]
        }

        static let powersOfTen: [Double] = (0...22).map { (0..<$0).reduce(1.0) { r, _ in r * 10 } }
    }

    /// Checks a number token's grammar and moves past it.
    private mutating func scanNumber() throws(JSONSyntaxError) -> NumberToken {
        skipWhitespace()
        var token = NumberToken(start: offset, mantissa: 0, digits: 0, fractionDigits: 0, exponent: false)
        if peekByte() == UInt8(ascii: "-") { offset += 1 }
        @inline(__always) func digitRun(_ token: inout NumberToken) -> Int {
            let from = offset
            while offset < bytes.count, case let c = bytes[offset], c >= 0x30, c <= 0x39 {
                if token.digits < 19 { token.mantissa = token.mantissa &* 10 &+ UInt64(c - 0x30) }
                token.digits += 1
                offset += 1
            }
            return offset - from
        }
        let intDigits = digitRun(&token)
        guard intDigits > 0 else { throw error("invalid number") }
        if intDigits > 1 && bytes[token.start + (bytes[token.start] == UInt8(ascii: "-") ? 1 : 0)] == 0x30 {
            throw error("leading zero in number")
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") {
            offset += 1
            token.fractionDigits = digitRun(&token)
            guard token.fractionDigits > 0 else { throw error("invalid number") }
        }
        if offset < bytes.count, bytes[offset] | 0x20 == UInt8(ascii: "e") {
            token.exponent = true
            offset += 1
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") {
                offset += 1
            }
            let expStart = offset
            while offset < bytes.count, bytes[offset] >= 0x30, bytes[offset] <= 0x39 { offset += 1 }
            guard offset > expStart else { throw error("invalid number") }
        }
        return token
    }

    public mutating func readBool() throws(JSONSyntaxError) -> Bool {
        skipWhitespace()
        if matchLiteral("true") { return true }
        if matchLiteral("false") { return false }
        throw error("invalid literal")
    }

    public mutating func readNull() throws(JSONSyntaxError) {
        skipWhitespace()
        guard matchLiteral("null") else { throw error("invalid literal") }
    }

    /// The deepest a document may nest: containers open at once, counted
    /// from its root.
    public static let maxNesting = 64

    /// One more container opens at the reader.
    @inline(__always)
    private mutating func enter() throws(JSONSyntaxError) {
        guard depth < Self.maxNesting else { throw error("nesting too deep") }
        depth += 1
    }

    @inline(__always)
    private mutating func leave() { depth -= 1 }

    /// Skips one value of any kind, checking its syntax.
    ///
    /// Iterative, with the open containers kept as bits (set: object), because
    /// skipping is most of the work of finding where a batch's events are.
    public mutating func skipValue() throws(JSONSyntaxError) {
        var depth = 0
        var objects = (low: UInt64(0), high: UInt64(0))
        // The names of the objects open in the skipped value, innermost last.
        var names: [MemberNames] = []
        func isObject(_ level: Int) -> Bool {
            level < 64 ? objects.low & (1 << UInt64(level)) != 0 : objects.high & (1 << UInt64(level - 64)) != 0
        }
        let outer = self.depth
        func open(_ object: Bool) throws(JSONSyntaxError) {
            guard outer + depth < Self.maxNesting else { throw error("nesting too deep") }
            let bit: UInt64 = object ? 1 : 0
            if depth < 64 {
                objects.low = objects.low & ~(1 << UInt64(depth)) | bit << UInt64(depth)
            } else {
                objects.high = objects.high & ~(1 << UInt64(depth - 64)) | bit << UInt64(depth - 64)
            }
            depth += 1
        }
        while true {
            // One value; a container that opens here continues with its first item.
            switch try peekKind() {
            case .object:
                offset += 1
                try open(true)
                skipWhitespace()
                if peekByte() == UInt8(ascii: "}") { offset += 1; depth -= 1 } else {
                    names.append(MemberNames())
                    try skipMemberName(&names)
                    continue
                }
            case .array:
                offset += 1
                try open(false)
                skipWhitespace()
                if peekByte() == UInt8(ascii: "]") { offset += 1; depth -= 1 } else { continue }
            case .string: try skipString()
            case .number: try skipNumber()
            case .bool: _ = try readBool()
            case .null: try readNull()
            }
            // The value is complete: close containers until one has a next item.
            while true {
                guard depth > 0 else { return }
                let object = isObject(depth - 1)
                skipWhitespace()
                guard offset < bytes.count else { throw error(object ? "unterminated object" : "unterminated array") }
                let c = bytes[offset]
                offset += 1
                if c == UInt8(ascii: ",") {
                    if object { skipWhitespace(); try skipMemberName(&names) }
                    break
                }
                if c == (object ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    if object { names.removeLast() }
                    depth -= 1
                    continue
                }
                offset -= 1
                throw error(object ? "expected ',' or '}'" : "expected ',' or ']'")
            }
        }
    }

    /// A member's name, noted among the innermost object's, and its colon.
    private mutating func skipMemberName(_ names: inout [MemberNames]) throws(JSONSyntaxError) {
        guard peekByte() == UInt8(ascii: "\"") else { throw error("expected '\"'") }
        let key = try readKey()
        guard names[names.count - 1].insert(key, in: bytes) else { throw duplicate(key) }
        skipWhitespace()
        try expect(UInt8(ascii: ":"))
    }

    @inline(never)
    private func duplicate(_ key: JSONKey) -> JSONSyntaxError {
        JSONSyntaxError(message: "duplicate member name '\(key.string.prefix(64))'", offset: offset)
    }

    private mutating func skipString() throws(JSONSyntaxError) {
        try expect(UInt8(ascii: "\""))
        let start = offset
        offset = plainRun(from: offset)
        guard offset < bytes.count else { throw error("unterminated string") }
        switch bytes[offset] {
        case UInt8(ascii: "\""):
            offset += 1
        case UInt8(ascii: "\\"):
            // Escapes are rare: the full reader checks them.
            offset = start - 1
            _ = try readString()
        default:
            throw stringFault()
        }
    }

    /// The first index from `start` on that holds `"`, `\`, a control
    /// character or a byte that is not well-formed UTF-8. Eight bytes at a
    /// time: most of a batch is string bytes, nearly all of them ASCII.
    @inline(__always)
    func plainRun(from start: Int) -> Int {
        guard let base = bytes.baseAddress else { return start }
        var i = ByteScan.firstStringStop(base, from: start, count: bytes.count)
        while i < bytes.count, base[i] >= 0x80 {
            guard let width = UTF8Sequence.width(base, at: i, count: bytes.count) else { return i }
            i = ByteScan.firstStringStop(base, from: i + width, count: bytes.count)
        }
        return i
    }

    /// Requires that only white space remains.
    public mutating func expectEnd() throws(JSONSyntaxError) {
        skipWhitespace()
        if offset != bytes.count { throw error("unexpected data after JSON value") }
    }

    // MARK: Helpers

    @inline(__always)
    private func peekByte() -> UInt8? {
        offset < bytes.count ? bytes[offset] : nil
    }

    @inline(__always)
    public mutating func skipWhitespace() {
        while offset < bytes.count {
            let c = bytes[offset]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { offset += 1 } else { return }
        }
    }

    @inline(__always)
    mutating func expect(_ byte: UInt8) throws(JSONSyntaxError) {
        guard offset < bytes.count, bytes[offset] == byte else { throw expected(byte) }
        offset += 1
    }

    /// The error of `expect`, apart so the check inlines small.
    @inline(never)
    private func expected(_ byte: UInt8) -> JSONSyntaxError {
        error("expected '\(Character(Unicode.Scalar(byte)))'")
    }

    private mutating func matchLiteral(_ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard offset + n <= bytes.count else { return false }
        let p = literal.utf8Start
        for i in 0..<n where bytes[offset + i] != p[i] { return false }
        offset += n
        return true
    }

    private mutating func readHex4() throws(JSONSyntaxError) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw error("invalid unicode escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[offset]
            offset += 1
            v <<= 4
            switch c {
            case 0x30...0x39: v |= UInt32(c - 0x30)
            case 0x41...0x46: v |= UInt32(c - 0x41 + 10)
            case 0x61...0x66: v |= UInt32(c - 0x61 + 10)
            default: throw error("invalid unicode escape")
            }
        }
        return v
    }

    func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(message: message, offset: offset)
    }
}

/// An object member's name, as read: where its bytes sit, between the
/// quotes. A plain value, so reading a key costs no reference counting;
/// a name with escapes (rare) is decoded only when compared.
public struct JSONKey {
    let raw: UnsafeBufferPointer<UInt8>
    let escaped: Bool

    /// True when the key is exactly `name` (ASCII), compared in place.
    @inline(__always)
    public func matches(_ name: StaticString) -> Bool {
        if escaped { return string == name.description }
        let n = name.utf8CodeUnitCount
        guard raw.count == n else { return false }
        let p = name.utf8Start
        for i in 0..<n where raw[i] != p[i] { return false }
        return true
    }

    public var string: String {
        guard escaped, let base = raw.baseAddress else { return String(decoding: raw, as: UTF8.self) }
        // The quotes around the raw bytes belong to the same buffer.
        var reader = JSONReader(UnsafeBufferPointer(start: base - 1, count: raw.count + 2))
        return (try? reader.readString()) ?? String(decoding: raw, as: UTF8.self)
    }
}

/// A string value as `JSONReader.readStringValue` read it.
public enum JSONStringValue: Sendable, Equatable {
    /// Where the bytes sit, between the quotes: there were no escapes.
    case plain(Range<Int>)
    /// The value, unescaped.
    case decoded(String)
}

/// Malformed JSON: the whole request is rejected with "Invalid JSON payload".
public struct JSONSyntaxError: Error, Sendable, Equatable {
    public var message: String
    public var offset: Int

    public init(message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }
}

extension JSONReader {
    /// Reads any value into a `JSONValue` tree (for small, open-shaped parts).
    public mutating func readValue() throws(JSONSyntaxError) -> JSONValue {
        switch try peekKind() {
        case .object:
            var fields: [String: JSONValue] = [:]
            try readObject { (r, key) throws(JSONSyntaxError) in fields[key] = try r.readValue() }
            return .object(fields)
        case .array:
            var items: [JSONValue] = []
            try readArray { (r, _) throws(JSONSyntaxError) in items.append(try r.readValue()) }
            return .array(items)
        case .string: return .string(try readString())
        case .number: return .number(try readNumber())
        case .bool: return .bool(try readBool())
        case .null: try readNull(); return .null
        }
    }
}
