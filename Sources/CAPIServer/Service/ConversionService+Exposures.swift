import CAPICore
import CAPIStore
import Foundation
import Logging

extension ConversionService {
    /// What a signed click or impression link resolves to.
    public enum LinkOutcome: Sendable {
        /// Recorded; for a click, `redirect` is the landing page with sc3clid.
        case recorded(redirect: String?)
        case refused(ServiceFailure)
    }

    /// Records a click or impression from a signed link.
    public func recordLink(
        kind: Exposure.Kind, path: String, mediaBuyID: String, packageID: String, creativeID: String,
        parameters: [(String, String)], clientIP: String?, userAgent: String?, logger: Logger
    ) async -> LinkOutcome {
        guard let secret = settings.signingSecret else {
            return .refused(ServiceFailure(.unavailable, AdCPError(
                .serviceUnavailable, "Click and impression links are off: the server has no signing secret (CAPI_SIGNING_SECRET)")))
        }
        guard LinkSigner(secret: secret).verify(path: path, parameters: parameters) else {
            return .refused(.forbidden(AdCPError(.permissionDenied, "The link's signature is missing or does not match", field: "sig")))
        }
        guard IdentifierRule.path.allows(mediaBuyID), IdentifierRule.path.allows(packageID), IdentifierRule.path.allows(creativeID) else {
            return .refused(.notFound(AdCPError(.referenceNotFound, "No such creative: the link's ids are not valid ids")))
        }
        do {
            guard let buy = try await findMediaBuy(id: mediaBuyID),
                  let creative = buy.creative(package: packageID, creative: creativeID) else {
                return .refused(.notFound(AdCPError(
                    .referenceNotFound, "No creative \(creativeID) in package \(packageID) of media buy \(mediaBuyID)")))
            }
            let now = nowMilliseconds
            var match = IncomingUserMatch()
            var uids: [IncomingUID] = []
            var cost: Double?
            var impressionID: String?
            for (name, value) in parameters {
                switch name {
                case "hashed_email": match.hashedEmail = value
                case "hashed_phone": match.hashedPhone = value
                case "cost": cost = Double(value).flatMap { (0...AmountLimits.maxMoney).contains($0) ? $0 : nil }
                case "imp": impressionID = value
                default:
                    if name.hasPrefix("uid.") { uids.append(IncomingUID(type: String(name.dropFirst(4)), value: value)) }
                }
            }
            if !uids.isEmpty { match.uids = uids }
            match.clientIP = clientIP
            match.clientUserAgent = userAgent
            // A malformed identifier is dropped, never a reason to break the user's click.
            let identifiers = (try? EventValidator.identifiers(match, field: "").get()) ?? {
                var ids = Identifiers()
                ids.clientIP = clientIP
                ids.clientUserAgent = userAgent
                return ids
            }()
            let clickID = kind == .click ? Self.mintClickID() : nil
            let exposureID = clickID.map { "clk_" + $0 } ?? impressionID.flatMap { IdentifierRule.name.allows($0) ? $0 : nil }
                ?? "imp_" + Self.mintClickID()
            let exposure = Exposure(
                exposureID: exposureID, kind: kind, accountID: buy.account_id, mediaBuyID: mediaBuyID,
                packageID: packageID, creativeID: creativeID, time: now, cost: cost, clickID: clickID,
                identifiers: identifiers)
            _ = try await store.insertExposures([exposure], receivedAt: now)
            return .recorded(redirect: clickID.map { LandingURL.appending(clickID: $0, to: creative.landing_url) })
        } catch {
            return .refused(Self.unavailable(error, operation: "record_link", logger: logger))
        }
    }

