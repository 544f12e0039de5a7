import Foundation

/// The member names of one object as it is read, to refuse a name given
/// twice (whether spelled the same or with other escapes). The first
/// sixteen sit inline, so reading an ordinary object allocates nothing.
struct MemberNames {
    /// Where a name sits in the buffer, between its quotes, and its first
    /// eight bytes: most names differ there, so most checks end without memcmp.
    private struct Name {
        var start: Int
        var count: Int
        var head: UInt64
        var escaped: Bool
    }

    private var inline = InlineArray<16, Name>(repeating: Name(start: 0, count: 0, head: 0, escaped: false))
    private var count = 0
    private var more: [Name] = []

    /// Records `key` (read from `bytes`); false when the object already has that name.
    @inline(__always)
    mutating func insert(_ key: JSONKey, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress, let raw = key.raw.baseAddress else { return true }
        let name = Name(start: raw - base, count: key.raw.count, head: Self.head(key.raw), escaped: key.escaped)
        for i in 0..<min(count, 16) where Self.same(inline[i], name, key, base) { return false }
        for earlier in more where Self.same(earlier, name, key, base) { return false }
        if count < 16 { inline[count] = name } else { more.append(name) }
        count += 1
        return true
    }

    /// The first eight bytes of `raw` (fewer, zero-padded, when it is shorter).
    @inline(__always)
    private static func head(_ raw: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard let base = raw.baseAddress else { return 0 }
        if raw.count >= 8 { return UnsafeRawPointer(base).loadUnaligned(as: UInt64.self) }
        var v: UInt64 = 0
        for i in 0..<raw.count { v |= UInt64(base[i]) << (8 * UInt64(i)) }
        return v
    }

    @inline(__always)
    private static func same(_ earlier: Name, _ name: Name, _ key: JSONKey, _ base: UnsafePointer<UInt8>) -> Bool {
        if !earlier.escaped && !name.escaped {
            guard earlier.count == name.count, earlier.head == name.head else { return false }
            return name.count <= 8 || memcmp(base + earlier.start + 8, base + name.start + 8, name.count - 8) == 0
        }
        // Compared as code points: String's == would also match canonically equivalent names.
        let other = JSONKey(raw: UnsafeBufferPointer(start: base + earlier.start, count: earlier.count), escaped: earlier.escaped)
        return other.string.utf8.elementsEqual(key.string.utf8)
    }
}
