import CAPICore
import CAPIStore
import Foundation

/// What the server's store holds, read through the store protocol as an
/// operator tool would: no SQL, no concrete store. (How a store lays its
/// rows out is its own target's business: `CAPIStoreSQLiteTests`.)
extension TestServer {
    /// Row counts of one account, or of every account when nil.
    func census(_ accountID: String? = nil) async throws -> StoreCensus {
        try await store.census(accountID: accountID)
    }

    /// Every stored event of `accountID`, in arrival order.
    func storedEvents(_ accountID: String = "acme") async throws -> [StoredEventRecord] {
        var all: [StoredEventRecord] = []
        while true {
            let page = try await store.storedEvents(accountID: accountID, afterSeq: all.last?.seq ?? 0, limit: 1_000)
            all += page
            if page.count < 1_000 { return all }
        }
    }

    /// The ids of `accountID`'s stored events, in arrival order.
    func storedEventIDs(_ accountID: String = "acme") async throws -> [String] {
        try await storedEvents(accountID).map(\.eventID)
    }

    /// The stored events of `accountID` as sent, in arrival order.
    func storedJSON(_ accountID: String = "acme") async throws -> [String] {
        try await storedEvents(accountID).map(\.json)
    }

    /// Every stored exposure of `accountID`, in arrival order.
    func storedExposures(_ accountID: String = "acme") async throws -> [StoredExposureRecord] {
        var all: [StoredExposureRecord] = []
        while true {
            let page = try await store.storedExposures(accountID: accountID, afterSeq: all.last?.seq ?? 0, limit: 1_000)
            all += page
            if page.count < 1_000 { return all }
        }
    }

    /// Every account's counters, summed since the epoch.
    func counters(_ accountID: String = "acme") async throws -> [String: SourceCounters] {
        try await store.counters(accountID: accountID, since: 0)
    }
}

extension StoredEventRecord {
    /// The stored event, parsed.
    var parsed: JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))) ?? .null }
}
