/// The string values of one event in one buffer, so reading an event makes
/// one allocation rather than one String per field; fields are `TextSpan`s
/// into it. When decoded, the buffer is a copy of the event's bytes (values
/// without escapes are spans of it), then the values that had to be rewritten.
/// The rules check the bytes in place and the writer binds them from here.
///
/// A span holds what `String(decoding:as:)` would: escapes undone and invalid
/// UTF-8 repaired the same way, so stored values and lengths do not change.
public struct EventText: Sendable, Equatable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// A text that starts with a copy of `raw` (an event's bytes), whose
    /// values can then be spans of it.
    init(copying raw: UnsafeBufferPointer<UInt8>) {
        bytes = Array(raw)
    }

    /// Appends raw string bytes (no escapes) and returns where they sit.
    public mutating func append(_ raw: UnsafeBufferPointer<UInt8>) -> TextSpan {
        if Self.isASCII(raw) {
            let start = bytes.count
            bytes.append(contentsOf: raw)
            return span(from: start)
        }
        // Rare: other UTF-8, checked (and repaired) as a String would be.
        return append(String(decoding: raw, as: UTF8.self))
    }

    /// Appends a string's bytes and returns where they sit.
    public mutating func append(_ s: String) -> TextSpan {
        let start = bytes.count
        bytes.append(contentsOf: s.utf8)
        return span(from: start)
    }

    /// `append(s)` for a value that may be absent.
    public mutating func append(_ s: String?) -> TextSpan? {
        s.map { append($0) }
    }

    private func span(from start: Int) -> TextSpan {
        TextSpan(start: UInt32(truncatingIfNeeded: start), end: UInt32(truncatingIfNeeded: bytes.count))
    }

    public func string(_ span: TextSpan) -> String {
        bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[span.range]), as: UTF8.self) }
    }

    public func string(_ span: TextSpan?) -> String? {
        span.map { string($0) }
    }

    /// Hands `body` a span's bytes in place.
    @inline(__always)
    public func withBytes<T>(_ span: TextSpan, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[span.range])) }
    }

    /// True when the span holds exactly `s`'s bytes (ASCII names such as `sc3clid`).
    func equals(_ span: TextSpan?, _ s: StaticString) -> Bool {
        guard let span, span.range.count == s.utf8CodeUnitCount else { return false }
        return withBytes(span) { b in
            for i in 0..<b.count where b[i] != s.utf8Start[i] { return false }
            return true
        }
    }

    /// True when every byte is below 0x80; eight at a time.
    @inline(__always)
    static func isASCII(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = b.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        var i = 0
        var high: UInt64 = 0
        while i + 8 <= b.count {
            high |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < b.count {
            high |= UInt64(b[i])
            i += 1
        }
        return high & 0x8080_8080_8080_8080 == 0
    }
}
