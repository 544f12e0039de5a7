import ArgumentParser
import CAPICore
import CAPIStore

struct Attribute: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Attribute pending conversions now, or recompute a range (--rebuild).")
    @Flag(help: "Recompute conversions already attributed (in the --from/--to event-time range, or all), then verify the delivery rollups (exits 1 if they differ).")
    var rebuild = false
    @Option(help: "Earliest event_time to rebuild (RFC 3339).") var from: String?
    @Option(help: "Latest event_time to rebuild (RFC 3339).") var to: String?
    @OptionGroup var db: DatabaseOption

    /// Conversions per pass (one transaction): large passes amortize the
    /// commit and let each pass's sorted key lookups share more b-tree pages.
    static let passSize = 25_000

    func run() async throws {
        func instant(_ text: String?, _ name: String) throws -> Int64? {
            guard let text else { return nil }
            guard let ms = RFC3339.parseMilliseconds(text) else { throw ValidationError("--\(name) must be an RFC 3339 timestamp") }
            return ms
        }
        let (start, end) = (try instant(from, "from"), try instant(to, "to"))
        let store = try await db.openStore(workload: .bulk)
        var total = AttributionProgress(conversions: 0, reexamined: 0)
        while true {
            let p = try await store.attributePending(maxConversions: Self.passSize, at: nowMilliseconds)
            if p.isIdle { break }
            total.conversions += p.conversions
            total.reexamined += p.reexamined
        }
        print("attributed \(total.conversions) new conversions, re-examined \(total.reexamined)")
        if rebuild {
            let n = try await store.rebuildAttributions(from: start, to: end, at: nowMilliseconds)
            print("rebuilt \(n) conversions")
        }
        // A rebuild moves conversions between rollup rows: prove they still
        // agree with the raw rows.
        let check = rebuild ? try await store.verifyRollups(accountID: nil) : nil
        try await store.close()
        if let check { try Rollups.report(check) }
    }
}
