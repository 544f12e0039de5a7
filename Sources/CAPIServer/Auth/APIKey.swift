import Crypto
import Foundation

/// API keys: `scope3_` followed by 192 random bits, URL-safe.
/// Only the SHA-256 of a key is stored; the key is shown once.
public enum APIKey {
    public static let scheme = "scope3_"
    /// Characters of the key kept in clear as its public handle.
    public static let prefixLength = 14

    public struct Minted: Sendable {
        public var key: String
        public var prefix: String
        public var hash: String
    }

    public static func mint() -> Minted {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let key = scheme + base64URL(bytes)
        return Minted(key: key, prefix: String(key.prefix(prefixLength)), hash: hash(key))
    }

    public static func hash(_ key: String) -> String {
        hex(SHA256.hash(data: Array(key.utf8)))
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// Lowercase hex of a digest.
func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(64)
    for b in digest {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// SHA-256 of a request body, as hex: the fingerprint behind idempotency keys.
func sha256Hex(_ bytes: [UInt8]) -> String {
    bytes.withUnsafeBufferPointer(sha256Hex)
}

func sha256Hex(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    hex(SHA256.hash(data: UnsafeRawBufferPointer(bytes)))
}