    /// 128 random bits, URL-safe: the sc3clid a click carries to the landing page.
    static func mintClickID() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return APIKey.base64URL(bytes)
    }

    /// Rows a feed stores in one transaction. The next run is read and
    /// checked while this one is written.
    public static let exposureRun = 20_000

    /// `POST /agentic/v1/exposures`: a JSON array or NDJSON of impressions and clicks.
    /// Measured by `ingestExposures` (`ConversionService+Metrics`).
    ///
    /// The body's syntax is checked whole first, so a malformed feed stores
    /// nothing. Its rows are then read, checked and stored in runs of
    /// `exposureRun` (divided among the store's `exposureWritesInFlight`),
    /// each its own durable transaction, written while the next is read: a failure part-way leaves whole runs stored, and a
    /// resend stores only what is missing (rows are unique by `exposure_id`).
    func storeExposures(
        body: [UInt8], ndjson: Bool, principal: Principal, logger: Logger
    ) async -> ServiceAnswer<ExposureFeedResponse> {
        if let e = principal.refusal(unless: .platform) { return Self.failure(.forbidden, e) }
        let starts: ExposureFeed.RowStarts
        switch ExposureFeed.rowStarts(body, ndjson: ndjson, limit: settings.maxExposuresPerRequest) {
        case .success(let s): starts = s
        case .failure(.syntax(let e)): return Self.failure(.invalid, Self.syntaxError(e))
        case .failure(.invalid(let e)): return Self.failure(.invalid, e)
        }
        let now = nowMilliseconds
        var buys: [String: MediaBuy?] = [:]
        var accepted = 0
        var failures: [(index: Int, exposureID: String?, error: AdCPError)] = []
        // Runs are written while the next is read. Several writes in flight
        // share `exposureRun` rows between them, so memory stays as it is
        // with one.
        let inFlight = store.traits.exposureWritesInFlight
        let runSize = max(1, Self.exposureRun / inFlight)
        var writing: [Task<Int, any Error>] = []
        var inserted = 0
        do {
            for runStart in stride(from: 0, to: starts.offsets.count, by: runSize) {
                let offsets = starts.offsets[runStart..<min(runStart + runSize, starts.offsets.count)]
                let rows = try ExposureFeed.rows(body, at: offsets, depth: starts.depth)
                var run: [Exposure] = []
                run.reserveCapacity(rows.count)
                for (n, row) in rows.enumerated() {
                    let buyID = row.mediaBuyID?.string ?? ""
                    if buys[buyID] == nil, IdentifierRule.path.allows(buyID) { buys[buyID] = .some(try await findMediaBuy(id: buyID)) }
                    switch Self.exposure(from: row, buy: buys[buyID] ?? nil, principal: principal, now: now, maxSkew: settings.maxFutureSkewSeconds * 1000) {
                    case .success(let e): run.append(e)
                    case .failure(let e): failures.append((runStart + n, row.exposureID?.string, e))
                    }
                }
                accepted += run.count
                guard !run.isEmpty else { continue }
                if writing.count >= inFlight { inserted += try await writing.removeFirst().value }
                let batch = run
                writing.append(Task { [store, ingestActivity] in
                    try await ingestActivity.during { try await store.insertExposures(batch, receivedAt: now) }
                })
            }
            for write in writing { inserted += try await write.value }
            writing = []
        } catch {
            for write in writing { _ = try? await write.value }
            return .failed(Self.unavailable(error, operation: "ingest_exposures", logger: logger))
        }
        let shown = failures.prefix(settings.maxReportedFailures)
        if accepted == 0 && !starts.offsets.isEmpty {
            // Nothing usable: the AdCP error shape, each field named by its row.
            let errors = shown.map { f in
                AdCPError(code: f.error.code, message: f.error.message,
                          field: "exposures[\(f.index)]" + (f.error.field.map { $0.isEmpty ? "" : "." + $0 } ?? ""))
            }
            return Self.failure(.invalid, Array(errors), total: failures.count)
        }
        return .done(ExposureFeedResponse(
            exposures_received: starts.offsets.count, exposures_processed: accepted,
            duplicates: accepted - inserted,
            failures: failures.isEmpty ? nil : shown.map { ExposureFeedResponse.Failure(index: $0.index, exposureID: $0.exposureID, error: $0.error) },
            failures_total: failures.isEmpty ? nil : failures.count))
    }

    /// One feed row, checked: ids, the buy it names, time, cost and
    /// identifiers, each of the type it must be (a wrong type fails the row,
    /// as in log_event; null is an absent field).
    static func exposure(
        from row: ExposureFeedRow, buy: MediaBuy?, principal: Principal, now: Int64, maxSkew: Int64
    ) -> Result<Exposure, AdCPError> {
        guard row.isObject else {
            return .failure(AdCPError(.validationError, "each exposure must be an object", field: ""))
        }
        do throws(AdCPError) {
            let exposureID = try ExposureRow.id(row.exposureID, "exposure_id", .name)
            guard let kindName = try ExposureRow.string(row.type, "type"), let kind = Exposure.Kind(rawValue: kindName) else {
                throw AdCPError(.validationError, "type must be 'impression' or 'click'", field: "type")
            }
            let mediaBuyID = try ExposureRow.id(row.mediaBuyID, "media_buy_id", .path)
            let packageID = try ExposureRow.id(row.packageID, "package_id", .path)
            let creativeID = try ExposureRow.id(row.creativeID, "creative_id", .path)
            guard let buy, principal.mayServe(account: buy.account_id) else {
                throw AdCPError(.referenceNotFound, "media buy '\(mediaBuyID)' is not registered; PUT it to /agentic/v1/media-buys first", field: "media_buy_id")
            }
            guard buy.packages.contains(where: { $0.package_id == packageID }) else {
                throw AdCPError(.referenceNotFound, "package '\(packageID)' is not part of media buy \(buy.media_buy_id)", field: "package_id")
            }
            guard buy.creative(package: packageID, creative: creativeID) != nil else {
                throw AdCPError(.referenceNotFound, "creative '\(creativeID)' is not in package \(packageID) of media buy \(buy.media_buy_id)", field: "creative_id")
            }
            guard let timeText = try ExposureRow.string(row.time, "time"), let time = RFC3339.parseMilliseconds(timeText) else {
                throw AdCPError(.validationError, "time must be an RFC 3339 timestamp with an offset", field: "time")
            }
            guard time <= now + maxSkew else { throw AdCPError(.validationError, "time is in the future", field: "time") }
            let cost = try ExposureRow.number(row.cost, "cost")
            if let cost, !(0...AmountLimits.maxMoney).contains(cost) {
                throw AdCPError(.validationError, "cost must be \(AmountLimits.moneyRange), in the media buy's currency", field: "cost")
            }
            var match = IncomingUserMatch()
            match.hashedEmail = try ExposureRow.string(row.hashedEmail, "hashed_email")
            match.hashedPhone = try ExposureRow.string(row.hashedPhone, "hashed_phone")
            match.clientIP = try ExposureRow.string(row.clientIP, "client_ip")
            match.clientUserAgent = try ExposureRow.string(row.clientUserAgent, "client_user_agent")
            match.uids = try ExposureRow.uids(row.uids)
            let identifiers = try Self.exposureIdentifiers(match)
            let clickID = try ExposureRow.string(row.clickID, "click_id")
            if let clickID {
                guard kind == .click else { throw AdCPError(.validationError, "only clicks carry a click_id", field: "click_id") }
                guard IdentifierRule.token.allows(clickID) else {
                    throw AdCPError(.validationError, "click_id must be \(IdentifierRule.token.requirement)", field: "click_id")
                }
            }
            return .success(Exposure(
                exposureID: exposureID, kind: kind, accountID: buy.account_id, mediaBuyID: buy.media_buy_id,
                packageID: packageID, creativeID: creativeID, time: time, cost: cost, clickID: clickID,
                identifiers: identifiers))
        } catch {
            return .failure(error)
        }
    }

    /// An exposure's identifiers under log_event's rules; one with none
    /// that can match still counts for delivery.
    static func exposureIdentifiers(_ match: IncomingUserMatch) throws(AdCPError) -> Identifiers {
        var identifiers = Identifiers()
        guard match != IncomingUserMatch() else { return identifiers }
        switch EventValidator.identifiers(match, field: "") {
        case .success(let ids): identifiers = ids
        case .failure(let e):
            if e.field != "" { throw e }
            identifiers.clientIP = match.clientIP
            identifiers.clientUserAgent = match.clientUserAgent
        }
        return identifiers
    }
}
