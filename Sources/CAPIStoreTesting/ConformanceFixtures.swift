import CAPICore
import CAPIStore

/// The data the checks build on: a fixed clock, an account with sources,
/// events as a client would send them, and batches stored through the
/// store's own `ingest`, validated as the service validates them.
enum Fixtures {
    /// The checks' "now": 2026-11-27T12:00:00Z.
    static let now: Int64 = 1_795_780_800_000
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    /// Creates `account` with the sources `web` and `app` (and any others).
    static func account(_ store: any ConversionStore, _ account: String = "acme", sources: [String] = ["web", "app"]) async throws {
        try await store.createAccount(Account(accountID: account, name: nil, createdAt: now))
        for source in sources {
            try await store.upsertEventSource(EventSource(
                accountID: account, eventSourceID: source, config: EventSourceConfig(name: source), createdAt: now, updatedAt: now))
        }
    }

    /// A purchase as a client sends it, `ago` before `now`, matched by `user`
    /// (a JSON object's members, without braces).
    static func purchase(_ id: String, ago: Int64 = minute, value: Double = 25, type: String = "purchase", user: String) -> String {
        #"{"event_id":"\#(id)","event_type":"\#(type)","event_time":"\#(RFC3339.format(milliseconds: now - ago))","action_source":"website","event_source_url":"https://shop.example.com/done","user_match":{\#(user)},"custom_data":{"value":\#(value),"currency":"USD"}}"#
    }

    /// A user match by the sc3clid of a click.
    static func click(_ clickID: String) -> String { #""click_id":"\#(clickID)","click_id_type":"sc3clid""# }

    /// A user match by a hashed email (64 hex characters made from `seed`).
    static func email(_ seed: Character) -> String { #""hashed_email":"\#(hashedEmail(seed))""# }

    static func hashedEmail(_ seed: Character) -> String { String(repeating: String(seed), count: 64) }

    /// Validates `events` against the source's contract and stores them in
    /// one batch, its runs cut as the store asks (`StoreTraits.runs`).
    static func ingest(
        _ store: any ConversionStore, account: String = "acme", source: String = "web", _ events: [String],
        testEventCode: String? = nil, claim: IdempotencyClaim? = nil
    ) async throws -> StoreOutcome<IngestCounts> {
        let body = BatchBytes(Array((#"{"event_source_id":"\#(source)","events":["# + events.joined(separator: ",") + "]}").utf8))
        let ranges: [Range<Int>]
        do {
            ranges = try body.withArrived { buffer throws(LogEventDecoder.Failure) in
                try LogEventDecoder.decodeEnvelope(buffer, maxEvents: 100_000).eventRanges ?? []
            }
        } catch {
            throw ConformanceFailure(message: "the fixture batch does not decode: \(error)", file: #filePath, line: #line)
        }
        let contract = try await store.eventSource(accountID: account, id: source)?.contract ?? EventSourceContract()
        let validator = EventValidator(contract: contract, now: now)
        let slices = store.traits.runs.slices(events: ranges.count)
        let runs = ValidatedRuns(count: slices.count)
        for (index, slice) in slices.enumerated() {
            runs.deliver(
                body.withArrived { ValidatedEvents($0, ranges: ranges[slice], firstIndex: slice.lowerBound, validator: validator) },
                at: index)
        }
        let batch = IngestBatch(
            accountID: account, eventSourceID: source, receivedAt: now, body: body, runs: runs, testEventCode: testEventCode)
        return try await store.ingest(batch, idempotency: claim) { counts in Array("\(counts.inserted)+\(counts.duplicates)".utf8) }
    }

    /// The counts of a batch written now (not a replay).
    static func written(_ outcome: StoreOutcome<IngestCounts>, file: StaticString = #filePath, line: UInt = #line) throws -> IngestCounts {
        guard case .written(let counts, _) = outcome else {
            throw ConformanceFailure(message: "expected a write, got a replay", file: file, line: line)
        }
        return counts
    }

    /// A media buy of `account` with package `pkg` and creative `cr`.
    static func mediaBuy(_ id: String, account: String = "acme") -> MediaBuy {
        MediaBuy(
            media_buy_id: id, account_id: account, name: nil, currency: "USD", start_time: nil, end_time: nil,
            packages: [.init(package_id: "pkg", creatives: [.init(creative_id: "cr", landing_url: "https://shop.example.com/")])])
    }

    /// An exposure of buy `buy`, `ago` before `now`.
    static func exposure(
        _ id: String, _ kind: Exposure.Kind, buy: String = "mb1", account: String = "acme", ago: Int64, cost: Double? = nil,
        clickID: String? = nil, email: Character? = nil
    ) -> Exposure {
        var identifiers = Identifiers()
        identifiers.hashedEmail = email.map(hashedEmail)
        return Exposure(
            exposureID: id, kind: kind, accountID: account, mediaBuyID: buy, packageID: "pkg", creativeID: "cr",
            time: now - ago, cost: cost, clickID: clickID, identifiers: identifiers)
    }
}
