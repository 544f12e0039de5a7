import Foundation

/// SipHash-2-4 (Aumasson and Bernstein), a keyed 64-bit hash: with a secret
/// key, nobody who sends events can choose ids that collide, so the
/// dedup index's verification reads stay rare whatever clients send.
///
/// Fed incrementally: `append` as many byte runs as a value has, then
/// `finalize`. Stable across processes and versions (unlike Swift's
/// `Hasher`), since its values are stored.
struct SipHash24 {
    private var v0: UInt64
    private var v1: UInt64
    private var v2: UInt64
    private var v3: UInt64
    /// Bytes not yet in a full 8-byte word, little-endian.
    private var tail: UInt64 = 0
    private var length = 0

    init(key: (UInt64, UInt64)) {
        v0 = 0x736f_6d65_7073_6575 ^ key.0
        v1 = 0x646f_7261_6e64_6f6d ^ key.1
        v2 = 0x6c79_6765_6e65_7261 ^ key.0
        v3 = 0x7465_6462_7974_6573 ^ key.1
    }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        for byte in bytes { append(byte) }
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        tail |= UInt64(byte) << (UInt64(length & 7) * 8)
        length += 1
        if length & 7 == 0 {
            compress(tail)
            tail = 0
        }
    }

    /// One part of a key of several: its UTF-8 bytes, then 0xFF (a byte
    /// UTF-8 never holds), so no two keys feed the hash the same bytes.
    mutating func append(part: String) {
        var part = part
        part.withUTF8 { append($0) }
        append(0xFF)
    }

    consuming func finalize() -> UInt64 {
        compress(tail | UInt64(truncatingIfNeeded: length) << 56)
        v2 ^= 0xff
        for _ in 0..<4 { round() }
        return v0 ^ v1 ^ v2 ^ v3
    }

    @inline(__always)
    private mutating func compress(_ m: UInt64) {
        v3 ^= m
        round()
        round()
        v0 ^= m
    }

    @inline(__always)
    private mutating func round() {
        v0 &+= v1; v1 = v1.rotatedLeft(13); v1 ^= v0; v0 = v0.rotatedLeft(32)
        v2 &+= v3; v3 = v3.rotatedLeft(16); v3 ^= v2
        v0 &+= v3; v3 = v3.rotatedLeft(21); v3 ^= v0
        v2 &+= v1; v1 = v1.rotatedLeft(17); v1 ^= v2; v2 = v2.rotatedLeft(32)
    }
}

extension SipHash24 {
    /// A new secret key, as the 16 bytes a store keeps.
    static func randomKeyBytes() -> Data {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// A key kept as 16 bytes (two little-endian words); nil if it is not.
    static func key(stored data: Data?) -> (UInt64, UInt64)? {
        guard let data, data.count == 16 else { return nil }
        let words = data.withUnsafeBytes { raw in (raw.loadUnaligned(as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) }
        return (UInt64(littleEndian: words.0), UInt64(littleEndian: words.1))
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotatedLeft(_ n: UInt64) -> UInt64 { (self << n) | (self >> (64 - n)) }
}
