/// Finding bytes eight at a time: how the scans that pass over most of a
/// batch (string contents, stored payloads) skip the bytes they don't need.
enum ByteScan {
    /// The first index in `start..<count` of `base` holding a byte below
    /// 0x20, or one of `pair` if given; `count` if none does.
    @inline(__always)
    static func firstIndex(_ base: UnsafePointer<UInt8>, from start: Int, count: Int, controlOr pair: (UInt8, UInt8)?) -> Int {
        var i = start
        let raw = UnsafeRawPointer(base)
        let ones: UInt64 = 0x0101_0101_0101_0101
        while i + 8 <= count {
            let v = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            // A byte's high bit is set where it is zero (after the xor) or
            // below 0x20; the lowest one flagged is always a real match.
            var flags = (v &- ones &* 0x20) & ~v
            if let (a, b) = pair {
                let x = v ^ (ones &* UInt64(a))
                let y = v ^ (ones &* UInt64(b))
                flags |= ((x &- ones) & ~x) | ((y &- ones) & ~y)
            }
            let found = flags & (ones &* 0x80)
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
}
