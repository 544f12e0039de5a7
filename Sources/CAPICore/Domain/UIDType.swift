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
