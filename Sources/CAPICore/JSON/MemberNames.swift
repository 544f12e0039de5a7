import Foundation

/// The member names of one object as it is read, to refuse a name given
/// twice (whether spelled the same or with other escapes). The first
/// sixteen sit inline, so reading an ordinary object allocates nothing.
struct MemberNames {
    /// Where a name sits in the buffer, between its quotes.
    private struct Name {
        var start: Int
        var count: Int
        var escaped: Bool
    }

    private var inline = InlineArray<16, Name>(repeating: Name(start: 0, count: 0, escaped: false))
    private var count = 0
    private var more: [Name] = []

    /// Records `key` (read from `bytes`); false when the object already has that name.
    @inline(__always)
    mutating func insert(_ key: JSONKey, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress, let raw = key.raw.baseAddress else { return true }
        let name = Name(start: raw - base, count: key.raw.count, escaped: key.escaped)
        for i in 0..<min(count, 16) where Self.same(inline[i], name, key, base) { return false }
        for earlier in more where Self.same(earlier, name, key, base) { return false }
        if count < 16 { inline[count] = name } else { more.append(name) }
        count += 1
        return true
    }

    @inline(__always)
    private static func same(_ earlier: Name, _ name: Name, _ key: JSONKey, _ base: UnsafePointer<UInt8>) -> Bool {
        if !earlier.escaped && !name.escaped {
            return earlier.count == name.count && memcmp(base + earlier.start, base + name.start, name.count) == 0
        }
        // Compared as code points: String's == would also match canonically equivalent names.
        let other = JSONKey(raw: UnsafeBufferPointer(start: base + earlier.start, count: earlier.count), escaped: earlier.escaped)
        return other.string.utf8.elementsEqual(key.string.utf8)
    }
}
