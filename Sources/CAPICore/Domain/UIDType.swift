/// Universal ID types accepted in `user_match.uids` (enums/uid-type.json).
public enum UIDType: String, CaseIterable, Codable, Sendable {
    case rampid
    case rampidDerived = "rampid_derived"
    case id5, uid2, euid, pairid, maid
    case hashedEmail = "hashed_email"
    case publisherFirstParty = "publisher_first_party"
    case worldIDNullifier = "world_id_nullifier"
    case other
}

extension UIDType {
    static let byName = CaseNames<UIDType>()

    /// The case named `name`.
    public static func named(_ name: String) -> UIDType? { byName[name] }

    /// The case named by UTF-8 bytes, e.g. a field of an `EventText`.
    static func named(_ name: UnsafeBufferPointer<UInt8>) -> UIDType? { byName[bytes: name] }
}

extension UIDType {
    /// The identity-key kind of this uid type: `uid:rampid`…
    public var keyKind: String { Self.keyKindPrefix.description + rawValue }

    static let keyKindPrefix: StaticString = "uid:"
}
