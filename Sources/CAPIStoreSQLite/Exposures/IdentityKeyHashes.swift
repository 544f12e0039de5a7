import Foundation
import GRDB

/// The 64-bit numbers under which `exposure_keys` files an exposure's
/// identity keys: a keyed SipHash-2-4 of the account and the storage key.
///
/// An entry is three integers instead of the key's text twice (table and
/// index), so the index an exposure feeds is small and cheap to write. A
/// hash can collide, so a lookup is settled against the keys the exposure
/// row itself stores (`exposures.keys`): matching stays exact. The secret
/// key lives in `store_meta`, with the rows it hashed, so nobody who sends
/// identifiers can make them crowd one entry.
struct IdentityKeyHashes: Sendable {
    private let key: (UInt64, UInt64)

    init(key: (UInt64, UInt64)) { self.key = key }

    /// The hash of `storageKey` in `accountID`: each part's UTF-8 bytes
    /// followed by 0xFF, a byte UTF-8 never holds.
    func hash(accountID: String, storageKey: String) -> Int64 {
        var hash = SipHash24(key: key)
        hash.append(part: accountID)
        hash.append(part: storageKey)
        return Int64(bitPattern: hash.finalize())
    }

    // MARK: - The secret key in store_meta

    private static let metaName = "identity_key"

    /// The store's hashes; nil before migration v7 made the key.
    static func load(_ db: Database) throws -> IdentityKeyHashes? {
        SipHash24.key(stored: try Data.fetchOne(db, sql: "SELECT value FROM store_meta WHERE name = ?", arguments: [metaName]))
            .map(IdentityKeyHashes.init(key:))
    }

    /// Makes and stores a new random key: only when no entry exists yet.
    static func create(_ db: Database) throws -> IdentityKeyHashes {
        try db.execute(sql: "INSERT INTO store_meta (name, value) VALUES (?, ?)", arguments: [metaName, SipHash24.randomKeyBytes()])
        return try required(db)
    }
}

extension IdentityKeyHashes {
    /// The store's hashes, which every migrated store has.
    static func required(_ db: Database) throws -> IdentityKeyHashes {
        guard let hashes = try load(db) else {
            throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "store_meta has no identity key: the store is not migrated")
        }
        return hashes
    }
}
