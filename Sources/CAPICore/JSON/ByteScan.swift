/// Finding bytes eight at a time: how the scans that pass over most of a
/// batch (string contents, stored payloads) skip the bytes they don't need.
enum ByteScan {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The first index in `start..<count` of `base` holding a byte below
    /// 0x20, or one of `pair` if given; `count` if none does.
    @inline(__always)
    static func firstIndex(_ base: UnsafePointer<UInt8>, from start: Int, count: Int, controlOr pair: (UInt8, UInt8)?) -> Int {
        var i = start
        let raw = UnsafeRawPointer(base)
        while i + 8 <= count {
            let v = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let found = flags(v, pair) & highBits
            if found != 0 { return i + found.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < count {
            let c = base[i]
            if c < 0x20 { return i }
            if let (a, b) = pair, c == a || c == b { return i }
            i += 1
        }
        return count
    }

    /// The first index in `start..<count` that a JSON string cannot simply
    /// run over: `"`, `\`, a control character, or a byte of a non-ASCII
    /// character (which the caller checks as UTF-8).
    @inline(__always)
    static func firstStringStop(_ base: UnsafePointer<UInt8>, from start: Int, count: Int) -> Int {
        var i = start
        let raw = UnsafeRawPointer(base)
        let pair = (UInt8(ascii: "\""), UInt8(ascii: "\\"))
        while i + 8 <= count {
            let v = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let found = (flags(v, pair) | v) & highBits
            if found != 0 { return i + found.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < count {
            let c = base[i]
            if c < 0x20 || c >= 0x80 || c == pair.0 || c == pair.1 { return i }
            i += 1
        }
        return count
    }

    /// A byte's high bit is set where it is one of `pair` (zero after the
    /// xor) or below 0x20; the lowest one flagged is always a real match.
    @inline(__always)
    private static func flags(_ v: UInt64, _ pair: (UInt8, UInt8)?) -> UInt64 {
        var flags = (v &- ones &* 0x20) & ~v
        if let (a, b) = pair {
            let x = v ^ (ones &* UInt64(a))
            let y = v ^ (ones &* UInt64(b))
            flags |= ((x &- ones) & ~x) | ((y &- ones) & ~y)
        }
        return flags
    }
}
