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
    /// Hashed lookup: `init(rawValue:)` compares against every case in turn.
    static let byName: [String: UIDType] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0) })

    /// The case named `name`, found by hash.
    public static func named(_ name: String) -> UIDType? { byName[name] }
}

extension UIDType {
    /// The identity-key kind of this uid type (`uid:rampid`…), made once.
    static let keyKinds: [UIDType: String] = Dictionary(uniqueKeysWithValues: allCases.map { ($0, "uid:" + $0.rawValue) })
    public var keyKind: String { Self.keyKinds[self] ?? "uid:" + rawValue }
}
