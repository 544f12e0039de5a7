/// The one rule for ids, everywhere one arrives: REST, MCP, the exposure
/// feed, signed links, the command line.
///
/// An id is compared byte for byte, stored, and bound into SQL; a control
/// character in one (a NUL above all, which C strings end at) would let two
/// different ids meet or one id hide bytes, so none is allowed.
public enum IdentifierRule: Sendable, Equatable {
    /// Ids that senders choose (event ids, event source ids, exposure ids,
    /// click ids, uid values, order ids, test event codes): 1 to `maxCharacters`
    /// Unicode characters, none of them a control character (U+0000–U+001F,
    /// U+007F–U+009F) or a line or paragraph separator (U+2028, U+2029).
    case printable(maxCharacters: Int)
    /// Ids that appear in URL paths (accounts, media buys, packages,
    /// creatives) and idempotency keys: `minBytes` to `maxBytes` of
    /// `A-Z a-z 0-9 _ . : -`.
    case urlSafe(minBytes: Int = 1, maxBytes: Int)

    /// An event id, as AdCP bounds it.
    public static let eventID = IdentifierRule.printable(maxCharacters: 256)
    /// Event source ids, exposure ids, order ids and test event codes.
    public static let name = IdentifierRule.printable(maxCharacters: 256)
    /// Values minted elsewhere that can be long (uid tokens, other platforms' click ids).
    public static let token = IdentifierRule.printable(maxCharacters: 1024)
    /// Accounts, media buys, packages and creatives.
    public static let path = IdentifierRule.urlSafe(maxBytes: 128)
    /// An `idempotency_key`, as AdCP bounds it (a UUID fits).
    public static let idempotencyKey = IdentifierRule.urlSafe(minBytes: 16, maxBytes: 255)

    /// True when `bytes` (well-formed UTF-8) is an id under this rule.
    public func allows(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        switch self {
        case .urlSafe(let minBytes, let maxBytes):
            return bytes.count >= max(minBytes, 1) && bytes.count <= maxBytes && bytes.allSatisfy(Self.isURLSafe)
        case .printable(let maxCharacters):
            guard !bytes.isEmpty, bytes.count <= 4 * maxCharacters, let base = bytes.baseAddress else { return false }
            // Printable ASCII eight bytes at a time: nearly every id is all of it.
            var i = 0
            let ones: UInt64 = 0x0101_0101_0101_0101
            let high = ones &* 0x80
            while i + 8 <= bytes.count {
                let v = UnsafeRawPointer(base).loadUnaligned(fromByteOffset: i, as: UInt64.self)
                guard v & high == 0 else { break }
                let del = v ^ (ones &* 0x7F)
                let control = ((v &- ones &* 0x20) & ~v) | ((del &- ones) & ~del)
                guard control & high == 0 else { return false }
                i += 8
            }
            var characters = i
            while i < bytes.count {
                let c = bytes[i]
                if c < 0x80 {
                    guard c >= 0x20, c != 0x7F else { return false }
                    i += 1
                } else {
                    // Two-byte C1 controls are C2 80–C2 9F; E2 80 A8/A9 are the separators.
                    if c == 0xC2, i + 1 < bytes.count, bytes[i + 1] < 0xA0 { return false }
                    if c == 0xE2, i + 2 < bytes.count, bytes[i + 1] == 0x80, bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9 {
                        return false
                    }
                    i += 1
                    while i < bytes.count, bytes[i] & 0xC0 == 0x80 { i += 1 }
                }
                characters += 1
            }
            return characters <= maxCharacters
        }
    }

    public func allows(_ id: String) -> Bool {
        var id = id
        return id.withUTF8 { allows($0) }
    }

    /// What an id must be, for error messages: "`field` must be …".
    public var requirement: String {
        switch self {
        case .printable(let n): "1 to \(n) characters, none of them a control character"
        case .urlSafe(let low, let high): "\(max(low, 1)) to \(high) characters of A-Z a-z 0-9 _ . : -"
        }
    }

    /// The refusal of `field` when it breaks this rule.
    public func problem(_ id: String, field: String, code: ErrorCode = .invalidRequest) -> AdCPError? {
        allows(id) ? nil : AdCPError(code, "\(field.split(separator: ".").last.map(String.init) ?? field) must be \(requirement)", field: field)
    }

    @inline(__always)
    static func isURLSafe(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
            || c == UInt8(ascii: "_") || c == UInt8(ascii: ".") || c == UInt8(ascii: ":") || c == UInt8(ascii: "-")
    }
}
